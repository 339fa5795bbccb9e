from django.urls import path

from loudong.territory import views

app_name = "territory"

urlpatterns = [
    path("", views.index, name="index"),
    path("regions/<int:pk>/", views.region, name="region"),
    path("buildings/<int:pk>/", views.building, name="building"),
    path("households/<int:pk>/", views.household, name="household"),
    path("residents/<int:pk>/", views.resident, name="resident"),
    path("residents/<int:pk>/reveal/", views.resident_reveal, name="resident_reveal"),
]
