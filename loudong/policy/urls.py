from django.urls import path

from loudong.policy import views

app_name = "policy"

urlpatterns = [
    path("", views.index, name="index"),
    # Before <slug:name>/ so that "holidays" is never read as a profile name.
    path("holidays/", views.holidays, name="holidays"),
    path("holidays/add/", views.holiday_add, name="holiday_add"),
    path("holidays/year/", views.holiday_year, name="holiday_year"),
    path("holidays/<id:pk>/delete/", views.holiday_remove, name="holiday_remove"),
    path("<slug:name>/", views.detail, name="detail"),
    path("<slug:name>/edit/", views.edit, name="edit"),
    path("<slug:name>/compare/", views.compare, name="compare"),
    path("<slug:name>/v<id:version>/", views.version, name="version"),
]
