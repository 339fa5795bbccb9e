from django.urls import path

from loudong.payroll import views

app_name = "payroll"

urlpatterns = [
    path("", views.index, name="index"),
    path("prepare/", views.prepare, name="prepare"),
    path("mine/", views.mine, name="mine"),
    path("periods/<int:pk>/", views.period_detail, name="period"),
    path("periods/<int:pk>/prepare/", views.period_prepare, name="period_prepare"),
    path("periods/<int:pk>/submit/", views.period_submit, name="period_submit"),
    path("periods/<int:pk>/return/", views.period_return, name="period_return"),
    path("periods/<int:pk>/approve/", views.period_approve, name="period_approve"),
    path("periods/<int:pk>/lines/add/", views.line_add, name="line_add"),
    path("periods/<int:pk>/export.xlsx", views.period_export, name="period_export"),
    path("periods/<int:pk>/sign-sheet/", views.sign_sheet, name="sign_sheet"),
    path("lines/<int:pk>/edit/", views.line_edit, name="line_edit"),
    path("lines/<int:pk>/delete/", views.line_delete, name="line_delete"),
    path("persons/<int:person_pk>/bank-account/", views.bank_account, name="bank_account"),
    path("insurance/", views.insurance_index, name="insurance"),
    path("insurance/new/", views.policy_create, name="policy_create"),
    path("insurance/<int:pk>/", views.policy_detail, name="policy"),
    path("insurance/<int:pk>/insure/", views.policy_insure, name="policy_insure"),
    path("insurance/<int:pk>/claims/", views.claim_create, name="claim_create"),
    path("claims/<int:pk>/move/", views.claim_move, name="claim_move"),
    path("reminders/<int:pk>/done/", views.reminder_done, name="reminder_done"),
    path("awards/", views.awards_index, name="awards"),
    path("awards/new/", views.campaign_create, name="campaign_create"),
    path("awards/<int:pk>/", views.campaign_detail, name="campaign"),
    path("awards/<int:pk>/nominate/", views.campaign_nominate, name="campaign_nominate"),
    path("awards/<int:pk>/slips/", views.campaign_slips, name="campaign_slips"),
    path("awards/<int:pk>/grant/", views.campaign_grant, name="campaign_grant"),
    path("awards/<int:pk>/<str:step>/", views.campaign_move, name="campaign_move"),
    path("nominations/<int:pk>/review/", views.nomination_review, name="nomination_review"),
]
