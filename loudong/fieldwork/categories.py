"""Incident categories as rows, kept in step with the profile's ``fieldwork.categories``.

Seed 000 §三.5: "及时排查网格各类矛盾纠纷、安全隐患、疫情灾情防控、物业管理等"; seed 004 §二.4:
"人口结构、居民需求、矛盾纠纷、安全隐患、舆情动态等情况，及时收集环境卫生、物业服务、文娱生活等方面
社情民意". The tree is data: a new profile version that adds a category adds a row the next time
categories are asked for; one it drops stays as a row (old incidents point at it) but is no
longer offered.
"""

from django.db import transaction

from loudong.fieldwork.models import IncidentCategory


def categories_for(profile) -> list[IncidentCategory]:
    """The active categories of a profile version, top level then children, in profile order.

    One query when the rows are in step; a short transaction when the version is new to them.
    """
    rows = list(IncidentCategory.objects.filter(profile_name=profile.name).select_related("parent"))
    if not rows or any(r.synced_version < profile.version for r in rows if r.active):
        rows = _sync(profile)
    by_code = {r.code: r for r in rows}
    order = [spec.code for spec in profile.fieldwork.categories]
    return [by_code[c] for c in order if c in by_code and by_code[c].active]


@transaction.atomic
def _sync(profile) -> list[IncidentCategory]:
    existing = {
        r.code: r
        for r in IncidentCategory.objects.select_for_update().filter(profile_name=profile.name)
    }
    wanted = {spec.code for spec in profile.fieldwork.categories}
    for position, spec in enumerate(profile.fieldwork.categories):
        row = existing.get(spec.code) or IncidentCategory(profile_name=profile.name, code=spec.code)
        row.label = spec.label
        row.parent = existing[spec.parent] if spec.parent else None
        row.position = position
        row.active = True
        row.synced_version = max(row.synced_version, profile.version)
        row.save()
        existing[spec.code] = row
    for code, row in existing.items():
        if code not in wanted and row.active:
            row.active = False
            row.save(update_fields=["active"])
    return list(existing.values())


def category_by_code(profile, code: str) -> IncidentCategory | None:
    return next((c for c in categories_for(profile) if c.code == code), None)


def choices(profile) -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped choices for a ``<select>``: each top category with its children (or itself)."""
    rows = categories_for(profile)
    groups = []
    for top in (r for r in rows if r.parent_id is None):
        children = [(r.code, r.label) for r in rows if r.parent_id == top.pk]
        groups.append((top.label, children or [(top.code, top.label)]))
    return groups
