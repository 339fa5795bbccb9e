"""Eligibility of a person for a post: pure functions over the profile, no queries.

Every rule comes from the profile (``policy.profile.Eligibility``, ``Concurrency``, ``Posts``):

- 池阳 (seed 000 §三.2, 楼栋长选配条件): "政治可靠、遵纪守法、熟悉民情、热心公益、办事公道、
  身体健康、年龄原则上不超过 65 周岁、有一定文化程度的人员担任。注重从党员、机关、企事业单位、
  社区退休人员、物业管理人员和热心公益的居民中推选". §三.1: "兼任楼栋网格最多不能超过 5 个".
- 长春 (seed 004 §一.2): "由老党员、老干部、老教师以及退转军人、在职党员、志愿者等有热情、有意愿、
  有能力的居民担任" — no education, health or age condition; 网格长 "一般由“两委”成员兼任，
  “两委”成员不足的可由其他社区工作者担任".

A *hard* finding blocks the appointment. A *soft* one lets it proceed only with a written
reason (``override_reason``). An *info* finding is shown to the reviewer and blocks nothing:
the preferred pools are "注重从…推选", a preference, not a gate.
"""

import datetime as dt
from dataclasses import asdict, dataclass

HARD = "hard"
SOFT = "soft"
INFO = "info"


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
    lives_in_area: bool | None = None,
    pool_labels: dict[str, str] | None = None,
) -> list[Finding]:
    """Findings for ``person`` taking one more post of ``kind`` on ``on``.

    ``held_posts``: posts of that kind the person holds now. ``lives_in_area``: whether the
    person's registry household is in the post's area (None: unknown), read only when the
    profile asks for residents of the building. ``pool_labels``: the Chinese names of pools.
    """
    rules = profile.eligibility
    findings = []
    findings += concurrency(held_posts, profile.concurrency, kind)
    findings += age(person, rules, on)
    if "health" in rules.conditions and getattr(person, "health_note", ""):
        findings.append(
            Finding("health", SOFT, "身体健康状况有备注，需核实是否适合担任（“身体健康”）")
        )
    if "education" in rules.conditions and person.education in ("", "primary"):
        findings.append(Finding("education", SOFT, "文化程度未填写或偏低（“有一定文化程度”）"))
    if rules.must_live_in_building and lives_in_area is not True:
        findings.append(Finding("residence", HARD, "须为本楼栋（网格）居民：未在台账中找到其住址"))
    if kind == "grid_head" and profile.posts.grid_head_from_committee:
        findings += grid_head(person)
    findings += pools(person, rules.preferred_pools, pool_labels or {})
    return findings


def concurrency(held_posts: int, rules, kind: str = "building_leader") -> list[Finding]:
    """One more post would exceed ``max_grids`` (seed 000: "兼任楼栋网格最多不能超过 5 个")."""
    if held_posts + 1 > rules.max_grids:
        return [
            Finding(
                "concurrency",
                HARD if rules.max_grids_is_hard else SOFT,
                f"已担任 {held_posts} 个岗位，再任一个将超过兼任上限 {rules.max_grids} 个",
            )
        ]
    return []


def age(person, rules, on: dt.date) -> list[Finding]:
    """ "年龄原则上不超过 65 周岁": soft when the profile says 原则上, else hard."""
    if not rules.max_age:
        return []
    years = person.age_on(on)
    level = SOFT if rules.max_age_is_soft else HARD
    if years is None:
        return [Finding("age_unknown", SOFT, "出生日期未填写，无法核对年龄条件")]
    if years > rules.max_age:
        said = "原则上不超过" if rules.max_age_is_soft else "不得超过"
        tail = "，需书面说明理由" if level == SOFT else ""
        return [Finding("age", level, f"年龄 {years} 周岁，{said} {rules.max_age} 周岁{tail}")]
    return []


def grid_head(person) -> list[Finding]:
    """004 §一.2: 网格长 "一般由“两委”成员兼任，“两委”成员不足的可由其他社区工作者担任"."""
    if person.is_committee:
        return []
    if person.is_community_worker:
        return [
            Finding(
                "grid_head_committee",
                SOFT,
                "网格长一般由“两委”成员兼任：由其他社区工作者担任须说明“两委”成员不足的情况",
            )
        ]
    return [Finding("grid_head_worker", HARD, "网格长须由“两委”成员或其他社区工作者担任")]


def pools(person, preferred: tuple[str, ...], labels: dict[str, str]) -> list[Finding]:
    """The preferred pools, shown to the reviewer (不是门槛)."""
    if not preferred:
        return []
    if person.pool in preferred or ("party_member" in preferred and person.is_party_member):
        return []
    names = "、".join(labels.get(p, p) for p in preferred)
    return [Finding("pool", INFO, f"不属于本方案注重推选的人员（{names}），供审查参考")]


def hard(findings) -> list:
    return [f for f in findings if _level(f) == HARD]


def soft(findings) -> list:
    return [f for f in findings if _level(f) == SOFT]


def _level(finding) -> str:
    return finding["level"] if isinstance(finding, dict) else finding.level
