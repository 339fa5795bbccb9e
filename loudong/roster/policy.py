"""The roster's view of the deployment's policy profile, and working days for 公示.

Reads ``loudong.policy.models.PolicyProfile.current(name)`` (``.name``, ``.version``, ``.data``)
when the policy app provides it; else the JSON file ``loudong/policy/profiles/<name>.json``;
else the built-in numbers of PRODUCT.md's table (version ``None``). Working days come from
``loudong.policy.workdays.add_working_days`` (chinese-calendar + admin entries); without it,
weekends only, with a warning — never an exception.
"""

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

# Chiyang (seed 000 §三.3): "按照个人自荐、居民推选、社区推荐、社区党组织审查、街道党工委审批、楼栋公示的程序进行".
CHIYANG_STEPS = [
    "self_nomination",
    "resident_nomination",
    "community_recommendation",
    "party_review",
    "subdistrict_approval",
    "public_notice",
]
# 注重从党员、机关、企事业单位、社区退休人员、物业管理人员和热心公益的居民中推选 (seed 000 §三.2).
CHIYANG_POOLS = ["party_member", "civil_servant", "enterprise", "retired", "property", "volunteer"]
# 老党员、老干部、老教师以及退转军人、在职党员、志愿者 (seed 004 §一.2).
CHANGCHUN_POOLS = ["party_member", "civil_servant", "teacher", "veteran", "volunteer"]

DEFAULTS = {
    "chiyang": {
        "concurrency": {"max_grids": 5},
        "eligibility": {
            "max_age": 65,
            "preferred_pools": CHIYANG_POOLS,
            "party_group_leader_must_be_leader": True,
        },
        "selection": {"steps": CHIYANG_STEPS},
        "public_notice": {"working_days": 5},
    },
    "changchun": {
        "concurrency": {"max_grids": 1},
        "eligibility": {
            "max_age": None,
            "preferred_pools": CHANGCHUN_POOLS,
            "party_group_leader_must_be_leader": False,
        },
        # Seed 004 §一.2: "按照组织推荐、居民推选或个人自荐的方式确定…并报社区党组织备案".
        "selection": {"channels": ["organization", "residents", "self"], "filing": True},
        "public_notice": {"working_days": 0},
    },
}


@dataclass(frozen=True)
class Profile:
    name: str
    version: int | None
    data: dict = field(default_factory=dict)

    def get(self, section: str, key: str, default=None):
        value = (self.data.get(section) or {}).get(key, default)
        return default if value is None and default is not None else value

    @property
    def max_grids(self) -> int:
        return int(self.get("concurrency", "max_grids", 1))

    @property
    def max_age(self) -> int | None:
        value = (self.data.get("eligibility") or {}).get("max_age")
        return int(value) if value else None

    @property
    def preferred_pools(self) -> list[str]:
        return list(self.get("eligibility", "preferred_pools", []) or [])

    @property
    def party_group_leader_must_be_leader(self) -> bool:
        return bool(self.get("eligibility", "party_group_leader_must_be_leader", False))

    @property
    def steps(self) -> list[str]:
        """The workflow steps in order (chiyang), or [] for a channels + filing profile."""
        return list((self.data.get("selection") or {}).get("steps") or [])

    @property
    def uses_filing(self) -> bool:
        return not self.steps

    @property
    def notice_working_days(self) -> int:
        return int(self.get("public_notice", "working_days", 5) or 0)


def profile_name() -> str:
    return getattr(settings, "LOUDONG_POLICY", "chiyang") or "chiyang"


def current_profile(name: str | None = None) -> Profile:
    """The profile in force for ``name`` (default: settings.LOUDONG_POLICY)."""
    name = name or profile_name()
    try:
        from loudong.policy.models import PolicyProfile

        row = PolicyProfile.current(name)
        if row is not None and isinstance(getattr(row, "data", None), dict):
            return Profile(name=name, version=row.version, data=row.data)
    except Exception:
        pass
    path = Path(__file__).resolve().parent.parent / "policy" / "profiles" / f"{name}.json"
    if path.exists():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return Profile(name=name, version=data.get("version"), data=data)
        except (OSError, ValueError):
            pass
    return Profile(name=name, version=None, data=DEFAULTS.get(name, DEFAULTS["chiyang"]))


def add_working_days(start: dt.date, n: int) -> tuple[dt.date, list[str]]:
    """``start`` plus ``n`` working days, and the calendar's warnings."""
    try:
        from loudong.policy.workdays import add_working_days as policy_add
    except ImportError:
        policy_add = None
    if policy_add is not None:
        day, warnings = policy_add(start, n)
        return day, list(warnings or [])
    day, count = start, 0
    while count < n:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            count += 1
    return day, ["工作日日历尚未配置：仅按周末计算，请核对节假日"]


def notice_period(start: dt.date, profile: Profile) -> tuple[dt.date, list[str]]:
    """The last day of 公示 starting on ``start``: the start day counts as the first working day.

    "5 个工作日" of 公示 beginning on a working day ends on the 5th working day including it;
    a start on a holiday ends on the 5th working day after it.
    """
    n = profile.notice_working_days
    try:
        from loudong.policy.workdays import is_working_day
    except ImportError:
        is_working_day = None
    if is_working_day is not None:
        working, warnings = is_working_day(start)
        warnings = list(warnings or [])
    else:
        working, warnings = start.weekday() < 5, []
    end, more = add_working_days(start, n - 1 if working and n else n)
    return end, _dedupe(warnings + more)


def _dedupe(items):
    seen = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen
