from django.urls import path

from loudong.territory import views

app_name = "territory"

urlpatterns = [
    path("", views.index, name="index"),
    path("search/", views.search, name="search"),
    path("regions/<id:pk>/", views.region, name="region"),
    path("regions/<id:pk>/contact/", views.community_contact, name="community_contact"),
    path("regions/<id:pk>/meetings/", views.meetings, name="meetings"),
    path("regions/<id:pk>/meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/<id:pk>/", views.meeting, name="meeting"),
    path("buildings/<id:pk>/", views.building, name="building"),
    path("units/<id:unit_pk>/households/new/", views.household_create, name="household_create"),
    path("households/", views.household_list, name="household_list"),
    path("households/<id:pk>/", views.household, name="household"),
    path("households/<id:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<id:pk>/attention/", views.household_attention, name="household_attention"),
    path(
        "households/<id:pk>/attention/reveal/",
        views.household_attention_reveal,
        name="household_attention_reveal",
    ),
    path(
        "households/<id:pk>/history/",
        views.history,
        {"kind": "household"},
        name="household_history",
    ),
    path(
        "households/<id:household_pk>/residents/new/",
        views.resident_create,
        name="resident_create",
    ),
    path("residents/<id:pk>/", views.resident, name="resident"),
    path("residents/<id:pk>/edit/", views.resident_edit, name="resident_edit"),
    path("residents/<id:pk>/move-out/", views.resident_move_out, name="resident_move_out"),
    path(
        "residents/<id:pk>/history/", views.history, {"kind": "resident"}, name="resident_history"
    ),
    path("residents/<id:pk>/reveal/", views.resident_reveal, name="resident_reveal"),
    path("import/", views.import_upload, name="import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("import/<id:pk>/", views.import_job, name="import_job"),
    path("import/<id:pk>/status/", views.import_job_status, name="import_job_status"),
    path("import/<id:pk>/errors.xlsx", views.import_job_errors, name="import_job_errors"),
    path("export.xlsx", views.export, name="export"),
]
