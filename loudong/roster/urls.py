from django.urls import path

from loudong.roster import views

app_name = "roster"

urlpatterns = [
    path("", views.index, name="index"),
    path("communities/<int:pk>/sync/", views.sync_posts, name="sync_posts"),
    path("posts/<int:pk>/", views.post_detail, name="post"),
    path("posts/<int:pk>/select/", views.start_selection, name="start_selection"),
    path("posts/<int:pk>/take-over/", views.take_over, name="take_over"),
    path("posts/<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("posts/<int:pk>/ballots/", views.issue_ballots, name="issue_ballots"),
    path("grids/<str:code>/", views.grid_history, name="grid_history"),
    path("grids/<str:code>/attach/", views.attach_staff, name="attach_staff"),
    path("selections/<int:pk>/", views.selection_detail, name="selection"),
    path("selections/<int:pk>/move/", views.move, name="move"),
    path("selections/<int:pk>/objection/", views.objection, name="objection"),
    path("selections/<int:pk>/meeting/", views.meeting_result, name="meeting_result"),
    path("selections/<int:pk>/appoint/", views.appoint, name="appoint"),
    path("appointments/<int:pk>/", views.appointment_detail, name="appointment"),
    path("appointments/<int:pk>/resign/", views.resign, name="resign"),
    path("appointments/<int:pk>/adjust/", views.adjust, name="adjust"),
    path("appointments/<int:pk>/renew/", views.renew, name="renew"),
    path("appointments/<int:pk>/detach/", views.detach_staff, name="detach_staff"),
    path("persons/", views.person_list, name="persons"),
    path("persons/new/", views.person_create, name="person_create"),
    path("persons/<int:pk>/", views.person_detail, name="person"),
    path("persons/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("persons/<int:pk>/photo/", views.person_photo, name="person_photo"),
    path("persons/<int:pk>/photo.jpg", views.person_photo_image, name="person_photo_image"),
    path("compliance/", views.compliance_page, name="compliance"),
    path("ballot/<str:key>/", views.ballot, name="ballot"),
    path("gongshi/<str:token>/", views.notice_objection, name="notice_objection"),
]
