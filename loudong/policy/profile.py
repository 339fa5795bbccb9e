"""The one reader of the rules in force: a typed view of a policy profile version.

Every other app asks here, and only here, what the rules are (STYLE.md item 17):

    from loudong.policy.profile import profile_for, profile_at

    profile = profile_for(community, on=today)   # the version in force there on that day
    profile.concurrency.max_grids                # 5 (seed 000 §三.1)
    profile_at(selection.profile_name, selection.profile_version)   # a pinned version

Which profile a place runs is its 街道's ``Region.policy_name``, else the deployment's
``settings.LOUDONG_POLICY``. Which *version* is in force on a day is the newest whose
``effective_from`` is on or before it (the first version before any). A record that lives
across an edit — a Selection, a Division, an Appointment, a payroll period, an evaluation
round — stores ``(profile_name, profile_version)`` when it starts and reads ``profile_at``
afterwards, so an edit never changes its steps or its money.

There are no defaults here: every value comes from the profile's JSON, which the schema
(``schema.json``) has checked before it was stored. A missing profile is an error, never a
silent fallback.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class ProfileMissing(ImproperlyConfigured):
    """No version of the named profile is stored (run ``loudong migrate`` / ``load_profiles``)."""


# -- sections -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Division:
    target: int
    lower: int
    upper: int
    count: str  # occupied_households | all_households
    cross_compound: str  # when_needed | never | allowed
    split_building: str
    split_unit_by_floor: str
    weight_by_structure: bool
    structure_weights: dict
    raw: dict  # the whole section, for the engine's own parameters

    @property
    def counts_occupied_only(self) -> bool:
        """Seed 000 §三.1: "按实际居民居住户数" — vacant homes are not counted."""
        return self.count == "occupied_households"

    def engine_dict(self, name: str) -> dict:
        """The engine's parameters (``grids.division.Policy.from_dict``).

        ``cross_compound: never`` is the engine's crossing penalties raised beyond any gain, so
        a compound below the band stays its own grid (and is explained in the report).
        """
        values = {**self.raw, "name": name}
        if self.cross_compound == "never":
            values["compound_cross_penalty"] = 1e9
            values["tiny_compound_cross_penalty"] = 1e9
            values["compound_cross_budget_pct"] = 0.0
        return values

    def in_band(self, households: int) -> bool:
        return self.lower <= households <= self.upper


@dataclass(frozen=True)
class Posts:
    building_leader_per: str  # grid | building
    grid_head: bool
    grid_head_from_committee: bool
    unit_leader: bool
    multi_staff: bool

    @property
    def grid_post_kind(self) -> str:
        """池阳: one 楼栋长 per grid (000 §三.1). 长春: one 网格长 per grid (004 §一.2)."""
        return "grid_head" if self.grid_head else "building_leader"


@dataclass(frozen=True)
class Concurrency:
    max_grids: int
    max_grids_is_hard: bool
    takeover_requires: tuple[str, ...]


@dataclass(frozen=True)
class Eligibility:
    max_age: int | None
    max_age_is_soft: bool
    must_live_in_building: bool
    conditions: tuple[str, ...]  # health, education: checks the seed names as conditions
    preferred_pools: tuple[str, ...]
    party_group_leader_must_be_leader: bool
    cross_appoint_party_branch: bool


@dataclass(frozen=True)
class Selection:
    steps: tuple[str, ...]
    channels: tuple[str, ...]
    min_turnout_pct: int | None

    @property
    def uses_filing(self) -> bool:
        """长春 (004 §一.2): no steps — a channel, then 报社区党组织备案."""
        return not self.steps


@dataclass(frozen=True)
class Filing:
    leaders: tuple[str, ...]
    to: str


# -- evaluation, subsidy, insurance, proration (evaluation and payroll apps) ------------------


@dataclass(frozen=True)
class Subsidy:
    """Seed 000 附件1 §四.2 "每月总额 300 元……其中 200 元按月发放，另 100 元……年终一次性发放";
    004 §四.14 "给予楼栋长、单元长一定通讯、误餐等工作补贴……以奖代补"."""

    per_grid_monthly: Decimal
    paid_monthly: Decimal
    year_end_accrued: Decimal
    per_concurrent_grid: bool
    allowances: dict[str, Decimal]
    allowance_post_kinds: tuple[str, ...]
    rewards_in_lieu: bool

    def allowances_for(self, post_kind: str) -> dict[str, Decimal]:
        """The monthly allowances a post of this kind is paid (code → yuan), non-zero only."""
        if post_kind not in self.allowance_post_kinds:
            return {}
        return {code: amount for code, amount in self.allowances.items() if amount > 0}


@dataclass(frozen=True)
class Grade:
    code: str
    label: str
    min_score: int
    factor: Decimal
    adjust_leader: bool


@dataclass(frozen=True)
class Award:
    code: str
    label: str
    post_kinds: tuple[str, ...]


@dataclass(frozen=True)
class Part:
    """One part of the 评议细则 (000 §三.6: 工作态度、工作内容、居民的满意度) and its weight in %."""

    code: str  # attitude | work | satisfaction
    label: str
    weight: int


@dataclass(frozen=True)
class Option:
    code: str
    label: str
    score: int | None  # None: "not applicable", not counted


@dataclass(frozen=True)
class Question:
    code: str
    text: str
    weight: int
    options: tuple[Option, ...]


@dataclass(frozen=True)
class Evaluation:
    methods: tuple[str, ...]
    post_kinds: tuple[str, ...]
    parts: tuple[Part, ...]
    work_indicators: tuple[Part, ...]
    service_records_per_month: int
    residents_combine: str  # weighted | pooled
    questionnaire_weight: int
    meeting_abstain_score: int | None
    questionnaire: tuple[Question, ...]
    grades: tuple[Grade, ...]
    leader_min_answers: int
    publish_grades: bool
    awards: tuple[Award, ...]
    notice_working_days: int
    raw: dict

    def grade(self, code: str) -> Grade:
        for grade in self.grades:
            if grade.code == code:
                return grade
        raise KeyError(code)

    def award(self, code: str) -> Award:
        for award in self.awards:
            if award.code == code:
                return award
        raise KeyError(code)

    def weight(self, part: str) -> int:
        return next((p.weight for p in self.parts if p.code == part), 0)

    @property
    def uses_questionnaire(self) -> bool:
        return "questionnaire" in self.methods

    @property
    def uses_meeting(self) -> bool:
        return "residents_meeting" in self.methods


@dataclass(frozen=True)
class Insurance:
    accident: bool
    protective_supplies: bool
    covered_post_kinds: tuple[str, ...]
    renewal_reminder_days: int

    def covers(self, post_kind: str) -> bool:
        """Seed 000 附件1 §四.3 (every 楼栋长); 004 §四.14 (all 三长, 网格长 included)."""
        return self.accident and post_kind in self.covered_post_kinds


@dataclass(frozen=True)
class Rotation:
    """Seed 004 §三.12 自愿轮值: "探索建立以户为单位轮流担任单元长工作机制……每月轮换一次".

    ``unit_leader_monthly``: the city runs the mechanism at all; ``pilot_default_on``: every unit
    may rotate without a community switching the pilot on (the seed says 探索: off by default);
    ``handover_required``: a month closes only once the incoming 单元长 confirms the handover.
    """

    unit_leader_monthly: bool
    handover_required: bool
    pilot_default_on: bool
    remind_days_before_turn: int
    handover_reminder_days: int


@dataclass(frozen=True)
class Training:
    """业务培训 (seed 000 §三.5 "由各社区居委会负责……业务培训"): who must attend, how often."""

    sessions_per_year: int
    post_kinds: tuple[str, ...]


@dataclass(frozen=True)
class Outsiders:
    """外来人员登记 (seed 004 §二.4 "疫情防控期间……做好登记和情况反馈"); kept no longer than
    ``retention_days`` after the person left or the registration ended (PIPL art. 19)."""

    registration: bool
    retention_days: int
    purge_warning_days: int


@dataclass(frozen=True)
class Meetings:
    """定期协商 (seed 004 §三.9: "由网格长牵头，定期组织楼栋长、单元长共同商议小区事务")."""

    frequency: str  # none | month | quarter | half_year — a grid's schedule may differ
    convener_kinds: tuple[str, ...]  # post kinds that convene a grid's meeting
    invitee_kinds: tuple[str, ...]  # post kinds invited by default


@dataclass(frozen=True)
class Ratings:
    """The 三长's voice (seed 004 §四.13: "测评服务活动成效、评价物业服务质量时，要充分听取“三长”意见")."""

    property_period: str  # none | month | quarter | half_year
    property_questions: tuple[Question, ...]
    activity_questions: tuple[Question, ...]
    rater_kinds: tuple[str, ...]


@dataclass(frozen=True)
class Proration:
    """How a month in post part-time is paid (PRODUCT.md: calendar days, to the fen, *default*).

    ``method``: calendar_days (days in post / days of the month), days_of_30 (days / 30, a whole
    month always full), whole_month (any day in post pays the month). ``rounding``: fen, jiao,
    yuan (half up).
    """

    method: str
    rounding: str


@dataclass(frozen=True)
class Duty:
    code: str
    label: str


@dataclass(frozen=True)
class Campaign:
    """The 优化整合 campaign of seed 000 §四.2 ("9 月 8 号前全面完成整合任务")."""

    title: str
    start: dt.date
    deadline: dt.date


@dataclass(frozen=True)
class Documents:
    agreement: str  # attachment1 | three_leaders | none

    @property
    def has_agreement(self) -> bool:
        return self.agreement != "none"


# -- field work (fieldwork app) ------------------------------------------------------------------

# The levels an incident can be held at, bottom to top (the ladder of a profile is a subset,
# in this order). Seed 004 §三.10: "逐级上报小区党支部和社区党组织".
LEVELS = ("unit_leader", "building_leader", "grid_head", "party_branch", "community", "subdistrict")
# Levels held by a volunteer post; the others by a body (its workers act for it).
LEADER_LEVELS = ("unit_leader", "building_leader", "grid_head")


@dataclass(frozen=True)
class IncidentCategorySpec:
    code: str
    label: str
    parent: str | None  # None for a top-level category


@dataclass(frozen=True)
class Fieldwork:
    """Visits, the 服务记录表 and incidents (seed 000 §三.5; seed 004 §二.4–8, §三.10)."""

    visit_period: str  # month | quarter | half_year | year
    visits_per_period: int
    not_visited_days: int
    priority_not_visited_days: int
    ladder: tuple[str, ...]
    urgent_levels: tuple[str, ...]
    time_limits: dict[str, int]
    category_time_limits: dict[str, dict[str, int]]
    urgent_working_days: int
    extension_max_working_days: int
    reopen_working_days: int
    rating_working_days: int
    duplicate_days: int
    tracking_link_days: int
    report_due_day: int
    categories: tuple[IncidentCategorySpec, ...]  # each top level followed by its children
    canned_replies: dict[str, tuple[str, ...]]

    def time_limit(self, level: str, category: str = "", parent: str = "") -> int:
        """Working days a level has: the category's override, else its parent's, else the level's."""
        for code in (category, parent):
            if code and level in self.category_time_limits.get(code, {}):
                return self.category_time_limits[code][level]
        return self.time_limits[level]

    def above(self, level: str) -> str | None:
        """The next level up the ladder, or None at the top."""
        i = self.ladder.index(level)
        return self.ladder[i + 1] if i + 1 < len(self.ladder) else None

    def below(self, level: str) -> str | None:
        i = self.ladder.index(level)
        return self.ladder[i - 1] if i > 0 else None

    @property
    def top(self) -> str:
        return self.ladder[-1]

    def category(self, code: str) -> IncidentCategorySpec | None:
        return next((c for c in self.categories if c.code == code), None)

    def replies_for(self, category: str, parent: str = "") -> tuple[str, ...]:
        return self.canned_replies.get(category) or self.canned_replies.get(parent, ())


def _questions(items) -> tuple[Question, ...]:
    """A short 三长 questionnaire (data); its questions are unweighted (the mean of the answers)."""
    return tuple(
        Question(
            q["code"],
            q["text"],
            1,
            tuple(Option(o["code"], o["label"], o["score"]) for o in q["options"]),
        )
        for q in items
    )


def _money(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


# -- the profile ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """One stored version of a city's profile, read through typed sections.

    ``data`` is the JSON as stored; sections are parsed on first use. Frozen: a version is
    never edited (``policy.models.PolicyProfile.save``).
    """

    name: str
    version: int
    title: str
    effective_from: dt.date
    data: dict

    def __hash__(self):
        return hash((self.name, self.version))

    def __eq__(self, other):
        return isinstance(other, Profile) and (self.name, self.version) == (
            other.name,
            other.version,
        )

    def _section(self, key: str) -> dict:
        return self.data[key]

    @cached_property
    def division(self) -> Division:
        d = self._section("division")
        return Division(
            target=d["target"],
            lower=d["lower"],
            upper=d["upper"],
            count=d["count"],
            cross_compound=d["cross_compound"],
            split_building=d["split_building"],
            split_unit_by_floor=d["split_unit_by_floor"],
            weight_by_structure=d["weight_by_structure"],
            structure_weights=dict(d["structure_weights"]),
            raw=dict(d),
        )

    @cached_property
    def grid_object_code(self) -> str:
        """CJ/T 349 digits 1–6, the 管理或服务对象代码 (CJ/T 348)."""
        return self._section("grid_code")["object_code"]

    @cached_property
    def posts(self) -> Posts:
        return Posts(**self._section("posts"))

    @cached_property
    def concurrency(self) -> Concurrency:
        d = self._section("concurrency")
        return Concurrency(
            max_grids=d["max_grids"],
            max_grids_is_hard=d["max_grids_is_hard"],
            takeover_requires=tuple(d["takeover_requires"]),
        )

    @cached_property
    def eligibility(self) -> Eligibility:
        d = self._section("eligibility")
        return Eligibility(
            max_age=d["max_age"],
            max_age_is_soft=d["max_age_is_soft"],
            must_live_in_building=d["must_live_in_building"],
            conditions=tuple(d["conditions"]),
            preferred_pools=tuple(d["preferred_pools"]),
            party_group_leader_must_be_leader=d["party_group_leader_must_be_leader"],
            cross_appoint_party_branch=d["cross_appoint_party_branch"],
        )

    @cached_property
    def selection(self) -> Selection:
        d = self._section("selection")
        return Selection(
            steps=tuple(d["steps"]),
            channels=tuple(d["channels"]),
            min_turnout_pct=d["min_turnout_pct"],
        )

    @cached_property
    def notice_working_days(self) -> int:
        """公示期 in working days (PRODUCT.md: 5 working days, *default*); 0: no 公示."""
        return self._section("public_notice")["working_days"]

    @cached_property
    def filing(self) -> Filing:
        d = self._section("filing")
        return Filing(leaders=tuple(d["leaders"]), to=d["to"])

    # -- evaluation, subsidy, insurance (evaluation and payroll apps) --

    @cached_property
    def subsidy(self) -> Subsidy:
        d = self._section("subsidy")
        return Subsidy(
            per_grid_monthly=_money(d["per_grid_monthly"]),
            paid_monthly=_money(d["paid_monthly"]),
            year_end_accrued=_money(d["year_end_accrued"]),
            per_concurrent_grid=d["per_concurrent_grid"],
            allowances={k: _money(v) for k, v in d["allowances"].items()},
            allowance_post_kinds=tuple(d["allowance_post_kinds"]),
            rewards_in_lieu=d["rewards_in_lieu"],
        )

    @cached_property
    def evaluation(self) -> Evaluation:
        d = self._section("evaluation")
        return Evaluation(
            methods=tuple(d["methods"]),
            post_kinds=tuple(d["post_kinds"]),
            parts=tuple(Part(p["code"], p["label"], p["weight"]) for p in d["parts"]),
            work_indicators=tuple(
                Part(p["code"], p["label"], p["weight"]) for p in d["work_indicators"]
            ),
            service_records_per_month=d["service_records_per_month"],
            residents_combine=d["residents_combine"],
            questionnaire_weight=d["questionnaire_weight"],
            meeting_abstain_score=d["meeting_abstain_score"],
            questionnaire=tuple(
                Question(
                    q["code"],
                    q["text"],
                    q["weight"],
                    tuple(Option(o["code"], o["label"], o["score"]) for o in q["options"]),
                )
                for q in d["questionnaire"]
            ),
            grades=tuple(
                Grade(
                    g["code"], g["label"], g["min_score"], Decimal(g["factor"]), g["adjust_leader"]
                )
                for g in d["grades"]
            ),
            leader_min_answers=d["leader_min_answers"],
            publish_grades=d["publish_grades"],
            awards=tuple(Award(a["code"], a["label"], tuple(a["post_kinds"])) for a in d["awards"]),
            notice_working_days=d["notice_working_days"],
            raw=dict(d),
        )

    @cached_property
    def insurance(self) -> Insurance:
        d = self._section("insurance")
        return Insurance(
            accident=d["accident"],
            protective_supplies=d["protective_supplies"],
            covered_post_kinds=tuple(d["covered_post_kinds"]),
            renewal_reminder_days=d["renewal_reminder_days"],
        )

    @cached_property
    def rotation(self) -> Rotation:
        return Rotation(**self._section("rotation"))

    @cached_property
    def meetings(self) -> Meetings:
        d = self._section("meetings")
        return Meetings(
            frequency=d["frequency"],
            convener_kinds=tuple(d["convener_kinds"]),
            invitee_kinds=tuple(d["invitee_kinds"]),
        )

    @cached_property
    def ratings(self) -> Ratings:
        d = self._section("ratings")
        return Ratings(
            property_period=d["property_period"],
            property_questions=_questions(d["property_questions"]),
            activity_questions=_questions(d["activity_questions"]),
            rater_kinds=tuple(d["rater_kinds"]),
        )

    @cached_property
    def training(self) -> Training:
        d = self._section("training")
        return Training(sessions_per_year=d["sessions_per_year"], post_kinds=tuple(d["post_kinds"]))

    @cached_property
    def outsiders(self) -> Outsiders:
        return Outsiders(**self._section("outsiders"))

    @cached_property
    def proration(self) -> Proration:
        return Proration(**self._section("proration"))

    @cached_property
    def duties(self) -> tuple[Duty, ...]:
        """The leaders' duties: 000 §三.4's five roles, or 004 §二's five duties."""
        return tuple(Duty(d["code"], d["label"]) for d in self._section("duties")["items"])

    @cached_property
    def campaign(self) -> Campaign | None:
        d = self.data["campaign"]
        if d is None:
            return None
        return Campaign(title=d["title"], start=_date(d["start"]), deadline=_date(d["deadline"]))

    @cached_property
    def documents(self) -> Documents:
        return Documents(**self._section("documents"))

    @cached_property
    def fieldwork(self) -> Fieldwork:
        d = self._section("fieldwork")
        categories = []
        for top in d["categories"]:
            categories.append(IncidentCategorySpec(top["code"], top["label"], None))
            categories += [
                IncidentCategorySpec(c["code"], c["label"], top["code"]) for c in top["children"]
            ]
        return Fieldwork(
            visit_period=d["visit_period"],
            visits_per_period=d["visits_per_period"],
            not_visited_days=d["not_visited_days"],
            priority_not_visited_days=d["priority_not_visited_days"],
            ladder=tuple(d["ladder"]),
            urgent_levels=tuple(d["urgent_levels"]),
            time_limits=dict(d["time_limits"]),
            category_time_limits={k: dict(v) for k, v in d["category_time_limits"].items()},
            urgent_working_days=d["urgent_working_days"],
            extension_max_working_days=d["extension_max_working_days"],
            reopen_working_days=d["reopen_working_days"],
            rating_working_days=d["rating_working_days"],
            duplicate_days=d["duplicate_days"],
            tracking_link_days=d["tracking_link_days"],
            report_due_day=d["report_due_day"],
            categories=tuple(categories),
            canned_replies={k: tuple(v) for k, v in d["canned_replies"].items()},
        )

    def source(self, dotted: str) -> str:
        """The seed sentence a parameter comes from, for docstrings and pages."""
        return self.data.get("sources", {}).get(dotted, "")


# -- lookup ---------------------------------------------------------------------------------------

# Within one read-only request (``policy.middleware.ProfileMemoMiddleware``) the same lookups
# repeat — a workbench asks for a community's profile a dozen times — so they are answered once.
# Only there: a request that writes may publish a version and must read it back.
_memo: contextvars.ContextVar[dict | None] = contextvars.ContextVar("profile_memo", default=None)


@contextmanager
def memoised():
    """Answer repeated profile lookups from memory until the block ends."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def _remember(key, compute):
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def deployment_profile_name() -> str:
    """The profile a 街道 runs when its ``policy_name`` is blank (``LOUDONG_POLICY``)."""
    return settings.LOUDONG_POLICY


def profile_name_for(where) -> str:
    """The profile name of the 街道 that ``where`` lies in.

    ``where``: a territory ``Region`` of any level, an object with a ``community`` (or
    ``community_id``), or None (the deployment's profile). Costs at most one query.
    """
    region = _region_of(where)
    if region is None:
        return deployment_profile_name()
    return _remember(("name", region.path), lambda: _name_of(region))


def _name_of(region) -> str:
    subdistrict = _subdistrict(region)
    name = getattr(subdistrict, "policy_name", "") if subdistrict is not None else ""
    return name or deployment_profile_name()


def _region_of(where):
    if where is None:
        return None
    if hasattr(where, "path") and hasattr(where, "level"):
        return where
    community = getattr(where, "community", None)
    if community is not None:
        return community
    return None


def _subdistrict(region):
    """The 街道 on or above ``region``, found by its materialised path (one query at most)."""
    if region.level == "subdistrict":
        return region
    if region.level == "district":
        return None
    ids = [int(i) for i in region.path.strip("/").split("/") if i]
    model = type(region)
    return model.objects.filter(pk__in=ids, level="subdistrict").first()


def _row_to_profile(row) -> Profile:
    return Profile(
        name=row.name,
        version=row.version,
        title=row.title,
        effective_from=row.effective_from,
        data=row.data,
    )


def profile_for(where=None, *, on: dt.date | None = None) -> Profile:
    """The version of ``where``'s profile in force on ``on`` (default: today).

    The newest version whose ``effective_from`` is on or before ``on``; for a day before the
    first version's, the first version. Raises :class:`ProfileMissing` when none is stored.
    """
    from django.utils import timezone

    name = profile_name_for(where)
    on = on or timezone.localdate()
    return _remember(("on", name, on), lambda: _in_force(name, on))


def _in_force(name: str, on: dt.date) -> Profile:
    from loudong.policy.models import PolicyProfile

    rows = PolicyProfile.objects.filter(name=name)
    row = (
        rows.filter(effective_from__lte=on).order_by("-effective_from", "-version").first()
        or rows.order_by("version").first()
    )
    if row is None:
        raise ProfileMissing(f"没有政策方案“{name}”：请先运行 loudong migrate 或 load_profiles")
    return _row_to_profile(row)


def profile_at(name: str, version: int) -> Profile:
    """A pinned version, for records that started under it."""
    return _remember(("at", name, version), lambda: _pinned(name, version))


def _pinned(name: str, version: int) -> Profile:
    from loudong.policy.models import PolicyProfile

    row = PolicyProfile.objects.filter(name=name, version=version).first()
    if row is None:
        raise ProfileMissing(f"政策方案“{name}”没有第 {version} 版")
    return _row_to_profile(row)
