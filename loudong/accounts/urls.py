from django.contrib.auth import views as auth_views
from django.urls import path

from loudong.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("2fa/", views.two_factor, name="two_factor"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<id:pk>/", views.user_detail, name="user_detail"),
    path("users/<id:pk>/roles/", views.user_assign_role, name="user_assign_role"),
    path("users/<id:pk>/roles/<id:assignment_pk>/end/", views.user_end_role, name="user_end_role"),
    path("users/<id:pk>/active/", views.user_set_active, name="user_set_active"),
    path("users/<id:pk>/password/", views.user_reset_password, name="user_reset_password"),
    path("security/", views.security, name="security"),
    path("security/unlock/", views.security_unlock, name="security_unlock"),
    path("security/<id:pk>/reset-2fa/", views.security_reset_2fa, name="security_reset_2fa"),
    path("security/links/<id:pk>/issue/", views.security_issue_link, name="security_issue_link"),
    path(
        "security/tokens/<id:pk>/revoke/",
        views.security_token_revoke,
        name="security_token_revoke",
    ),
    path("tokens/", views.my_tokens, name="tokens"),
    path("tokens/<id:pk>/revoke/", views.my_token_revoke, name="token_revoke"),
    path("password/set/<str:key>/", views.password_link, name="password_link"),
    path("audit/", views.audit_list, name="audit_list"),
    path("audit/export.xlsx", views.audit_export, name="audit_export"),
]
