"""Community life around the 三长 (seed 004 §一.3, §二.5, §二.8, §三, §四.13).

Seed 004 §三.10 信息反馈制度: "以楼栋和单元为单位建立楼栋、单元微信群，以网格为单位建立楼栋长、
单元长微信群，以社区为单位建立网格长微信群". Groups are registered here; a group whose platform
has a robot (企业微信 / 钉钉 group robots) may carry a webhook URL, and the field-work
notifications post to it through their outbox (``fieldwork.OutboxMessage``), never inside a
request. Ordinary WeChat groups have no robot interface: they are registered, not driven.

Issue 14 adds, in the block below ChatGroup: consultation meetings (会商) with agenda, attendance,
minutes (revisions once approved) and decisions tracked as tasks; 小区党支部 and 交叉任职; the
property company and owners' committee of each compound with the leaders' supervision notes;
the 三长's ratings (questionnaires as data, from the profile); 文明公约 with revisions; service
projects proposed with the 三长's input. At the end of the file: the rotating 单元长 (自愿轮值),
training, protective supplies and outsider registration.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

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
    # 群主: who runs the group (a leader or worker, by name — the product does not drive WeChat).
    owner = models.CharField("群主", max_length=50, blank=True)
    member_count = models.PositiveIntegerField("群成员数", null=True, blank=True)
    # The group's join QR image (re-encoded by lib.images, sealed at rest); the storage name.
    qr_image = models.CharField("群二维码", max_length=200, blank=True, editable=False)
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


# == issue 14 (community branch): meetings, party branches, property, ratings, conventions ======


class MeetingQuerySet(models.QuerySet):
    def visible_to(self, user, capability: str = "view"):
        """Workers and the 街道管理员 see their communities' meetings; a leader those convened by
        or inviting them (their person). Others (区民政局, admins) see none."""
        from loudong.community.access import meeting_q

        return self.filter(meeting_q(user))


class Meeting(models.Model):
    """A 定期协商 meeting of a grid, or a meeting of a 小区党支部 (``branch`` as host).

    Seed 004 §三.9: "由网格长牵头，定期组织楼栋长、单元长共同商议小区事务，梳理居民需求，化解居民
    矛盾，提出工作建议，开展自治共治"; §一.3: "积极参与社区党组织、小区党支部会议". Workflow:
    计划 ``planned`` → 已召开 ``held`` (attendance, minutes) → 纪要已审定 ``approved``; approved
    minutes are never edited — a change is a :class:`MinutesRevision`.
    """

    class Kind(models.TextChoices):
        CONSULTATION = "consultation", "网格协商会议"
        BRANCH = "branch", "小区党支部会议"

    class Status(models.TextChoices):
        PLANNED = "planned", "计划召开"
        HELD = "held", "已召开"
        APPROVED = "approved", "纪要已审定"
        CANCELLED = "cancelled", "已取消"

    TRANSITIONS = {
        "hold": {"planned"},
        "approve": {"held"},
        "cancel": {"planned"},
    }

    kind = models.CharField("会议类型", max_length=16, choices=Kind.choices)
    community = models.ForeignKey(
        "territory.Region", models.PROTECT, related_name="+", verbose_name="社区"
    )
    grid_code = models.CharField("网格编码", max_length=20, blank=True, db_index=True)
    branch = models.ForeignKey(
        "community.PartyBranch",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name="主持的小区党支部",
    )
    title = models.CharField("会议名称", max_length=100)
    starts = models.DateTimeField("会议时间")
    place = models.CharField("地点", max_length=100, blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.PLANNED)
    minutes = models.TextField("会议纪要", blank=True)
    convener = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="召集人"
    )
    convener_person = models.ForeignKey(
        "roster.Person", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    held_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    profile_name = models.CharField(max_length=40)
    profile_version = models.PositiveIntegerField()
    created = models.DateTimeField(default=timezone.now)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = "会商会议"
        verbose_name_plural = "会商会议"
        ordering = ["-starts", "-id"]
        indexes = [models.Index(fields=["community", "grid_code", "starts"])]

    def __str__(self):
        return f"{timezone.localtime(self.starts):%Y-%m-%d} {self.title}"

    def get_absolute_url(self):
        return reverse("community:meeting", args=[self.pk])

    def can_move(self, move: str) -> bool:
        return self.status in self.TRANSITIONS[move]

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED

    def current_minutes(self) -> str:
        """The approved text, or its latest revision."""
        last = self.revisions.order_by("-number").first()
        return last.text if last else self.minutes

    @property
    def grid_label(self) -> str:
        return f"网格 {self.grid_code[-2:]}" if self.grid_code else ""


class MeetingSchedule(models.Model):
    """A grid's own meeting period when it differs from the profile's ``meetings.frequency``."""

    community = models.ForeignKey("territory.Region", models.PROTECT, related_name="+")
    grid_code = models.CharField("网格编码", max_length=20, unique=True)
    frequency = models.CharField(
        "会议周期",
        max_length=12,
        choices=[
            ("none", "不定期"),
            ("month", "每月"),
            ("quarter", "每季度"),
            ("half_year", "每半年"),
        ],
    )
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "网格协商周期"
        verbose_name_plural = "网格协商周期"

    def __str__(self):
        return f"{self.grid_code} {self.get_frequency_display()}"


class MeetingInvitee(models.Model):
    """Someone invited (a 楼栋长, 单元长, 一格多员, a branch member) and whether they came."""

    class Attendance(models.TextChoices):
        UNKNOWN = "", "未登记"
        PRESENT = "present", "出席"
        LEAVE = "leave", "请假"
        ABSENT = "absent", "缺席"

    meeting = models.ForeignKey(Meeting, models.CASCADE, related_name="invitees")
    person = models.ForeignKey("roster.Person", models.PROTECT, related_name="+")
    role = models.CharField("身份", max_length=30, blank=True)
    attendance = models.CharField(
        "出席情况", max_length=8, choices=Attendance.choices, blank=True, default=""
    )

    class Meta:
        ordering = ["meeting_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="meeting_invitee_once")
        ]

    def __str__(self):
        return f"{self.person} {self.get_attendance_display()}"


class AgendaItem(models.Model):
    """议题: picked from an open incident (梳理居民需求，化解居民矛盾) or written fresh."""

    meeting = models.ForeignKey(Meeting, models.CASCADE, related_name="agenda")
    title = models.CharField("议题", max_length=200)
    incident = models.ForeignKey(
        "fieldwork.Incident", models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["meeting_id", "id"]

    def __str__(self):
        return self.title


class MinutesRevision(models.Model):
    """A change to approved minutes: the approved text stays, each revision is a new row."""

    meeting = models.ForeignKey(Meeting, models.CASCADE, related_name="revisions")
    number = models.PositiveSmallIntegerField("修订序号")
    text = models.TextField("修订后纪要")
    reason = models.CharField("修订理由", max_length=200)
    created = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")

    class Meta:
        ordering = ["meeting_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="minutes_revision_once")
        ]

    def __str__(self):
        return f"{self.meeting} 第{self.number}次修订"


class DecisionQuerySet(models.QuerySet):
    def visible_to(self, user, capability: str = "view"):
        return self.filter(meeting__in=Meeting.objects.visible_to(user).values("pk"))


class Decision(models.Model):
    """A decision of a meeting, tracked as a task (owner, due date, progress) until done.

    Decidim's accountability is the model: each result has a status and progress shown until it
    is done. A decision may also become a field-work incident (``incident``) handled on the ladder.
    """

    class Status(models.TextChoices):
        OPEN = "open", "未开始"
        IN_PROGRESS = "in_progress", "推进中"
        DONE = "done", "已完成"

    meeting = models.ForeignKey(Meeting, models.CASCADE, related_name="decisions")
    community = models.ForeignKey("territory.Region", models.PROTECT, related_name="+")
    text = models.CharField("决定事项", max_length=300)
    owner = models.ForeignKey(
        "roster.Person", models.PROTECT, related_name="+", verbose_name="责任人"
    )
    due = models.DateField("完成时限")
    status = models.CharField("进展", max_length=12, choices=Status.choices, default=Status.OPEN)
    progress = models.PositiveSmallIntegerField("完成进度（%）", default=0)
    incident = models.ForeignKey(
        "fieldwork.Incident", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        verbose_name = "会议决定事项"
        verbose_name_plural = "会议决定事项"
        ordering = ["due", "id"]
        indexes = [models.Index(fields=["community", "status", "due"])]

    def __str__(self):
        return self.text

    def is_overdue(self, today=None) -> bool:
        return self.status != self.Status.DONE and self.due < (today or timezone.localdate())


class DecisionUpdate(models.Model):
    """One progress report on a decision."""

    decision = models.ForeignKey(Decision, models.CASCADE, related_name="updates")
    progress = models.PositiveSmallIntegerField("完成进度（%）")
    note = models.CharField("进展说明", max_length=300)
    created = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")

    class Meta:
        ordering = ["decision_id", "created", "id"]

    def __str__(self):
        return f"{self.progress}% {self.note}"


class PartyBranch(models.Model):
    """A 小区党支部, for one compound or several (seed 004 §一.3, §三.10)."""

    community = models.ForeignKey(
        "territory.Region", models.PROTECT, related_name="+", verbose_name="社区"
    )
    name = models.CharField("党支部名称", max_length=60)
    compounds = models.ManyToManyField(
        "territory.Region", related_name="party_branches", verbose_name="所辖小区"
    )
    founded = models.DateField("成立日期", null=True, blank=True)
    active = models.BooleanField("有效", default=True)
    created = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "小区党支部"
        verbose_name_plural = "小区党支部"
        ordering = ["community_id", "name", "id"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("community:branch", args=[self.pk])

    def current_members(self):
        return self.members.filter(until__isnull=True).select_related("person")


class BranchMember(models.Model):
    """A person's place in a branch: 书记, 委员 (the 交叉任职 of a party-member leader), 党员."""

    class Role(models.TextChoices):
        SECRETARY = "secretary", "书记"
        DEPUTY = "deputy", "副书记"
        COMMITTEE = "committee", "委员"
        MEMBER = "member", "党员"

    COMMITTEE_ROLES = ("secretary", "deputy", "committee")

    branch = models.ForeignKey(PartyBranch, models.CASCADE, related_name="members")
    person = models.ForeignKey("roster.Person", models.PROTECT, related_name="+")
    role = models.CharField("职务", max_length=12, choices=Role.choices)
    since = models.DateField("任职日期")
    until = models.DateField("离任日期", null=True, blank=True)

    class Meta:
        ordering = ["branch_id", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "person"],
                condition=Q(until__isnull=True),
                name="branch_member_once",
            )
        ]

    def __str__(self):
        return f"{self.person} {self.get_role_display()}"


class PartyOrgSeat(models.Model):
    """社区党组织委员 / 兼职委员 held by a leader (004 §一.3: "特别优秀的吸纳为社区党组织委员或
    兼职委员")."""

    class Kind(models.TextChoices):
        COMMITTEE = "committee", "社区党组织委员"
        PART_TIME = "part_time", "社区党组织兼职委员"

    community = models.ForeignKey("territory.Region", models.PROTECT, related_name="+")
    person = models.ForeignKey("roster.Person", models.PROTECT, related_name="+")
    kind = models.CharField("职务", max_length=12, choices=Kind.choices)
    since = models.DateField("任职日期")
    until = models.DateField("离任日期", null=True, blank=True)

    class Meta:
        ordering = ["community_id", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "person"],
                condition=Q(until__isnull=True),
                name="party_org_seat_once",
            )
        ]

    def __str__(self):
        return f"{self.person} {self.get_kind_display()}"


class CompoundBody(models.Model):
    """The property company (物业服务企业) or owners' committee (业委会) of a compound."""

    class Kind(models.TextChoices):
        PROPERTY = "property", "物业服务企业"
        OWNERS = "owners", "业主委员会"

    community = models.ForeignKey("territory.Region", models.PROTECT, related_name="+")
    compound = models.ForeignKey(
        "territory.Region", models.PROTECT, related_name="+", verbose_name="小区"
    )
    kind = models.CharField("类别", max_length=10, choices=Kind.choices)
    name = models.CharField("名称", max_length=100)
    contact = models.CharField("联系人", max_length=50, blank=True)
    phone = ProtectedField("联系电话", kind="phone")
    term_start = models.DateField("服务（任期）起", null=True, blank=True)
    term_end = models.DateField("服务（任期）止", null=True, blank=True)
    active = models.BooleanField("在册", default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "物业与业委会"
        verbose_name_plural = "物业与业委会"
        ordering = ["compound_id", "kind", "id"]

    def __str__(self):
        return self.name


class SupervisionNote(models.Model):
    """A leader's 跟踪监督 of the 物业 or 业委会 (seed 004 §二.8: "对业委会、物业服务企业履职情况进行
    跟踪监督，及时发现问题矛盾，上报社区和相关职能部门妥善解决"). A problem opens an incident at the
    community."""

    community = models.ForeignKey("territory.Region", models.PROTECT, related_name="+")
    compound = models.ForeignKey("territory.Region", models.PROTECT, related_name="+")
    body = models.ForeignKey(CompoundBody, models.PROTECT, related_name="notes")
    date = models.DateField("检查日期")
    checked = models.CharField("检查内容", max_length=300)
    found = models.TextField("发现情况", blank=True)
    problem = models.BooleanField("发现问题需上报", default=False)
    incident = models.ForeignKey(
        "fieldwork.Incident", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    person = models.ForeignKey("roster.Person", models.PROTECT, null=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "监督记录"
        verbose_name_plural = "监督记录"
        ordering = ["-date", "-id"]

    def __str__(self):
        return f"{self.date} {self.body}"


class RatingRound(models.Model):
    """A round of the 三长's questionnaire: the property service of the compounds for a period,
    or one service activity (seed 004 §四.13). The questions are copied from the profile when the
    round opens, so a later profile edit does not change a round's questions."""

    class Kind(models.TextChoices):
        PROPERTY = "property", "物业服务质量评价"
        ACTIVITY = "activity", "服务活动成效测评"

    class Status(models.TextChoices):
        OPEN = "open", "进行中"
        CLOSED = "closed", "已结束"

    community = models.ForeignKey(
        "territory.Region", models.PROTECT, related_name="+", verbose_name="社区"
    )
    kind = models.CharField("类别", max_length=10, choices=Kind.choices)
    title = models.CharField("名称", max_length=100)
    period = models.CharField("评价期", max_length=20, blank=True)
    activity = models.ForeignKey(
        "community.ServiceActivity",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="rounds",
    )
    questions = models.JSONField("问卷")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    opened = models.DateTimeField(default=timezone.now)
    profile_name = models.CharField(max_length=40)
    profile_version = models.PositiveIntegerField()

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "“三长”测评"
        verbose_name_plural = "“三长”测评"
        ordering = ["-opened", "-id"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("community:rating", args=[self.pk])


class RatingAnswer(models.Model):
    """One 三长's answers in a round (for one compound in a property round)."""

    round = models.ForeignKey(RatingRound, models.CASCADE, related_name="answers")
    compound = models.ForeignKey(
        "territory.Region", models.PROTECT, null=True, blank=True, related_name="+"
    )
    person = models.ForeignKey("roster.Person", models.PROTECT, related_name="+")
    post_kind = models.CharField(max_length=20)
    answers = models.JSONField()  # {question code: option code}
    comment = models.CharField("意见建议", max_length=300, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "person", "compound"], name="rating_answer_once"
            ),
            models.UniqueConstraint(
                fields=["round", "person"],
                condition=Q(compound__isnull=True),
                name="rating_answer_once_no_compound",
            ),
        ]

    def __str__(self):
        return f"{self.round} {self.person}"


class ServiceProject(models.Model):
    """征集服务群众项目 (seed 004 §四.13): a project proposed to the community, with the 三长's input."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "征集中"
        ADOPTED = "adopted", "已采纳"
        DECLINED = "declined", "未采纳"

    community = models.ForeignKey(
        "territory.Region", models.PROTECT, related_name="+", verbose_name="社区"
    )
    title = models.CharField("项目名称", max_length=100)
    description = models.TextField("项目内容")
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    decision_note = models.CharField("采纳说明", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "服务群众项目"
        verbose_name_plural = "服务群众项目"
        ordering = ["-created", "-id"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("community:project", args=[self.pk])


class ProjectInput(models.Model):
    """A 三长's view on a proposed project: support or not, and why."""

    project = models.ForeignKey(ServiceProject, models.CASCADE, related_name="inputs")
    person = models.ForeignKey("roster.Person", models.PROTECT, related_name="+")
    supports = models.BooleanField("赞成")
    comment = models.CharField("意见", max_length=300, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["project_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "person"], name="project_input_once")
        ]

    def __str__(self):
        return f"{self.person} {'赞成' if self.supports else '不赞成'}"


class ServiceActivity(models.Model):
    """A service activity the community ran (often an adopted project), rated by the 三长."""

    community = models.ForeignKey(
        "territory.Region", models.PROTECT, related_name="+", verbose_name="社区"
    )
    project = models.ForeignKey(
        ServiceProject, models.SET_NULL, null=True, blank=True, related_name="activities"
    )
    title = models.CharField("活动名称", max_length=100)
    date = models.DateField("活动日期")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "服务活动"
        verbose_name_plural = "服务活动"
        ordering = ["-date", "-id"]

    def __str__(self):
        return self.title


class Convention(models.Model):
    """A 文明公约 of a compound or building (seed 004 §二.5: "引导建立楼栋、小区文明公约"), with
    revisions; the text in force is the last adopted revision."""

    community = models.ForeignKey("territory.Region", models.PROTECT, related_name="+")
    compound = models.ForeignKey(
        "territory.Region", models.PROTECT, related_name="+", verbose_name="小区"
    )
    building = models.ForeignKey(
        "territory.Building",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="楼栋",
    )
    title = models.CharField("名称", max_length=100)
    created = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "文明公约"
        verbose_name_plural = "文明公约"
        ordering = ["compound_id", "building_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["compound"], condition=Q(building__isnull=True), name="convention_compound"
            ),
            models.UniqueConstraint(fields=["building"], name="convention_building"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("community:convention", args=[self.pk])

    def in_force(self):
        return self.revisions.filter(adopted_on__isnull=False).order_by("-number").first()


class ConventionRevision(models.Model):
    """One version of a convention's text; adopted by a residents' meeting on a date."""

    convention = models.ForeignKey(Convention, models.CASCADE, related_name="revisions")
    number = models.PositiveSmallIntegerField("版本")
    text = models.TextField("公约全文")
    adopted_on = models.DateField("通过日期", null=True, blank=True)
    meeting = models.ForeignKey(
        "territory.ResidentsMeeting",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="通过的居民会议",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["convention_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["convention", "number"], name="convention_revision_once"
            )
        ]

    def __str__(self):
        return f"{self.convention} 第{self.number}版"


def period_of(frequency: str, day: dt.date) -> tuple[dt.date, dt.date] | None:
    """The meeting period (first day, last day) containing ``day``; None for 不定期."""
    months = {"month": 1, "quarter": 3, "half_year": 6}.get(frequency)
    if months is None:
        return None
    first_month = (day.month - 1) // months * months + 1
    start = dt.date(day.year, first_month, 1)
    end_month = first_month + months
    end = (
        dt.date(day.year + 1, 1, 1) if end_month > 12 else dt.date(day.year, end_month, 1)
    ) - dt.timedelta(days=1)
    return start, end


def period_label(frequency: str, day: dt.date) -> str:
    if frequency == "month":
        return f"{day:%Y-%m}"
    if frequency == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    if frequency == "half_year":
        return f"{day.year}-H{(day.month - 1) // 6 + 1}"
    return f"{day:%Y-%m-%d}"


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
