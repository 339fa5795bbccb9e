"""The 评议细则 as arithmetic: pure Python, no Django (STYLE.md item 9).

Seed 000 §三.6: "楼栋长的评议等次根据楼栋长的工作态度、工作内容、居民的满意度等方面进行综合评议。
评议采取召开楼栋居民会议或问卷调查等方式结合进行。每年评议结果与楼栋长的工作补贴相挂钩，对当年
评议不满意的楼栋长，由社区居委会予以调整。"

Everything is on a 0–100 scale and rounded half up to one decimal:

- *工作态度* (``attitude``) is the community's score.
- *工作内容* (``work``) is proposed from the leader's records (:func:`propose_work`): each
  indicator of the rule is a percentage (visit coverage, 服务记录表 submitted per month due,
  incidents solved or passed up in time, service records against a monthly target); an indicator
  without data (no households, no months, no incidents) is left out and the others share its
  weight. The community may score it differently, with a reason (kept by the caller).
- *居民满意度* (``satisfaction``) combines the questionnaire and the 楼栋居民会议
  (:func:`satisfaction`): the questionnaire's score is the weighted mean over questions of each
  question's mean option score (options without a score, "没有反映过", are not counted); the
  meeting's is the share voting for, abstentions scored as the rule says (or not counted).
  ``weighted`` mixes the two by the rule's percentages when both exist (one alone counts alone);
  ``pooled`` weighs them by households (answers and votes counted together).

The total is Σ part × weight / 100 (weights sum to 100), the grade the first whose ``min_score``
the total reaches. Each step adds a sentence to the explanation the pages show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

ONE_DECIMAL = Decimal("0.1")
HUNDRED = Decimal(100)


def round1(value) -> Decimal:
    return Decimal(value).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def fmt(value: Decimal | None) -> str:
    """``85.0`` → ``85``, ``72.5`` → ``72.5``; None → ``—``."""
    if value is None:
        return "—"
    text = f"{round1(value):f}"
    return text[:-2] if text.endswith(".0") else text


# -- the rule (built from a policy profile by evaluation/rules.py) ---------------------------------


@dataclass(frozen=True)
class PartRule:
    code: str
    label: str
    weight: int


@dataclass(frozen=True)
class OptionRule:
    code: str
    label: str
    score: int | None


@dataclass(frozen=True)
class QuestionRule:
    code: str
    text: str
    weight: int
    options: tuple[OptionRule, ...]

    def option(self, code: str) -> OptionRule | None:
        return next((o for o in self.options if o.code == code), None)


@dataclass(frozen=True)
class GradeRule:
    code: str
    label: str
    min_score: int
    factor: Decimal
    adjust_leader: bool


@dataclass(frozen=True)
class Rule:
    parts: tuple[PartRule, ...]
    indicators: tuple[PartRule, ...]
    service_records_per_month: int
    combine: str  # weighted | pooled
    questionnaire_weight: int
    meeting_abstain_score: int | None
    questions: tuple[QuestionRule, ...]
    grades: tuple[GradeRule, ...]

    def weight(self, part: str) -> int:
        return next((p.weight for p in self.parts if p.code == part), 0)

    def label(self, part: str) -> str:
        return next((p.label for p in self.parts if p.code == part), part)

    def grade_for(self, score: Decimal) -> GradeRule:
        """The first grade (highest first) whose minimum the score reaches."""
        for grade in self.grades:
            if score >= grade.min_score:
                return grade
        return self.grades[-1]


# -- inputs -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """A leader's year in figures: the fields of ``fieldwork.figures.WorkFigures``."""

    households: int = 0
    households_visited: int = 0
    visits: int = 0
    service_records: int = 0
    incidents_reported: int = 0
    incidents_on_time: int = 0
    reports_due: int = 0
    reports_submitted: int = 0

    @classmethod
    def of(cls, other) -> Figures:
        """Copy any object with the same attributes (``WorkFigures``)."""
        return cls(**{name: int(getattr(other, name)) for name in cls.__dataclass_fields__})


@dataclass
class Tally:
    """Residents' answers: how many households answered, and option counts per question."""

    answers: int = 0
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, choices: dict[str, str], n: int = 1) -> None:
        """One household's answers (question code → option code), or ``n`` alike."""
        self.answers += n
        for question, option in choices.items():
            row = self.counts.setdefault(question, {})
            row[option] = row.get(option, 0) + n

    def add_counts(self, answers: int, counts: dict[str, dict[str, int]]) -> None:
        """A paper batch: ``answers`` forms and their option counts per question."""
        self.answers += answers
        for question, options in counts.items():
            row = self.counts.setdefault(question, {})
            for option, n in options.items():
                row[option] = row.get(option, 0) + n


@dataclass(frozen=True)
class MeetingTally:
    """A 楼栋居民会议's show of hands on the leader's work (sums when several were held)."""

    votes_for: int = 0
    votes_against: int = 0
    abstentions: int = 0
    households: int = 0
    attendance: int = 0

    @property
    def votes(self) -> int:
        return self.votes_for + self.votes_against + self.abstentions

    def __add__(self, other: MeetingTally) -> MeetingTally:
        return MeetingTally(
            self.votes_for + other.votes_for,
            self.votes_against + other.votes_against,
            self.abstentions + other.abstentions,
            self.households + other.households,
            self.attendance + other.attendance,
        )


# -- parts ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    score: Decimal | None
    lines: tuple[str, ...]


def _pct(part: int, whole: int) -> Decimal:
    return min(HUNDRED, HUNDRED * part / Decimal(whole))


def propose_work(figures: Figures, rule: Rule) -> Proposal:
    """工作内容 from the records: the weighted mean of the indicators that have data."""
    values: list[tuple[PartRule, Decimal, str]] = []
    for indicator in rule.indicators:
        if indicator.weight == 0:
            continue
        value = detail = None
        if indicator.code == "visit_coverage" and figures.households:
            value = _pct(figures.households_visited, figures.households)
            detail = f"走访 {figures.households_visited}/{figures.households} 户"
        elif indicator.code == "reports" and figures.reports_due:
            value = _pct(figures.reports_submitted, figures.reports_due)
            detail = f"报送 {figures.reports_submitted}/{figures.reports_due} 个月"
        elif indicator.code == "incidents_on_time" and figures.incidents_reported:
            value = _pct(figures.incidents_on_time, figures.incidents_reported)
            detail = f"及时 {figures.incidents_on_time}/{figures.incidents_reported} 件"
        elif indicator.code == "service_records" and figures.reports_due:
            target = rule.service_records_per_month * figures.reports_due
            value = _pct(figures.service_records, target)
            detail = f"服务记录 {figures.service_records} 条，满分标准 {target} 条"
        if value is not None:
            values.append((indicator, value, detail))
    if not values:
        return Proposal(None, ("没有可计算的工作记录，须由社区评分",))
    total_weight = sum(i.weight for i, _, _ in values)
    score = round1(sum(v * i.weight for i, v, _ in values) / total_weight)
    lines = tuple(f"{i.label} {fmt(v)}%（{d}，权重 {i.weight}）" for i, v, d in values)
    left_out = [i.label for i in rule.indicators if i.weight and i not in {v[0] for v in values}]
    if left_out:
        lines += ("无数据不计：" + "、".join(left_out),)
    return Proposal(score, lines)


def questionnaire_score(tally: Tally, rule: Rule) -> Decimal | None:
    """Σ_q weight × (mean option score of q) / Σ weight, over questions with scored answers."""
    total = weights = Decimal(0)
    for question in rule.questions:
        counts = tally.counts.get(question.code, {})
        scored = [
            (question.option(code).score, n)
            for code, n in counts.items()
            if n and question.option(code) is not None and question.option(code).score is not None
        ]
        n = sum(k for _, k in scored)
        if not n:
            continue
        mean = Decimal(sum(s * k for s, k in scored)) / n
        total += mean * question.weight
        weights += question.weight
    if not weights:
        return None
    return round1(total / weights)


def _meeting_counted(meeting: MeetingTally, rule: Rule) -> tuple[int, Decimal]:
    """(households counted, points) of a meeting tally: 赞成 100, 反对 0, 弃权 as the rule says."""
    counted = meeting.votes_for + meeting.votes_against
    points = Decimal(100 * meeting.votes_for)
    if rule.meeting_abstain_score is not None:
        counted += meeting.abstentions
        points += rule.meeting_abstain_score * meeting.abstentions
    return counted, points


def meeting_score(meeting: MeetingTally | None, rule: Rule) -> Decimal | None:
    if meeting is None:
        return None
    counted, points = _meeting_counted(meeting, rule)
    return round1(points / counted) if counted else None


@dataclass(frozen=True)
class Satisfaction:
    score: Decimal | None
    questionnaire: Decimal | None
    meeting: Decimal | None
    lines: tuple[str, ...]


def satisfaction(tally: Tally, meeting: MeetingTally | None, rule: Rule) -> Satisfaction:
    """居民满意度: the questionnaire and the meeting "结合进行" as the rule says."""
    q = questionnaire_score(tally, rule)
    m = meeting_score(meeting, rule)
    lines = []
    if q is not None:
        lines.append(f"问卷调查 {tally.answers} 户作答，得分 {fmt(q)}")
    if m is not None:
        abstain = (
            "弃权不计"
            if rule.meeting_abstain_score is None
            else f"弃权计 {rule.meeting_abstain_score} 分"
        )
        lines.append(
            f"楼栋居民会议 实到 {meeting.attendance}/{meeting.households} 户，赞成 {meeting.votes_for}、"
            f"反对 {meeting.votes_against}、弃权 {meeting.abstentions}（{abstain}），得分 {fmt(m)}"
        )
    if q is None and m is None:
        return Satisfaction(None, None, None, ("没有问卷答卷，也没有居民会议表决",))
    if q is None or m is None:
        score = q if m is None else m
        lines.append("只有一种方式的结果，按其计算")
    elif rule.combine == "pooled":
        n = tally.answers
        counted, points = _meeting_counted(meeting, rule)
        score = round1((q * n + points) / (n + counted)) if n + counted else None
        lines.append(f"按户数合并：问卷 {n} 户与会议 {counted} 户合计，得分 {fmt(score)}")
    else:
        w = rule.questionnaire_weight
        score = round1((q * w + m * (100 - w)) / HUNDRED)
        lines.append(f"按比例合并：问卷 {w}% + 居民会议 {100 - w}% = {fmt(score)}")
    return Satisfaction(score, q, m, tuple(lines))


# -- the whole evaluation -----------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    score: Decimal
    grade: GradeRule
    parts: dict[str, Decimal]
    explanation: tuple[str, ...]


class CannotScore(ValueError):
    """A part the rule weighs has no score yet; the message says which, in Chinese."""


def evaluate(
    *,
    attitude: int | Decimal | None,
    work: Decimal | None,
    work_note: str,
    residents: Satisfaction,
    rule: Rule,
    no_households: bool = False,
) -> Result:
    """Combine the three parts into a score and a grade, explaining each step.

    ``no_households``: the post serves no occupied household, so there is nobody to ask — the
    居民满意度 part is left out and the other parts share its weight (said in the explanation).
    """
    parts = {"attitude": attitude, "work": work, "satisfaction": residents.score}
    notes = {"attitude": "社区评定", "work": work_note, "satisfaction": "；".join(residents.lines)}
    skip = {"satisfaction"} if no_households and residents.score is None else set()
    missing = [
        rule.label(c) for c, v in parts.items() if v is None and rule.weight(c) and c not in skip
    ]
    if missing:
        raise CannotScore("尚未评定：" + "、".join(missing))
    weighed = [p for p in rule.parts if p.weight and p.code not in skip]
    share = sum(p.weight for p in weighed)
    total = Decimal(0)
    explanation = []
    scored: dict[str, Decimal] = {}
    for part in weighed:
        value = round1(parts[part.code])
        scored[part.code] = value
        weight = Decimal(part.weight) * 100 / share
        points = value * weight / HUNDRED
        total += points
        explanation.append(
            f"{part.label} {fmt(value)} 分 × {fmt(weight)}% = {fmt(points)}（{notes[part.code]}）"
        )
    if skip:
        explanation.append("该岗位范围内没有实际居住的住户，居民满意度不计，其余各项按权重比例折算")
    total = round1(total)
    grade = rule.grade_for(total)
    tail = f"合计 {fmt(total)} 分，评为“{grade.label}”（{grade.min_score} 分及以上），年终系数 {grade.factor}"
    if grade.adjust_leader:
        tail += "，由社区居委会予以调整"
    explanation.append(tail)
    return Result(total, grade, scored, tuple(explanation))
