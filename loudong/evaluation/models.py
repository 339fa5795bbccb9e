"""The yearly evaluation (评议): rounds, evaluations, the residents' questionnaire and tallies.

Seed 000 §三.6: "楼栋长的具体评议细则由街道参照《贵池区城市社区楼栋长工作评议指导意见》制定组织实施。
楼栋长的评议等次根据楼栋长的工作态度、工作内容、居民的满意度等方面进行综合评议。评议采取召开楼栋
居民会议或问卷调查等方式结合进行。" 附件1 §四.1: "甲方……组织居民对楼栋长工作进行评议".

A *round* is one community's evaluation of one year, under the profile version in force when it
opened (its questions are copied in, so a later edit of the profile changes nothing of it). An
*evaluation* is one appointment (one person in one post — a leader of three grids has three)
for that year. Residents answer through one token per occupied household of the post's area;
an :class:`Answer` names neither the token nor the household and keeps only the day (LimeSurvey's
anonymised mode), and a token keeps only *that* it was used, never when.
"""

import secrets

from django.db import models
from django.urls import reverse

from loudong.territory.models import ScopedQuerySet


def new_key() -> str:
    """Unguessable, URL-safe (24 characters, 144 bits)."""
    return secrets.token_urlsafe(18)


class Round(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "进行中"
        CLOSED = "closed", "已结束"

    community = models.ForeignKey("territory.Region", models.PROTECT, related_name="+")
    compound = models.ForeignKey(
        "territory.Region", models.PROTECT, null=True, blank=True, related_name="+"
    )
    year = models.PositiveSmallIntegerField("评议年度")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    profile_name = models.CharField("政策方案", max_length=40)
    profile_version = models.PositiveIntegerField("方案版本")
    # The notice board's QR code opens the round's explanation (never a token): how to answer.
    public_key = models.CharField(max_length=40, unique=True, default=new_key, editable=False)
    opened_by = models.ForeignKey("accounts.User", models.PROTECT, related_name="+")
    opened_on = models.DateField("开始日期")
    closed_by = models.ForeignKey(
        "accounts.User", models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_on = models.DateField("结束日期", null=True, blank=True)
    # 公示 of the grades, when the profile asks for it (evaluation.publish_grades).
    notice_start = models.DateField("公示开始", null=True, blank=True)
    notice_end = models.DateField("公示截止", null=True, blank=True)
    notice_warnings = models.JSONField("日历提示", default=list, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "评议"
        verbose_name_plural = "评议"
        ordering = ["-year", "community_id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "year"], name="round_one_per_year"),
        ]

    def __str__(self):
        return f"{self.community.name} {self.year} 年度楼栋长评议"

    def get_absolute_url(self):
        return reverse("evaluation:round", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def profile(self):
        """The pinned version: a later edit never changes this round's rules."""
        from loudong.policy.profile import profile_at

        return profile_at(self.profile_name, self.profile_version)

    def notice_over(self, today) -> bool:
        """True when no 公示 was due, or today is past its last day."""
        return self.notice_end is None or today > self.notice_end


class Question(models.Model):
    """One question of the round's questionnaire, copied from the profile when it opened."""

    round = models.ForeignKey(Round, models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=40)
    text = models.CharField("题目", max_length=100)
    weight = models.PositiveSmallIntegerField("权重")
    # [{"code", "label", "score"}]; a null score ("没有反映过") is not counted.
    options = models.JSONField("选项")

    class Meta:
        ordering = ["round_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["round", "code"], name="question_unique_code"),
        ]

    def __str__(self):
        return self.text

    def option_codes(self) -> list[str]:
        return [o["code"] for o in self.options]


class Evaluation(models.Model):
    """One appointment's evaluation for the round's year.

    工作态度 is scored by the community; 工作内容 is proposed from the records
    (``fieldwork.figures.work_figures``) and may be scored differently with a reason; 居民满意度
    comes from the answers, the paper tallies and the linked 楼栋居民会议. The result (score, grade,
    factor, explanation) is written once, when it closes, and never rewritten.
    """

    class Status(models.TextChoices):
        OPEN = "open", "评议中"
        CLOSED = "closed", "已评定"

    round = models.ForeignKey(Round, models.PROTECT, related_name="evaluations")
    community = models.ForeignKey("territory.Region", models.PROTECT, related_name="+")
    compound = models.ForeignKey(
        "territory.Region", models.PROTECT, null=True, blank=True, related_name="+"
    )
    appointment = models.ForeignKey(
        "roster.Appointment", models.PROTECT, related_name="evaluations"
    )
    person = models.ForeignKey("roster.Person", models.PROTECT, related_name="evaluations")
    post = models.ForeignKey("roster.Post", models.PROTECT, related_name="evaluations")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    attitude_score = models.PositiveSmallIntegerField("工作态度得分", null=True, blank=True)
    attitude_note = models.CharField("工作态度说明", max_length=300, blank=True)
    # None: the proposal from the records stands; else the community's score, with its reason.
    work_score = models.DecimalField(
        "工作内容得分（社区评定）", max_digits=4, decimal_places=1, null=True, blank=True
    )
    work_reason = models.CharField("工作内容调整理由", max_length=300, blank=True)
    # Written when the evaluation closes:
    figures = models.JSONField("工作记录", default=dict, blank=True)
    work_proposed = models.DecimalField(
        "工作内容建议分", max_digits=4, decimal_places=1, null=True, blank=True
    )
    answers = models.PositiveIntegerField("答卷（户）", default=0)
    score = models.DecimalField("总分", max_digits=4, decimal_places=1, null=True, blank=True)
    parts = models.JSONField("各项得分", default=dict, blank=True)
    grade = models.CharField("等次代码", max_length=40, blank=True)
    grade_label = models.CharField("评议等次", max_length=20, blank=True)
    factor = models.DecimalField("年终系数", max_digits=3, decimal_places=2, null=True, blank=True)
    adjust = models.BooleanField("予以调整", default=False)
    explanation = models.JSONField("评定说明", default=list, blank=True)
    closed_on = models.DateField("评定日期", null=True, blank=True)
    # 不满意 → the community adjusts the leader (000 §三.6 "由社区居委会予以调整").
    adjusted_on = models.DateField("调整日期", null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "楼栋长评议"
        verbose_name_plural = "楼栋长评议"
        ordering = ["round_id", "post__grid_code", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "appointment"], name="evaluation_one_per_appointment"
            ),
        ]

    def __str__(self):
        return f"{self.round.year} 年度 {self.person.name}（{self.post.title}）"

    def get_absolute_url(self):
        return reverse("evaluation:evaluation", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def needs_adjustment(self) -> bool:
        return self.adjust and self.adjusted_on is None


class MeetingLink(models.Model):
    """A 楼栋居民会议 question (``territory.ResidentsMeetingQuestion``) counted for an evaluation.

    The meeting itself is recorded by ``territory.actions.record_residents_meeting``; several
    meetings (one per building of a grid) may count for one evaluation, a question for only one.
    """

    evaluation = models.ForeignKey(Evaluation, models.CASCADE, related_name="meeting_links")
    question = models.OneToOneField(
        "territory.ResidentsMeetingQuestion",
        models.PROTECT,
        related_name="evaluation_link",
        verbose_name="居民会议表决",
    )
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return str(self.question)


class SurveyToken(models.Model):
    """One slip per occupied household of the post's area (one answer per household).

    Only the key's hash is stored; the slip number is printed on the slip so that a returned
    paper form can be checked off. ``used`` has no time on purpose: answers cannot be matched
    to households by when they came in.
    """

    evaluation = models.ForeignKey(Evaluation, models.CASCADE, related_name="tokens")
    household = models.ForeignKey("territory.Household", models.CASCADE, related_name="+")
    slip_no = models.PositiveIntegerField("回执编号")
    key_hash = models.CharField(max_length=64, unique=True)
    expires = models.DateTimeField()
    used = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "household"], name="surveytoken_one_per_household"
            ),
            models.UniqueConstraint(fields=["evaluation", "slip_no"], name="surveytoken_slip_no"),
        ]

    def __str__(self):
        return f"评议回执 {self.evaluation_id}-{self.slip_no}"


class Answer(models.Model):
    """One household's answers, anonymous: no token, no household, no time finer than the day."""

    evaluation = models.ForeignKey(Evaluation, models.CASCADE, related_name="answer_rows")
    day = models.DateField()
    # {question code: option code}
    choices = models.JSONField()

    class Meta:
        indexes = [models.Index(fields=["evaluation"], name="answer_evaluation")]

    def __str__(self):
        return f"答卷 {self.pk}"


class PaperBatch(models.Model):
    """Paper questionnaires entered by a worker as tallies (the slips they came on are spent)."""

    evaluation = models.ForeignKey(Evaluation, models.CASCADE, related_name="paper_batches")
    forms = models.PositiveIntegerField("纸质问卷份数")
    # {question code: {option code: count}}
    counts = models.JSONField("各题选项份数")
    entered_by = models.ForeignKey("accounts.User", models.PROTECT, related_name="+")
    entered_on = models.DateField("录入日期")

    def __str__(self):
        return f"纸质问卷 {self.forms} 份"


class Notice(models.Model):
    """A message for a leader: shown on their evaluation page, and printed as a written notice.

    Minimal and local on purpose (the field-work notifications outbox is being built elsewhere).
    """

    class Kind(models.TextChoices):
        ADJUSTMENT = "adjustment", "评议后调整"
        RESULT = "result", "评议结果"

    person = models.ForeignKey("roster.Person", models.CASCADE, related_name="evaluation_notices")
    community = models.ForeignKey("territory.Region", models.PROTECT, related_name="+")
    compound = models.ForeignKey(
        "territory.Region", models.PROTECT, null=True, blank=True, related_name="+"
    )
    evaluation = models.ForeignKey(
        Evaluation, models.CASCADE, null=True, blank=True, related_name="notices"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.TextField("内容")
    created = models.DateTimeField(auto_now_add=True)
    read_on = models.DateField("已读", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["person"], name="notice_person")]

    def __str__(self):
        return self.text[:40]
