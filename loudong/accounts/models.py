import hashlib
import hmac
import json

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from loudong.accounts.roles import ADMIN_ROLES, ROLE_CAPS, ROLE_LEVELS, Role, role_conflict


class User(AbstractUser):
    """A login. ``full_name`` is how colleagues know the person (真实姓名)."""

    full_name = models.CharField("姓名", max_length=50, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self):
        return self.full_name or self.username

    def active_roles(self) -> list["RoleAssignment"]:
        """Cached on the instance: ``request.user`` is new for every request."""
        if "_active_roles" not in self.__dict__:
            self.__dict__["_active_roles"] = list(
                self.role_assignments.filter(active=True).select_related("region")
            )
        return self.__dict__["_active_roles"]

    def has_role(self, *roles) -> bool:
        return any(a.role in roles for a in self.active_roles())

    def needs_two_factor(self) -> bool:
        """TOTP is required for the three admin roles (等保 三员)."""
        return self.has_role(*ADMIN_ROLES)


class RoleAssignment(models.Model):
    """One role of one user in one region (or none, for the three admins)."""

    user = models.ForeignKey(User, models.CASCADE, related_name="role_assignments")
    role = models.CharField("角色", max_length=32, choices=Role.choices)
    region = models.ForeignKey(
        "territory.Region",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="所辖区域",
    )
    # 两委 member: 网格长 are "一般由两委成员兼任" (seed 004, 二.2).
    is_committee = models.BooleanField("两委成员", default=False)
    # Member of the community's party organisation: does 社区党组织审查 (seed 000 §三.3), never
    # on a case they recommended. Meaningful for 社区工作者 only.
    is_party_org = models.BooleanField("社区党组织成员", default=False)
    active = models.BooleanField("有效", default=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "角色分配"
        verbose_name_plural = "角色分配"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "region"],
                condition=Q(active=True),
                name="roleassignment_unique_active",
            ),
        ]

    def __str__(self):
        where = f"（{self.region}）" if self.region_id else ""
        return f"{self.get_role_display()}{where}"

    def save(self, *args, **kwargs):
        """Any path that adds a role — the action, a shell, a script — meets 三员分立."""
        if self.active and (self._state.adding or not kwargs.get("update_fields")):
            problem = role_conflict(self._other_roles(), self.role)
            if problem:
                raise ValidationError(problem)
        super().save(*args, **kwargs)

    @property
    def capabilities(self):
        return ROLE_CAPS[self.role]

    def _other_roles(self) -> set[str]:
        others = RoleAssignment.objects.filter(user_id=self.user_id, active=True)
        if self.pk:
            others = others.exclude(pk=self.pk)
        return set(others.values_list("role", flat=True))

    def clean(self):
        if self.role not in ROLE_LEVELS:
            # An unknown role never reaches here through the form (its choices refuse it).
            raise ValidationError({"role": "没有这个角色"})
        if self.user_id and self.active:
            problem = role_conflict(self._other_roles(), self.role)
            if problem:
                raise ValidationError({"role": problem})
        levels = ROLE_LEVELS[self.role]
        if levels is None and self.region_id:
            raise ValidationError({"region": "该角色不按区域分配"})
        if levels is not None and (not self.region_id or self.region.level not in levels):
            names = "、".join(sorted(levels))
            raise ValidationError({"region": f"该角色须分配到以下层级的区域：{names}"})


class AuditQuerySet(models.QuerySet):
    """Append-only: bulk edits and deletes are refused in code."""

    def update(self, **kwargs):
        raise PermissionError("审计日志只能追加，不能修改")

    def delete(self):
        raise PermissionError("审计日志只能追加，不能删除")

    _raw_delete = delete


class AuditEvent(models.Model):
    """An append-only, keyed hash chain of who did what.

    ``hash = HMAC-SHA256(LOUDONG_AUDIT_KEY, prev_hash + canonical JSON of this row)``, and
    ``seq`` counts up by one, so a row edited or deleted directly in the database breaks the
    chain at that row (``loudong verify_audit``). The key lives in the environment, never in
    the database, so whoever can write the table still cannot recompute the hashes after an
    edit; deleting the *last* rows is caught by the anchor kept outside the database
    (accounts.anchor). Old and new values hold masked or blind-indexed personal data only
    (see accounts.audit.safe_value).
    """

    seq = models.PositiveBigIntegerField(unique=True, editable=False)
    created = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        User, models.SET_NULL, null=True, blank=True, related_name="+", db_constraint=False
    )
    actor_username = models.CharField("操作人", max_length=150, blank=True)
    action = models.CharField("操作", max_length=64, db_index=True)
    target_type = models.CharField("对象类型", max_length=64, blank=True)
    target_id = models.CharField("对象编号", max_length=64, blank=True)
    target_repr = models.CharField("对象", max_length=200, blank=True)
    region = models.ForeignKey(
        "territory.Region",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    old = models.JSONField("原值", default=dict, blank=True)
    new = models.JSONField("新值", default=dict, blank=True)
    reason = models.CharField("事由", max_length=200, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ["-seq"]

    def __str__(self):
        return f"#{self.seq} {self.action} {self.target_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("审计日志只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("审计日志只能追加，不能删除")

    @property
    def action_label(self) -> str:
        from loudong.accounts.audit_actions import action_label

        return action_label(self.action)

    def changes(self) -> list[tuple[str, str, str]]:
        """(field, old, new) as a reader sees them, for the log page and its export."""
        from loudong.accounts.audit_actions import readable_key, readable_value

        keys = list(dict.fromkeys([*self.old, *self.new]))
        return [
            (
                readable_key(k),
                readable_value(self.old.get(k)) if k in self.old else "",
                readable_value(self.new.get(k)) if k in self.new else "",
            )
            for k in keys
        ]

    def canonical(self) -> str:
        body = {
            "seq": self.seq,
            "created": self.created.isoformat(timespec="microseconds"),
            "actor": self.actor_id,
            "actor_username": self.actor_username,
            "action": self.action,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "target_repr": self.target_repr,
            "region": self.region_id,
            "old": self.old,
            "new": self.new,
            "reason": self.reason,
            "ip": self.ip,
        }
        return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    def compute_hash(self) -> str:
        """HMAC-SHA256 under the audit key: recomputing the chain needs the key."""
        from django.conf import settings

        message = (self.prev_hash + self.canonical()).encode()
        return hmac.new(settings.LOUDONG_AUDIT_KEY.encode(), message, hashlib.sha256).hexdigest()


def default_token_expiry():
    import datetime as dt

    from django.conf import settings
    from django.utils import timezone

    return timezone.now() + dt.timedelta(days=settings.LOUDONG_API_TOKEN_DAYS)


class ApiToken(models.Model):
    """A bearer token for scripts. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, models.CASCADE, related_name="api_tokens")
    name = models.CharField("用途", max_length=100)
    prefix = models.CharField(max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    # Every token expires (LOUDONG_API_TOKEN_DAYS, 90 by default; create_api_token --days).
    expires = models.DateTimeField("有效期至", null=True, default=default_token_expiry)
    last_used = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="吊销人"
    )

    class Meta:
        verbose_name = "API 令牌"
        verbose_name_plural = "API 令牌"

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    def is_live(self, now) -> bool:
        return not self.revoked and self.expires is not None and now < self.expires


class PasswordLink(models.Model):
    """A one-time, expiring link with which a user sets their own password.

    等保 三员分立: the 系统管理员 who creates an account or resets a password never sees the
    link nor the password; the 安全管理员 issues the link (after checking who is asking) and
    hands it to the person — it is shown to them once, only its SHA-256 is kept. Where the
    account belongs to a person on the roster, the link also asks for the last six digits of
    that person's ID number, which neither admin can see. Using it ends every session of the
    account, and the user finds a notice of it at the next login.
    """

    class Kind(models.TextChoices):
        INITIAL = "initial", "设置初始密码"
        RESET = "reset", "重置密码"

    user = models.ForeignKey(User, models.CASCADE, related_name="password_links")
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    requested_by = models.ForeignKey(
        User, models.SET_NULL, null=True, related_name="+", verbose_name="发起人"
    )
    requested_at = models.DateTimeField("发起时间", auto_now_add=True)
    issued_by = models.ForeignKey(
        User, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="发放人"
    )
    issued_at = models.DateTimeField("发放时间", null=True, blank=True)
    expires = models.DateTimeField("失效时间", null=True, blank=True)
    key_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    used_at = models.DateTimeField("使用时间", null=True, blank=True)
    closed_at = models.DateTimeField("作废时间", null=True, blank=True)
    failed_checks = models.PositiveSmallIntegerField("核验失败次数", default=0)

    class Meta:
        verbose_name = "密码设置链接"
        verbose_name_plural = "密码设置链接"
        ordering = ["-requested_at"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.user.username}"

    @property
    def is_open(self) -> bool:
        return self.used_at is None and self.closed_at is None

    def usable_at(self, now) -> bool:
        return self.is_open and self.issued_at is not None and now < self.expires


class AccountNotice(models.Model):
    """Something that happened to the account, shown to its user at the next login."""

    user = models.ForeignKey(User, models.CASCADE, related_name="notices")
    created = models.DateTimeField(auto_now_add=True)
    text = models.CharField("内容", max_length=300)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "账号通知"
        verbose_name_plural = "账号通知"
        ordering = ["created"]

    def __str__(self):
        return self.text
