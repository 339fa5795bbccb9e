from django.urls import include, path

import loudong.lib.urls  # noqa: F401  (registers the <id:…> converter before the apps' urls)
from loudong import errors
from loudong.ops import views as ops_views
from loudong.workbench import views as workbench_views

urlpatterns = [
    path("", workbench_views.home, name="home"),
    path("workbench/", include("loudong.workbench.urls")),
    path("reports/", include("loudong.reports.urls")),
    path("accounts/", include("loudong.accounts.urls")),
    path("territory/", include("loudong.territory.urls")),
    path("policy/", include("loudong.policy.urls")),
    path("grids/", include("loudong.grids.urls")),
    path("roster/", include("loudong.roster.urls")),
    path("documents/", include("loudong.documents.urls")),
    path("evaluation/", include("loudong.evaluation.urls")),
    path("payroll/", include("loudong.payroll.urls")),
    path("fieldwork/", include("loudong.fieldwork.urls")),
    path("community/", include("loudong.community.urls")),
    # Residents' pages behind the QR codes of notice boards: no login.
    path("r/", include("loudong.fieldwork.resident_urls")),
    path("r/", include("loudong.documents.resident_urls")),
    # Residents' evaluation questionnaire (slip QR codes) and award slips: no login.
    path("q/", include("loudong.evaluation.public_urls")),
    path("a/", include("loudong.payroll.public_urls")),
    path("api/v1/", include("loudong.api.urls")),
    path("healthz", ops_views.healthz, name="healthz"),
]

handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
