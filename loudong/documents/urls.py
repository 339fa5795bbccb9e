from django.urls import path

from loudong.documents import views

app_name = "documents"

urlpatterns = [
    path("", views.index, name="index"),
    path("appointments/<id:appointment_id>/agreement/", views.agreement, name="agreement"),
    path(
        "appointments/<id:appointment_id>/agreement.docx",
        views.agreement_docx,
        name="agreement_docx",
    ),
    path(
        "appointments/<id:appointment_id>/agreement/draw-up/",
        views.agreement_draw_up,
        name="agreement_draw_up",
    ),
    path(
        "appointments/<id:appointment_id>/agreement/refresh/",
        views.agreement_refresh,
        name="agreement_refresh",
    ),
    path(
        "appointments/<id:appointment_id>/agreement/sign/",
        views.agreement_sign,
        name="agreement_sign",
    ),
    path(
        "appointments/<id:appointment_id>/agreement/scan/",
        views.agreement_scan,
        name="agreement_scan",
    ),
    path(
        "appointments/<id:appointment_id>/agreement/consent/",
        views.agreement_consent,
        {"consents": True},
        name="agreement_consent",
    ),
    path(
        "appointments/<id:appointment_id>/agreement/withdraw-consent/",
        views.agreement_consent,
        {"consents": False},
        name="agreement_withdraw_consent",
    ),
    path(
        "appointments/<id:appointment_id>/agreement/terminate/",
        views.agreement_terminate,
        name="agreement_terminate",
    ),
    path("appointments/<id:appointment_id>/badge/", views.badge, name="badge"),
    path("appointments/<id:appointment_id>/badge/issue/", views.badge_issue, name="badge_issue"),
    path("badges/<id:pk>/revoke/", views.badge_revoke, name="badge_revoke"),
    path("badges/community/<id:pk>/", views.badges_community, name="badges_community"),
    path("verify/<str:token>/", views.verify, name="verify"),
    path("boards/compound/<id:pk>/", views.board_compound, name="board_compound"),
    path("boards/building/<id:pk>/", views.board_building, name="board_building"),
    path("boards/unit/<id:pk>/", views.board_unit, name="board_unit"),
    # Until the root URLconf mounts resident_urls at /r/ (see README).
    path("filings/adjusted-concurrent.xlsx", views.filing_adjusted, name="filing_adjusted"),
    path("filings/leaders.xlsx", views.filing_leaders, name="filing_leaders"),
    path("progress/", views.progress, name="progress"),
    path("progress.xlsx", views.progress_xlsx, name="progress_xlsx"),
    path("selections/<id:pk>/notice/", views.notice, name="notice"),
]
