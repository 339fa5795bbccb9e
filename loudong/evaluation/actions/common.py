"""What every evaluation verb shares: the refusal type, edit and oversight rights."""

from django.core.exceptions import PermissionDenied, ValidationError

from loudong.accounts.access import scope_for
from loudong.accounts.audit import AuditAction, record
from loudong.accounts.roles import Cap


class Refused(ValidationError):
    """A rule of the 评议细则 refuses the change; the message says why, in Chinese."""


def can_edit(user, obj) -> bool:
    return scope_for(user, Cap.EDIT).allows(obj)


def can_oversee(user, obj) -> bool:
    """Workers, the 街道 and civil affairs see a round's progress; a leader sees only their own."""
    return can_edit(user, obj) or scope_for(user, Cap.EXPORT).allows(obj)


def require_edit(user, obj, what: str, request=None) -> None:
    """403 (and an audit row) unless the user may edit in the object's community."""
    if not can_edit(user, obj):
        record(
            actor=user,
            action=AuditAction.EVALUATION_REFUSED,
            target=obj,
            reason=f"无权{what}"[:200],
            request=request,
        )
        raise PermissionDenied(f"无权{what}：需要该社区的编辑权限")
