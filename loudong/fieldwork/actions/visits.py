"""Visits (走访) and the registry changes learned on them.

Seed 000 §三.5: "建立定期走访服务工作制度。楼栋长定期走访居民，适时掌握所辖楼栋居民信息，了解
居民需求，为居民提供服务". A leader records the households visited — only households of the
leader's own posts — and what was learned; a change in a household becomes a request the
community confirms in the registry; a problem found becomes an incident from the same form.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from loudong.accounts.audit import AuditAction, record
from loudong.fieldwork import stats
from loudong.fieldwork.access import body_community_ids, leader_area
from loudong.fieldwork.actions.common import Refused, idempotent
from loudong.fieldwork.ladder import grid_code_for
from loudong.fieldwork.models import ChangeRequest, Visit, VisitHousehold
from loudong.lib.dates import DateOutOfRange, check_window
from loudong.roster.models import Post
from loudong.territory.models import Household

MAX_HOUSEHOLDS = 200


def post_of_households(area, household_ids) -> dict[int, Post]:
    """Which of the leader's posts serves each household (one query per post held)."""
    owner: dict[int, Post] = {}
    for appointment in area.appointments:
        post = appointment.post
        left = [h for h in household_ids if h not in owner]
        if not left:
            break
        for pk in (
            post.households(occupied_only=False).filter(pk__in=left).values_list("pk", flat=True)
        ):
            owner[pk] = post
    return owner


def record_visit(
    *,
    acting_user,
    date: dt.date,
    households,
    notes: str = "",
    companions: str = "",
    duration_minutes: int | None = None,
    changes: dict[int, str] | None = None,
    idempotency_key: str | None = None,
    today: dt.date | None = None,
    request=None,
) -> tuple[Visit, bool]:
    """Record one visit by the acting leader; returns ``(visit, created)``.

    ``households``: ids (or rows) of households of the leader's posts; at least one. ``changes``
    maps a household id to what changed there (a :class:`ChangeRequest` each). A replay of the
    same ``idempotency_key`` returns the first visit and writes nothing.
    """
    area = leader_area(acting_user)
    if not area:
        raise PermissionDenied("只有在任的楼栋长（单元长、网格长）可以登记走访")
    today = today or timezone.localdate()
    if date is None:
        raise Refused("走访日期：请填写")
    try:
        check_window(date, "走访日期", not_after=today)
    except DateOutOfRange as exc:
        raise Refused(str(exc)) from None
    ids = sorted({h.pk if isinstance(h, Household) else int(h) for h in households or []})
    if not ids:
        raise Refused("走访住户：请至少选择一户")
    if len(ids) > MAX_HOUSEHOLDS:
        raise Refused(f"走访住户：一次最多登记 {MAX_HOUSEHOLDS} 户")
    changes = {int(k): v.strip() for k, v in (changes or {}).items() if v and v.strip()}
    if set(changes) - set(ids):
        raise Refused("台账变化：只能填写本次走访的住户")
    if duration_minutes is not None and not 0 < duration_minutes <= 24 * 60:
        raise Refused("用时：请填写 1 至 1440 分钟")
    notes, companions = (notes or "").strip(), (companions or "").strip()
    if len(companions) > 100:
        raise Refused("同行人员：最多 100 个字")

    def create():
        owner = post_of_households(area, ids)
        outside = [h for h in ids if h not in owner]
        if outside:
            raise Refused("走访住户：只能选择您所负责网格（楼栋、单元）的住户")
        rows = {
            h.pk: h
            for h in Household.objects.filter(pk__in=ids).only(
                "pk", "community_id", "compound_id", "unit_id", "floor"
            )
        }
        first = rows[ids[0]]
        compounds = {h.compound_id for h in rows.values()}
        visit = Visit.objects.create(
            community_id=first.community_id,
            compound_id=compounds.pop() if len(compounds) == 1 else None,
            person=area.person,
            recorded_by=acting_user,
            date=date,
            companions=companions,
            duration_minutes=duration_minutes,
            notes=notes,
        )
        codes = {}
        visited = []
        for pk in ids:
            household = rows[pk]
            key = (household.unit_id, household.floor)
            if key not in codes:
                codes[key] = grid_code_for(household.unit_id, household.floor)
            visited.append(
                VisitHousehold(
                    visit=visit,
                    household_id=pk,
                    community_id=household.community_id,
                    post=owner[pk],
                    person=area.person,
                    date=date,
                    grid_code=codes[key],
                )
            )
        VisitHousehold.objects.bulk_create(visited)
        # The dashboards' per-household month masks, kept in the same transaction.
        stats.note_visits({v.household_id: v.community_id for v in visited}, date)
        ChangeRequest.objects.bulk_create(
            [
                ChangeRequest(
                    community_id=rows[pk].community_id,
                    compound_id=rows[pk].compound_id,
                    household_id=pk,
                    visit=visit,
                    text=text[:500],
                    requested_by=acting_user,
                )
                for pk, text in changes.items()
            ]
        )
        record(
            actor=acting_user,
            action=AuditAction.FIELDWORK_VISIT,
            target=visit,
            new={"date": date, "households": len(ids), "changes": len(changes)},
            request=request,
        )
        return visit

    with transaction.atomic():
        return idempotent(acting_user, idempotency_key, "visit", Visit, create)


@transaction.atomic
def review_change_request(
    *, change: ChangeRequest, confirmed: bool, note: str, acting_user, request=None
) -> ChangeRequest:
    """The community marks a change as entered in the registry (or not to be entered)."""
    if change.community_id not in body_community_ids(acting_user):
        raise PermissionDenied("只有本社区的社区工作者可以处理台账变更提示")
    if change.status != ChangeRequest.Status.PENDING:
        raise Refused("该提示已处理过")
    if not confirmed and not note.strip():
        raise Refused("处理说明：不予更新时请说明原因")
    change.status = ChangeRequest.Status.CONFIRMED if confirmed else ChangeRequest.Status.REJECTED
    change.reviewed_by = acting_user
    change.reviewed_at = timezone.now()
    change.review_note = note.strip()[:200]
    change.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    record(
        actor=acting_user,
        action=AuditAction.FIELDWORK_CHANGE_REVIEW,
        target=change,
        new={"status": change.status},
        reason=change.review_note,
        request=request,
    )
    return change
