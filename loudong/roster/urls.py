from django.urls import path

from loudong.roster import views

app_name = "roster"

urlpatterns = [
    path("", views.index, name="index"),
    path("communities/<id:pk>/sync/", views.sync_posts, name="sync_posts"),
    path("posts/<id:pk>/", views.post_detail, name="post"),
    path("posts/<id:pk>/select/", views.start_selection, name="start_selection"),
    path("posts/<id:pk>/take-over/", views.take_over, name="take_over"),
    path("posts/<id:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("posts/<id:pk>/ballots/", views.issue_ballots, name="issue_ballots"),
    path("grids/<str:code>/", views.grid_history, name="grid_history"),
    path("grids/<str:code>/attach/", views.attach_staff, name="attach_staff"),
    path("selections/<id:pk>/", views.selection_detail, name="selection"),
    path("selections/<id:pk>/move/", views.move, name="move"),
    path("selections/<id:pk>/objection/", views.objection, name="objection"),
    path("selections/<id:pk>/meeting/", views.meeting_result, name="meeting_result"),
    path("selections/<id:pk>/appoint/", views.appoint, name="appoint"),
    path("appointments/<id:pk>/", views.appointment_detail, name="appointment"),
    path("appointments/<id:pk>/resign/", views.resign, name="resign"),
    path("appointments/<id:pk>/adjust/", views.adjust, name="adjust"),
    path("appointments/<id:pk>/renew/", views.renew, name="renew"),
    path("appointments/<id:pk>/detach/", views.detach_staff, name="detach_staff"),
    path("persons/", views.person_list, name="persons"),
    path("persons/new/", views.person_create, name="person_create"),
    path("persons/<id:pk>/", views.person_detail, name="person"),
    path("persons/<id:pk>/edit/", views.person_edit, name="person_edit"),
    path("persons/<id:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("persons/<id:pk>/photo/", views.person_photo, name="person_photo"),
    path("persons/<id:pk>/photo.jpg", views.person_photo_image, name="person_photo_image"),
    path("compliance/", views.compliance_page, name="compliance"),
    path("ballot/<str:key>/", views.ballot, name="ballot"),
    path("gongshi/<str:token>/", views.notice_objection, name="notice_objection"),
]
