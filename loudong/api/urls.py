from django.urls import path

from loudong.api.api import api

urlpatterns = [path("", api.urls)]
