"""Eligibility of a person for a post: pure functions, no queries.

Seed 000 §三.2 (楼栋长选配条件): "政治可靠、遵纪守法、熟悉民情、热心公益、办事公道、身体健康、
年龄原则上不超过 65 周岁、有一定文化程度的人员担任。注重从党员、机关、企事业单位、社区退休人员、
物业管理人员和热心公益的居民中推选". Seed 000 §三.1: "兼任楼栋网格最多不能超过 5 个".

A *hard* finding blocks the appointment. A *soft* one ("原则上") lets it proceed only with a
written reason (``override_reason``) from the approver.
"""

import datetime as dt
from dataclasses import asdict, dataclass

HARD = "hard"
SOFT = "soft"


@dataclass(frozen=True)
class Finding:
    rule: str
    level: str
    message: str

    def as_dict(self) -> dict:
        return asdict(self)


def check(
    person,
    profile,
    *,
    held_posts: int,
    on: dt.date,
    kind: str = "building_leader",
    health_noted: bool | None = None,
) -> list[Finding]:
    """Findings for ``person`` taking one more post of ``kind`` on ``on``.

    ``held_posts`` is how many posts of that kind the person holds now (current appointments);
    ``profile`` is a :class:`loudong.roster.policy.Profile`. ``health_noted`` defaults to
    whether the person's (sealed) health note is filled in; its content is never shown.
    """
    findings = []
    findings += concurrency(held_posts, profile.max_grids, kind)
    findings += age(person, profile.max_age, on)
    if health_noted is None:
        health_noted = bool(getattr(person, "health_note", ""))
    if health_noted:
        findings.append(
            Finding("health", SOFT, "身体健康状况有备注，需核实是否适合担任（“身体健康”）")
        )
    if person.education in ("", "primary"):
        findings.append(Finding("education", SOFT, "文化程度未填写或偏低（“有一定文化程度”）"))
    pools = profile.preferred_pools
    if (
        pools
        and person.pool not in pools
        and not ("party_member" in pools and person.is_party_member)
    ):
        findings.append(
            Finding(
                "pool",
                SOFT,
                "不属于优先推选的人员来源（党员、机关、企事业单位、"
                "社区退休人员、物业管理人员、热心公益居民等）",
            )
        )
    return findings


def concurrency(held_posts: int, max_grids: int, kind: str = "building_leader") -> list[Finding]:
    """Hard: one more post would exceed ``max_grids`` (seed 000: "兼任楼栋网格最多不能超过 5 个")."""
    if held_posts + 1 > max_grids:
        return [
            Finding(
                "concurrency",
                HARD,
                f"已担任 {held_posts} 个岗位，再任一个将超过兼任上限 {max_grids} 个",
            )
        ]
    return []


def age(person, max_age: int | None, on: dt.date) -> list[Finding]:
    """Soft: "年龄原则上不超过 65 周岁"."""
    years = person.age_on(on)
    if max_age and years is not None and years > max_age:
        return [
            Finding("age", SOFT, f"年龄 {years} 周岁，原则上不超过 {max_age} 周岁，需书面说明理由")
        ]
    if years is None:
        return [Finding("age_unknown", SOFT, "出生日期未填写，无法核对年龄条件")] if max_age else []
    return []


def hard(findings) -> list:
    return [f for f in findings if _level(f) == HARD]


def soft(findings) -> list:
    return [f for f in findings if _level(f) == SOFT]


def _level(finding) -> str:
    return finding["level"] if isinstance(finding, dict) else finding.level
