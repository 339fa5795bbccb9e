from django.urls import include, path

from loudong import errors
from loudong.accounts import views as account_views
from loudong.ops import views as ops_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/", include("loudong.accounts.urls")),
    path("territory/", include("loudong.territory.urls")),
    path("policy/", include("loudong.policy.urls")),
    path("grids/", include("loudong.grids.urls")),
    path("roster/", include("loudong.roster.urls")),
    path("documents/", include("loudong.documents.urls")),
    path("fieldwork/", include("loudong.fieldwork.urls")),
    path("community/", include("loudong.community.urls")),
    # Residents' pages behind the QR codes of notice boards: no login.
    path("r/", include("loudong.fieldwork.resident_urls")),
    path("r/", include("loudong.documents.resident_urls")),
    path("api/v1/", include("loudong.api.urls")),
    path("healthz", ops_views.healthz, name="healthz"),
]

handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
