from django.urls import path

from loudong.fieldwork import views, views_phone

app_name = "fieldwork"

urlpatterns = [
    path("", views.index, name="index"),
    path("incidents/new/", views.incident_new, name="incident_new"),
    path("incidents/bulk/", views.bulk, name="bulk"),
    path("incidents/<id:pk>/", views.incident, name="incident"),
    path("incidents/<id:pk>/photos/<id:photo_pk>.jpg", views.photo, name="photo"),
    path("incidents/<id:pk>/reveal/", views.reveal_parties, name="reveal_parties"),
    path("incidents/<id:pk>/<str:move>/", views.move, name="move"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/map.json", views.coverage_map, name="coverage_map"),
    path("reports/", views.reports, name="reports"),
    path("reports/<id:person_pk>/<str:month>/", views.report, name="report"),
    path("reports/<id:person_pk>/<str:month>/xlsx/", views.report_xlsx, name="report_xlsx"),
    path("reports/<id:person_pk>/<str:month>/review/", views.report_review, name="report_review"),
    path("changes/", views.changes, name="changes"),
    path("changes/<id:pk>/review/", views.change_review, name="change_review"),
    path("notifications/", views.notices, name="notifications"),
    path("notifications/read/", views.notices_read, name="notifications_read"),
    # The leaders' phone pages; the service worker's scope is /fieldwork/m/.
    path("m/", views_phone.home, name="phone_home"),
    path("m/visit/", views_phone.visit, name="phone_visit"),
    path("m/report/", views_phone.report, name="phone_report"),
    path("m/service/", views_phone.service, name="phone_service"),
    path("m/households/", views_phone.households, name="phone_households"),
    path("m/incidents/", views_phone.incidents, name="phone_incidents"),
    path("m/month/", views_phone.month, name="phone_month"),
    path("m/offline/", views_phone.offline, name="phone_offline"),
    path("m/sw.js", views_phone.service_worker, name="service_worker"),
]
