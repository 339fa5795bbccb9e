from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from loudong.accounts.models import ApiToken


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``; the token's user is the caller."""

    def authenticate(self, request, token):
        try:
            api_token = ApiToken.objects.select_related("user").get(
                key_hash=ApiToken.hash_key(token),
                revoked=False,
                expires__gt=timezone.now(),
                user__is_active=True,
            )
        except ApiToken.DoesNotExist:
            return None
        if api_token.last_used is None or (timezone.now() - api_token.last_used).seconds > 60:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used=timezone.now())
        request.user = api_token.user
        return api_token.user


class ScopedSessionAuth(SessionAuth):
    """Session login, but the three admin roles need a verified second factor."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user and user.needs_two_factor() and not user.is_verified():
            return None
        return user
