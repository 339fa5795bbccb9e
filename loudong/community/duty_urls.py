"""URLs of the rotating 单元长, training, supplies and outsider registration (included by
``community/urls.py`` under the same ``community`` namespace)."""

from django.urls import path

from loudong.community import outsiders_views, rotation_views, supplies_views, training_views

urlpatterns = [
    path("rotations/", rotation_views.rotations, name="rotations"),
    path(
        "communities/<id:pk>/rotations/pilot/", rotation_views.switch_pilot, name="rotation_pilot"
    ),
    path("communities/<id:pk>/rotations/new/", rotation_views.start, name="rotation_start"),
    path("rotations/<id:pk>/", rotation_views.rotation, name="rotation"),
    path("rotations/<id:pk>/members/new/", rotation_views.add_member, name="rotation_add_member"),
    path(
        "rotation-members/<id:pk>/status/",
        rotation_views.member_status,
        name="rotation_member_status",
    ),
    path("rotations/<id:pk>/plan/", rotation_views.plan, name="rotation_plan"),
    path("rotations/<id:pk>/swap/", rotation_views.swap, name="rotation_swap"),
    path("rotation-turns/<id:pk>/link/", rotation_views.issue_link, name="rotation_link"),
    path("m/rotations/", rotation_views.my_rotations, name="phone_rotations"),
    path("m/duty/<str:key>/", rotation_views.duty, name="duty"),
    path("m/duty/<str:key>/handover/", rotation_views.duty_handover, name="duty_handover"),
    path("m/duty/<str:key>/confirm/", rotation_views.duty_confirm, name="duty_confirm"),
    path("trainings/", training_views.trainings, name="trainings"),
    path("trainings/untrained/", training_views.untrained, name="trainings_untrained"),
    path("communities/<id:pk>/trainings/new/", training_views.create, name="training_new"),
    path("trainings/<id:pk>/", training_views.session, name="training"),
    path("trainings/<id:pk>/attendance/", training_views.attendance, name="training_attendance"),
    path("trainings/<id:pk>/materials/", training_views.material, name="training_material"),
    path(
        "training-materials/<id:pk>/",
        training_views.download,
        name="training_material_download",
    ),
    path("m/trainings/", training_views.my_trainings, name="phone_trainings"),
    path("supplies/", supplies_views.supplies, name="supplies"),
    path("communities/<id:pk>/supplies/receive/", supplies_views.receive, name="supplies_receive"),
    path("communities/<id:pk>/supplies/issue/", supplies_views.issue, name="supplies_issue"),
    path("m/supplies/", supplies_views.my_supplies, name="phone_supplies"),
    path("outsiders/", outsiders_views.outsiders, name="outsiders"),
    path("outsiders/export/", outsiders_views.export, name="outsiders_export"),
    path("communities/<id:pk>/outsiders/switch/", outsiders_views.switch, name="outsiders_switch"),
    path("outsiders/<id:pk>/left/", outsiders_views.left, name="outsider_left"),
    path("m/outsiders/new/", outsiders_views.phone_form, name="phone_outsider"),
]
