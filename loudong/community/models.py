"""Community life around the 三长 (seed 004 §三): for now only the chat groups.

Seed 004 §三.10 信息反馈制度: "以楼栋和单元为单位建立楼栋、单元微信群，以网格为单位建立楼栋长、
单元长微信群，以社区为单位建立网格长微信群". Groups are registered here; a group whose platform
has a robot (企业微信 / 钉钉 group robots) may carry a webhook URL, and the field-work
notifications post to it through their outbox (``fieldwork.OutboxMessage``), never inside a
request. Ordinary WeChat groups have no robot interface: they are registered, not driven.

The 三长 issue (14) extends this app with meetings, rotations, party branches and the rest.
"""

from django.db import models
from django.urls import reverse

from loudong.lib.protected import BlindIndexField, ProtectedField
from loudong.territory.models import ScopedQuerySet


class ChatGroup(models.Model):
    class Level(models.TextChoices):
        UNIT = "unit", "单元群"
        BUILDING = "building", "楼栋群"
        GRID = "grid", "网格群（楼栋长、单元长）"
        COMMUNITY = "community", "社区群（网格长、社区工作者）"

    class Kind(models.TextChoices):
        WECOM = "wecom", "企业微信群"
        DINGTALK = "dingtalk", "钉钉群"
        WECHAT = "wechat", "微信群（仅登记）"

    # Platforms whose group robots accept a webhook POST.
    ROBOT_KINDS = (Kind.WECOM, Kind.DINGTALK)

    name = models.CharField("群名称", max_length=60)
    level = models.CharField("层级", max_length=16, choices=Level.choices)
    kind = models.CharField("平台", max_length=16, choices=Kind.choices)
    community = models.ForeignKey(
        "territory.Region", models.PROTECT, related_name="+", verbose_name="社区"
    )
    compound = models.ForeignKey(
        "territory.Region",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="小区",
    )
    building = models.ForeignKey(
        "territory.Building",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="楼栋",
    )
    unit = models.ForeignKey(
        "territory.Unit",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="单元",
    )
    grid_code = models.CharField("网格编码", max_length=20, blank=True, db_index=True)
    # The robot's webhook URL holds its secret key: sealed at rest, never shown whole.
    webhook = ProtectedField("机器人 Webhook 地址", kind="text")
    active = models.BooleanField("启用", default=True)
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        "accounts.User", models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "工作群"
        verbose_name_plural = "工作群"
        ordering = ["community_id", "level", "name", "id"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("community:groups") + f"?community={self.community_id}"

    @property
    def has_robot(self) -> bool:
        return self.active and self.kind in self.ROBOT_KINDS and bool(self.webhook)

    @property
    def place(self) -> str:
        if self.unit_id:
            return str(self.unit)
        if self.building_id:
            return str(self.building)
        if self.grid_code:
            return f"网格 {self.grid_code[-2:]}"
        return self.community.name


# =================================================================================================
# 自愿轮值单元长, 业务培训, 防护物资, 外来人员登记 (issue 14: the rotating 单元长, training,
# protective supplies and outsider registration). Kept as one block so that the other half of
# issue 14 (meetings, party branches, supervision, 文明公约) merges beside it.
# =================================================================================================


class RotationPilot(models.Model):
    """The community's switch for the 自愿轮值 pilot, for the whole community or one unit.

    Seed 004 §三.12: "探索建立以户为单位轮流担任单元长工作机制" — 探索, so the profile's
    ``rotation.pilot_default_on`` is off and a community turns it on where it wants to try it.
    A row with ``unit`` empty opens every unit of the community; ``ended_on`` set closes it.
    """

    community = models.ForeignKey(
        "territory.Region", models.PROTECT, related_name="+", verbose_name="社区"
    )
    compound = models.ForeignKey(
        "territory.Region", models.PROTECT, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(
        "territory.Unit",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="单元",
    )
    started_on = models.DateField("开启日期")
    ended_on = models.DateField("关闭日期", null=True, blank=True)
    started_by = models.ForeignKey("accounts.User", models.PROTECT, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "轮值试点"
        verbose_name_plural = "轮值试点"
        ordering = ["community_id", "unit_id", "-started_on"]

    def __str__(self):
        return f"{self.unit or self.community} 轮值试点"


class Rotation(models.Model):
    """A unit's monthly rota of willing households (seed 004 §三.12 "每月轮换一次").

    Pins the profile version it started under: a later profile edit does not change whether its
    months need a confirmed handover.
    """

    community = models.ForeignKey(
        "territory.Region", models.PROTECT, related_name="+", verbose_name="社区"
    )
    compound = models.ForeignKey(
        "territory.Region", models.PROTECT, related_name="+", verbose_name="小区"
    )
    unit = models.OneToOneField(
        "territory.Unit", models.PROTECT, related_name="rotation", verbose_name="单元"
    )
    active = models.BooleanField("轮值中", default=True)
    profile_name = models.CharField("政策方案", max_length=40)
    profile_version = models.PositiveIntegerField("方案版本")
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey("accounts.User", models.PROTECT, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "单元长轮值"
        verbose_name_plural = "单元长轮值"
        ordering = ["community_id", "unit_id"]

    def __str__(self):
        return f"{self.unit} 单元长轮值"

    def get_absolute_url(self):
        return reverse("community:rotation", args=[self.pk])


class RotationMember(models.Model):
    """A household of the unit on the rota, in rota order, as screened by the community.

    Seed 004 §三.12: "轮值单元长应从有意愿、有能力的居民中筛选". ``duty_name`` is who in the
    household serves (shown on the board and the duty page). Skip rules: a vacant household,
    one that declined, or one away for a month is passed over that month.
    """

    class Status(models.TextChoices):
        WILLING = "willing", "自愿参加（已筛选）"
        DECLINED = "declined", "本户婉拒"
        WITHDRAWN = "withdrawn", "已退出"

    rotation = models.ForeignKey(Rotation, models.CASCADE, related_name="members")
    household = models.ForeignKey("territory.Household", models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField("轮值顺序")
    duty_name = models.CharField("轮值人", max_length=50)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.WILLING)
    away_from = models.DateField("外出起始月", null=True, blank=True)
    away_until = models.DateField("外出截止月", null=True, blank=True)
    note = models.CharField("筛选说明", max_length=200, blank=True)
    screened_by = models.ForeignKey("accounts.User", models.PROTECT, related_name="+")
    screened_on = models.DateField("筛选日期")

    class Meta:
        verbose_name = "轮值户"
        verbose_name_plural = "轮值户"
        ordering = ["rotation_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rotation", "household"], name="rotationmember_one_per_household"
            ),
        ]

    def __str__(self):
        return f"{self.household.room}室 {self.duty_name}"

    def away_in(self, month) -> bool:
        return bool(
            self.away_from and self.away_from <= month <= (self.away_until or self.away_from)
        )

    def skip_reason(self, month) -> str:
        """Why this household cannot serve ``month`` ('' when it can)."""
        if not self.household.occupied:
            return "空置"
        if self.status == self.Status.DECLINED:
            return "婉拒"
        if self.status == self.Status.WITHDRAWN:
            return "已退出"
        if self.away_in(month):
            return "外出"
        return ""


class RotationTurn(models.Model):
    """One month of the rota: the household on duty, its personal link, its handover.

    The link (``/community/m/duty/<key>/``) is the month's 单元长's phone page: it shows the unit's
    households by room and name only and expires when the month ends (``link_expires``). Only
    the key's hash is stored; the key is shown once, to the worker who issues it.
    """

    class Status(models.TextChoices):
        PLANNED = "planned", "待轮值"
        ON_DUTY = "on_duty", "轮值中"
        HANDED_OVER = "handed_over", "已交接待确认"
        CLOSED = "closed", "已结束"

    rotation = models.ForeignKey(Rotation, models.CASCADE, related_name="turns")
    month = models.DateField("轮值月份")  # the first day of the month
    member = models.ForeignKey(RotationMember, models.PROTECT, related_name="turns")
    household = models.ForeignKey("territory.Household", models.PROTECT, related_name="+")
    duty_name = models.CharField("轮值人", max_length=50)
    # The households passed over to reach this one, e.g. [{"room": "301", "reason": "外出"}].
    skipped = models.JSONField("跳过的户", default=list, blank=True)
    swap_note = models.CharField("调换说明", max_length=200, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PLANNED)
    key_hash = models.CharField(max_length=64, blank=True, db_index=True)
    link_expires = models.DateTimeField("链接有效期至", null=True, blank=True)
    reminded_turn = models.DateTimeField(null=True, blank=True)
    reminded_handover = models.DateTimeField(null=True, blank=True)
    closed = models.DateTimeField("结束时间", null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "轮值月"
        verbose_name_plural = "轮值月"
        ordering = ["rotation_id", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["rotation", "month"], name="rotationturn_one_per_month"
            ),
        ]

    def __str__(self):
        return f"{self.month:%Y年%m月} {self.household.room}室 {self.duty_name}"

    @property
    def label(self) -> str:
        return f"{self.household.room}室 {self.duty_name}"

    @property
    def month_end(self):
        import calendar

        return self.month.replace(day=calendar.monthrange(self.month.year, self.month.month)[1])


class Handover(models.Model):
    """本月工作情况, written by the outgoing 单元长 and confirmed by the incoming one only.

    Seed 004 §三.12: "轮值交接时，要将本月工作情况向下任单元长进行交接介绍". The month closes when
    the incoming confirms (``confirmed``) — never on the outgoing's word alone.
    """

    turn = models.OneToOneField(RotationTurn, models.CASCADE, related_name="handover")
    text = models.TextField("本月工作情况")
    written = models.DateTimeField("填写时间")
    confirmed = models.DateTimeField("确认时间", null=True, blank=True)
    confirmed_by_turn = models.ForeignKey(
        RotationTurn, models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirm_note = models.CharField("确认意见", max_length=200, blank=True)

    class Meta:
        verbose_name = "轮值交接"
        verbose_name_plural = "轮值交接"

    def __str__(self):
        return f"{self.turn} 交接"


class TrainingSession(models.Model):
    """业务培训 (seed 000 §三.5 "由各社区居委会负责推选、日常管理、业务培训和工作评议")."""

    community = models.ForeignKey(
        "territory.Region", models.PROTECT, related_name="+", verbose_name="社区"
    )
    date = models.DateField("培训日期")
    topic = models.CharField("培训主题", max_length=100)
    trainer = models.CharField("主讲人", max_length=50)
    place = models.CharField("地点", max_length=100, blank=True)
    notes = models.TextField("内容摘要", blank=True)
    attendance_recorded = models.DateTimeField("签到登记时间", null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey("accounts.User", models.PROTECT, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "业务培训"
        verbose_name_plural = "业务培训"
        ordering = ["-date", "-id"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.topic}"

    def get_absolute_url(self):
        return reverse("community:training", args=[self.pk])


class TrainingMaterial(models.Model):
    """An uploaded handout or slide deck, sealed at rest like every other upload."""

    session = models.ForeignKey(TrainingSession, models.CASCADE, related_name="materials")
    name = models.CharField("文件名", max_length=200)
    sealed_file = models.CharField(max_length=200, editable=False)
    size = models.PositiveIntegerField()
    uploaded = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey("accounts.User", models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "培训材料"
        verbose_name_plural = "培训材料"
        ordering = ["session_id", "id"]

    def __str__(self):
        return self.name


class TrainingInvitee(models.Model):
    session = models.ForeignKey(TrainingSession, models.CASCADE, related_name="invitees")
    person = models.ForeignKey("roster.Person", models.PROTECT, related_name="+")
    attended = models.BooleanField("出席", null=True, blank=True)

    class Meta:
        verbose_name = "培训对象"
        verbose_name_plural = "培训对象"
        ordering = ["session_id", "person__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="traininginvitee_once"),
        ]

    def __str__(self):
        return f"{self.session} · {self.person}"


class SupplyItem(models.Model):
    """A kind of 防护物资 a community keeps, with what is in stock (seed 004 §四.14 "在疫情防控
    期间，要加强“三长”安全防护，为其配备防护物资"). ``stock`` changes only in the actions, with
    the row locked."""

    community = models.ForeignKey(
        "territory.Region", models.PROTECT, related_name="+", verbose_name="社区"
    )
    name = models.CharField("物资名称", max_length=50)
    unit_label = models.CharField("单位", max_length=10, default="个")
    stock = models.PositiveIntegerField("库存", default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "防护物资"
        verbose_name_plural = "防护物资"
        ordering = ["community_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="supplyitem_unique_name"),
        ]

    def __str__(self):
        return self.name


class SupplyMovement(models.Model):
    """A receipt into stock (入库) or an issue to a 三长 (发放, with whether they signed)."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", "入库"
        ISSUE = "issue", "发放"

    item = models.ForeignKey(SupplyItem, models.PROTECT, related_name="movements")
    community = models.ForeignKey("territory.Region", models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    quantity = models.PositiveIntegerField("数量")
    date = models.DateField("日期")
    person = models.ForeignKey(
        "roster.Person",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="领取人",
    )
    signed = models.BooleanField("本人签收", default=False)
    note = models.CharField("备注", max_length=200, blank=True)
    stock_after = models.PositiveIntegerField("结存")
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey("accounts.User", models.PROTECT, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "物资出入库"
        verbose_name_plural = "物资出入库"
        ordering = ["-date", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.item} × {self.quantity}"


class OutsiderRegistration(models.Model):
    """A community's 外来人员登记 during an epidemic response, switched on and off by its workers.

    Seed 004 §二.4: "特别是在疫情防控期间，要全面了解辖区流动人口、外来人员有关情况，做好登记和
    情况反馈工作". Pins the profile version: its retention period is the one it started under.
    """

    community = models.ForeignKey(
        "territory.Region", models.PROTECT, related_name="+", verbose_name="社区"
    )
    reason = models.CharField("启动原因", max_length=200)
    started_on = models.DateField("开始日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)
    profile_name = models.CharField(max_length=40)
    profile_version = models.PositiveIntegerField()
    started_by = models.ForeignKey("accounts.User", models.PROTECT, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "外来人员登记"
        verbose_name_plural = "外来人员登记"
        ordering = ["community_id", "-started_on"]

    def __str__(self):
        return f"{self.community} 外来人员登记（{self.started_on:%Y-%m-%d}）"


class OutsiderRecord(models.Model):
    """One person from elsewhere staying with a household, as a leader registered them.

    Personal data like the registry's: ID number and phone sealed with blind indexes, shown
    masked; deleted (not kept "just in case") ``retention_days`` after they left or the
    registration ended — ``purge_on`` — by ``loudong purge_outsiders`` / the daily job, audited.
    """

    registration = models.ForeignKey(OutsiderRegistration, models.PROTECT, related_name="records")
    community = models.ForeignKey("territory.Region", models.PROTECT, related_name="+")
    compound = models.ForeignKey("territory.Region", models.PROTECT, related_name="+")
    household = models.ForeignKey(
        "territory.Household", models.PROTECT, related_name="+", verbose_name="暂住户"
    )
    name = models.CharField("姓名", max_length=50)
    id_number = ProtectedField("身份证号", kind="id_number")
    id_number_index = BlindIndexField(source="id_number")
    phone = ProtectedField("联系电话", kind="phone")
    phone_index = BlindIndexField(source="phone")
    origin = ProtectedField("来自何处", kind="text")
    arrived_on = models.DateField("抵达日期")
    left_on = models.DateField("离开日期", null=True, blank=True)
    purge_on = models.DateField("到期删除日期", null=True, blank=True, db_index=True)
    registered_by = models.ForeignKey("accounts.User", models.PROTECT, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "外来人员"
        verbose_name_plural = "外来人员"
        ordering = ["-arrived_on", "-id"]

    def __str__(self):
        return self.name
