"""The register: 区 → 街道 → 社区 → 小区 (Region), 楼栋 → 单元 → 户 → 居民.

Every object below a community carries ``community`` (and ``compound``) directly,
so that a role's scope is one indexed ``IN`` filter, never a walk up the tree.
"""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse

from loudong.lib.collation import ByteOrderCharField
from loudong.lib.protected import BlindIndexField, ProtectedField
from loudong.territory.sealing import PARTY_STATUSES, is_party_status  # noqa: F401 (re-exported)


class RegionQuerySet(models.QuerySet):
    def visible_to(self, user, capability: str = "view"):
        """Whole subtrees of the user's regions; a post-holder's own region and the compounds
        of the households they serve (accounts.access.Scope)."""
        from loudong.accounts.access import scope_for

        return self.filter(scope_for(user, capability).region_q())


class Region(models.Model):
    """An administrative or residential area: 区, 街道, 社区 or 小区.

    ``path`` is the materialised path of ids, ``/1/4/17/``: descendants of a region
    are ``path__startswith=region.path``.
    """

    class Level(models.TextChoices):
        DISTRICT = "district", "区"
        SUBDISTRICT = "subdistrict", "街道"
        COMMUNITY = "community", "社区"
        COMPOUND = "compound", "小区"

    DEPTH = {Level.DISTRICT: 0, Level.SUBDISTRICT: 1, Level.COMMUNITY: 2, Level.COMPOUND: 3}

    level = models.CharField("层级", max_length=16, choices=Level.choices, db_index=True)
    name = models.CharField("名称", max_length=100)
    # 统计用区划代码: 12 digits for 社区 (村级), 9 for 街道, 6 for 区.
    code = models.CharField("代码", max_length=20, blank=True, db_index=True)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name="上级"
    )
    path = models.CharField(max_length=100, blank=True, db_index=True, editable=False)
    office_phone = models.CharField("办公电话", max_length=32, blank=True)
    leader_name = models.CharField("负责人", max_length=50, blank=True)
    # 街道 only: the policy profile it runs (loudong/policy/profiles/); blank = the deployment's.
    policy_name = models.SlugField("政策方案", max_length=40, blank=True)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = "区域"
        verbose_name_plural = "区域"
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="region_unique_name_in_parent"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        path = f"{self.parent.path if self.parent else '/'}{self.pk}/"
        if path != self.path:
            self.path = path
            Region.objects.filter(pk=self.pk).update(path=path)

    def get_absolute_url(self):
        return reverse("territory:region", args=[self.pk])

    def clean(self):
        if (
            self.level == self.Level.COMMUNITY
            and self.code
            and not re.fullmatch(r"\d{12}", self.code)
        ):
            raise ValidationError({"code": "社区代码应为 12 位统计用区划代码"})
        if self.parent and self.DEPTH[self.level] != self.DEPTH[self.parent.level] + 1:
            raise ValidationError({"parent": "上级区域的层级不对"})

    def ancestors(self):
        ids = [int(i) for i in self.path.strip("/").split("/")[:-1] if i]
        by_id = Region.objects.in_bulk(ids)
        return [by_id[i] for i in ids if i in by_id]

    def community(self):
        """This region's 社区, for a community or compound; else None."""
        if self.level == self.Level.COMMUNITY:
            return self
        if self.level == self.Level.COMPOUND:
            return self.parent
        return None


class ScopedQuerySet(models.QuerySet):
    """Rows carrying ``community`` and ``compound``; see accounts.access.

    Registry models (``REGISTRY = (lookup, kind)``: buildings, units, households, residents)
    go through ``Scope.registry_q``: a 楼栋长 sees the households of their posts only, the
    区民政局 none — one indexed ``IN`` either way.
    """

    def visible_to(self, user, capability: str = "view"):
        from loudong.accounts.access import scope_for

        scope = scope_for(user, capability)
        link = getattr(self.model, "REGISTRY", None)
        return self.filter(scope.registry_q(link) if link else scope.q())


_CN_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


def _chinese_number(text: str) -> str:
    """'三' → '3', '十二' → '12', '二十' → '20'; anything else unchanged."""
    if not text or any(c not in _CN_DIGITS and c != "十" for c in text):
        return text
    if "十" in text:
        tens, _, ones = text.partition("十")
        return str((_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0))
    return "".join(str(_CN_DIGITS[c]) for c in text)


def number_key(label: str) -> str:
    """The comparable core of a building or unit label: '3号楼', '3栋', '3#', '３幢', '三号楼' → '3'."""
    text = str(label).strip().translate(str.maketrans("０１２３４５６７８９＃", "0123456789#"))
    text = re.sub(r"\s+", "", text)
    text = re.sub(r"^第", "", text)
    text = re.sub(r"(号楼|号|栋|幢|座|楼|#|单元)$", "", text)
    text = re.sub(r"#$", "", text)
    text = _chinese_number(text)
    if text.isdigit():
        text = str(int(text))
    return text.upper()


class Building(models.Model):
    class Kind(models.TextChoices):
        WALKUP = "walkup", "多层"
        MIDRISE = "midrise", "小高层"
        TOWER = "tower", "高层"
        VILLA = "villa", "别墅"
        BUNGALOW = "bungalow", "平房/散居"
        OTHER = "other", "其他"

    community = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name="社区")
    compound = models.ForeignKey(
        Region, models.PROTECT, related_name="buildings", verbose_name="小区"
    )
    number = models.CharField("楼栋", max_length=40, help_text="如 3号楼、3栋")
    number_key = models.CharField(max_length=40, editable=False)
    floors = models.PositiveSmallIntegerField("层数", null=True, blank=True)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices, default=Kind.OTHER)
    # Local plane in metres (for division) and WGS-84 degrees (for maps).
    x = models.FloatField(null=True, blank=True)
    y = models.FloatField(null=True, blank=True)
    lon = models.FloatField("经度", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    # When the building entered (and left) the registry, for counts "as of" a date (Attachment
    # 2's 楼栋数). Blank: there from the first registry (a sheet does not say when it was built).
    listed_from = models.DateField("建档日期", null=True, blank=True)
    listed_until = models.DateField("撤档日期", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    REGISTRY = ("pk", "building")

    class Meta:
        verbose_name = "楼栋"
        verbose_name_plural = "楼栋"
        ordering = ["compound_id", "number_key"]
        constraints = [
            models.UniqueConstraint(fields=["compound", "number_key"], name="building_unique_key"),
        ]

    def __str__(self):
        return f"{self.compound.name}{self.number}"

    def save(self, *args, **kwargs):
        self.number_key = number_key(self.number)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("territory:building", args=[self.pk])


class Unit(models.Model):
    community = models.ForeignKey(Region, models.PROTECT, related_name="+")
    compound = models.ForeignKey(Region, models.PROTECT, related_name="+")
    building = models.ForeignKey(
        Building, models.CASCADE, related_name="units", verbose_name="楼栋"
    )
    number = models.CharField("单元", max_length=40)
    number_key = models.CharField(max_length=40, editable=False)
    floors = models.PositiveSmallIntegerField("层数", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    REGISTRY = ("pk", "unit")

    class Meta:
        verbose_name = "单元"
        verbose_name_plural = "单元"
        ordering = ["building_id", "number_key"]
        constraints = [
            models.UniqueConstraint(fields=["building", "number_key"], name="unit_unique_key"),
        ]

    def __str__(self):
        return f"{self.building}{self.number}"

    def save(self, *args, **kwargs):
        self.number_key = number_key(self.number)
        super().save(*args, **kwargs)


class Household(models.Model):
    class Residence(models.TextChoices):
        PERMANENT = "permanent", "常住"
        FLOATING = "floating", "流动"
        RENTED = "rented", "出租"
        VACANT = "vacant", "空置"

    # No single-column index on community or unit: household_community_idx (community, id)
    # and the unique (unit, room) serve those lookups (migration 0010).
    community = models.ForeignKey(Region, models.PROTECT, related_name="+", db_index=False)
    compound = models.ForeignKey(Region, models.PROTECT, related_name="+")
    building = models.ForeignKey(Building, models.PROTECT, related_name="households")
    unit = models.ForeignKey(
        Unit, models.PROTECT, related_name="households", verbose_name="单元", db_index=False
    )
    room = models.CharField("房号", max_length=20)
    floor = models.SmallIntegerField("楼层", null=True, blank=True)
    residence = models.CharField(
        "居住类型", max_length=16, choices=Residence.choices, default=Residence.PERMANENT
    )
    # 实际居民居住户数 (seed 000): vacant households are not counted for grids.
    occupied = models.BooleanField("有人居住", default=True, db_index=True)
    # 重点关注 (独居老人、残疾人…), set by the community: the flag is plain so that a leader's list
    # puts these households first; the reason is health-like data, sealed, never shown to leaders.
    # Database defaults too: the registry importer writes households with raw INSERTs.
    needs_attention = models.BooleanField("重点关注", default=False, db_default=False)
    attention_reason = ProtectedField("重点关注原因", kind="text", db_default="")

    objects = ScopedQuerySet.as_manager()
    REGISTRY = ("pk", "household")

    class Meta:
        verbose_name = "户"
        verbose_name_plural = "户"
        ordering = ["unit_id", "floor", "room"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "room"], name="household_unique_room"),
        ]
        indexes = [models.Index(fields=["community", "id"], name="household_community_idx")]

    def __str__(self):
        return f"{self.unit}{self.room}室"

    def save(self, *args, **kwargs):
        self.occupied = self.residence != self.Residence.VACANT
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("territory:household", args=[self.pk])


class ResidentQuerySet(ScopedQuerySet):
    def current(self):
        return self.filter(moved_out=False)

    def with_id_number(self, value: str):
        from loudong.lib.protected import lookup

        return self.filter(id_number_index=lookup("id_number", value))

    def with_phone(self, value: str):
        from loudong.lib.protected import lookup

        return self.filter(phone_index=lookup("phone", value))

    def search_last4(self, digits: str):
        from loudong.lib.protected import lookup_last4

        return self.filter(
            Q(id_number_last4=lookup_last4("id_number", digits))
            | Q(phone_last4=lookup_last4("phone", digits))
        )


class Resident(models.Model):
    class Sex(models.TextChoices):
        MALE = "M", "男"
        FEMALE = "F", "女"

    community = models.ForeignKey(Region, models.PROTECT, related_name="+")
    compound = models.ForeignKey(Region, models.PROTECT, related_name="+")
    household = models.ForeignKey(
        Household, models.PROTECT, related_name="residents", verbose_name="户"
    )
    name = ByteOrderCharField("姓名", max_length=50, db_index=True)  # lib.collation
    relation = models.CharField("与户主关系", max_length=20, blank=True)
    is_householder = models.BooleanField("户主", default=False)
    id_number = ProtectedField("身份证号", kind="id_number")
    id_number_index = BlindIndexField(source="id_number")
    id_number_last4 = BlindIndexField(source="id_number", part="last4")
    phone = ProtectedField("联系电话", kind="phone")
    phone_index = BlindIndexField(source="phone")
    phone_last4 = BlindIndexField(source="phone", part="last4")
    sex = models.CharField("性别", max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    # Party membership is sensitive (PRODUCT.md): the status is encrypted and shown masked; the
    # plain flag beside it serves counts (党员 share of leaders, reports), never a name list.
    political_status = ProtectedField("政治面貌", kind="text")
    is_party_member = models.BooleanField("党员", default=False)  # no query filters on it alone
    notes = models.CharField("备注", max_length=200, blank=True)
    moved_out = models.BooleanField("已迁出", default=False)
    moved_out_on = models.DateField("迁出日期", null=True, blank=True)
    # Keyed hash of the row as the importer last wrote it (territory/importer.py); any other
    # save clears it, so the next import compares the fields instead of skipping the row.
    row_hash = models.CharField(max_length=32, blank=True, default="", editable=False)
    # Keyed hash of the row's cells as read, before any check (sealing.SourceHash): a
    # re-import skips the per-row checks of a row whose cells are the same; cleared likewise.
    source_hash = models.CharField(
        max_length=32, blank=True, default="", db_default="", editable=False
    )

    objects = ResidentQuerySet.as_manager()
    REGISTRY = ("household_id", "household")

    class Meta:
        verbose_name = "居民"
        verbose_name_plural = "居民"
        ordering = ["household_id", "-is_householder", "id"]
        constraints = [
            # One person, one current record: the blind index makes this checkable.
            models.UniqueConstraint(
                fields=["id_number_index"],
                condition=~Q(id_number_index="") & Q(moved_out=False),
                name="resident_unique_current_id_number",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.row_hash = self.source_hash = ""
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "row_hash", "source_hash"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("territory:resident", args=[self.pk])


class ImportJob(models.Model):
    """A registry import started from the upload page and run by the task worker.

    The uploaded file is kept sealed (AES-GCM, like personal fields) only until the run
    ends; the report keeps personal values masked.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "进行中"
        DONE = "done", "已完成"
        FAILED = "failed", "有错误"

    created = models.DateTimeField("上传时间", auto_now_add=True)
    finished = models.DateTimeField("完成时间", null=True, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", models.PROTECT, related_name="+", verbose_name="上传人"
    )
    filename = models.CharField("文件名", max_length=200)
    sealed_file = models.TextField(blank=True, editable=False)
    dry_run = models.BooleanField("仅校验", default=False)
    partial = models.BooleanField("导入无误的行", default=False)
    create_regions = models.BooleanField("新建街道/社区", default=False)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField("阶段", max_length=40, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "导入任务"
        verbose_name_plural = "导入任务"
        ordering = ["-created"]

    def __str__(self):
        return f"导入 {self.filename}"

    def get_absolute_url(self):
        return reverse("territory:import_job", args=[self.pk])

    @property
    def finished_running(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    def seal(self, data: bytes) -> None:
        import base64

        from loudong.lib import crypto

        self.sealed_file = crypto.encrypt(base64.b64encode(data).decode(), "upload")

    def unseal(self) -> bytes:
        import base64

        from loudong.lib import crypto

        return base64.b64decode(crypto.decrypt(self.sealed_file, "upload"))


class ResidentsMeeting(models.Model):
    """A 楼栋居民会议 (or 小区 meeting) of the households of a building or compound.

    Seed 000 §三.6: "评议采取召开楼栋居民会议或问卷调查等方式结合进行"; §三.3's 居民推选 may be
    held the same way. One model for every use — the residents' result of a selection, the
    yearly evaluation, the 三长's consultation with residents — each question tallied by a show
    of hands (for / against / abstain). ``households`` is how many households the area has
    (应到), ``attendance`` how many were represented (实到): turnout is always shown.
    """

    community = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name="社区")
    compound = models.ForeignKey(
        Region, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="小区"
    )
    building = models.ForeignKey(
        Building, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="楼栋"
    )
    date = models.DateField("会议日期")
    title = models.CharField("会议名称", max_length=100)
    agenda = models.TextField("议程", blank=True)
    households = models.PositiveIntegerField("应到户数")
    attendance = models.PositiveIntegerField("实到户数")
    notes = models.TextField("会议记录", blank=True)
    recorded_by = models.ForeignKey(
        "accounts.User", models.PROTECT, related_name="+", verbose_name="登记人"
    )
    created = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "居民会议"
        verbose_name_plural = "居民会议"
        ordering = ["-date", "-id"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.title}"

    def get_absolute_url(self):
        return reverse("territory:meeting", args=[self.pk])

    @property
    def place(self) -> str:
        if self.building_id:
            return f"{self.building.compound.name}{self.building.number}"
        return self.compound.name if self.compound_id else self.community.name

    @property
    def turnout_pct(self) -> float:
        return round(100 * self.attendance / self.households, 1) if self.households else 0.0


class ResidentsMeetingQuestion(models.Model):
    """One question put to a residents' meeting, with its show-of-hands tally (by household)."""

    meeting = models.ForeignKey(ResidentsMeeting, models.CASCADE, related_name="questions")
    text = models.CharField("表决事项", max_length=200)
    votes_for = models.PositiveIntegerField("赞成")
    votes_against = models.PositiveIntegerField("反对")
    abstentions = models.PositiveIntegerField("弃权")

    class Meta:
        verbose_name = "居民会议表决事项"
        verbose_name_plural = "居民会议表决事项"
        ordering = ["meeting_id", "id"]

    def __str__(self):
        return self.text

    @property
    def passed(self) -> bool:
        return self.votes_for > self.votes_against
