"""Audited changes to accounts, roles and security state; and audited reveals.

等保 三员分立 is enforced here, whatever page, API or script calls: no one acts on their own
account (roles, activation, password, second factor, lock-out), and an admin role never sits
on an account with any other role (accounts.roles.role_conflict, checked with the user's row
locked). Refusals raise PermissionDenied (a 403 the middleware audits) or RoleRefused.
"""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from loudong.accounts.audit import AuditAction, record
from loudong.accounts.models import AccountNotice, PasswordLink, RoleAssignment, User
from loudong.accounts.roles import Role, role_conflict

SELF_REFUSAL = "不能对自己的账号进行此操作（三员分立：账号、角色、密码和双因素认证须由他人办理）"


class RoleRefused(Exception):
    """A role that would break 三员分立; the message says why, in Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _not_self(user, acting_user, what: str) -> None:
    if acting_user is not None and user is not None and user.pk == acting_user.pk:
        raise PermissionDenied(f"{SELF_REFUSAL}：{what}")


@transaction.atomic
def create_user(*, username: str, full_name: str, acting_user, request=None) -> User:
    """A new account with no usable password: the user sets one through a link (PasswordLink)."""
    user = User(username=username, full_name=full_name)
    user.set_unusable_password()
    user.save()
    PasswordLink.objects.create(user=user, kind=PasswordLink.Kind.INITIAL, requested_by=acting_user)
    record(
        actor=acting_user,
        action=AuditAction.USER_CREATE,
        target=user,
        new={"username": username, "full_name": full_name},
        request=request,
    )
    return user


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
    _not_self(user, acting_user, "分配角色")
    with transaction.atomic():
        # The user's row locked: two assignments at once cannot both pass the check.
        locked = User.objects.select_for_update().get(pk=user.pk)
        held = set(
            RoleAssignment.objects.filter(user=locked, active=True).values_list("role", flat=True)
        )
        problem = role_conflict(held, role)
        if not problem:
            assignment = RoleAssignment.objects.create(
                user=user,
                role=role,
                region=region,
                is_committee=is_committee,
                is_party_org=is_party_org,
            )
            record(
                actor=acting_user,
                action=AuditAction.ROLE_ASSIGN,
                target=user,
                region=region,
                new={
                    "role": Role(role).label,
                    "region": str(region) if region else None,
                    "is_committee": is_committee,
                    "is_party_org": is_party_org,
                },
                request=request,
            )
            return assignment
    with transaction.atomic():
        record(
            actor=acting_user,
            action=AuditAction.ROLE_REFUSED,
            target=user,
            new={"role": Role(role).label if role in Role.values else role},
            reason=problem[:200],
            request=request,
        )
    raise RoleRefused(problem)


@transaction.atomic
def end_role(*, assignment: RoleAssignment, acting_user, request=None) -> None:
    _not_self(assignment.user, acting_user, "撤销角色")
    assignment.active = False
    assignment.save(update_fields=["active"])
    record(
        actor=acting_user,
        action=AuditAction.ROLE_END,
        target=assignment.user,
        region=assignment.region,
        old={
            "role": assignment.get_role_display(),
            "region": str(assignment.region) if assignment.region_id else None,
        },
        request=request,
    )


@transaction.atomic
def set_user_active(*, user: User, active: bool, acting_user, request=None) -> None:
    _not_self(user, acting_user, "启用或停用账号")
    old = user.is_active
    user.is_active = active
    user.save(update_fields=["is_active"])
    record(
        actor=acting_user,
        action=AuditAction.USER_ACTIVATE if active else AuditAction.USER_DEACTIVATE,
        target=user,
        old={"is_active": old},
        new={"is_active": active},
        request=request,
    )


# -- passwords: requested by the 系统管理员, issued by the 安全管理员, used by the user ------------


def _open_links(user):
    return PasswordLink.objects.filter(user=user, used_at__isnull=True, closed_at__isnull=True)


@transaction.atomic
def request_password_reset(*, user: User, acting_user, request=None) -> PasswordLink:
    """The 系统管理员 asks for a reset. Nothing changes for the user until a link is issued."""
    _not_self(user, acting_user, "重置密码")
    now = timezone.now()
    _open_links(user).update(closed_at=now)
    link = PasswordLink.objects.create(
        user=user, kind=PasswordLink.Kind.RESET, requested_by=acting_user
    )
    record(
        actor=acting_user,
        action=AuditAction.USER_RESET_PASSWORD,
        target=user,
        new={"roles": [a.get_role_display() for a in user.active_roles()]},
        reason="系统管理员发起，待安全管理员核实身份后发放链接",
        request=request,
    )
    return link


def link_hours() -> int:
    return settings.LOUDONG_PASSWORD_LINK_HOURS


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def issue_password_link(*, link: PasswordLink, acting_user, request=None) -> str:
    """The 安全管理员 issues the link after checking who asks; returns the key (shown once).

    From now on the old password no longer works (the reset forces a new one) and every
    session of the account ends.
    """
    link = PasswordLink.objects.select_for_update().select_related("user").get(pk=link.pk)
    _not_self(link.user, acting_user, "发放密码链接")
    if link.requested_by_id == acting_user.pk:
        raise PermissionDenied("发起重置的人不能同时发放链接（三员分立）")
    if not link.is_open:
        raise PermissionDenied("该链接已使用或已作废")
    key = secrets.token_urlsafe(32)
    now = timezone.now()
    link.key_hash = _hash(key)
    link.issued_by = acting_user
    link.issued_at = now
    link.expires = now + dt.timedelta(hours=link_hours())
    link.failed_checks = 0
    link.save(update_fields=["key_hash", "issued_by", "issued_at", "expires", "failed_checks"])
    user = link.user
    if link.kind == PasswordLink.Kind.RESET and user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    record(
        actor=acting_user,
        action=AuditAction.PASSWORD_RESET_LINK,
        target=user,
        new={"kind": link.get_kind_display(), "expires": link.expires},
        request=request,
    )
    return key


def password_link(key: str) -> PasswordLink | None:
    """The link of this key while it can still be used; else None."""
    if not key or len(key) > 100:
        return None
    link = (
        PasswordLink.objects.select_related("user", "requested_by", "issued_by")
        .filter(key_hash=_hash(key))
        .first()
    )
    if link is None or not link.usable_at(timezone.now()) or not link.user.is_active:
        return None
    return link


# Wrong answers to the identity question before the link is burned.
MAX_IDENTITY_FAILURES = 5


def identity_digits(user) -> str:
    """The last six digits of the ID number of the roster person this account belongs to, if any.

    Through the ORM's reverse relation (``roster.Person.user``): accounts imports no higher app.
    """
    person = getattr(user, "person", None)
    if person is None or not person.id_number:
        return ""
    return person.id_number.reveal()[-6:].upper()


class LinkRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def use_password_link(*, key: str, password: str, identity: str = "", request=None) -> User:
    """Set the new password through the link: once, before it expires, by the user only."""
    invalid = "链接无效、已使用或已过期，请联系系统管理员重新办理"
    found = password_link(key)
    if found is None:
        raise LinkRefused(invalid)
    failed = burned = False
    with transaction.atomic():
        link = PasswordLink.objects.select_for_update().get(pk=found.pk)
        if not link.usable_at(timezone.now()):
            raise LinkRefused(invalid)
        user = found.user
        expected = identity_digits(user)
        if expected and identity.strip().upper() != expected:
            failed = True
            link.failed_checks += 1
            burned = link.failed_checks >= MAX_IDENTITY_FAILURES
            if burned:
                link.closed_at = timezone.now()
            link.save(update_fields=["failed_checks", "closed_at"])
            record(
                actor=None,
                action=AuditAction.PASSWORD_RESET_DONE,
                actor_username=user.username,
                target=user,
                reason="身份核验未通过" + ("，链接已作废" if burned else ""),
                request=request,
            )
        else:
            now = timezone.now()
            link.used_at = now
            link.save(update_fields=["used_at"])
            user.set_password(password)
            user.save(update_fields=["password"])
            who = found.requested_by.username if found.requested_by else "（已删除）"
            by = found.issued_by.username if found.issued_by else "（已删除）"
            AccountNotice.objects.create(
                user=user,
                text=(
                    f"您的账号密码已于 {timezone.localtime(now):%Y-%m-%d %H:%M} 通过一次性链接设置"
                    f"（{link.get_kind_display()}：系统管理员 {who} 发起，安全管理员 {by} 发放）。"
                    "如非本人操作，请立即联系安全管理员。"
                )[:300],
            )
            record(
                actor=None,
                action=AuditAction.PASSWORD_RESET_DONE,
                actor_username=user.username,
                target=user,
                new={"kind": link.get_kind_display()},
                request=request,
            )
    if burned:
        raise LinkRefused("身份核验连续失败，链接已作废，请联系系统管理员重新办理")
    if failed:
        raise LinkRefused("身份证号后 6 位不正确")
    return user


def take_notices(user) -> list[str]:
    """The account's unseen notices, marked seen (shown once, at login)."""
    notices = list(AccountNotice.objects.filter(user=user, seen_at__isnull=True))
    if notices:
        AccountNotice.objects.filter(pk__in=[n.pk for n in notices]).update(seen_at=timezone.now())
    return [n.text for n in notices]


@transaction.atomic
def unlock_user(*, username: str, acting_user, request=None) -> int:
    from axes.models import AccessAttempt

    if acting_user is not None and username == acting_user.get_username():
        raise PermissionDenied(f"{SELF_REFUSAL}：解除锁定")

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

    _not_self(user, acting_user, "重置双因素认证")
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


_SEARCH_KINDS = {"id": "身份证号", "phone": "电话", "last4": "号码后 4 位", "masked": "脱敏号码"}


def record_number_search(*, kind: str, found: list[int], acting_user, request=None) -> None:
    """An ID or phone search that found someone: who looked, for what kind, whom it found.

    The number itself is not kept (the log holds masked or blind-indexed values only).
    """
    with transaction.atomic():
        record(
            actor=acting_user,
            action=AuditAction.PERSONAL_SEARCH,
            target_repr=f"按{_SEARCH_KINDS.get(kind, kind)}查找，命中 {len(found)} 人",
            new={"kind": kind, "residents": found[:50]},
            request=request,
        )


def record_number_search_throttled(*, acting_user, request=None) -> None:
    with transaction.atomic():
        record(
            actor=acting_user,
            action=AuditAction.PERSONAL_SEARCH_THROTTLED,
            target_repr="按号码查找过于频繁",
            request=request,
        )


# -- API tokens ---------------------------------------------------------------------------------


@transaction.atomic
def create_api_token(
    *, user: User, name: str, lifetime: dt.timedelta, acting_user=None, request=None
):
    """(key, token): the key is shown once; only its SHA-256 is kept."""
    from loudong.accounts.models import ApiToken

    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=key[:8],
        key_hash=ApiToken.hash_key(key),
        expires=timezone.now() + lifetime,
    )
    record(
        actor=acting_user,
        action=AuditAction.API_TOKEN_CREATE,
        actor_username="" if acting_user else "(命令行)",
        target=user,
        new={"token": str(token), "expires": token.expires},
        request=request,
    )
    return key, token


@transaction.atomic
def revoke_api_token(*, token, acting_user, request=None) -> None:
    """The token's owner, or the 安全管理员, ends a token at once."""
    token.revoked = True
    token.revoked_at = timezone.now()
    token.revoked_by = acting_user
    token.save(update_fields=["revoked", "revoked_at", "revoked_by"])
    record(
        actor=acting_user,
        action=AuditAction.API_TOKEN_REVOKE,
        target=token.user,
        new={"token": str(token)},
        request=request,
    )
