"""Audit rows for logins, failed logins and lock-outs.

Django and django-axes announce these only through signals, so this is the one
place where a receiver writes; business rules never live in receivers.
"""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from loudong.accounts.audit import AuditAction, record


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    record(actor=user, action=AuditAction.LOGIN, target=user, request=request)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        record(actor=user, action=AuditAction.LOGOUT, target=user, request=request)


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    record(
        actor=None,
        action=AuditAction.LOGIN_FAILED,
        actor_username=username,
        target_repr=username,
        request=request,
    )


@receiver(user_locked_out)
def audit_locked_out(sender, request, username=None, ip_address=None, **kwargs):
    record(
        actor=None,
        action=AuditAction.LOCKED_OUT,
        actor_username=str(username or "")[:150],
        target_repr=str(username or ""),
        request=request,
    )
