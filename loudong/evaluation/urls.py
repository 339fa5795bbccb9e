from django.urls import path

from loudong.evaluation import views

app_name = "evaluation"

urlpatterns = [
    path("", views.index, name="index"),
    path("open/", views.open_round, name="open_round"),
    path("mine/", views.mine, name="mine"),
    path("rounds/<id:pk>/", views.round_detail, name="round"),
    path("rounds/<id:pk>/attitudes/", views.round_attitudes, name="round_attitudes"),
    path("rounds/<id:pk>/add/", views.round_add, name="round_add"),
    path("rounds/<id:pk>/close/", views.round_close, name="round_close"),
    path("rounds/<id:pk>/notice/", views.round_notice, name="round_notice"),
    path("rounds/<id:pk>/poster/", views.round_poster, name="round_poster"),
    path("<id:pk>/", views.evaluation_detail, name="evaluation"),
    path("<id:pk>/attitude/", views.evaluation_attitude, name="attitude"),
    path("<id:pk>/work-score/", views.evaluation_work, name="work"),
    path("<id:pk>/meeting/", views.evaluation_meeting, name="meeting"),
    path("<id:pk>/paper/", views.evaluation_paper, name="paper"),
    path("<id:pk>/slips/", views.evaluation_slips, name="slips"),
    path("<id:pk>/close/", views.evaluation_close, name="close"),
    path("<id:pk>/adjust/", views.evaluation_adjust, name="adjust"),
    path("<id:pk>/adjustment-notice/", views.adjustment_notice, name="adjustment_notice"),
]
