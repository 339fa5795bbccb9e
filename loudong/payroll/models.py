"""Subsidy payroll (补贴发放), accident insurance, and the 长春 awards.

Seed 000 附件1 §四.2–3: "甲方给予乙方每月总额 300 元工作补贴。其中 200 元按月发放，另 100 元根据
对乙方工作的评议情况年终一次性发放。甲方为乙方购买意外伤害商业保险，乙方志愿服务工作中遇有意外伤害的，
以保险公司的理赔款作为补偿。" Seed 004 §四.14–15: "给予楼栋长、单元长一定通讯、误餐等工作补贴……可采取
以奖代补形式，年底给予适当资金奖励……投保意外伤害等保险"; "“社区好人”“最美楼栋长、单元长”等评选".

A *period* is one community's month. The community prepares it (lines computed from the roster,
agreements and grades), submits it with its control total, the 街道 approves it, and it is
locked: a locked line is never edited or deleted (``Line.save``/``delete`` refuse). What was
wrong is put right by a *correction* line in the next open period naming what it corrects
(frappe/hrms arrears; erpnext's closed accounting periods).
"""

from django.db import models
from django.urls import reverse

from loudong.lib.protected import ProtectedField
from loudong.territory.models import ScopedQuerySet


class LockedError(Exception):
    """A locked period's line was about to change (a bug: actions refuse before this)."""


class Period(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "编制中"
        SUBMITTED = "submitted", "待街道审批"
        LOCKED = "locked", "已审批锁定"

    # A workflow table, a guard and a history row (STYLE.md item 5).
    TRANSITIONS = {
        Status.DRAFT: {Status.SUBMITTED},
        Status.SUBMITTED: {Status.DRAFT, Status.LOCKED},
        Status.LOCKED: set(),
    }

    community = models.ForeignKey("territory.Region", models.PROTECT, related_name="+")
    compound = models.ForeignKey(
        "territory.Region", models.PROTECT, null=True, blank=True, related_name="+"
    )
    month = models.DateField("月份")  # the first day of the month
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.DRAFT)
    # The version in force on the month's first day: its amounts, proration and rounding.
    profile_name = models.CharField("政策方案", max_length=40)
    profile_version = models.PositiveIntegerField("方案版本")
    prepared_by = models.ForeignKey(
        "accounts.User", models.PROTECT, null=True, blank=True, related_name="+"
    )
    prepared_at = models.DateTimeField("生成时间", null=True, blank=True)
    # 报批合计: what the community submitted; the 街道 approves only a balanced period.
    control_total = models.DecimalField(
        "报批合计（元）", max_digits=12, decimal_places=2, null=True, blank=True
    )
    control_count = models.PositiveIntegerField("报批条数", null=True, blank=True)
    submitted_by = models.ForeignKey(
        "accounts.User", models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField("报批时间", null=True, blank=True)
    approved_by = models.ForeignKey(
        "accounts.User", models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField("审批时间", null=True, blank=True)
    # SHA-256 of the finance export at locking: the same file, byte for byte, ever after.
    digest = models.CharField("导出文件校验码", max_length=64, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "补贴发放期"
        verbose_name_plural = "补贴发放期"
        ordering = ["-month", "community_id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "month"], name="period_one_per_month"),
        ]

    def __str__(self):
        return f"{self.community.name} {self.label}补贴"

    def get_absolute_url(self):
        return reverse("payroll:period", args=[self.pk])

    @property
    def label(self) -> str:
        return f"{self.month.year} 年 {self.month.month} 月"

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.LOCKED

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, set())

    def profile(self):
        from loudong.policy.profile import profile_at

        return profile_at(self.profile_name, self.profile_version)


class PeriodEvent(models.Model):
    """One move of a period: who prepared, submitted, returned or approved it, when."""

    period = models.ForeignKey(Period, models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    what = models.CharField(max_length=100)
    note = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey("accounts.User", models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return self.what


class Line(models.Model):
    """One amount paid to one appointment (person + post) in one period.

    ``service_month`` is the month the money is for: the period's own month, December for a
    year-end line, or the earlier month a correction puts right. ``corrects`` names the line it
    corrects, when there was one (a late-signed agreement corrects a month that had none).
    """

    class Kind(models.TextChoices):
        MONTHLY = "monthly", "月度补贴"
        YEAR_END = "year_end", "年终补贴"
        ALLOWANCE = "allowance", "工作补贴"
        REWARD = "reward", "以奖代补"
        CORRECTION = "correction", "更正"

    class Source(models.TextChoices):
        COMPUTED = "computed", "按任职记录计算"
        MANUAL = "manual", "人工调整"
        AWARD = "award", "评选表彰"

    period = models.ForeignKey(Period, models.PROTECT, related_name="lines")
    community = models.ForeignKey("territory.Region", models.PROTECT, related_name="+")
    compound = models.ForeignKey(
        "territory.Region", models.PROTECT, null=True, blank=True, related_name="+"
    )
    appointment = models.ForeignKey("roster.Appointment", models.PROTECT, related_name="+")
    person = models.ForeignKey("roster.Person", models.PROTECT, related_name="+")
    post = models.ForeignKey("roster.Post", models.PROTECT, related_name="+")
    kind = models.CharField("类别", max_length=12, choices=Kind.choices)
    # monthly | year_end | allowance:<code> | reward — for a correction, what it corrects.
    component = models.CharField("项目", max_length=60)
    service_month = models.DateField("所属月份")
    days = models.PositiveSmallIntegerField("在岗天数", null=True, blank=True)
    month_days = models.PositiveSmallIntegerField("当月天数", null=True, blank=True)
    amount = models.DecimalField("金额（元）", max_digits=10, decimal_places=2)
    basis = models.CharField("计算依据", max_length=300)
    corrects = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="corrected_by"
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.COMPUTED)
    note = models.CharField("说明", max_length=200, blank=True)
    nomination = models.ForeignKey(
        "payroll.Nomination", models.PROTECT, null=True, blank=True, related_name="lines"
    )
    created_by = models.ForeignKey(
        "accounts.User", models.PROTECT, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    # The payee as approved (snapshot at locking): the locked export never changes.
    payee_name = models.CharField("收款人", max_length=50, blank=True)
    payee_id_number = ProtectedField("身份证号", kind="id_number")
    payee_bank = models.CharField("开户行", max_length=100, blank=True)
    payee_account = ProtectedField("银行账号", kind="bank_account")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "补贴明细"
        verbose_name_plural = "补贴明细"
        ordering = ["period_id", "person_id", "post_id", "service_month", "kind", "id"]
        indexes = [
            models.Index(fields=["appointment", "component", "service_month"], name="line_key"),
        ]

    def __str__(self):
        return f"{self.person_id} {self.get_kind_display()} {self.amount}"

    def save(self, *args, **kwargs):
        if self._locked():
            raise LockedError("已锁定的补贴明细不能修改，请在下一期以更正行处理")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._locked():
            raise LockedError("已锁定的补贴明细不能删除，请在下一期以更正行处理")
        return super().delete(*args, **kwargs)

    def _locked(self) -> bool:
        if self.pk is None:
            return Period.objects.filter(pk=self.period_id, status=Period.Status.LOCKED).exists()
        return Line.objects.filter(pk=self.pk, period__status=Period.Status.LOCKED).exists()

    @property
    def component_label(self) -> str:
        return component_label(self.component)


def component_label(component: str) -> str:
    from loudong.policy.schema import enum_labels

    if component.startswith("allowance:"):
        code = component.split(":", 1)[1]
        return enum_labels("subsidy.allowances").get(code, code)
    return {
        "monthly": "月度补贴",
        "year_end": "年终补贴",
        "reward": "以奖代补",
    }.get(component, component)


class BankAccount(models.Model):
    """Where a leader's subsidy is paid; the number is sealed and shown as its last 4 digits."""

    person = models.OneToOneField("roster.Person", models.CASCADE, related_name="bank_account")
    community = models.ForeignKey("territory.Region", models.PROTECT, related_name="+")
    compound = models.ForeignKey(
        "territory.Region", models.PROTECT, null=True, blank=True, related_name="+"
    )
    bank = models.CharField("开户行", max_length=100)
    account = ProtectedField("银行账号", kind="bank_account")
    updated = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey("accounts.User", models.PROTECT, related_name="+")

    objects = ScopedQuerySet.as_manager()

    def __str__(self):
        return f"{self.bank} {self.account.masked}"


# -- accident insurance ----------------------------------------------------------------------


class InsurancePolicy(models.Model):
    """An accident insurance policy bought for the community's leaders.

    Named (记名): it covers the persons listed (``InsuredPerson``), each from a day. Blanket (不记名):
    it covers whoever holds a covered post in the community on a day — coverage then follows the
    appointments by itself. Seed 000 附件1 §四.3; 004 §四.14 (all 三长, 网格长 included).
    """

    community = models.ForeignKey("territory.Region", models.PROTECT, related_name="+")
    compound = models.ForeignKey(
        "territory.Region", models.PROTECT, null=True, blank=True, related_name="+"
    )
    insurer = models.CharField("保险公司", max_length=100)
    number = models.CharField("保单号", max_length=60)
    start = models.DateField("保险起期")
    end = models.DateField("保险止期")
    premium = models.DecimalField("保费（元）", max_digits=10, decimal_places=2)
    named = models.BooleanField("记名保单", default=True)
    note = models.CharField("备注", max_length=200, blank=True)
    created_by = models.ForeignKey("accounts.User", models.PROTECT, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "意外伤害保险保单"
        verbose_name_plural = "意外伤害保险保单"
        ordering = ["-end", "id"]
        constraints = [
            models.UniqueConstraint(fields=["insurer", "number"], name="policy_unique_number"),
        ]

    def __str__(self):
        return f"{self.insurer} {self.number}"

    def get_absolute_url(self):
        return reverse("payroll:policy", args=[self.pk])

    def in_force(self, day) -> bool:
        return self.start <= day <= self.end


class InsuredPerson(models.Model):
    """A person on a named policy, covered from ``start`` (加保) until ``end`` (减员) or its end."""

    policy = models.ForeignKey(InsurancePolicy, models.CASCADE, related_name="insured")
    person = models.ForeignKey("roster.Person", models.PROTECT, related_name="+")
    start = models.DateField("参保起始")
    end = models.DateField("参保截止", null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["policy_id", "person_id"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "person"], name="insured_once_per_policy"),
        ]

    def __str__(self):
        return f"{self.policy} · {self.person_id}"


class Claim(models.Model):
    """A claim on a policy (以保险公司的理赔款作为补偿): a workflow table, a guard, a history row."""

    class Status(models.TextChoices):
        REPORTED = "reported", "已报案"
        SUBMITTED = "submitted", "已提交保险公司"
        PAID = "paid", "已赔付"
        REJECTED = "rejected", "不予赔付"
        WITHDRAWN = "withdrawn", "已撤销"

    TRANSITIONS = {
        Status.REPORTED: {Status.SUBMITTED, Status.WITHDRAWN},
        Status.SUBMITTED: {Status.PAID, Status.REJECTED},
        Status.PAID: set(),
        Status.REJECTED: set(),
        Status.WITHDRAWN: set(),
    }

    policy = models.ForeignKey(InsurancePolicy, models.PROTECT, related_name="claims")
    person = models.ForeignKey("roster.Person", models.PROTECT, related_name="+")
    community = models.ForeignKey("territory.Region", models.PROTECT, related_name="+")
    compound = models.ForeignKey(
        "territory.Region", models.PROTECT, null=True, blank=True, related_name="+"
    )
    date = models.DateField("出险日期")
    description = models.TextField("经过")
    # The field-work incident it came from, when there is one (an id or a reference number).
    incident_ref = models.CharField("关联事件", max_length=40, blank=True)
    amount_claimed = models.DecimalField(
        "申请金额（元）", max_digits=10, decimal_places=2, null=True, blank=True
    )
    amount_paid = models.DecimalField(
        "赔付金额（元）", max_digits=10, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REPORTED)
    created_by = models.ForeignKey("accounts.User", models.PROTECT, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]

    def __str__(self):
        return f"理赔 {self.date:%Y-%m-%d} {self.person_id}"

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, set())


class ClaimEvent(models.Model):
    claim = models.ForeignKey(Claim, models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    note = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey("accounts.User", models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.from_status} → {self.to_status}"


class Reminder(models.Model):
    """A renewal reminder, made once per policy by the daily job (``remind_insurance``)."""

    policy = models.OneToOneField(InsurancePolicy, models.CASCADE, related_name="reminder")
    community = models.ForeignKey("territory.Region", models.PROTECT, related_name="+")
    compound = models.ForeignKey(
        "territory.Region", models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_on = models.DateField("提醒日期")
    text = models.CharField(max_length=300)
    done_on = models.DateField("处理日期", null=True, blank=True)
    done_by = models.ForeignKey(
        "accounts.User", models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["done_on", "-created_on"]

    def __str__(self):
        return self.text


# -- awards (长春) ---------------------------------------------------------------------------


class Campaign(models.Model):
    """A year's 评选 of one award in a community (004 §四.15).

    Nomination (by the community, or residents with their household's slip) → review → public
    vote (one per household) → 公示 → award; an award may carry a 以奖代补 amount (004 §四.14
    "年底给予适当资金奖励"), paid as a ``reward`` line.
    """

    class Status(models.TextChoices):
        NOMINATING = "nominating", "提名中"
        REVIEW = "review", "审核中"
        VOTING = "voting", "投票中"
        NOTICE = "notice", "公示中"
        AWARDED = "awarded", "已表彰"

    TRANSITIONS = {
        Status.NOMINATING: {Status.REVIEW},
        Status.REVIEW: {Status.VOTING},
        Status.VOTING: {Status.NOTICE, Status.AWARDED},
        Status.NOTICE: {Status.AWARDED},
        Status.AWARDED: set(),
    }

    community = models.ForeignKey("territory.Region", models.PROTECT, related_name="+")
    compound = models.ForeignKey(
        "territory.Region", models.PROTECT, null=True, blank=True, related_name="+"
    )
    year = models.PositiveSmallIntegerField("年度")
    award = models.CharField("表彰代码", max_length=40)
    title = models.CharField("表彰名称", max_length=40)
    places = models.PositiveSmallIntegerField("名额")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOMINATING)
    profile_name = models.CharField(max_length=40)
    profile_version = models.PositiveIntegerField()
    notice_start = models.DateField("公示开始", null=True, blank=True)
    notice_end = models.DateField("公示截止", null=True, blank=True)
    awarded_on = models.DateField("表彰日期", null=True, blank=True)
    created_by = models.ForeignKey("accounts.User", models.PROTECT, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "评选表彰"
        verbose_name_plural = "评选表彰"
        ordering = ["-year", "award"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "year", "award"], name="campaign_one_per_award_year"
            ),
        ]

    def __str__(self):
        return f"{self.community.name} {self.year} 年度“{self.title}”评选"

    def get_absolute_url(self):
        return reverse("payroll:campaign", args=[self.pk])

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, set())

    def profile(self):
        from loudong.policy.profile import profile_at

        return profile_at(self.profile_name, self.profile_version)


class Nomination(models.Model):
    class Status(models.TextChoices):
        NOMINATED = "nominated", "已提名"
        ACCEPTED = "accepted", "审核通过"
        REJECTED = "rejected", "未通过审核"

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="nominations")
    appointment = models.ForeignKey("roster.Appointment", models.PROTECT, related_name="+")
    person = models.ForeignKey("roster.Person", models.PROTECT, related_name="+")
    community = models.ForeignKey("territory.Region", models.PROTECT, related_name="+")
    compound = models.ForeignKey(
        "territory.Region", models.PROTECT, null=True, blank=True, related_name="+"
    )
    by_community = models.BooleanField("社区提名", default=False)
    resident_nominations = models.PositiveIntegerField("居民提名（户）", default=0)
    reason = models.CharField("推荐理由", max_length=300, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOMINATED)
    review_note = models.CharField("审核意见", max_length=300, blank=True)
    votes = models.PositiveIntegerField("得票（户）", default=0)
    awarded = models.BooleanField("获表彰", default=False)
    reward = models.DecimalField(
        "以奖代补金额（元）", max_digits=10, decimal_places=2, null=True, blank=True
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["campaign_id", "-votes", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "person"], name="nomination_once"),
        ]

    def __str__(self):
        return f"{self.campaign.title}：{self.person.name}"


class AwardToken(models.Model):
    """A household's slip for a campaign: one nomination and one vote; only *that*, never when."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="tokens")
    household = models.ForeignKey("territory.Household", models.CASCADE, related_name="+")
    slip_no = models.PositiveIntegerField()
    key_hash = models.CharField(max_length=64, unique=True)
    expires = models.DateTimeField()
    nominated = models.BooleanField(default=False)
    voted = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "household"], name="awardtoken_one_per_household"
            ),
        ]

    def __str__(self):
        return f"评选回执 {self.campaign_id}-{self.slip_no}"


class AwardVote(models.Model):
    """An anonymous vote: the nominee and the day, never the household."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="votes")
    nomination = models.ForeignKey(Nomination, models.CASCADE, related_name="vote_rows")
    day = models.DateField()

    def __str__(self):
        return f"投票 {self.pk}"
