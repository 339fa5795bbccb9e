"""Supervision of the 物业 and 业委会 (seed 004 §二.8: "对业委会、物业服务企业履职情况进行跟踪监督，
及时发现问题矛盾，上报社区和相关职能部门妥善解决").

The community registers each compound's property company and owners' committee (name, contact,
term). A leader of the compound files a supervision note (what was checked, what was found); a
problem opens a field-work incident reported straight to the community (``report_to``), which
then transfers it to the department as any incident.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction

from loudong.accounts.audit import AuditAction, record
from loudong.community.access import can_edit, leader_compound_ids, person_of, require_edit
from loudong.community.models import CompoundBody, SupervisionNote
from loudong.fieldwork.actions.common import Refused
from loudong.lib.phones import PhoneError, normalize_phone


def _text(value, label, limit, required=True):
    value = (value or "").strip()
    if "\x00" in value:
        raise Refused(f"{label}：不能包含空字符")
    if required and not value:
        raise Refused(f"{label}：不能为空")
    if len(value) > limit:
        raise Refused(f"{label}：不能超过 {limit} 个字")
    return value


def save_body(
    *,
    compound,
    kind: str,
    name: str,
    contact: str = "",
    phone: str = "",
    term_start: dt.date | None = None,
    term_end: dt.date | None = None,
    acting_user,
    request=None,
) -> CompoundBody:
    community = compound.parent
    require_edit(acting_user, community)
    if kind not in CompoundBody.Kind.values:
        raise Refused("类别：只能是 物业服务企业 或 业主委员会")
    name = _text(name, "名称", 100)
    contact = _text(contact, "联系人", 50, required=False)
    try:
        phone = normalize_phone(phone or "")
    except PhoneError as exc:
        raise Refused(f"联系电话：{exc}") from None
    if term_start and term_end and term_end < term_start:
        raise Refused("服务（任期）止：不能早于起始日期")
    with transaction.atomic():
        # One body of a kind in the register per compound: the previous one leaves it.
        replaced = list(
            CompoundBody.objects.select_for_update()
            .filter(compound=compound, kind=kind, active=True)
            .values_list("pk", flat=True)
        )
        CompoundBody.objects.filter(pk__in=replaced).update(active=False)
        body = CompoundBody.objects.create(
            community=community,
            compound=compound,
            kind=kind,
            name=name,
            contact=contact,
            phone=phone,
            term_start=term_start,
            term_end=term_end,
        )
        record(
            actor=acting_user,
            action=AuditAction.COMPOUND_BODY_SAVE,
            target=body,
            region=community,
            new={"kind": kind, "name": name, "replaced": replaced},
            request=request,
        )
    return body


def may_supervise(user, compound) -> bool:
    return can_edit(user, compound.parent) or compound.pk in leader_compound_ids(user)


def file_note(
    *,
    body: CompoundBody,
    date: dt.date,
    checked: str,
    found: str = "",
    problem: bool = False,
    category: str = "property_service",
    building=None,
    acting_user,
    today: dt.date,
    request=None,
) -> SupervisionNote:
    """A supervision note; with ``problem`` an incident at ``building`` reported to the community."""
    from loudong.fieldwork.actions.incidents import report_incident

    if not body.active:
        raise Refused("该物业（业委会）已不在册")
    if not may_supervise(acting_user, body.compound):
        raise PermissionDenied("只有本小区的“三长”或社区工作者可以登记监督记录")
    checked = _text(checked, "检查内容", 300)
    found = _text(found, "发现情况", 2000, required=problem)
    if date > today:
        raise Refused("检查日期：不能晚于今天")
    if problem and (building is None or building.compound_id != body.compound_id):
        raise Refused("楼栋：发现问题需上报时，请选择本小区的楼栋")
    with transaction.atomic():
        incident = None
        if problem:
            reported = report_incident(
                acting_user=acting_user,
                category=category,
                severity="normal",
                description=f"{body.get_kind_display()}“{body.name}”监督发现：{found}"[:2000],
                building=building,
                then="escalate",
                report_to="community" if person_of(acting_user) else "",
                request=request,
            )
            incident = reported.incident
        note = SupervisionNote.objects.create(
            community=body.community,
            compound=body.compound,
            body=body,
            date=date,
            checked=checked,
            found=found,
            problem=problem,
            incident=incident,
            person=person_of(acting_user),
            created_by=acting_user,
        )
        record(
            actor=acting_user,
            action=AuditAction.SUPERVISION_NOTE,
            target=note,
            region=body.community,
            new={
                "body": body.pk,
                "problem": problem,
                "incident": incident.pk if incident else None,
            },
            request=request,
        )
    return note
