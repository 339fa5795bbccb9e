"""People, posts, selections and appointments (seed 000 §三.2–三.5; seed 004 §二, §三).

A *post* is a seat to fill — the 楼栋长 of a grid, the 网格长 of a grid (长春), the 单元长
of a unit (长春), or a 一格多员 attachment — and stays listed while vacant ("宁缺毋滥").
An *appointment* is one person holding one post for a time; a person holding several
grids (兼任) has one appointment per grid. A *selection* is the workflow that leads
to an appointment.
"""

import itertools

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from loudong.lib.protected import BlindIndexField, ProtectedField
from loudong.territory.models import ScopedQuerySet


class Person(models.Model):
    """A leader or candidate. Seed 000 §三.2: "楼栋长可以是本楼栋内常住居民也可以是其他楼栋居民"."""

    class Education(models.TextChoices):
        PRIMARY = "primary", "小学"
        JUNIOR = "junior", "初中"
        SENIOR = "senior", "高中/中专"
        COLLEGE = "college", "大专"
        BACHELOR = "bachelor", "本科及以上"

    class Pool(models.TextChoices):
        """Preferred pools, seed 000 §三.2: "注重从党员、机关、企事业单位、社区退休人员、物业管理人员和热心公益的居民中推选"."""

        PARTY_MEMBER = "party_member", "党员"
        CIVIL_SERVANT = "civil_servant", "机关人员"
        ENTERPRISE = "enterprise", "企事业单位人员"
        RETIRED = "retired", "社区退休人员"
        PROPERTY = "property", "物业管理人员"
        VOLUNTEER = "volunteer", "热心公益居民"
        VETERAN = "veteran", "退役军人"
        TEACHER = "teacher", "老教师"
        OTHER = "other", "其他"

    community = models.ForeignKey(
        "territory.Region", models.PROTECT, related_name="+", verbose_name="所属社区"
    )
    compound = models.ForeignKey(
        "territory.Region",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="居住小区",
    )
    resident = models.ForeignKey(
        "territory.Resident",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="对应居民",
    )
    user = models.OneToOneField(
        "accounts.User",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name="登录账号",
    )
    name = models.CharField("姓名", max_length=50, db_index=True)
    sex = models.CharField("性别", max_length=1, choices=[("M", "男"), ("F", "女")], blank=True)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    id_number = ProtectedField("身份证号", kind="id_number")
    id_number_index = BlindIndexField(source="id_number")
    id_number_last4 = BlindIndexField(source="id_number", part="last4")
    phone = ProtectedField("联系电话", kind="phone")
    phone_index = BlindIndexField(source="phone")
    phone_last4 = BlindIndexField(source="phone", part="last4")
    address = ProtectedField("家庭住址", kind="address")
    # Party membership and health are sensitive: encrypted, shown only through a reveal.
    political_status = ProtectedField("政治面貌", kind="text")
    is_party_member = models.BooleanField("党员", default=False)
    health_note = ProtectedField("健康状况", kind="text")
    education = models.CharField("文化程度", max_length=16, choices=Education.choices, blank=True)
    pool = models.CharField("人员来源", max_length=16, choices=Pool.choices, blank=True)
    employer = models.CharField("工作单位/原单位", max_length=100, blank=True)
    # 两委 member, or another community worker (seed 004 §一.2: 网格长 "一般由“两委”成员兼任，
    # “两委”成员不足的可由其他社区工作者担任").
    is_committee = models.BooleanField("两委成员", default=False)
    is_community_worker = models.BooleanField("社区工作者", default=False)
    # 党小组长 (seed 000 §三.2: "党小组长须兼任楼栋长").
    is_party_group_leader = models.BooleanField("党小组长", default=False)
    # Consent to publish the phone on notice boards (PRODUCT.md "Decisions"); withdrawn → office phone.
    consents_to_publish_phone = models.BooleanField("同意公示电话", default=False)
    consent_changed_on = models.DateField("同意/撤回日期", null=True, blank=True)
    # The badge photo, sealed at rest (lib.sealed_files); the storage name, or "".
    photo = models.CharField("照片", max_length=200, blank=True, editable=False)
    notes = models.CharField("备注", max_length=200, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        ordering = ["community_id", "name", "id"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("roster:person", args=[self.pk])

    def age_on(self, day) -> int | None:
        if self.birth_date is None:
            return None
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def active_appointments(self):
        return self.appointments.filter(status=Appointment.Status.ACTIVE)


class Post(models.Model):
    """A seat to fill. Grid posts are keyed by the grid's 20-digit code, so a grid that keeps its
    code across a re-division keeps its post and leader."""

    class Kind(models.TextChoices):
        BUILDING_LEADER = "building_leader", "楼栋长"
        GRID_HEAD = "grid_head", "网格长"
        UNIT_LEADER = "unit_leader", "单元长"
        ATTACHMENT = "attachment", "一格多员"

    class Attachment(models.TextChoices):
        """一格多员 (seed 004 §一.1): "统筹辖区民警、公益岗和水电热气等公用事业单位力量下社区、进网格"."""

        POLICE = "police", "社区民警"
        PUBLIC_WELFARE = "public_welfare", "公益岗"
        WATER = "water", "供水"
        POWER = "power", "供电"
        HEAT = "heat", "供热"
        GAS = "gas", "供气"
        OTHER = "other", "其他"

    kind = models.CharField("岗位", max_length=20, choices=Kind.choices)
    community = models.ForeignKey("territory.Region", models.PROTECT, related_name="+")
    compound = models.ForeignKey(
        "territory.Region", models.PROTECT, null=True, blank=True, related_name="+"
    )
    grid_code = models.CharField("网格编码", max_length=20, blank=True, db_index=True)
    building = models.ForeignKey(
        "territory.Building", models.PROTECT, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(
        "territory.Unit", models.PROTECT, null=True, blank=True, related_name="+"
    )
    attachment = models.CharField(
        "一格多员类别", max_length=20, choices=Attachment.choices, blank=True
    )
    title = models.CharField("称号", max_length=100, help_text="如 翠微小区3号楼楼栋长")
    active = models.BooleanField("有效", default=True)
    created = models.DateTimeField(auto_now_add=True)
    # Closed when its grid code left the division in force (sync_grid_posts): its leader's
    # appointment ended with post_closed, and the grid is listed for a worker's attention.
    closed_on = models.DateField("撤销日期", null=True, blank=True)
    needs_attention = models.BooleanField("待处理", default=False)
    attention_note = models.CharField("待处理说明", max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "岗位"
        verbose_name_plural = "岗位"
        ordering = ["community_id", "kind", "grid_code", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "grid_code"],
                condition=Q(active=True) & ~Q(grid_code="") & ~Q(kind="attachment"),
                name="post_unique_grid_post",
            ),
            models.UniqueConstraint(
                fields=["kind", "unit"],
                condition=Q(active=True, unit__isnull=False),
                name="post_unique_unit_post",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("roster:post", args=[self.pk])

    def current_appointment(self):
        return self.appointments.filter(status=Appointment.Status.ACTIVE).first()

    @property
    def is_grid_post(self) -> bool:
        return bool(self.grid_code) and self.kind != self.Kind.ATTACHMENT

    def households(self, *, occupied_only: bool = True):
        """The households this post serves: its unit, its building, or its grid in force.

        A grid's households are those of its pieces (whole units, or floor ranges of a unit
        cut by floors); a household with no floor recorded belongs to every piece of its unit.
        One query for the pieces, then one filtered queryset.
        """
        from loudong.territory.models import Household

        households = Household.objects.filter(community_id=self.community_id)
        if occupied_only:
            households = households.filter(occupied=True)
        if self.unit_id:
            return households.filter(unit_id=self.unit_id)
        if self.building_id:
            return households.filter(building_id=self.building_id)
        if not self.grid_code:
            return households.none()
        from loudong.grids.models import GridPiece

        pieces = GridPiece.objects.filter(
            grid__code=self.grid_code,
            grid__division__status="frozen",
            grid__community_id=self.community_id,
        ).values_list("unit_id", "floor_from", "floor_to")
        q = Q(pk__in=[])
        for unit_id, low, high in pieces:
            q |= Q(unit_id=unit_id) & (Q(floor__isnull=True) | Q(floor__gte=low, floor__lte=high))
        return households.filter(q)


class Appointment(models.Model):
    """One person in one post, from ``start`` until ended.

    The subsidy starts from the day the agreement takes effect (both parties signed —
    Attachment 1 §六 "经双方签字（盖章）确认后生效"), recorded by the documents app.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "在任"
        ENDED = "ended", "已离任"

    class EndReason(models.TextChoices):
        RESIGNATION = "resignation", "本人辞任"
        ADJUSTMENT = "adjustment", "社区调整"
        EVALUATION = "evaluation", "评议不满意调整"
        TERM_END = "term_end", "任期届满"
        POST_CLOSED = "post_closed", "岗位撤销（网格调整）"
        OTHER = "other", "其他"

    person = models.ForeignKey(Person, models.PROTECT, related_name="appointments")
    post = models.ForeignKey(Post, models.PROTECT, related_name="appointments")
    community = models.ForeignKey("territory.Region", models.PROTECT, related_name="+")
    compound = models.ForeignKey(
        "territory.Region", models.PROTECT, null=True, blank=True, related_name="+"
    )
    selection = models.ForeignKey(
        "roster.Selection", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    start = models.DateField("任职日期")
    term_end = models.DateField("任期至", null=True, blank=True)
    end = models.DateField("离任日期", null=True, blank=True)
    end_reason = models.CharField("离任原因", max_length=20, choices=EndReason.choices, blank=True)
    # Seed 000 附件1 §五: "双方均可以随时解除本协议，但应提前告知对方".
    notice_date = models.DateField("提前告知日期", null=True, blank=True)
    end_note = models.CharField("离任说明", max_length=200, blank=True)
    # 兼任 (seed 000 §三.1): another leader takes over a grid that is hard to staff.
    is_concurrent = models.BooleanField("兼任", default=False)
    concurrent_reason = models.CharField("兼任原因", max_length=200, blank=True)
    concurrent_consent = models.BooleanField("本人同意兼任", default=False)
    # Soft eligibility rules overridden with a written reason (e.g. age over 65 "原则上").
    override_reason = models.CharField("例外理由", max_length=300, blank=True)
    # Leaders in post before the integration campaign (调查摸底), for Attachment 2.
    is_legacy = models.BooleanField("整合前原配备", default=False)
    # The policy version the appointment started under (its subsidy and duties keep it).
    profile_name = models.CharField("政策方案", max_length=40)
    profile_version = models.PositiveIntegerField("方案版本")
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        "accounts.User", models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "任职"
        verbose_name_plural = "任职"
        ordering = ["-start", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["post"],
                condition=Q(status="active") & Q(is_legacy=False),
                name="appointment_one_active_per_post",
            ),
        ]

    def __str__(self):
        return f"{self.person} · {self.post}"

    def save(self, *args, **kwargs):
        if not self.profile_name or self.profile_version is None:
            pin_profile(self, self.community, self.start)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("roster:appointment", args=[self.pk])

    def profile(self):
        from loudong.policy.profile import profile_at

        return profile_at(self.profile_name, self.profile_version)

    def in_force_on(self, day) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    def term_expired(self, today) -> bool:
        """Past its term but still in post: the leader serves on until renewed or ended."""
        return self.is_active and self.term_end is not None and self.term_end < today


def pin_profile(record, where, on) -> None:
    """Set ``profile_name``/``profile_version`` to the version in force at ``where`` on ``on``."""
    from loudong.policy.profile import profile_for

    profile = profile_for(where, on=on)
    record.profile_name, record.profile_version = profile.name, profile.version


OPEN_STEPS = (
    "self_nomination",
    "resident_nomination",
    "community_recommendation",
    "party_review",
    "subdistrict_approval",
    "public_notice",
    "filed",
)
ENDINGS = {"rejected", "withdrawn"}
# Where a case starts, by channel: 个人自荐 at self-nomination, 居民推选 at the residents'
# nomination, 组织推荐 at the community's recommendation.
CHANNEL_START = {
    "self": "self_nomination",
    "residents": "resident_nomination",
    "organization": "community_recommendation",
}


def build_transitions(steps: list[str]) -> dict[str, set[str]]:
    """The workflow table for a profile's ordered ``selection.steps``.

    Each step moves to the next; the last (公示) moves to appointed, or back to 社区党组织审查
    when an objection is raised; any open step may end as rejected or withdrawn. With no
    steps (长春: channels + 备案) every channel's start moves to ``filed``, then appointed.
    """
    table: dict[str, set[str]] = {}
    if steps:
        for here, there in itertools.pairwise(steps):
            table[here] = {there} | ENDINGS
        table[steps[-1]] = {"appointed"} | ENDINGS
        if "public_notice" in steps and "party_review" in steps:
            table["public_notice"].add("party_review")
    else:
        for start in CHANNEL_START.values():
            table[start] = {"filed"} | ENDINGS
        table["filed"] = {"appointed"} | ENDINGS
    for end in ("appointed", *ENDINGS):
        table[end] = set()
    return table


class Selection(models.Model):
    """The selection workflow: a table of moves, a guard and a history row (STYLE.md item 5).

    池阳 (seed 000 §三.3): "按照个人自荐、居民推选、社区推荐、社区党组织审查、街道党工委审批、
    楼栋公示的程序进行". 长春 (seed 004 §二.2): "按照组织推荐、居民推选或个人自荐的方式确定…
    并报社区党组织备案". Which steps apply comes from the policy profile's ``selection.steps``.
    """

    class Status(models.TextChoices):
        SELF_NOMINATION = "self_nomination", "个人自荐"
        RESIDENT_NOMINATION = "resident_nomination", "居民推选"
        COMMUNITY_RECOMMENDATION = "community_recommendation", "社区推荐"
        PARTY_REVIEW = "party_review", "社区党组织审查"
        SUBDISTRICT_APPROVAL = "subdistrict_approval", "街道党工委审批"
        PUBLIC_NOTICE = "public_notice", "楼栋公示"
        FILED = "filed", "报社区党组织备案"
        APPOINTED = "appointed", "已任命"
        REJECTED = "rejected", "未通过"
        WITHDRAWN = "withdrawn", "已撤回"

    class Channel(models.TextChoices):
        SELF = "self", "个人自荐"
        RESIDENTS = "residents", "居民推选"
        ORGANIZATION = "organization", "组织推荐"

    post = models.ForeignKey(Post, models.PROTECT, related_name="selections")
    candidate = models.ForeignKey(Person, models.PROTECT, related_name="selections")
    community = models.ForeignKey("territory.Region", models.PROTECT, related_name="+")
    compound = models.ForeignKey(
        "territory.Region", models.PROTECT, null=True, blank=True, related_name="+"
    )
    channel = models.CharField("推选方式", max_length=16, choices=Channel.choices)
    status = models.CharField("当前环节", max_length=32, choices=Status.choices)
    # The version the case started under: its steps never change with a later edit.
    profile_name = models.CharField(max_length=32)
    profile_version = models.PositiveIntegerField()
    notice_start = models.DateField("公示开始", null=True, blank=True)
    notice_end = models.DateField("公示截止", null=True, blank=True)
    # Printed on the 公示 notice as a QR code: residents object through it without an account.
    notice_token = models.CharField(max_length=40, blank=True, db_index=True)
    # 居民推选 closed by a 楼栋居民会议's show of hands (instead of, or beside, the ballots).
    meeting_question = models.ForeignKey(
        "territory.ResidentsMeetingQuestion",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="居民会议表决",
    )
    # Working-day calendar warnings when 公示 was scheduled (e.g. a year past the known data).
    notice_warnings = models.JSONField("日历提示", default=list, blank=True)
    eligibility = models.JSONField("资格检查", default=list, blank=True)
    override_reason = models.CharField("例外理由", max_length=300, blank=True)
    end_reason = models.CharField("结束原因", max_length=200, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        "accounts.User", models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    # The table for the chiyang steps; a selection uses its own profile's (``transitions()``).
    TRANSITIONS = build_transitions(
        [
            "self_nomination",
            "resident_nomination",
            "community_recommendation",
            "party_review",
            "subdistrict_approval",
            "public_notice",
        ]
    )
    # 000 §三.3: 社区推荐 (居委会), 社区党组织审查, 街道党工委审批 — three bodies, so three people.
    BODY_STEPS = ("community_recommendation", "party_review", "subdistrict_approval")

    class Meta:
        verbose_name = "选配"
        verbose_name_plural = "选配"
        ordering = ["-created"]

    def __str__(self):
        return f"{self.post} · {self.candidate}（{self.get_status_display()}）"

    def save(self, *args, **kwargs):
        if not self.profile_name or self.profile_version is None:
            pin_profile(self, self.community, timezone.localdate())
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("roster:selection", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status not in (
            self.Status.APPOINTED,
            self.Status.REJECTED,
            self.Status.WITHDRAWN,
        )

    def profile(self):
        """The pinned version: editing the profile never changes an open case's steps."""
        from loudong.policy.profile import profile_at

        return profile_at(self.profile_name, self.profile_version)

    def transitions(self) -> dict[str, set[str]]:
        return build_transitions(list(self.profile().selection.steps))

    def completed_by(self) -> dict[str, int]:
        """Step → the user who completed it (moved it forward), from the history."""
        return {
            s.from_status: s.actor_id
            for s in self.steps.all()
            if s.from_status and s.to_status not in ENDINGS and s.actor_id
        }

    def can_move_to(self, status: str) -> bool:
        return status in self.transitions().get(self.status, set())

    def next_step(self) -> str | None:
        """The forward move from here, or None (公示 ends only by appointment or objection)."""
        if self.status == self.Status.PUBLIC_NOTICE:
            return None
        forward = self.transitions().get(self.status, set()) - ENDINGS - {"appointed"}
        return next(iter(sorted(forward)), None)

    def notice_over(self, today) -> bool:
        """公示 finished: today is past its last day and no objection is open."""
        return (
            self.notice_end is not None
            and today > self.notice_end
            and not self.objections.filter(resolved__isnull=True).exists()
        )


class SelectionStep(models.Model):
    """One move of a selection: who did what, when, with which outcome."""

    selection = models.ForeignKey(Selection, models.CASCADE, related_name="steps")
    from_status = models.CharField(max_length=32, blank=True)
    to_status = models.CharField(max_length=32)
    outcome = models.CharField("结果", max_length=200, blank=True)
    notes = models.TextField("意见", blank=True)
    actor = models.ForeignKey(
        "accounts.User", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.from_label} → {self.to_label}"

    @property
    def from_label(self) -> str:
        return status_label(self.from_status) if self.from_status else "—"

    @property
    def to_label(self) -> str:
        return status_label(self.to_status)


def status_label(status: str) -> str:
    """The Chinese name of a step, for pages; an unknown code is shown as is."""
    try:
        return Selection.Status(status).label
    except ValueError:
        return status


class Objection(models.Model):
    """An objection raised during 公示; it sends the case back to review."""

    selection = models.ForeignKey(Selection, models.CASCADE, related_name="objections")
    text = models.TextField("异议内容")
    raised_by = models.CharField("反映人", max_length=50, blank=True)
    # A resident's optional way back (phone or other), sealed like other personal data.
    contact = ProtectedField("联系方式", kind="text")
    recorded_by = models.ForeignKey(
        "accounts.User", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    received = models.DateTimeField(default=timezone.now)
    resolution = models.TextField("处理结果", blank=True)
    resolved = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["received"]

    def __str__(self):
        return self.text[:40]


class BallotToken(models.Model):
    """One token per household for residents' nomination of a building's candidates.

    Residents need no account (PRODUCT.md "Decisions"); the token is unguessable and
    expires. A token is spent once; the vote stored does not name the household.
    """

    selection_round = models.CharField(max_length=40, db_index=True)
    post = models.ForeignKey(Post, models.CASCADE, null=True, blank=True, related_name="+")
    household = models.ForeignKey("territory.Household", models.CASCADE, related_name="+")
    key_hash = models.CharField(max_length=64, unique=True)
    expires = models.DateTimeField()
    used = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["selection_round", "household"], name="ballottoken_one_per_household"
            ),
        ]

    def __str__(self):
        return f"推选链接 {self.selection_round}"


class Vote(models.Model):
    """An anonymous vote: it records the candidate, the round and the choice, never the household."""

    class Choice(models.TextChoices):
        FOR = "for", "赞成"
        AGAINST = "against", "反对"
        ABSTAIN = "abstain", "弃权"

    selection_round = models.CharField(max_length=40, db_index=True)
    selection = models.ForeignKey(Selection, models.CASCADE, related_name="votes")
    choice = models.CharField("表决", max_length=8, choices=Choice.choices, default=Choice.FOR)
    cast = models.DateField(default=timezone.localdate)

    def __str__(self):
        return f"{self.selection_round} #{self.pk}"
