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

from loudong.lib.protected import ProtectedField
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
