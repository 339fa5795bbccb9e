from django.urls import path

from loudong.territory import views

app_name = "territory"

urlpatterns = [
    path("", views.index, name="index"),
    path("search/", views.search, name="search"),
    path("regions/<int:pk>/", views.region, name="region"),
    path("buildings/<int:pk>/", views.building, name="building"),
    path("units/<int:unit_pk>/households/new/", views.household_create, name="household_create"),
    path("households/", views.household_list, name="household_list"),
    path("households/<int:pk>/", views.household, name="household"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:pk>/attention/", views.household_attention, name="household_attention"),
    path(
        "households/<int:pk>/attention/reveal/",
        views.household_attention_reveal,
        name="household_attention_reveal",
    ),
    path(
        "households/<int:pk>/history/",
        views.history,
        {"kind": "household"},
        name="household_history",
    ),
    path(
        "households/<int:household_pk>/residents/new/",
        views.resident_create,
        name="resident_create",
    ),
    path("residents/<int:pk>/", views.resident, name="resident"),
    path("residents/<int:pk>/edit/", views.resident_edit, name="resident_edit"),
    path("residents/<int:pk>/move-out/", views.resident_move_out, name="resident_move_out"),
    path(
        "residents/<int:pk>/history/", views.history, {"kind": "resident"}, name="resident_history"
    ),
    path("residents/<int:pk>/reveal/", views.resident_reveal, name="resident_reveal"),
    path("import/", views.import_upload, name="import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("import/<int:pk>/", views.import_job, name="import_job"),
    path("import/<int:pk>/status/", views.import_job_status, name="import_job_status"),
    path("import/<int:pk>/errors.xlsx", views.import_job_errors, name="import_job_errors"),
    path("export.xlsx", views.export, name="export"),
]
