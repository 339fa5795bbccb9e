from django.urls import path

from loudong.community import views

app_name = "community"

urlpatterns = [
    path("groups/", views.groups, name="groups"),
    path("communities/<id:pk>/groups/new/", views.register, name="register_group"),
    path("groups/<id:pk>/deactivate/", views.deactivate, name="deactivate_group"),
]
