"""The residents' pages of field work, under ``/r/`` beside the notice board page (documents)."""

from django.urls import path

from loudong.fieldwork import views_resident

app_name = "fieldwork_resident"

urlpatterns = [
    path("t/<str:key>/", views_resident.ticket, name="ticket"),
    path("t/<str:key>/<str:move>/", views_resident.ticket_move, name="ticket_move"),
    path("<str:token>/report/", views_resident.report, name="report"),
]
