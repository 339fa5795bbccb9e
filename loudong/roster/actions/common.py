"""What every roster verb shares: the refusal type, edit rights, audited refusals."""

from django.core.exceptions import PermissionDenied, ValidationError

from loudong.accounts.access import scope_for
from loudong.accounts.audit import AuditAction, record
from loudong.accounts.roles import Cap


class Refused(ValidationError):
    """A business rule refuses the move; the message says why, in Chinese."""


def deny(user, what: str, target=None, request=None):
    """Audit a refused attempt (security-relevant), then raise 403."""
    record(
        actor=user,
        action=AuditAction.ROSTER_REFUSED,
        target=target,
        reason=what[:200],
        request=request,
    )
    raise PermissionDenied(what)


def can_edit(user, obj) -> bool:
    return scope_for(user, Cap.EDIT).allows(obj)


def require_edit(user, obj, what, request=None):
    if not can_edit(user, obj):
        deny(user, f"无权{what}：需要该社区的编辑权限", obj, request)
