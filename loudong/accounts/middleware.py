import time

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse

from loudong.accounts.audit import AuditAction, record

# Paths an admin without a verified second factor may still open.
# The API answers 401 itself (api.auth.ScopedSessionAuth) rather than redirecting.
_OPEN_PREFIXES = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/2fa/",
    "/accounts/password/set/",
    "/static/",
    "/healthz",
    "/api/",
)


class AdminTwoFactorMiddleware:
    """The three admin roles must pass TOTP before anything else (等保 双因素)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(_OPEN_PREFIXES)
            and user.needs_two_factor()
            and not user.is_verified()
        ):
            return redirect(f"{reverse('accounts:two_factor')}?next={request.path}")
        return self.get_response(request)


class AuditRefusalMiddleware:
    """Every 403 is a security event: write an audit row for it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from loudong.accounts.access import first_probe_this_minute

        if isinstance(exception, PermissionDenied) and first_probe_this_minute(
            request.user, request, "denied"
        ):
            record(
                actor=request.user,
                action=AuditAction.DENIED,
                target_repr=f"{request.method} {request.path}"[:200],
                reason=str(exception)[:200],
                request=request,
            )
        return None


class ResponseHeadersMiddleware:
    """``Server`` without versions, and ``Cache-Control: no-store`` on personal pages.

    The development server and gunicorn announce themselves with their versions; the header is
    set here so that every server sends the same bare name. Any page or API answer to a signed-in
    caller may carry personal data, so none of them is kept by a browser or a proxy cache unless
    the view chose its own Cache-Control.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response["Server"] = "loudong"
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        return response


class SessionIdleMiddleware:
    """The idle timeout without a session write on every request.

    A session expires ``SESSION_COOKIE_AGE`` after it was last saved. Saving it on every request
    (``SESSION_SAVE_EVERY_REQUEST``) makes every page view an UPDATE and a commit; instead the
    session is touched — and so saved — only when its last save is ``SESSION_TOUCH_SECONDS`` old
    or more. An idle session then ends between ``SESSION_COOKIE_AGE − SESSION_TOUCH_SECONDS``
    and ``SESSION_COOKIE_AGE`` after the last request (29–30 minutes by default).
    """

    KEY = "_touched"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty():
            now = int(time.time())
            if session.modified or now - session.get(self.KEY, 0) >= settings.SESSION_TOUCH_SECONDS:
                session[self.KEY] = now  # marks it modified: SessionMiddleware saves it
        return response
