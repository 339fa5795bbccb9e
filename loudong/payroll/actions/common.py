"""What every payroll verb shares: the refusal type and the rights to prepare and approve."""

from django.core.exceptions import PermissionDenied, ValidationError

from loudong.accounts.access import scope_for
from loudong.accounts.audit import AuditAction, record
from loudong.accounts.roles import Cap


class Refused(ValidationError):
    """A payroll rule refuses the change; the message says why, in Chinese."""


def _deny(user, what: str, obj, request):
    record(
        actor=user,
        action=AuditAction.PAYROLL_REFUSED,
        target=obj,
        reason=what[:200],
        request=request,
    )
    raise PermissionDenied(what)


def can_edit(user, obj) -> bool:
    return scope_for(user, Cap.EDIT).allows(obj)


def can_approve(user, obj) -> bool:
    """Payroll sign-off is the 街道's (PRODUCT.md roles: 街道管理员 "payroll sign-off")."""
    return scope_for(user, Cap.APPROVE).allows(obj)


def require_edit(user, obj, what: str, request=None) -> None:
    if not can_edit(user, obj):
        _deny(user, f"无权{what}：需要该社区的编辑权限", obj, request)


def require_approve(user, obj, what: str, request=None) -> None:
    if not can_approve(user, obj):
        _deny(user, f"无权{what}：补贴发放由街道审批", obj, request)
