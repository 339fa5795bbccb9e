from django.urls import include, path

from loudong.community import (
    branch_views,
    convention_views,
    meeting_views,
    property_views,
    views,
    voice_views,
)

app_name = "community"

urlpatterns = [
    path("", meeting_views.index, name="index"),
    path("groups/", views.groups, name="groups"),
    path("communities/<id:pk>/groups/new/", views.register, name="register_group"),
    path("groups/<id:pk>/deactivate/", views.deactivate, name="deactivate_group"),
    path("groups/<id:pk>/update/", views.update, name="update_group"),
    path("groups/<id:pk>/qr/", views.qr, name="group_qr"),
    path("groups/coverage/", views.coverage, name="groups_coverage"),
    # 定期协商 (issue 14)
    path("meetings/", meeting_views.meetings, name="meetings"),
    path("meetings/new/", meeting_views.meeting_new, name="meeting_new"),
    path("meetings/schedule/", meeting_views.schedule, name="meeting_schedule"),
    path("meetings/<id:pk>/", meeting_views.meeting, name="meeting"),
    path("meetings/<id:pk>/print/", meeting_views.meeting_print, name="meeting_print"),
    path("meetings/<id:pk>/attendance/", meeting_views.attendance, name="meeting_attendance"),
    path("meetings/<id:pk>/minutes/", meeting_views.minutes, name="meeting_minutes"),
    path("meetings/<id:pk>/approve/", meeting_views.approve, name="meeting_approve"),
    path("meetings/<id:pk>/revise/", meeting_views.revise, name="meeting_revise"),
    path("meetings/<id:pk>/cancel/", meeting_views.cancel, name="meeting_cancel"),
    path("meetings/<id:pk>/decisions/new/", meeting_views.decision_add, name="decision_add"),
    path("decisions/<id:pk>/progress/", meeting_views.decision_progress, name="decision_progress"),
    path("decisions/<id:pk>/incident/", meeting_views.decision_incident, name="decision_incident"),
    # 小区党支部 and 交叉任职
    path("branches/", branch_views.branches, name="branches"),
    path("branches/new/", branch_views.branch_new, name="branch_new"),
    path("branches/seats/new/", branch_views.seat_new, name="seat_new"),
    path("branches/compliance/", branch_views.compliance, name="branch_compliance"),
    path("branches/<id:pk>/", branch_views.branch, name="branch"),
    path("branches/<id:pk>/members/new/", branch_views.member_new, name="branch_member_new"),
    path("branches/<id:pk>/meetings/new/", branch_views.branch_meeting, name="branch_meeting"),
    path("branch-members/<id:pk>/end/", branch_views.member_end, name="branch_member_end"),
    # 物业、业委会 supervision and the 三长's ratings
    path("property/", property_views.property_page, name="property"),
    path("property/bodies/new/", property_views.body_new, name="body_new"),
    path("property/notes/new/", property_views.note_new, name="note_new"),
    path("ratings/new/", property_views.round_new, name="round_new"),
    path("ratings/<id:pk>/", property_views.rating, name="rating"),
    path("ratings/<id:pk>/answer/", property_views.rating_answer, name="rating_answer"),
    path("ratings/<id:pk>/close/", property_views.rating_close, name="rating_close"),
    path("ratings/<id:pk>/xlsx/", property_views.rating_xlsx, name="rating_xlsx"),
    # 征集服务群众项目, 测评服务活动成效
    path("projects/", voice_views.projects, name="projects"),
    path("projects/new/", voice_views.project_new, name="project_new"),
    path("projects/<id:pk>/", voice_views.project, name="project"),
    path("projects/<id:pk>/input/", voice_views.project_input, name="project_input"),
    path("projects/<id:pk>/decide/", voice_views.project_decide, name="project_decide"),
    path("activities/new/", voice_views.activity_new, name="activity_new"),
    # 文明公约
    path("conventions/", convention_views.conventions, name="conventions"),
    path("conventions/draft/", convention_views.convention_draft, name="convention_draft"),
    path("conventions/<id:pk>/", convention_views.convention, name="convention"),
    path("conventions/<id:pk>/print/", convention_views.convention_print, name="convention_print"),
    path(
        "convention-revisions/<id:pk>/adopt/",
        convention_views.convention_adopt,
        name="convention_adopt",
    ),
    # 自愿轮值单元长, 业务培训, 防护物资, 外来人员登记
    path("", include("loudong.community.duty_urls")),
]
