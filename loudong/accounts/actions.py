"""Audited changes to accounts, roles and security state; and audited reveals."""

from django.db import transaction

from loudong.accounts.audit import AuditAction, record
from loudong.accounts.models import RoleAssignment, User


@transaction.atomic
def create_user(*, username: str, full_name: str, password: str, acting_user, request=None) -> User:
    user = User(username=username, full_name=full_name)
    user.set_password(password)
    user.save()
    record(
        actor=acting_user,
        action=AuditAction.USER_CREATE,
        target=user,
        new={"username": username, "full_name": full_name},
        request=request,
    )
    return user


@transaction.atomic
def assign_role(
    *,
    user: User,
    role: str,
    region=None,
    is_committee=False,
    is_party_org=False,
    acting_user,
    request=None,
) -> RoleAssignment:
    assignment = RoleAssignment.objects.create(
        user=user, role=role, region=region, is_committee=is_committee, is_party_org=is_party_org
    )
    record(
        actor=acting_user,
        action=AuditAction.ROLE_ASSIGN,
        target=user,
        region=region,
        new={
            "role": role,
            "region": region.pk if region else None,
            "is_committee": is_committee,
            "is_party_org": is_party_org,
        },
        request=request,
    )
    return assignment


@transaction.atomic
def end_role(*, assignment: RoleAssignment, acting_user, request=None) -> None:
    assignment.active = False
    assignment.save(update_fields=["active"])
    record(
        actor=acting_user,
        action=AuditAction.ROLE_END,
        target=assignment.user,
        region=assignment.region,
        old={"role": assignment.role, "region": assignment.region_id},
        request=request,
    )


@transaction.atomic
def set_user_active(*, user: User, active: bool, acting_user, request=None) -> None:
    old = user.is_active
    user.is_active = active
    user.save(update_fields=["is_active"])
    record(
        actor=acting_user,
        action=AuditAction.USER_ACTIVATE if active else "user.deactivate",
        target=user,
        old={"is_active": old},
        new={"is_active": active},
        request=request,
    )


@transaction.atomic
def reset_password(*, user: User, password: str, acting_user, request=None) -> None:
    user.set_password(password)
    user.save(update_fields=["password"])
    record(actor=acting_user, action=AuditAction.USER_RESET_PASSWORD, target=user, request=request)


@transaction.atomic
def unlock_user(*, username: str, acting_user, request=None) -> int:
    from axes.models import AccessAttempt

    count, _ = AccessAttempt.objects.filter(username=username).delete()
    record(
        actor=acting_user,
        action=AuditAction.SECURITY_UNLOCK,
        target_repr=username,
        new={"attempts_cleared": count},
        request=request,
    )
    return count


@transaction.atomic
def reset_two_factor(*, user: User, acting_user, request=None) -> int:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    count, _ = TOTPDevice.objects.filter(user=user).delete()
    record(
        actor=acting_user,
        action=AuditAction.SECURITY_RESET_2FA,
        target=user,
        new={"devices_removed": count},
        request=request,
    )
    return count


def reveal(*, obj, fields: list[str], reason: str, acting_user, request=None) -> dict[str, str]:
    """Plaintext of protected fields, for a permitted user; each reveal is audited.

    The caller has already checked the reveal capability for ``obj`` (accounts.access).
    """
    values = {name: getattr(obj, name).reveal() for name in fields}
    with transaction.atomic():
        record(
            actor=acting_user,
            action=AuditAction.REVEAL,
            target=obj,
            reason=reason,
            new={"fields": fields},
            request=request,
        )
    return values
