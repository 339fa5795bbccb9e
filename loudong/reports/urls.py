from django.urls import path

from loudong.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:key>/", views.page, name="page"),
    path("<slug:key>.xlsx", views.export, name="export"),
]
