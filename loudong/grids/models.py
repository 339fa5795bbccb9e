"""Grid divisions (网格划分) of a community: drafts, frozen versions, their grids and pieces.

A :class:`Division` is one proposal for one 社区. It starts as a draft, may be edited (pieces
moved between grids), and is frozen as a dated version; freezing supersedes the version that
was in force. The division *in force* for a community is its latest frozen one.

The algorithm lives in ``grids/division/`` (Django-free); ``actions.py`` feeds it the registry.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse

from loudong.territory.models import Region


class DivisionQuerySet(models.QuerySet):
    def visible_to(self, user, capability: str = "view"):
        from loudong.accounts.access import scope_for

        return self.filter(community_id__in=sorted(scope_for(user, capability).community_ids))

    def in_force(self):
        return self.filter(status=Division.Status.FROZEN)


class Division(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        FROZEN = "frozen", "生效中"
        SUPERSEDED = "superseded", "已被替代"
        DISCARDED = "discarded", "已放弃"

    # Workflow table (STYLE.md item 5): where each status may move to.
    TRANSITIONS = {
        Status.DRAFT: {Status.FROZEN, Status.DISCARDED},
        Status.FROZEN: {Status.SUPERSEDED},
        Status.SUPERSEDED: set(),
        Status.DISCARDED: set(),
    }

    community = models.ForeignKey(
        Region, models.PROTECT, related_name="divisions", verbose_name="社区"
    )
    profile_name = models.CharField("政策方案", max_length=40)
    # Version of the policy profile row used; null when the engine's built-in numbers were used.
    profile_version = models.PositiveIntegerField("方案版本", null=True, blank=True)
    # CJ/T 349 digits 1–6 (管理或服务对象代码), from the profile at proposal time.
    object_code = models.CharField("对象代码", max_length=6)
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="生成人"
    )
    created = models.DateTimeField("生成时间", auto_now_add=True)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="批准人",
    )
    frozen_at = models.DateTimeField("批准时间", null=True, blank=True)
    effective_date = models.DateField("生效日期", null=True, blank=True)
    note = models.TextField("说明", blank=True)
    # {"summary": engine metrics, "warnings": [..], "policy": {...}} — recomputed on each move.
    report = models.JSONField("报告", default=dict, blank=True)

    objects = DivisionQuerySet.as_manager()

    class Meta:
        verbose_name = "网格划分"
        verbose_name_plural = "网格划分"
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["community", "status"], name="division_comm_status_idx")]

    def __str__(self):
        return f"{self.community.name} 划分方案 #{self.pk}（{self.get_status_display()}）"

    def get_absolute_url(self):
        return reverse("grids:division", args=[self.pk])

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.status]

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def warnings(self) -> list[str]:
        return list(self.report.get("warnings", []))


class DivisionEvent(models.Model):
    """One history row per workflow move or edit of a division."""

    class Kind(models.TextChoices):
        PROPOSED = "proposed", "生成方案"
        MOVED = "moved", "调整"
        FROZEN = "frozen", "批准生效"
        SUPERSEDED = "superseded", "被新版本替代"
        DISCARDED = "discarded", "放弃草稿"

    division = models.ForeignKey(Division, models.CASCADE, related_name="events")
    kind = models.CharField("事件", max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="操作人"
    )
    created = models.DateTimeField("时间", auto_now_add=True)
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "划分记录"
        verbose_name_plural = "划分记录"
        ordering = ["created", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.division_id}"


class GridQuerySet(models.QuerySet):
    def visible_to(self, user, capability: str = "view"):
        from loudong.accounts.access import scope_for

        return self.filter(community_id__in=sorted(scope_for(user, capability).community_ids))

    def in_force(self):
        return self.filter(division__status=Division.Status.FROZEN)

    def with_leader(self):
        """Annotate ``leader_person_id``: the grid's 楼栋长 in post, else its 网格长 (长春).

        Looked up by grid code in the roster app (which stands above this one, hence
        ``apps.get_model``), in the same query as the grids.
        """
        from django.apps import apps
        from django.db.models import OuterRef, Q, Subquery
        from django.db.models.functions import Coalesce

        appointment = apps.get_model("roster", "Appointment")

        def holder(kind):
            return Subquery(
                appointment.objects.filter(
                    ~Q(post__grid_code=""),
                    post__grid_code=OuterRef("code"),
                    post__community=OuterRef("community"),
                    post__kind=kind,
                    post__active=True,
                    status="active",
                    is_legacy=False,
                )
                .order_by("start", "id")
                .values("person_id")[:1]
            )

        return self.annotate(
            leader_person_id=Coalesce(holder("building_leader"), holder("grid_head"))
        )


class Grid(models.Model):
    division = models.ForeignKey(Division, models.CASCADE, related_name="grids")
    # Same as division.community: kept here so scope and API filters are one indexed IN.
    community = models.ForeignKey(Region, models.PROTECT, related_name="+")
    # Draft number (1…n, in the engine's order); shown until the grid gets a code.
    number = models.PositiveIntegerField("编号")
    # CJ/T 349 digits 19–20, set on freezing (kept from the previous version when the grid stays).
    sequence = models.PositiveSmallIntegerField("顺序码", null=True, blank=True)
    code = models.CharField("网格编码", max_length=20, blank=True, db_index=True)
    households = models.PositiveIntegerField("户数", default=0)
    in_range = models.BooleanField("户数在范围内", default=True)
    reason = models.TextField("说明", blank=True)
    # Warnings of this grid (out of band, split building, non-contiguous); recomputed on move.
    warnings = models.JSONField("提示", default=list, blank=True)
    # Household-weighted centre of the grid's units, metres east/north (for numbering).
    x = models.FloatField(null=True, blank=True)
    y = models.FloatField(null=True, blank=True)

    objects = GridQuerySet.as_manager()

    class Meta:
        verbose_name = "网格"
        verbose_name_plural = "网格"
        ordering = ["division_id", "number"]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return self.code or f"草稿网格 {self.number}"

    def leader_id(self):
        """The person leading this grid (楼栋长, else 网格长), or None.

        Posts are keyed by grid code, which survives re-divisions, so the leader follows
        the grid. Lists use ``GridQuerySet.with_leader()`` instead (one query).
        """
        if hasattr(self, "leader_person_id"):
            return self.leader_person_id
        return (
            Grid.objects.filter(pk=self.pk)
            .with_leader()
            .values_list("leader_person_id", flat=True)
            .first()
        )


class GridPiece(models.Model):
    """A whole 单元 (floor_from=1, floor_to=floors) or a floor range of one, in one grid."""

    grid = models.ForeignKey(Grid, models.CASCADE, related_name="pieces")
    unit = models.ForeignKey(
        "territory.Unit", models.PROTECT, related_name="+", verbose_name="单元"
    )
    building = models.ForeignKey(
        "territory.Building", models.PROTECT, related_name="+", verbose_name="楼栋"
    )
    floor_from = models.PositiveSmallIntegerField("起始层")
    floor_to = models.PositiveSmallIntegerField("终止层")
    households = models.PositiveIntegerField("户数")
    # Position used for the division (building x/y, or a generated layout when missing).
    x = models.FloatField()
    y = models.FloatField()

    class Meta:
        verbose_name = "网格单元"
        verbose_name_plural = "网格单元"
        ordering = ["grid_id", "building_id", "unit_id", "floor_from"]

    def __str__(self):
        return f"{self.unit_id} {self.floor_from}-{self.floor_to}"
