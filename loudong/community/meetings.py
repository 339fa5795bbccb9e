"""定期协商: convening a grid's meeting, attendance, minutes, decisions tracked as tasks.

Seed 004 §三.9 建立定期协商制度: "由网格长牵头，定期组织楼栋长、单元长共同商议小区事务，梳理居民
需求，化解居民矛盾，提出工作建议，开展自治共治". Who convenes and who is invited by default come
from the profile (``meetings.convener_kinds``, ``invitee_kinds``); how often, from the profile's
``meetings.frequency`` unless the grid has its own :class:`MeetingSchedule`.

Approved minutes are immutable: a change is a :class:`MinutesRevision` with a reason. A decision
needs an owner and a due date; it may become a field-work incident (``report_incident``), which
then climbs the ladder like any other.

Every verb: keyword-only arguments, ``acting_user``, one transaction with the meeting row locked,
one audit row; bad input raises ``Refused`` before anything is written.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from loudong.accounts.audit import AuditAction, record
from loudong.community.access import can_edit, leader_posts, person_of
from loudong.community.models import (
    AgendaItem,
    Decision,
    DecisionUpdate,
    Meeting,
    MeetingInvitee,
    MeetingSchedule,
    MinutesRevision,
    period_of,
)
from loudong.fieldwork.actions.common import Refused
from loudong.policy.profile import profile_at, profile_for

MAX_TEXT = 5000


def _text(value, label, *, limit=200, required=True) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise Refused(f"{label}：不能包含空字符")
    if required and not value:
        raise Refused(f"{label}：不能为空")
    if len(value) > limit:
        raise Refused(f"{label}：不能超过 {limit} 个字")
    return value


def frequency_for(community, grid_code: str, day: dt.date) -> str:
    """The grid's meeting period: its own schedule, else the profile's ``meetings.frequency``."""
    own = MeetingSchedule.objects.filter(grid_code=grid_code).values_list("frequency", flat=True)
    own = list(own)
    return own[0] if own else profile_for(community, on=day).meetings.frequency


def grid_people(community, grid_code: str, kinds) -> list:
    """Active appointments of posts of ``kinds`` serving the grid (its code, buildings or units)."""
    from loudong.grids.models import GridPiece
    from loudong.roster.models import Appointment

    pieces = GridPiece.objects.filter(
        grid__code=grid_code, grid__division__status="frozen", grid__community=community
    )
    building_ids = set(pieces.values_list("building_id", flat=True))
    unit_ids = set(pieces.values_list("unit_id", flat=True))
    return list(
        Appointment.objects.filter(
            Q(post__grid_code=grid_code)
            | Q(post__unit_id__in=unit_ids)
            | Q(post__building_id__in=building_ids, post__unit__isnull=True),
            community=community,
            status=Appointment.Status.ACTIVE,
            post__active=True,
            post__kind__in=kinds,
        )
        .select_related("person", "post")
        .order_by("post__kind", "post__title", "pk")
    )


def may_convene(user, community, grid_code: str, profile) -> bool:
    """A worker of the community, or the holder of a convener post of that grid (网格长)."""
    if can_edit(user, community):
        return True
    return any(
        p.grid_code == grid_code and p.community_id == community.pk
        for p in leader_posts(user, profile.meetings.convener_kinds)
    )


def may_manage(user, meeting) -> bool:
    """The convener or a worker of the community records attendance, minutes and decisions."""
    if can_edit(user, meeting.community):
        return True
    person = person_of(user)
    return meeting.convener_id == user.pk or (
        person is not None and meeting.convener_person_id == person.pk
    )


def _require_manage(user, meeting):
    if not may_manage(user, meeting):
        raise PermissionDenied("只有召集人或社区工作者可以办理这次会议")


def _locked(meeting) -> Meeting:
    return Meeting.objects.select_for_update().get(pk=meeting.pk)


def convene_meeting(
    *,
    community,
    grid_code: str = "",
    branch=None,
    title: str,
    starts: dt.datetime,
    place: str = "",
    agenda: list[str] = (),
    incidents=(),
    acting_user,
    request=None,
) -> Meeting:
    """Call a grid's consultation meeting (or, with ``branch``, a 小区党支部 meeting).

    Invitees: the grid's posts of the profile's ``meetings.invitee_kinds`` (the 楼栋长 and 单元长,
    004 §三.9), or the branch's current members. ``incidents``: open incidents of the grid put on
    the agenda (梳理居民需求，化解居民矛盾).
    """
    title = _text(title, "会议名称", limit=100)
    place = _text(place, "地点", limit=100, required=False)
    items = [_text(a, "议题") for a in agenda if (a or "").strip()]
    if starts is None:
        raise Refused("会议时间：不能为空")
    profile = profile_for(community, on=timezone.localdate(starts))
    if branch is not None:
        if branch.community_id != community.pk:
            raise Refused("主持的小区党支部：不是该社区的党支部")
        if not can_edit(acting_user, community):
            secretary = branch.current_members().filter(
                role__in=("secretary", "deputy"), person__user=acting_user
            )
            if not secretary.exists():
                raise PermissionDenied("只有党支部书记或社区工作者可以召集党支部会议")
        kind = Meeting.Kind.BRANCH
        people = [(m.person, m.get_role_display()) for m in branch.current_members()]
    else:
        if not grid_code:
            raise Refused("网格：请选择召开协商会议的网格")
        if not may_convene(acting_user, community, grid_code, profile):
            raise PermissionDenied("只有本网格的网格长或社区工作者可以召集协商会议")
        kind = Meeting.Kind.CONSULTATION
        people = [
            (a.person, a.post.get_kind_display())
            for a in grid_people(community, grid_code, profile.meetings.invitee_kinds)
        ]
    convener_person = person_of(acting_user)
    with transaction.atomic():
        meeting = Meeting.objects.create(
            kind=kind,
            community=community,
            grid_code=grid_code if branch is None else "",
            branch=branch,
            title=title,
            starts=starts,
            place=place,
            convener=acting_user,
            convener_person=convener_person,
            profile_name=profile.name,
            profile_version=profile.version,
        )
        seen = set()
        invitees = []
        if convener_person is not None:
            seen.add(convener_person.pk)
            invitees.append(MeetingInvitee(meeting=meeting, person=convener_person, role="召集人"))
        for person, role in people:
            if person.pk not in seen:
                seen.add(person.pk)
                invitees.append(MeetingInvitee(meeting=meeting, person=person, role=role))
        MeetingInvitee.objects.bulk_create(invitees)
        rows = [AgendaItem(meeting=meeting, title=t) for t in items]
        rows += [
            AgendaItem(meeting=meeting, title=f"{i.category} · {i.place}"[:200], incident=i)
            for i in incidents
        ]
        AgendaItem.objects.bulk_create(rows)
        record(
            actor=acting_user,
            action=AuditAction.MEETING_CONVENE,
            target=meeting,
            region=community,
            new={
                "kind": kind,
                "grid": grid_code,
                "branch": branch.pk if branch else None,
                "invitees": len(invitees),
                "agenda": len(rows),
            },
            request=request,
        )
    return meeting


def set_schedule(*, community, grid_code: str, frequency: str, acting_user, request=None):
    if not can_edit(acting_user, community):
        raise PermissionDenied("只有社区工作者可以设置协商周期")
    if frequency not in dict(MeetingSchedule._meta.get_field("frequency").choices):
        raise Refused("会议周期：请从列表中选择")
    with transaction.atomic():
        row, _ = MeetingSchedule.objects.update_or_create(
            grid_code=grid_code,
            defaults={
                "community": community,
                "frequency": frequency,
                "set_by": acting_user,
                "updated": timezone.now(),
            },
        )
        record(
            actor=acting_user,
            action=AuditAction.MEETING_SCHEDULE,
            target=row,
            region=community,
            new={"grid": grid_code, "frequency": frequency},
            request=request,
        )
    return row


def record_attendance(*, meeting, attendance: dict, acting_user, request=None) -> Meeting:
    """``attendance``: {invitee id: present|leave|absent}. The meeting is then 已召开."""
    _require_manage(acting_user, meeting)
    allowed = set(MeetingInvitee.Attendance.values) - {""}
    for value in attendance.values():
        if value not in allowed:
            raise Refused("出席情况：只能是 出席、请假 或 缺席")
    with transaction.atomic():
        meeting = _locked(meeting)
        if meeting.status not in (Meeting.Status.PLANNED, Meeting.Status.HELD):
            raise Refused(f"会议{meeting.get_status_display()}，不能再登记出席")
        invitees = {i.pk: i for i in meeting.invitees.all()}
        unknown = [k for k in attendance if k not in invitees]
        if unknown:
            raise Refused("出席情况：名单中没有该参会人")
        for pk, value in attendance.items():
            invitees[pk].attendance = value
        MeetingInvitee.objects.bulk_update([invitees[k] for k in attendance], ["attendance"])
        if meeting.status == Meeting.Status.PLANNED:
            meeting.status = Meeting.Status.HELD
            meeting.held_at = timezone.now()
            meeting.save(update_fields=["status", "held_at"])
        record(
            actor=acting_user,
            action=AuditAction.MEETING_ATTENDANCE,
            target=meeting,
            region=meeting.community,
            new={
                "present": sum(1 for v in attendance.values() if v == "present"),
                "recorded": len(attendance),
            },
            request=request,
        )
    return meeting


def write_minutes(*, meeting, text: str, acting_user, request=None) -> Meeting:
    _require_manage(acting_user, meeting)
    text = _text(text, "会议纪要", limit=MAX_TEXT)
    with transaction.atomic():
        meeting = _locked(meeting)
        if meeting.status == Meeting.Status.APPROVED:
            raise Refused("会议纪要已审定，不能直接修改；如需更正，请提交修订并说明理由")
        if meeting.status != Meeting.Status.HELD:
            raise Refused("会议尚未召开：请先登记出席情况")
        meeting.minutes = text
        meeting.save(update_fields=["minutes"])
        record(
            actor=acting_user,
            action=AuditAction.MEETING_MINUTES,
            target=meeting,
            region=meeting.community,
            new={"length": len(text)},
            request=request,
        )
    return meeting


def approve_minutes(*, meeting, acting_user, request=None) -> Meeting:
    _require_manage(acting_user, meeting)
    with transaction.atomic():
        meeting = _locked(meeting)
        if not meeting.can_move("approve"):
            raise Refused(f"会议{meeting.get_status_display()}，不能审定纪要")
        if not meeting.minutes.strip():
            raise Refused("会议纪要：审定前请先记录纪要")
        meeting.status = Meeting.Status.APPROVED
        meeting.approved_at = timezone.now()
        meeting.approved_by = acting_user
        meeting.save(update_fields=["status", "approved_at", "approved_by"])
        record(
            actor=acting_user,
            action=AuditAction.MEETING_APPROVE,
            target=meeting,
            region=meeting.community,
            old={"status": "held"},
            new={"status": "approved"},
            request=request,
        )
    return meeting


def revise_minutes(*, meeting, text: str, reason: str, acting_user, request=None):
    _require_manage(acting_user, meeting)
    text = _text(text, "修订后纪要", limit=MAX_TEXT)
    reason = _text(reason, "修订理由")
    with transaction.atomic():
        meeting = _locked(meeting)
        if meeting.status != Meeting.Status.APPROVED:
            raise Refused("纪要尚未审定：直接修改纪要即可")
        number = meeting.revisions.count() + 1
        revision = MinutesRevision.objects.create(
            meeting=meeting, number=number, text=text, reason=reason, created_by=acting_user
        )
        record(
            actor=acting_user,
            action=AuditAction.MEETING_REVISE,
            target=meeting,
            region=meeting.community,
            new={"revision": number},
            reason=reason,
            request=request,
        )
    return revision


def cancel_meeting(*, meeting, reason: str, acting_user, request=None) -> Meeting:
    _require_manage(acting_user, meeting)
    reason = _text(reason, "取消理由")
    with transaction.atomic():
        meeting = _locked(meeting)
        if not meeting.can_move("cancel"):
            raise Refused(f"会议{meeting.get_status_display()}，不能取消")
        meeting.status = Meeting.Status.CANCELLED
        meeting.save(update_fields=["status"])
        record(
            actor=acting_user,
            action=AuditAction.MEETING_CANCEL,
            target=meeting,
            region=meeting.community,
            reason=reason,
            request=request,
        )
    return meeting


def add_decision(
    *, meeting, text: str, owner, due: dt.date | None, acting_user, request=None
) -> Decision:
    """A decision with its owner (a person invited, or any leader of the community) and due date."""
    _require_manage(acting_user, meeting)
    text = _text(text, "决定事项", limit=300)
    if owner is None:
        raise Refused("责任人：每项决定都要指定责任人")
    if owner.community_id != meeting.community_id:
        raise Refused("责任人：不是本社区的人员")
    if due is None:
        raise Refused("完成时限：请填写")
    if due < timezone.localdate(meeting.starts):
        raise Refused("完成时限：不能早于会议日期")
    with transaction.atomic():
        meeting = _locked(meeting)
        if meeting.status != Meeting.Status.HELD:
            raise Refused(
                "会议纪要已审定，不能再增加决定事项"
                if meeting.status == Meeting.Status.APPROVED
                else "会议尚未召开：请先登记出席情况"
            )
        decision = Decision.objects.create(
            meeting=meeting, community=meeting.community, text=text, owner=owner, due=due
        )
        record(
            actor=acting_user,
            action=AuditAction.DECISION_ADD,
            target=decision,
            region=meeting.community,
            new={"meeting": meeting.pk, "owner": owner.pk, "due": due.isoformat()},
            request=request,
        )
    return decision


def may_update(user, decision) -> bool:
    person = person_of(user)
    return may_manage(user, decision.meeting) or (
        person is not None and decision.owner_id == person.pk
    )


def update_decision(*, decision, progress: int, note: str, acting_user, request=None):
    if not may_update(acting_user, decision):
        raise PermissionDenied("只有责任人、召集人或社区工作者可以更新进展")
    note = _text(note, "进展说明", limit=300)
    if progress is None or not 0 <= progress <= 100:
        raise Refused("完成进度：请填写 0 到 100 之间的整数")
    with transaction.atomic():
        decision = Decision.objects.select_for_update().get(pk=decision.pk)
        if decision.status == Decision.Status.DONE:
            raise Refused("该决定事项已完成")
        DecisionUpdate.objects.create(
            decision=decision, progress=progress, note=note, created_by=acting_user
        )
        old = {"progress": decision.progress, "status": decision.status}
        decision.progress = progress
        decision.status = Decision.Status.DONE if progress == 100 else Decision.Status.IN_PROGRESS
        decision.done_at = timezone.now() if progress == 100 else None
        decision.save(update_fields=["progress", "status", "done_at"])
        record(
            actor=acting_user,
            action=AuditAction.DECISION_PROGRESS,
            target=decision,
            region=decision.community,
            old=old,
            new={"progress": progress, "status": decision.status},
            request=request,
        )
    return decision


def decision_to_incident(
    *, decision, category: str, building, severity: str = "normal", acting_user, request=None
):
    """Open a field-work incident for the decision (it climbs the ladder from the convener's
    level, or starts at the community for a worker) and link it."""
    from loudong.fieldwork.actions.incidents import report_incident

    _require_manage(acting_user, decision.meeting)
    if decision.incident_id:
        raise Refused("该决定事项已转为事件")
    if building is None or building.community_id != decision.community_id:
        raise Refused("楼栋：请选择本社区的楼栋")
    meeting = decision.meeting
    with transaction.atomic():
        decision = Decision.objects.select_for_update().get(pk=decision.pk)
        if decision.incident_id:
            raise Refused("该决定事项已转为事件")
        reported = report_incident(
            acting_user=acting_user,
            category=category,
            severity=severity,
            description=f"{meeting.title}（{meeting.starts:%Y-%m-%d}）决定：{decision.text}"[:2000],
            building=building,
            then="escalate",
            request=request,
        )
        decision.incident = reported.incident
        if decision.status == Decision.Status.OPEN:
            decision.status = Decision.Status.IN_PROGRESS
        decision.save(update_fields=["incident", "status"])
        record(
            actor=acting_user,
            action=AuditAction.DECISION_INCIDENT,
            target=decision,
            region=decision.community,
            new={"incident": reported.incident.pk},
            request=request,
        )
    return reported.incident


def due_grids(community, today: dt.date) -> list[tuple[str, str, tuple]]:
    """Grids in force whose period has no meeting yet: (grid code, frequency, (start, end))."""
    from loudong.grids.models import Grid

    codes = list(
        Grid.objects.in_force()
        .filter(community=community)
        .exclude(code="")
        .order_by("code")
        .values_list("code", flat=True)
    )
    own = dict(
        MeetingSchedule.objects.filter(grid_code__in=codes).values_list("grid_code", "frequency")
    )
    default = profile_for(community, on=today).meetings.frequency
    out = []
    for code in codes:
        frequency = own.get(code, default)
        period = period_of(frequency, today)
        if period is None:
            continue
        out.append((code, frequency, period))
    if not out:
        return []
    start = min(p[0] for _, _, p in out)
    held = {}
    for code, starts in (
        Meeting.objects.filter(
            community=community,
            kind=Meeting.Kind.CONSULTATION,
            grid_code__in=[c for c, _, _ in out],
            starts__date__gte=start,
        )
        .exclude(status=Meeting.Status.CANCELLED)
        .values_list("grid_code", "starts")
    ):
        held.setdefault(code, []).append(timezone.localdate(starts))
    return [
        (code, f, p) for code, f, p in out if not any(p[0] <= d <= p[1] for d in held.get(code, []))
    ]


def pinned_profile(meeting):
    return profile_at(meeting.profile_name, meeting.profile_version)
