"""The leaders' field work: visits, service records, the monthly 服务记录表, incidents.

Seed 000 §三.5 names the work systems: "二是建立定期走访服务工作制度。楼栋长定期走访居民，适时
掌握所辖楼栋居民信息，了解居民需求，为居民提供服务。三是建立矛盾隐患排查制度。及时排查网格各类
矛盾纠纷、安全隐患、疫情灾情防控、物业管理等，能解决的及时解决，不能解决的第一时间向社区报告。
四是建立工作定期报告制度。楼栋长工作开展情况要及时填写服务记录表，并定期向社区报告，重大情况
及时报告。" Seed 004 §三.10: "逐级上报小区党支部和社区党组织，遇有紧急突发事件时，及时向街道
社区和相关职能部门报告".

Every row carries ``community`` (and ``compound`` where one applies) so that a worker's scope
is one indexed filter. Which leader may see what is narrower than the community: see
``fieldwork/access.py``.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from loudong.lib.protected import ProtectedField
from loudong.territory.models import ScopedQuerySet

# -- categories -------------------------------------------------------------------------------


class IncidentCategory(models.Model):
    """A row of a profile's two-level category tree (``fieldwork.categories``).

    Rows, not choices (STYLE.md item 8): incidents point at them and keep their label when a
    later profile version renames or drops one (``active`` then goes False). Created and kept in
    step from the profile by ``fieldwork.categories.categories_for``.
    """

    profile_name = models.CharField("政策方案", max_length=40)
    code = models.CharField("代码", max_length=40)
    label = models.CharField("名称", max_length=20)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name="大类"
    )
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField("在用", default=True)
    # The newest profile version this row was checked against.
    synced_version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "事件类别"
        verbose_name_plural = "事件类别"
        ordering = ["profile_name", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["profile_name", "code"], name="category_unique_code")
        ]

    def __str__(self):
        return f"{self.parent.label}·{self.label}" if self.parent_id else self.label

    @property
    def top(self) -> "IncidentCategory":
        return self.parent if self.parent_id else self


# -- visits -----------------------------------------------------------------------------------


class Visit(models.Model):
    """A 走访: one outing of a leader, to one or several households of the leader's posts."""

    community = models.ForeignKey("territory.Region", models.PROTECT, related_name="+")
    compound = models.ForeignKey(
        "territory.Region", models.PROTECT, null=True, blank=True, related_name="+"
    )
    person = models.ForeignKey(
        "roster.Person", models.PROTECT, related_name="visits", verbose_name="走访人"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="登记人"
    )
    date = models.DateField("走访日期")
    companions = models.CharField("同行人员", max_length=100, blank=True)
    duration_minutes = models.PositiveSmallIntegerField("用时（分钟）", null=True, blank=True)
    notes = models.TextField("了解到的情况", blank=True)
    created = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "走访"
        verbose_name_plural = "走访"
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["person", "date"], name="visit_person_date_idx")]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.person} 走访"


class VisitHousehold(models.Model):
    """One household seen on a visit; ``post``, ``person``, ``date`` and ``grid_code`` are copied
    here so that coverage per post, grid and period is one indexed query."""

    visit = models.ForeignKey(Visit, models.CASCADE, related_name="visited")
    household = models.ForeignKey("territory.Household", models.PROTECT, related_name="+")
    community = models.ForeignKey("territory.Region", models.PROTECT, related_name="+")
    post = models.ForeignKey("roster.Post", models.PROTECT, null=True, related_name="+")
    person = models.ForeignKey("roster.Person", models.PROTECT, related_name="+")
    date = models.DateField()
    grid_code = models.CharField(max_length=20, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["visit", "household"], name="visit_household_once")
        ]
        indexes = [
            models.Index(fields=["post", "person", "date"], name="visited_post_date_idx"),
            models.Index(fields=["household", "date"], name="visited_household_idx"),
            models.Index(fields=["community", "grid_code", "date"], name="visited_grid_idx"),
            # coverage by community over a period, read from the index alone (reports)
            models.Index(fields=["community", "date", "household"], name="visited_community_idx"),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} 走访户 #{self.household_id}"


class ChangeRequest(models.Model):
    """A change in a household learned on a visit (moved in or out, new phone, a birth…), for the
    community to enter in the registry and confirm. Seed 000 §三.4: "准确掌握楼栋居民家庭成员基本
    情况"; the registry itself is only changed by the community (territory)."""

    class Status(models.TextChoices):
        PENDING = "pending", "待社区处理"
        CONFIRMED = "confirmed", "已更新台账"
        REJECTED = "rejected", "不予更新"

    community = models.ForeignKey("territory.Region", models.PROTECT, related_name="+")
    compound = models.ForeignKey("territory.Region", models.PROTECT, related_name="+")
    household = models.ForeignKey("territory.Household", models.PROTECT, related_name="+")
    visit = models.ForeignKey(
        Visit, models.CASCADE, null=True, blank=True, related_name="change_requests"
    )
    # May name residents or give a new phone: sealed, masked on lists.
    text = ProtectedField("变化情况", kind="text")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField("处理说明", max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "台账变更提示"
        verbose_name_plural = "台账变更提示"
        ordering = ["-created", "-id"]

    # -- service records and the monthly 服务记录表 ---------------------------------------------------

    def __str__(self):
        return f"台账变更提示 #{self.pk}（{self.get_status_display()}）"


class ServiceRecord(models.Model):
    """A 服务记录: what a leader did under one of the profile's duties (``profile.duties``:
    000 §三.4 "政策宣传员、信息采集员、民事调解员、文明创建员、为民服务员"; 004 §二.4–8)."""

    community = models.ForeignKey("territory.Region", models.PROTECT, related_name="+")
    compound = models.ForeignKey(
        "territory.Region", models.PROTECT, null=True, blank=True, related_name="+"
    )
    person = models.ForeignKey("roster.Person", models.PROTECT, related_name="service_records")
    post = models.ForeignKey("roster.Post", models.PROTECT, null=True, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    date = models.DateField("日期")
    category = models.CharField("类别", max_length=40)
    # The duty's name when recorded (a later profile edit may rename it).
    category_label = models.CharField("类别名称", max_length=40)
    content = models.TextField("服务内容")
    people_served = models.PositiveIntegerField("服务人数", default=0)
    households = models.ManyToManyField("territory.Household", blank=True, related_name="+")
    created = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "服务记录"
        verbose_name_plural = "服务记录"
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["person", "date"], name="service_person_date_idx")]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.category_label}"


class MonthlyReport(models.Model):
    """A leader's 服务记录表 for one month, as submitted (seed 000 §三.5: "及时填写服务记录表，并
    定期向社区报告"). Until submitted it is generated live from the records; on submission the
    generated content is frozen into ``content``, so later edits never change what was reported."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "已报送"
        REVIEWED = "reviewed", "社区已审阅"

    community = models.ForeignKey("territory.Region", models.PROTECT, related_name="+")
    person = models.ForeignKey("roster.Person", models.PROTECT, related_name="monthly_reports")
    month = models.DateField("月份")  # the first day of the month
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    content = models.JSONField(default=dict)
    remarks = models.TextField("重大情况及其他说明", blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField("审阅意见", blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "服务记录表"
        verbose_name_plural = "服务记录表"
        ordering = ["-month", "person_id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "month"], name="report_one_per_month")
        ]

    def __str__(self):
        return f"{self.person} {self.month:%Y年%m月}服务记录表"

    def get_absolute_url(self):
        return reverse("fieldwork:report", args=[self.person_id, self.month.strftime("%Y-%m")])


# -- incidents ----------------------------------------------------------------------------------


class IncidentQuerySet(models.QuerySet):
    def visible_to(self, user, capability: str = "fieldwork"):
        from loudong.fieldwork.access import incident_q

        return self.filter(incident_q(user))

    def open(self):
        return self.filter(status__in=Incident.OPEN)


class Incident(models.Model):
    """An 事件: a dispute, hazard or request, solved on the spot or passed up the ladder.

    A workflow table, a guard and a history row per move (STYLE.md item 5): ``TRANSITIONS`` maps
    each move to the statuses it may start from; ``can_move`` is the guard;
    ``fieldwork.actions.incidents`` writes one :class:`IncidentEvent` per move. Which *level*
    holds it (``level``) and that level's clock (``level_since``, ``due``; ``paused_since``
    while an extension is asked) change with escalation and return; every level's time with it
    is an :class:`IncidentStage`. The profile version it started under is pinned.
    """

    class Status(models.TextChoices):
        NEW = "new", "待受理"
        ACCEPTED = "accepted", "已受理"
        IN_PROGRESS = "in_progress", "办理中"
        TRANSFERRED = "transferred", "已转部门办理"
        RETURNED = "returned", "已退回"
        REOPENED = "reopened", "重新办理"
        RESOLVED = "resolved", "已办结待评价"
        CLOSED = "closed", "已关闭"
        MERGED = "merged", "已合并"

    class Severity(models.TextChoices):
        NORMAL = "normal", "一般"
        MAJOR = "major", "重大"
        URGENT = "urgent", "紧急"

    class Reporter(models.TextChoices):
        LEADER = "leader", "楼栋长等上报"
        WORKER = "worker", "社区工作者登记"
        PHONE = "phone", "居民来电（代登记）"
        RESIDENT = "resident", "居民扫码反映"

    OPEN = ("new", "accepted", "in_progress", "transferred", "returned", "reopened")
    WAITING = ("new", "returned", "reopened")  # nobody has taken it up at this level yet
    # move → the statuses it may start from (the guard; who may make it is fieldwork/access.py).
    TRANSITIONS = {
        "accept": {"new", "returned", "reopened"},
        "reply": {"accepted", "in_progress", "transferred"},
        "resolve": {"new", "accepted", "in_progress", "transferred", "returned", "reopened"},
        "escalate": {"new", "accepted", "in_progress", "returned", "reopened"},
        "return": {"new", "accepted", "in_progress", "reopened"},
        "transfer": {"accepted", "in_progress"},
        "extend": {"accepted", "in_progress", "transferred"},
        "approve_extension": {"accepted", "in_progress", "transferred"},
        "reject_extension": {"accepted", "in_progress", "transferred"},
        "supervise": set(OPEN),
        "assign": set(OPEN),
        "merge": set(OPEN),
        "close": {*OPEN, "resolved"},
        "rate": {"resolved"},
        "reopen": {"resolved", "closed"},
    }
    MOVE_LABELS = {
        "register": "登记",
        "solve": "就地解决",
        "accept": "受理",
        "reply": "回复进展",
        "resolve": "办结",
        "escalate": "上报",
        "auto_escalate": "超期自动上报",
        "return": "退回",
        "transfer": "转部门办理",
        "extend": "申请延期",
        "approve_extension": "批准延期",
        "reject_extension": "不批准延期",
        "supervise": "督办",
        "assign": "指派",
        "merge": "合并为重复事件",
        "merged_in": "并入重复事件",
        "close": "关闭",
        "auto_close": "逾期未评价自动关闭",
        "rate": "评价",
        "reopen": "要求重新办理",
        "warn": "即将超期提醒",
        "overdue_top": "超期（已是最高一级）",
    }

    community = models.ForeignKey(
        "territory.Region", models.PROTECT, related_name="+", verbose_name="社区"
    )
    compound = models.ForeignKey(
        "territory.Region", models.PROTECT, null=True, blank=True, related_name="+"
    )
    building = models.ForeignKey(
        "territory.Building", models.PROTECT, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(
        "territory.Unit", models.PROTECT, null=True, blank=True, related_name="+"
    )
    household = models.ForeignKey(
        "territory.Household", models.PROTECT, null=True, blank=True, related_name="+"
    )
    place_text = models.CharField("地点说明", max_length=100, blank=True)
    # The grid in force containing the place when reported (finds the grid's leader and head).
    grid_code = models.CharField("网格编码", max_length=20, blank=True, db_index=True)
    category = models.ForeignKey(IncidentCategory, models.PROTECT, related_name="+")
    severity = models.CharField("紧急程度", max_length=10, choices=Severity.choices)
    description = models.TextField("情况描述")
    # Names and phones of the people involved (a dispute's parties): sealed, masked on screen.
    parties = ProtectedField("当事人", kind="text")
    reporter_kind = models.CharField("反映渠道", max_length=16, choices=Reporter.choices)
    reporter_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reporter_person = models.ForeignKey(
        "roster.Person", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reporter_post = models.ForeignKey(
        "roster.Post", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A resident's or caller's number for a call-back (optional): sealed, masked.
    reporter_phone = ProtectedField("回访电话", kind="phone")
    visit = models.ForeignKey(
        Visit, models.SET_NULL, null=True, blank=True, related_name="incidents"
    )
    # The work group a report started in (seed 004 §三.10 信息反馈制度: reports come up the groups).
    source_group = models.ForeignKey(
        "community.ChatGroup",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="来源工作群",
    )
    status = models.CharField("状态", max_length=16, choices=Status.choices, db_index=True)
    level = models.CharField("办理层级", max_length=20)
    level_since = models.DateTimeField("本级接收时间")
    due = models.DateTimeField("本级办理时限", null=True, blank=True)
    paused_since = models.DateTimeField("延期申请中（计时暂停）", null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField(default=0)
    extension_reason = models.CharField(max_length=200, blank=True)
    # The "即将超期" warning was sent for the current level; the top level's overdue notice too.
    warned = models.BooleanField(default=False)
    overdue_noticed = models.BooleanField(default=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    supervised = models.BooleanField("督办", default=False)
    supervised_note = models.CharField("督办意见", max_length=200, blank=True)
    department = models.CharField("转办部门", max_length=60, blank=True)
    resolution = models.TextField("办理结果", blank=True)
    solved_on_spot = models.BooleanField("就地解决", default=False)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField("重新办理次数", default=0)
    merged_into = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="duplicates"
    )
    profile_name = models.CharField(max_length=40)
    profile_version = models.PositiveIntegerField()
    created = models.DateTimeField("登记时间", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated = models.DateTimeField(default=timezone.now)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = "事件"
        verbose_name_plural = "事件"
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["community", "status", "due"], name="incident_queue_idx"),
            # The open queue by due time, and the overdue sweep (which skips paused clocks).
            models.Index(
                fields=["due"],
                condition=Q(
                    status__in=[
                        "new",
                        "accepted",
                        "in_progress",
                        "transferred",
                        "returned",
                        "reopened",
                    ]
                ),
                name="incident_open_due_idx",
            ),
            models.Index(fields=["status", "resolved_at"], name="incident_resolved_idx"),
            # The queue's counts and filtered totals from the index alone (open and awaiting a
            # rating: a few percent of the rows). Key columns, not INCLUDE: SQLite has no INCLUDE.
            models.Index(
                fields=[
                    "community",
                    "status",
                    "severity",
                    "due",
                    "paused_since",
                    "level",
                    "category",
                    "grid_code",
                ],
                condition=Q(
                    status__in=[
                        "new",
                        "accepted",
                        "in_progress",
                        "transferred",
                        "returned",
                        "reopened",
                        "resolved",
                    ]
                ),
                name="incident_counts_idx",
            ),
            models.Index(
                fields=["community", "building", "category", "created"], name="incident_dup_idx"
            ),
            models.Index(fields=["reporter_user", "created"], name="incident_reporter_idx"),
            # The dashboards' live month (since the roll-up) by community.
            models.Index(fields=["community", "created"], name="incident_created_idx"),
        ]

    def __str__(self):
        return f"事件 #{self.pk} {self.category}"

    def get_absolute_url(self):
        return reverse("fieldwork:incident", args=[self.pk])

    def profile(self):
        from loudong.policy.profile import profile_at

        return profile_at(self.profile_name, self.profile_version)

    def can_move(self, move: str) -> bool:
        return self.status in self.TRANSITIONS.get(move, ())

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def is_paused(self) -> bool:
        return self.paused_since is not None

    def is_overdue(self, now=None) -> bool:
        now = now or timezone.now()
        return self.is_open and not self.is_paused and self.due is not None and self.due <= now

    def light(self, now=None) -> str:
        """The traffic light of the holding level's clock: red overdue, yellow the last quarter of
        the time (or the due day itself), green otherwise; grey when stopped or closed."""
        now = now or timezone.now()
        if not self.is_open or self.is_paused or self.due is None:
            return "grey"
        if self.due <= now:
            return "red"
        left = (self.due - now).total_seconds()
        whole = max((self.due - self.level_since).total_seconds(), 1)
        if left < whole / 4 or timezone.localdate(self.due) == timezone.localdate(now):
            return "yellow"
        return "green"

    @property
    def light_label(self) -> str:
        return {"red": "已超期", "yellow": "即将超期", "green": "正常", "grey": "—"}[self.light()]

    @property
    def place(self) -> str:
        """Where, at building or unit level (never the household's room for other readers)."""
        if self.unit_id:
            return (
                f"{self.unit.building.compound.name}{self.unit.building.number}{self.unit.number}"
            )
        if self.building_id:
            return f"{self.building.compound.name}{self.building.number}"
        return self.place_text or (self.compound.name if self.compound_id else self.community.name)

    @property
    def level_label(self) -> str:
        return level_label(self.level)


LEVEL_LABELS = {
    "unit_leader": "单元长",
    "building_leader": "楼栋长",
    "grid_head": "网格长",
    "party_branch": "小区党支部",
    "community": "社区",
    "subdistrict": "街道",
}


def level_label(level: str) -> str:
    return LEVEL_LABELS.get(level, level or "—")


class IncidentStage(models.Model):
    """One level's time with an incident: its own clock (``start`` → ``due``), and how it ended.

    ``post``/``person`` name the leader who held it at a leader level; the evaluation's
    ``incidents_on_time`` counts these stages (``fieldwork.figures``).
    """

    class Outcome(models.TextChoices):
        RESOLVED = "resolved", "办结"
        ESCALATED = "escalated", "上报"
        RETURNED = "returned", "退回"
        MERGED = "merged", "合并"
        CLOSED = "closed", "关闭"

    incident = models.ForeignKey(Incident, models.CASCADE, related_name="stages")
    level = models.CharField(max_length=20)
    post = models.ForeignKey(
        "roster.Post", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    person = models.ForeignKey(
        "roster.Person", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    start = models.DateTimeField()
    due = models.DateTimeField()
    end = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    on_time = models.BooleanField(null=True)

    class Meta:
        ordering = ["start", "id"]
        indexes = [
            models.Index(fields=["post", "person", "start"], name="stage_post_idx"),
            models.Index(fields=["incident", "end"], name="stage_incident_idx"),
        ]

    def __str__(self):
        return f"事件 #{self.incident_id} {level_label(self.level)}"

    @property
    def level_label(self) -> str:
        return level_label(self.level)


class IncidentEvent(models.Model):
    """One move: who (a user, 系统, or 居民), from which status and level to which, and what was
    said. ``public`` texts (replies, resolutions, reasons to return) are shown to the reporter."""

    incident = models.ForeignKey(Incident, models.CASCADE, related_name="events")
    move = models.CharField(max_length=24)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    from_level = models.CharField(max_length=20, blank=True)
    to_level = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=60, blank=True)  # 系统 / 居民 when no user
    at = models.DateTimeField(default=timezone.now)
    text = models.TextField(blank=True)
    public = models.BooleanField(default=False)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return self.move_label

    @property
    def move_label(self) -> str:
        return Incident.MOVE_LABELS.get(self.move, self.move)

    @property
    def from_level_label(self) -> str:
        return level_label(self.from_level)

    @property
    def to_level_label(self) -> str:
        return level_label(self.to_level)

    @property
    def by(self) -> str:
        if self.actor_id:
            return str(self.actor)
        return self.actor_label or "系统"


class IncidentPhoto(models.Model):
    """A photo of the place: checked by content, EXIF stripped, resized, sealed at rest."""

    incident = models.ForeignKey(Incident, models.CASCADE, related_name="photos")
    name = models.CharField(max_length=200)
    created = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"事件 #{self.incident_id} 照片"


class ResidentTicket(models.Model):
    """A resident's tracking link ``/r/t/<key>/``: unguessable, stored as a hash, expiring.

    Follows the incident into a merge (the page shows the incident it was merged into)."""

    incident = models.ForeignKey(Incident, models.CASCADE, related_name="tickets")
    key_hash = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(default=timezone.now)
    expires = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"事件 #{self.incident_id} 查询链接"

    def expired(self, now=None) -> bool:
        return (now or timezone.now()) >= self.expires


class Rating(models.Model):
    """The reporter's rating of a resolution (满意 / 基本满意 / 不满意), one per round: a round is
    one resolution (``Incident.reopen_count`` when it was rated)."""

    class Grade(models.TextChoices):
        SATISFIED = "satisfied", "满意"
        BASIC = "basic", "基本满意"
        UNSATISFIED = "unsatisfied", "不满意"

    incident = models.ForeignKey(Incident, models.CASCADE, related_name="ratings")
    round = models.PositiveSmallIntegerField()
    grade = models.CharField("评价", max_length=16, choices=Grade.choices)
    comment = models.CharField("意见", max_length=200, blank=True)
    by_kind = models.CharField(max_length=16, choices=Incident.Reporter.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "round"], name="rating_one_per_round")
        ]

    # -- notifications --------------------------------------------------------------------------------

    def __str__(self):
        return f"事件 #{self.incident_id} {self.get_grade_display()}"


class Notification(models.Model):
    """An in-app notice for one user (通知): escalations, warnings, emergencies, replies."""

    class Kind(models.TextChoices):
        INCIDENT = "incident", "事件"
        ESCALATED = "escalated", "事件上报"
        OVERDUE = "overdue", "超期"
        WARNING = "warning", "即将超期"
        URGENT = "urgent", "紧急事件"
        SUPERVISED = "supervised", "督办"
        REPORT = "report", "服务记录表"
        REQUEST = "request", "台账变更"
        ROTATION = "rotation", "单元长轮值"
        TRAINING = "training", "业务培训"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    title = models.CharField(max_length=120)
    body = models.CharField(max_length=300, blank=True)
    url = models.CharField(max_length=200, blank=True)
    incident = models.ForeignKey(
        Incident, models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    created = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at", "created"], name="notification_user_idx")
        ]

    def __str__(self):
        return self.title


class OutboxMessage(models.Model):
    """A message for a group robot, sent by the background worker (never inside a request).

    Retries with exponential back-off (``fieldwork.notifications.BACKOFF_S`` × 2ⁿ, capped);
    after ``MAX_ATTEMPTS`` it is ``dead`` and shown on the groups page. A row being sent is
    claimed (``claimed_until``) so that two workers never send it twice.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENT = "sent", "已发送"
        DEAD = "dead", "发送失败"

    group = models.ForeignKey("community.ChatGroup", models.CASCADE, related_name="+")
    incident = models.ForeignKey(Incident, models.SET_NULL, null=True, blank=True, related_name="+")
    text = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx")]

    def __str__(self):
        return f"群消息 #{self.pk}（{self.get_status_display()}）"


class IdempotencyKey(models.Model):
    """``Idempotency-Key`` of a submission: the same key from the same user returns the record it
    made, never a second one (PRODUCT.md "Stable interfaces", field work)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    kind = models.CharField(max_length=20)
    object_id = models.PositiveBigIntegerField()
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_one_per_user")
        ]

    def __str__(self):
        return f"{self.kind} #{self.object_id}"


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


# -- statistics (the dashboards' monthly roll-up) ------------------------------------------------


class IncidentMonth(models.Model):
    """Incidents registered in one month, by community, top-level category and urgency.

    Rebuilt every night for the months before the current one (``fieldwork.stats``); the
    dashboards read these rows for finished months and count the current month live, so a
    subdistrict's three years of incidents are summed from a few thousand rows, not a million.
    ``durations``: how many were resolved within each of ``stats.BUCKETS`` days (the last
    bucket: longer) — enough for the median to the bucket.
    """

    community = models.ForeignKey("territory.Region", models.CASCADE, related_name="+")
    month = models.DateField()
    category = models.ForeignKey(IncidentCategory, models.CASCADE, related_name="+")
    severity = models.CharField(max_length=10)
    registered = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)
    durations = models.JSONField(default=list)
    satisfied = models.PositiveIntegerField(default=0)
    basic = models.PositiveIntegerField(default=0)
    unsatisfied = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["community", "month", "category", "severity"], name="incident_month_key"
            )
        ]
        indexes = [models.Index(fields=["month", "community"], name="incident_month_idx")]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.category_id} {self.severity}: {self.registered}"


class IncidentRollup(models.Model):
    """The roll-up's one row: incidents registered before ``live_from`` (the day of the last
    run) are in ``IncidentMonth``, whose last month is ``through`` (a month's first day; the
    current month, through yesterday, once the month has begun); later ones are counted live —
    at most a day of them when the nightly run is on time."""

    through = models.DateField()
    live_from = models.DateField()
    computed = models.DateTimeField()
    seconds = models.FloatField(default=0)

    def __str__(self):
        return f"事件统计截至 {self.live_from - dt.timedelta(days=1):%Y-%m-%d}"


# Months are numbered from January 1900 and grouped in blocks of 60 (five calendar years: 2025–
# 2029 is one block), so that a period of up to five years is one or two bits masks per household.
VISIT_EPOCH_YEAR = 1900
VISIT_BLOCK_MONTHS = 60


def visit_month_index(day: dt.date) -> int:
    return (day.year - VISIT_EPOCH_YEAR) * 12 + day.month - 1


class VisitMonths(models.Model):
    """The months of a five-year block in which a household was visited (走访), one bit a month.

    Kept on change by ``record_visit`` (``fieldwork.visit_months``), and rebuilt from
    ``VisitHousehold`` by ``loudong rebuild_visit_months``: with it, the households visited in
    a community over whole months are a count of rows whose mask meets the period's, instead
    of a ``COUNT(DISTINCT household)`` over every household visited (1.6M rows a year at a
    subdistrict of 500k households). ``community`` is the one copied on ``VisitHousehold``.
    """

    household = models.ForeignKey("territory.Household", models.CASCADE, related_name="+")
    community = models.ForeignKey("territory.Region", models.CASCADE, related_name="+")
    block = models.PositiveSmallIntegerField()  # visit_month_index // VISIT_BLOCK_MONTHS
    months = models.BigIntegerField(default=0)  # bit i: month block * 60 + i visited

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["household", "community", "block"], name="visit_months_key"
            )
        ]
        # The dashboards' count reads this index alone.
        indexes = [models.Index(fields=["block", "community", "months"], name="visit_months_idx")]

    def __str__(self):
        return f"户 #{self.household_id} 走访月份 {self.block}:{self.months:b}"
