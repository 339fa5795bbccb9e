"""The leaders in post before the integration campaign (seed 000 §四.2 "调查摸底")."""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from loudong.accounts.audit import AuditAction, record
from loudong.roster.actions.appointments import _snapshot
from loudong.roster.actions.common import can_edit
from loudong.roster.models import Appointment, Person, Post


@dataclass
class LegacyRow:
    community_code: str
    grid_code: str
    name: str
    id_number: str
    phone: str
    start: dt.date
    end: dt.date | None = None


def import_legacy_leaders(
    *, rows: list[LegacyRow], acting_user=None, dry_run: bool = False, request=None
) -> dict:
    """Leaders in post before the integration (seed 000 §四.2 "调查摸底"), as ``is_legacy``
    appointments, so Attachment 2 can show 原配备楼栋长数. All or nothing; idempotent.

    Returns {"created": n, "unchanged": n, "errors": ["第N行：…"]}. Rows are 1-based after
    the header (line 2 is the first data row).
    """
    from loudong.lib.idnumber import IDNumberError, validate_id_number
    from loudong.lib.protected import lookup
    from loudong.territory.models import Region

    errors, plan = [], []
    communities = {}
    for line, row in enumerate(rows, start=2):
        community = (
            communities.get(row.community_code)
            or Region.objects.filter(level=Region.Level.COMMUNITY, code=row.community_code).first()
        )
        if community is None:
            errors.append(f"第{line}行：社区代码 {row.community_code} 不存在")
            continue
        communities[row.community_code] = community
        if acting_user is not None and not can_edit(acting_user, community):
            errors.append(f"第{line}行：社区 {community.name} 不在您的管辖范围内")
            continue
        post = (
            Post.objects.filter(community=community, grid_code=row.grid_code)
            .order_by("-active", "-id")
            .first()
        )
        if post is None:
            errors.append(f"第{line}行：网格编码 {row.grid_code} 没有对应岗位（请先同步网格岗位）")
            continue
        try:
            number = validate_id_number(row.id_number)
        except IDNumberError as exc:
            errors.append(f"第{line}行：身份证号 {exc}")
            continue
        if not row.name.strip():
            errors.append(f"第{line}行：姓名为空")
            continue
        plan.append((row, community, post, number))
    if errors or dry_run:
        return {"created": 0, "unchanged": 0, "errors": errors}
    created = unchanged = 0
    from loudong.lib.idnumber import birth_date

    with transaction.atomic():
        for row, community, post, number in plan:
            person = Person.objects.filter(
                community=community, id_number_index=lookup("id_number", number)
            ).first()
            if person is None:
                person = Person.objects.create(
                    community=community,
                    compound=post.compound,
                    name=row.name.strip(),
                    id_number=number,
                    phone=row.phone,
                    birth_date=birth_date(number),
                )
            if Appointment.objects.filter(
                person=person, post=post, is_legacy=True, start=row.start
            ).exists():
                unchanged += 1
                continue
            appointment = Appointment.objects.create(
                person=person,
                post=post,
                community=community,
                compound=post.compound,
                start=row.start,
                is_legacy=True,
                created_by=acting_user,
                status=Appointment.Status.ENDED if row.end else Appointment.Status.ACTIVE,
                end=row.end,
                end_reason=Appointment.EndReason.ADJUSTMENT if row.end else "",
                end_note="优化整合" if row.end else "",
            )
            record(
                actor=acting_user,
                actor_username="system",
                action=AuditAction.ROSTER_LEGACY_IMPORT,
                target=appointment,
                new=_snapshot(appointment),
                request=request,
            )
            created += 1
    return {"created": created, "unchanged": unchanged, "errors": []}
