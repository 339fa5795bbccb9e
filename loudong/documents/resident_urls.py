"""The resident page behind a notice board's QR code, ``/r/<token>/``.

Mount in loudong/urls.py with ``path("r/", include("loudong.documents.resident_urls"))``.
"""

from django.urls import path

from loudong.documents import views

app_name = "resident"

urlpatterns = [
    path("<str:token>/", views.resident_board, name="board"),
]
