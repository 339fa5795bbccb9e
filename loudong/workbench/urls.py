from django.urls import path

from loudong.workbench import views

app_name = "workbench"

urlpatterns = [
    path("<slug:key>/", views.todo, name="todo"),
]
