"""Service records (服务记录) under the duties of the profile.

Seed 000 §三.4: "社区楼栋长承担政策宣传员、信息采集员、民事调解员、文明创建员、为民服务员的职责";
seed 004 §二.4–8: 收集民情信息、宣传政策法规、调处纠纷矛盾、开展便民服务、实施有效监督. The category
list is the profile's ``duties`` (one owner per rule), not a list of this app's own.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from loudong.accounts.audit import AuditAction, record
from loudong.fieldwork.access import leader_area
from loudong.fieldwork.actions.common import Refused, idempotent
from loudong.fieldwork.actions.visits import post_of_households
from loudong.fieldwork.models import ServiceRecord
from loudong.lib.dates import DateOutOfRange, check_window
from loudong.policy.profile import profile_for


def record_service(
    *,
    acting_user,
    date: dt.date,
    category: str,
    content: str,
    people_served: int = 0,
    households=(),
    post=None,
    idempotency_key: str | None = None,
    today: dt.date | None = None,
    request=None,
) -> tuple[ServiceRecord, bool]:
    """Record one piece of service by the acting leader; returns ``(record, created)``."""
    area = leader_area(acting_user)
    if not area:
        raise PermissionDenied("只有在任的楼栋长（单元长、网格长）可以登记服务记录")
    today = today or timezone.localdate()
    if date is None:
        raise Refused("日期：请填写")
    try:
        check_window(date, "日期", not_after=today)
    except DateOutOfRange as exc:
        raise Refused(str(exc)) from None
    posts = {a.post.pk: a.post for a in area.appointments}
    if post is not None and getattr(post, "pk", post) not in posts:
        raise Refused("岗位：只能选择您本人的岗位")
    post = posts[getattr(post, "pk", post)] if post is not None else area.appointments[0].post
    profile = profile_for(post.community, on=date)
    duties = {d.code: d.label for d in profile.duties}
    if category not in duties:
        raise Refused("类别：只能是 " + "、".join(duties.values()))
    content = (content or "").strip()
    if not content:
        raise Refused("服务内容：请填写")
    if len(content) > 2000:
        raise Refused("服务内容：最多 2000 字")
    if people_served is None or not 0 <= int(people_served) <= 10000:
        raise Refused("服务人数：请填写 0 至 10000")
    ids = sorted({getattr(h, "pk", h) for h in households or []})

    def create():
        if ids:
            owner = post_of_households(area, ids)
            if len(owner) != len(ids):
                raise Refused("服务住户：只能选择您所负责网格（楼栋、单元）的住户")
        service = ServiceRecord.objects.create(
            community_id=post.community_id,
            compound_id=post.compound_id,
            person=area.person,
            post=post,
            recorded_by=acting_user,
            date=date,
            category=category,
            category_label=duties[category],
            content=content,
            people_served=int(people_served),
        )
        if ids:
            service.households.set(ids)
        record(
            actor=acting_user,
            action=AuditAction.FIELDWORK_SERVICE,
            target=service,
            new={"date": date, "category": category, "households": len(ids)},
            request=request,
        )
        return service

    with transaction.atomic():
        return idempotent(acting_user, idempotency_key, "service", ServiceRecord, create)
