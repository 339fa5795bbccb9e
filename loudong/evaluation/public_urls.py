"""Residents' pages behind the slips' and the notice board's QR codes: no login."""

from django.urls import path

from loudong.evaluation import views

app_name = "evaluation_public"

urlpatterns = [
    path("<str:key>/", views.survey, name="survey"),
    path("about/<str:public_key>/", views.about, name="about"),
]
