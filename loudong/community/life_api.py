"""API of the 三长 mechanisms (issue 14, community branch): ``/meetings``, ``/groups``,
``/party-branches``, ``/property-ratings``.

Lists return the caller's scope (``{"items", "count"}``, ``limit`` ≤ 1000); out of scope is 404;
a verb the caller may not do is 403; a refused input 400 with the Chinese reason; a body that
does not match the schema 422. Text may not carry NUL characters; ids are database integers.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import field_validator

from loudong.community import meetings as meeting_actions
from loudong.community.access import get_for_user
from loudong.community.models import Decision, Meeting
from loudong.fieldwork.actions.common import Refused
from loudong.lib.api import DbInt, ErrorOut, Pagination
from loudong.roster.models import Person
from loudong.territory.access import community_by_code

router = Router(tags=["社区共治"])


class InvalidOut(Schema):
    detail: Any


ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: InvalidOut}
READ = {404: ErrorOut, 422: InvalidOut}


def _plain(**params) -> None:
    for name, value in params.items():
        if isinstance(value, str) and "\x00" in value:
            raise HttpError(400, f"{name}：不能包含空字符")


def _run(verb, **kwargs):
    try:
        return verb(**kwargs)
    except Refused as exc:
        raise HttpError(400, exc.message) from None
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or "无权操作") from None


class In(Schema):
    @field_validator("*", mode="before")
    @classmethod
    def no_nul(cls, value):
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("不能包含空字符")
        return value


# -- meetings -------------------------------------------------------------------------------------


class DecisionOut(Schema):
    id: int
    meeting: int
    text: str
    owner: int
    owner_name: str
    due: dt.date
    status: str
    progress: int
    overdue: bool
    incident: int | None

    @staticmethod
    def resolve_meeting(obj):
        return obj.meeting_id

    @staticmethod
    def resolve_owner(obj):
        return obj.owner_id

    @staticmethod
    def resolve_owner_name(obj):
        return obj.owner.name

    @staticmethod
    def resolve_overdue(obj):
        return obj.is_overdue()

    @staticmethod
    def resolve_incident(obj):
        return obj.incident_id


class MeetingOut(Schema):
    id: int
    kind: str
    community: str
    grid: str
    branch: int | None
    title: str
    starts: dt.datetime
    place: str
    status: str
    invitees: int
    present: int
    decisions: int
    decisions_done: int

    @staticmethod
    def resolve_community(obj):
        return obj.community.code

    @staticmethod
    def resolve_grid(obj):
        return obj.grid_code

    @staticmethod
    def resolve_branch(obj):
        return obj.branch_id

    @staticmethod
    def resolve_invitees(obj):
        return len(obj.invitees.all())

    @staticmethod
    def resolve_present(obj):
        return sum(1 for i in obj.invitees.all() if i.attendance == "present")

    @staticmethod
    def resolve_decisions(obj):
        return len(obj.decisions.all())

    @staticmethod
    def resolve_decisions_done(obj):
        return sum(1 for d in obj.decisions.all() if d.status == "done")


class InviteeOut(Schema):
    id: int
    person: int
    name: str
    role: str
    attendance: str

    @staticmethod
    def resolve_person(obj):
        return obj.person_id

    @staticmethod
    def resolve_name(obj):
        return obj.person.name


class MeetingDetailOut(MeetingOut):
    minutes: str
    current_minutes: str
    agenda: list[dict]
    attendees: list[InviteeOut]
    decision_items: list[DecisionOut]

    @staticmethod
    def resolve_current_minutes(obj):
        return obj.current_minutes()

    @staticmethod
    def resolve_agenda(obj):
        return [{"title": a.title, "incident": a.incident_id} for a in obj.agenda.all()]

    @staticmethod
    def resolve_attendees(obj):
        return list(obj.invitees.select_related("person"))

    @staticmethod
    def resolve_decision_items(obj):
        return list(obj.decisions.select_related("owner"))


def _meetings(request):
    return (
        Meeting.objects.visible_to(request.user)
        .select_related("community")
        .prefetch_related("invitees", "decisions")
        .distinct()
    )


@router.get("/meetings", response={200: list[MeetingOut], **READ})
@paginate(Pagination)
def list_meetings(
    request,
    community: str | None = None,
    grid: str | None = None,
    status: str | None = None,
    kind: str | None = None,
):
    """Consultation meetings (定期协商) and 小区党支部 meetings in the caller's scope, newest first."""
    _plain(community=community, grid=grid, status=status, kind=kind)
    rows = _meetings(request)
    if community:
        rows = rows.filter(community=community_by_code(request.user, community))
    if grid:
        rows = rows.filter(grid_code=grid)
    if status:
        rows = rows.filter(status=status)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.order_by("-starts", "-id")


@router.get("/meetings/{meeting_id}", response={200: MeetingDetailOut, **READ})
def get_meeting(request, meeting_id: DbInt):
    return get_for_user(_meetings(request), request.user, meeting_id, request)


class MeetingIn(In):
    community: str
    grid: str = ""
    branch: DbInt | None = None
    title: str
    starts: dt.datetime
    place: str = ""
    agenda: list[str] = []
    incidents: list[DbInt] = []


@router.post("/meetings", response={201: MeetingOut, **ERRORS})
def create_meeting(request, payload: MeetingIn):
    """Convene a grid's meeting (the 网格长 of the grid, or a worker) or, with ``branch``, a
    小区党支部 meeting. Invitees come from the profile's ``meetings.invitee_kinds``."""
    from loudong.community.models import PartyBranch
    from loudong.fieldwork.models import Incident

    community = community_by_code(request.user, payload.community)
    branch = None
    if payload.branch is not None:
        branch = PartyBranch.objects.filter(pk=payload.branch, community=community).first()
        if branch is None:
            raise Http404
    incidents = list(
        Incident.objects.visible_to(request.user).filter(
            pk__in=payload.incidents, community=community
        )
    )
    if len(incidents) != len(set(payload.incidents)):
        raise HttpError(400, "incidents：含有不存在或不在您范围内的事件")
    meeting = _run(
        meeting_actions.convene_meeting,
        community=community,
        grid_code=payload.grid,
        branch=branch,
        title=payload.title,
        starts=payload.starts,
        place=payload.place,
        agenda=payload.agenda,
        incidents=incidents,
        acting_user=request.user,
        request=request,
    )
    return Status(201, _meetings(request).get(pk=meeting.pk))


class AttendanceIn(In):
    present: list[DbInt] = []
    leave: list[DbInt] = []
    absent: list[DbInt] = []


@router.post("/meetings/{meeting_id}/attendance", response={200: MeetingOut, **ERRORS})
def meeting_attendance(request, meeting_id: DbInt, payload: AttendanceIn):
    """Attendance by invitee id (``attendees[].id``); the meeting is then 已召开."""
    meeting = get_for_user(_meetings(request), request.user, meeting_id, request)
    values = {pk: "present" for pk in payload.present}
    values |= {pk: "leave" for pk in payload.leave}
    values |= {pk: "absent" for pk in payload.absent}
    _run(
        meeting_actions.record_attendance,
        meeting=meeting,
        attendance=values,
        acting_user=request.user,
        request=request,
    )
    return _meetings(request).get(pk=meeting.pk)


class DecisionIn(In):
    text: str
    owner: DbInt | None = None
    due: dt.date | None = None


@router.post("/meetings/{meeting_id}/decisions", response={201: DecisionOut, **ERRORS})
def create_decision(request, meeting_id: DbInt, payload: DecisionIn):
    """A decision of a held meeting; ``owner`` (a person id) and ``due`` are required (400)."""
    meeting = get_for_user(_meetings(request), request.user, meeting_id, request)
    owner = None
    if payload.owner is not None:
        owner = Person.objects.filter(pk=payload.owner, community=meeting.community).first()
        if owner is None:
            raise HttpError(400, "责任人：不是本社区的人员")
    decision = _run(
        meeting_actions.add_decision,
        meeting=meeting,
        text=payload.text,
        owner=owner,
        due=payload.due,
        acting_user=request.user,
        request=request,
    )
    return Status(201, decision)


class ProgressIn(In):
    progress: int
    note: str


@router.post("/decisions/{decision_id}/progress", response={200: DecisionOut, **ERRORS})
def decision_progress(request, decision_id: DbInt, payload: ProgressIn):
    decision = get_for_user(
        Decision.objects.select_related("meeting__community", "owner"),
        request.user,
        decision_id,
        request,
    )
    return _run(
        meeting_actions.update_decision,
        decision=decision,
        progress=payload.progress,
        note=payload.note,
        acting_user=request.user,
        request=request,
    )


# -- groups ---------------------------------------------------------------------------------------


class GroupOut(Schema):
    id: int
    community: str
    name: str
    level: str
    kind: str
    grid: str
    building: int | None
    unit: int | None
    owner: str
    member_count: int | None
    has_qr: bool
    has_robot: bool
    active: bool

    @staticmethod
    def resolve_community(obj):
        return obj.community.code

    @staticmethod
    def resolve_grid(obj):
        return obj.grid_code

    @staticmethod
    def resolve_building(obj):
        return obj.building_id

    @staticmethod
    def resolve_unit(obj):
        return obj.unit_id

    @staticmethod
    def resolve_has_qr(obj):
        return bool(obj.qr_image)


@router.get("/groups", response={200: list[GroupOut], **READ})
@paginate(Pagination)
def list_groups(
    request, community: str | None = None, level: str | None = None, active: bool | None = None
):
    """The registered work groups (信息反馈制度, seed 004 §三.10); the webhook is never returned."""
    from loudong.community.models import ChatGroup

    _plain(community=community, level=level)
    rows = ChatGroup.objects.visible_to(request.user).select_related("community")
    if community:
        rows = rows.filter(community=community_by_code(request.user, community))
    if level:
        rows = rows.filter(level=level)
    if active is not None:
        rows = rows.filter(active=active)
    return rows.order_by("community_id", "level", "name", "id")


# -- party branches -------------------------------------------------------------------------------


class BranchMemberOut(Schema):
    person: int
    name: str
    role: str
    since: dt.date

    @staticmethod
    def resolve_person(obj):
        return obj.person_id

    @staticmethod
    def resolve_name(obj):
        return obj.person.name


class BranchOut(Schema):
    id: int
    community: str
    name: str
    compounds: list[int]
    founded: dt.date | None
    members: list[BranchMemberOut]
    meetings: int

    @staticmethod
    def resolve_community(obj):
        return obj.community.code

    @staticmethod
    def resolve_compounds(obj):
        return [c.pk for c in obj.compounds.all()]

    @staticmethod
    def resolve_members(obj):
        return [m for m in obj.members.all() if m.until is None]

    @staticmethod
    def resolve_meetings(obj):
        return len(obj.meetings.all())


@router.get("/party-branches", response={200: list[BranchOut], **READ})
@paginate(Pagination)
def list_party_branches(request, community: str | None = None):
    """小区党支部 with their current members (书记、委员、党员; seed 004 §一.3) — workers' scope."""
    from loudong.community.models import PartyBranch
    from loudong.fieldwork.access import body_community_ids

    _plain(community=community)
    rows = (
        PartyBranch.objects.filter(community_id__in=body_community_ids(request.user))
        .select_related("community")
        .prefetch_related("compounds", "members__person", "meetings")
    )
    if community:
        rows = rows.filter(community=community_by_code(request.user, community))
    return rows.order_by("community_id", "name", "id")


# -- property ratings -----------------------------------------------------------------------------


class RatingOut(Schema):
    id: int
    community: str
    kind: str
    title: str
    period: str
    status: str
    activity: int | None
    answers: int
    results: list[dict]

    @staticmethod
    def resolve_community(obj):
        return obj.community.code

    @staticmethod
    def resolve_activity(obj):
        return obj.activity_id

    @staticmethod
    def resolve_answers(obj):
        return obj.answers.count()

    @staticmethod
    def resolve_results(obj):
        from loudong.community.ratings import results

        return [
            {
                "compound": r["compound"].pk if r["compound"] else None,
                "compound_name": r["compound"].name if r["compound"] else "",
                "answers": r["answers"],
                "mean": r["mean"],
                "questions": [{"code": q["code"], "mean": q["mean"]} for q in r["questions"]],
            }
            for r in results(obj)
        ]


@router.get("/property-ratings", response={200: list[RatingOut], **READ})
@paginate(Pagination)
def list_property_ratings(
    request, community: str | None = None, period: str | None = None, kind: str = "property"
):
    """The 三长's rating rounds (004 §四.13) with results per compound and period — workers'
    scope. ``kind=activity`` lists the service-activity rounds."""
    from loudong.community.models import RatingRound
    from loudong.fieldwork.access import body_community_ids

    _plain(community=community, period=period, kind=kind)
    rows = RatingRound.objects.filter(
        community_id__in=body_community_ids(request.user), kind=kind
    ).select_related("community")
    if community:
        rows = rows.filter(community=community_by_code(request.user, community))
    if period:
        rows = rows.filter(period=period)
    return rows.order_by("-opened", "-id")
