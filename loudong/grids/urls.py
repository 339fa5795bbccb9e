from django.urls import path

from loudong.grids import views

app_name = "grids"

urlpatterns = [
    path("", views.index, name="index"),
    path("community/<id:pk>/", views.community, name="community"),
    path("community/<id:pk>/propose/", views.propose, name="propose"),
    path("divisions/<id:pk>/", views.division, name="division"),
    path("divisions/<id:pk>/map.json", views.map_json, name="map_json"),
    path("divisions/<id:pk>/move/", views.move, name="move"),
    path(
        "divisions/<id:pk>/pieces/<id:piece_pk>/move/",
        views.move_choices,
        name="move_choices",
    ),
    path("divisions/<id:pk>/freeze/", views.freeze, name="freeze"),
    path("divisions/<id:pk>/discard/", views.discard, name="discard"),
    path("divisions/<id:pk>/export.xlsx", views.export, name="export"),
]
