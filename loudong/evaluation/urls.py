from django.urls import path

from loudong.evaluation import views

app_name = "evaluation"

urlpatterns = [
    path("", views.index, name="index"),
    path("open/", views.open_round, name="open_round"),
    path("mine/", views.mine, name="mine"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/attitudes/", views.round_attitudes, name="round_attitudes"),
    path("rounds/<int:pk>/add/", views.round_add, name="round_add"),
    path("rounds/<int:pk>/close/", views.round_close, name="round_close"),
    path("rounds/<int:pk>/notice/", views.round_notice, name="round_notice"),
    path("rounds/<int:pk>/poster/", views.round_poster, name="round_poster"),
    path("<int:pk>/", views.evaluation_detail, name="evaluation"),
    path("<int:pk>/attitude/", views.evaluation_attitude, name="attitude"),
    path("<int:pk>/work/", views.evaluation_work, name="work"),
    path("<int:pk>/meeting/", views.evaluation_meeting, name="meeting"),
    path("<int:pk>/paper/", views.evaluation_paper, name="paper"),
    path("<int:pk>/slips/", views.evaluation_slips, name="slips"),
    path("<int:pk>/close/", views.evaluation_close, name="close"),
    path("<int:pk>/adjust/", views.evaluation_adjust, name="adjust"),
    path("<int:pk>/adjustment-notice/", views.adjustment_notice, name="adjustment_notice"),
]
