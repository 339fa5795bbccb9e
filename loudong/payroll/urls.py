from django.urls import path

from loudong.payroll import views

app_name = "payroll"

urlpatterns = [
    path("", views.index, name="index"),
    path("prepare/", views.prepare, name="prepare"),
    path("mine/", views.mine, name="mine"),
    path("periods/<id:pk>/", views.period_detail, name="period"),
    path("periods/<id:pk>/prepare/", views.period_prepare, name="period_prepare"),
    path("periods/<id:pk>/submit/", views.period_submit, name="period_submit"),
    path("periods/<id:pk>/return/", views.period_return, name="period_return"),
    path("periods/<id:pk>/approve/", views.period_approve, name="period_approve"),
    path("periods/<id:pk>/lines/add/", views.line_add, name="line_add"),
    path("periods/<id:pk>/export.xlsx", views.period_export, name="period_export"),
    path("periods/<id:pk>/sign-sheet/", views.sign_sheet, name="sign_sheet"),
    path("lines/<id:pk>/edit/", views.line_edit, name="line_edit"),
    path("lines/<id:pk>/delete/", views.line_delete, name="line_delete"),
    path("persons/<id:person_pk>/bank-account/", views.bank_account, name="bank_account"),
    path("insurance/", views.insurance_index, name="insurance"),
    path("insurance/new/", views.policy_create, name="policy_create"),
    path("insurance/<id:pk>/", views.policy_detail, name="policy"),
    path("insurance/<id:pk>/insure/", views.policy_insure, name="policy_insure"),
    path("insurance/<id:pk>/claims/", views.claim_create, name="claim_create"),
    path("claims/<id:pk>/move/", views.claim_move, name="claim_move"),
    path("reminders/<id:pk>/done/", views.reminder_done, name="reminder_done"),
    path("awards/", views.awards_index, name="awards"),
    path("awards/new/", views.campaign_create, name="campaign_create"),
    path("awards/<id:pk>/", views.campaign_detail, name="campaign"),
    path("awards/<id:pk>/nominate/", views.campaign_nominate, name="campaign_nominate"),
    path("awards/<id:pk>/slips/", views.campaign_slips, name="campaign_slips"),
    path("awards/<id:pk>/grant/", views.campaign_grant, name="campaign_grant"),
    path("awards/<id:pk>/<str:step>/", views.campaign_move, name="campaign_move"),
    path("nominations/<id:pk>/review/", views.nomination_review, name="nomination_review"),
]
