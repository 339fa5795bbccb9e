"""Documents: the volunteer agreement (协议书), work badges (胸牌) and notice-board tokens.

Seed 000 附件1 is the agreement's wording; §三.5 "社区要统一制作工作牌，楼栋长上门入户服务要
佩戴工作胸牌" the badge; 公示制度 (seed 000 §三.5, seed 004 §三.11 "公示管辖区域、居民户数、
“三长”姓名和联系电话等信息，在小区、楼栋、单元悬挂") the boards.
"""

import secrets

from django.db import models
from django.urls import reverse
from django.utils import timezone

from loudong.lib.protected import ProtectedField
from loudong.territory.models import ScopedQuerySet

# Seed 000 附件1 §四.3, verbatim.
INSURANCE_CLAUSE = (
    "甲方为乙方购买意外伤害商业保险，乙方志愿服务工作中遇有意外伤害的，以保险公司的理赔款作为补偿。"
)


def new_token() -> str:
    """Unguessable, URL-safe (22 characters, 128 bits)."""
    return secrets.token_urlsafe(16)


def scan_upload_to(instance, filename: str) -> str:
    """Referenced by migration 0001 only: scans are sealed files now (lib.sealed_files)."""
    return f"agreements/{filename}"


class Agreement(models.Model):
    """A volunteer agreement: one per appointment (PRODUCT.md "Decisions").

    Which text it has is the profile's ``documents.agreement``: 池阳's 附件1《社区楼栋长志愿服务
    协议书》 verbatim, or the “三长” agreement whose duties are 004 §二's and whose allowances are
    the profile's (004 has no form of its own; it never gets 池阳's 300-yuan text).
    The parties, term, title and subsidy are a *snapshot* taken when the agreement is drawn
    up, so a later change to the person's record or to the policy does not rewrite a signed
    document. 乙方's ID number, address and phone stay encrypted (ProtectedField), and the
    signed scan is sealed at rest (lib.sealed_files).
    """

    class Form(models.TextChoices):
        ATTACHMENT1 = "attachment1", "社区楼栋长志愿服务协议书（池阳附件1）"
        THREE_LEADERS = "three_leaders", "“三长”志愿服务协议书"

    class Status(models.TextChoices):
        DRAFT = "draft", "待签订"
        SIGNED = "signed", "已签订"
        TERMINATED = "terminated", "已解除"

    # Workflow table (STYLE.md item 5).
    TRANSITIONS = {
        Status.DRAFT: {Status.SIGNED, Status.TERMINATED},
        Status.SIGNED: {Status.TERMINATED},
        Status.TERMINATED: set(),
    }

    appointment = models.OneToOneField(
        "roster.Appointment", models.PROTECT, related_name="agreement", verbose_name="任职"
    )
    community = models.ForeignKey("territory.Region", models.PROTECT, related_name="+")
    compound = models.ForeignKey(
        "territory.Region", models.PROTECT, null=True, blank=True, related_name="+"
    )
    # 甲方 (the community) and its 负责人.
    party_a_name = models.CharField("甲方", max_length=100)
    party_a_leader = models.CharField("负责人", max_length=50, blank=True)
    party_a_phone = models.CharField("甲方联系电话", max_length=32, blank=True)
    # 乙方 (the leader), copied from the Person when drawn up.
    party_b_name = models.CharField("乙方", max_length=50)
    party_b_id_number = ProtectedField("身份证号码", kind="id_number")
    party_b_address = ProtectedField("家庭住址", kind="address")
    party_b_phone = ProtectedField("乙方联系电话", kind="phone")
    form = models.CharField("文本", max_length=20, choices=Form.choices, default=Form.ATTACHMENT1)
    # 一、乙方工作期限; 二、乙方工作称号 (「X小区X号楼楼栋长」, the grid on its own line).
    term_start = models.DateField("工作期限自")
    term_end = models.DateField("工作期限至", null=True, blank=True)
    title = models.CharField("工作称号", max_length=100)
    grid_note = models.CharField("所在网格", max_length=100, blank=True)
    # 兼任 (000 §三.1 "按兼任楼栋网格数发放工作补贴（300×楼栋网格数）"): grids held when drawn up.
    concurrent_grids = models.PositiveSmallIntegerField("兼任网格数", default=1)
    # The “三长” text: duties and allowances taken from the profile when drawn up.
    duties = models.JSONField("工作职责", default=list, blank=True)
    allowances = models.JSONField("工作补贴（元/月）", default=dict, blank=True)
    # 四、工作补贴 (seed 000: 300 = 200 按月发放 + 100 年终一次性发放).
    subsidy_monthly = models.DecimalField("每月补贴总额", max_digits=8, decimal_places=2)
    subsidy_paid_monthly = models.DecimalField("按月发放", max_digits=8, decimal_places=2)
    subsidy_year_end = models.DecimalField("年终发放", max_digits=8, decimal_places=2)
    insurance_clause = models.TextField("保险条款", default=INSURANCE_CLAUSE)

    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT)
    signed_by_a_on = models.DateField("甲方签字日期", null=True, blank=True)
    signed_by_b_on = models.DateField("乙方签字日期", null=True, blank=True)
    # "经双方签字（盖章）确认后生效": the later signature; the subsidy starts that day.
    effective_on = models.DateField("生效日期", null=True, blank=True)
    # The sealed scan's storage name (lib.sealed_files), or "".
    signed_scan = models.CharField("签字扫描件", max_length=200, blank=True, editable=False)
    signed_scan_ext = models.CharField(max_length=10, blank=True)
    signed_scan_type = models.CharField(max_length=40, blank=True)
    signed_scan_uploaded = models.DateTimeField("扫描件上传时间", null=True, blank=True)
    # Consent to publish the phone on notice boards (PRODUCT.md "Decisions").
    consents_to_publish_phone = models.BooleanField("同意公示联系电话", default=False)
    consent_changed_on = models.DateField("同意/撤回日期", null=True, blank=True)
    # 五、协议解除: "双方均可以随时解除本协议，但应提前告知对方".
    terminated_on = models.DateField("解除日期", null=True, blank=True)
    termination_reason = models.CharField("解除原因", max_length=200, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        "accounts.User", models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "志愿服务协议书"
        verbose_name_plural = "志愿服务协议书"
        ordering = ["-created"]

    def __str__(self):
        return f"{self.party_b_name} · {self.title} 协议书"

    def get_absolute_url(self):
        return reverse("documents:agreement", args=[self.appointment_id])

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.status]

    @staticmethod
    def effective_date(signed_by_a_on, signed_by_b_on):
        """Both signatures needed; in force from the later one."""
        if signed_by_a_on is None or signed_by_b_on is None:
            return None
        return max(signed_by_a_on, signed_by_b_on)

    def docx_bytes(self) -> bytes:
        from loudong.documents.agreement_docx import render_agreement

        return render_agreement(self)

    @property
    def document_title(self) -> str:
        return (
            "社区楼栋长志愿服务协议书"
            if self.form == self.Form.ATTACHMENT1
            else "“三长”志愿服务协议书"
        )

    def term_expired(self, today) -> bool:
        return (
            self.status == self.Status.SIGNED
            and self.term_end is not None
            and self.term_end < today
        )


class AgreementEvent(models.Model):
    """One move of an agreement (drawn up, signed, consent changed, terminated)."""

    agreement = models.ForeignKey(Agreement, models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    what = models.CharField(max_length=100)
    actor = models.ForeignKey(
        "accounts.User", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.what} {self.at:%Y-%m-%d}"


class Badge(models.Model):
    """工作胸牌 (seed 000 §三.5). The QR code carries ``token``; the public verify page says
    whether the badge is valid today. Reprinting reuses the token; revoking kills it."""

    appointment = models.ForeignKey(
        "roster.Appointment", models.PROTECT, related_name="badges", verbose_name="任职"
    )
    community = models.ForeignKey("territory.Region", models.PROTECT, related_name="+")
    compound = models.ForeignKey(
        "territory.Region", models.PROTECT, null=True, blank=True, related_name="+"
    )
    number = models.CharField("胸牌编号", max_length=40, unique=True)
    # Random, not derived from anything: it is printed, so it is public, but not guessable.
    token = models.CharField(max_length=40, unique=True, default=new_token, editable=False)
    issued = models.DateField("发放日期", default=timezone.localdate)
    revoked = models.DateTimeField("作废时间", null=True, blank=True)
    issued_by = models.ForeignKey(
        "accounts.User", models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "工作胸牌"
        verbose_name_plural = "工作胸牌"
        ordering = ["community_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment"],
                condition=models.Q(revoked__isnull=True),
                name="badge_one_live_per_appointment",
            ),
        ]

    def __str__(self):
        return f"胸牌 {self.number}"

    def verify_path(self) -> str:
        return reverse("documents:verify", args=[self.token])

    def is_valid_on(self, day) -> bool:
        """Valid: not revoked, and the appointment active and in force that day."""
        appointment = self.appointment
        return (
            self.revoked is None
            and appointment.status == appointment.Status.ACTIVE
            and appointment.in_force_on(day)
        )


class BoardToken(models.Model):
    """A stable token for a notice board's QR code: ``/r/<token>/`` (the resident page).

    Boards hang for years, so the token does not expire; it is replaced only by revoking
    it (a new board is then printed). Exactly one of compound, building, unit is set.
    """

    class Kind(models.TextChoices):
        COMPOUND = "compound", "小区"
        BUILDING = "building", "楼栋"
        UNIT = "unit", "单元"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    community = models.ForeignKey("territory.Region", models.PROTECT, related_name="+")
    compound = models.ForeignKey("territory.Region", models.PROTECT, related_name="+")
    building = models.ForeignKey(
        "territory.Building", models.CASCADE, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(
        "territory.Unit", models.CASCADE, null=True, blank=True, related_name="+"
    )
    token = models.CharField(max_length=40, unique=True, default=new_token, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    revoked = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "公示牌二维码"
        verbose_name_plural = "公示牌二维码"
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "compound", "building", "unit"],
                condition=models.Q(revoked__isnull=True),
                name="boardtoken_one_live_per_area",
            ),
        ]

    def __str__(self):
        return f"公示牌 {self.get_kind_display()} {self.token[:6]}…"

    def resident_path(self) -> str:
        """``/r/<token>/``: short, because residents may type it from a printed board."""
        return reverse("resident:board", args=[self.token])


def subsidy_start(appointment):
    """The day the appointment's subsidy starts: its agreement's effective date, or None
    while the agreement is unsigned (PRODUCT.md "Decisions").

    An agreement ended later (已解除, when the appointment ended) still took effect on that
    day: the months it was in force stay paid, and payroll corrections see no change.
    """
    return subsidy_starts([appointment.pk]).get(appointment.pk)


def subsidy_starts(appointment_ids) -> dict[int, object]:
    """``subsidy_start`` for many appointments in one query: appointment id → effective date
    (appointments whose agreement is unsigned are absent)."""
    return dict(
        Agreement.objects.filter(
            appointment_id__in=list(appointment_ids), effective_on__isnull=False
        ).values_list("appointment_id", "effective_on")
    )
