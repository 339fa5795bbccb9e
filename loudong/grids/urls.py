from django.urls import path

from loudong.grids import views

app_name = "grids"

urlpatterns = [
    path("", views.index, name="index"),
    path("community/<int:pk>/", views.community, name="community"),
    path("community/<int:pk>/propose/", views.propose, name="propose"),
    path("divisions/<int:pk>/", views.division, name="division"),
    path("divisions/<int:pk>/map.json", views.map_json, name="map_json"),
    path("divisions/<int:pk>/move/", views.move, name="move"),
    path(
        "divisions/<int:pk>/pieces/<int:piece_pk>/move/",
        views.move_choices,
        name="move_choices",
    ),
    path("divisions/<int:pk>/freeze/", views.freeze, name="freeze"),
    path("divisions/<int:pk>/discard/", views.discard, name="discard"),
    path("divisions/<int:pk>/export.xlsx", views.export, name="export"),
]
