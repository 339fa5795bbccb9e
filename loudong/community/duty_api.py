"""API of the rotating 单元长 and training (PRODUCT.md "Stable interfaces": ``/rotations``,
``/trainings`` in the usual ``{"items", "count"}`` shape).

- ``GET /rotations?community=CODE`` — the units' rotas the caller sees (workers their community;
  a leader the units of their posts): this month's and next month's household on duty and
  whether a handover waits for confirmation; ``GET /rotations/{id}`` adds every month.
- ``GET /trainings?community=CODE&year=YYYY`` — sessions (workers and the 街道: their
  communities; a leader: the sessions they were invited to); ``GET /trainings/{id}`` adds the
  invitees and attendance.

Read-only: no phone, ID or other personal field; households by room, people by name. Errors:
400 (a NUL character in a parameter), 404 outside the caller's scope, 422 out-of-range values.
"""

import datetime as dt

from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import Field

from loudong.accounts.access import scope_for
from loudong.accounts.roles import Cap
from loudong.community import rotation as rota
from loudong.community.models import Rotation, RotationTurn, TrainingSession
from loudong.lib.api import DbInt, ErrorOut, Pagination
from loudong.territory.access import community_by_code
from loudong.territory.models import Unit

router = Router(tags=["三长机制"])
READ_ERRORS = {400: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _plain(**params) -> None:
    for name, value in params.items():
        if isinstance(value, str) and "\x00" in value:
            raise HttpError(400, f"{name}：不能包含空字符")


# -- rotations ------------------------------------------------------------------------------------


class DutyOut(Schema):
    month: str
    room: str
    duty_name: str
    status: str
    handover_written: dt.datetime | None
    handover_confirmed: dt.datetime | None


def _duty(turn: RotationTurn | None, handover=None) -> dict | None:
    if turn is None:
        return None
    return {
        "month": f"{turn.month:%Y-%m}",
        "room": turn.household.room,
        "duty_name": turn.duty_name,
        "status": turn.status,
        "handover_written": handover.written if handover else None,
        "handover_confirmed": handover.confirmed if handover else None,
    }


class RotationOut(Schema):
    id: int
    community: str
    unit: int
    unit_label: str
    active: bool
    current: DutyOut | None
    next: DutyOut | None
    awaiting_confirmation: int


class RotationDetailOut(RotationOut):
    months: list[DutyOut]


def _rotation_dict(rotation: Rotation, today: dt.date) -> dict:
    duty = rota.duty_for_unit(rotation.unit, today)
    month = rota.month_of(today)
    return {
        "id": rotation.pk,
        "community": rotation.community.code,
        "unit": rotation.unit_id,
        "unit_label": str(rotation.unit),
        "active": rotation.active,
        "current": _duty(duty.current if duty else None, _handover(duty.current if duty else None)),
        "next": _duty(duty.next if duty else None, _handover(duty.next if duty else None)),
        "awaiting_confirmation": rota.awaiting_confirmation()
        .filter(rotation=rotation, month__lt=month)
        .count(),
    }


def _handover(turn):
    return rota.Handover.objects.filter(turn=turn).first() if turn else None


def _rotations(request):
    return Rotation.objects.filter(unit__in=Unit.objects.visible_to(request.user)).select_related(
        "community", "unit__building__compound"
    )


@router.get("/rotations", response=list[RotationOut])
@paginate(Pagination)
def list_rotations(request, community: str | None = None):
    """The 自愿轮值 rotas of the caller's units (seed 004 §三.12)."""
    _plain(community=community)
    rows = _rotations(request)
    if community:
        rows = rows.filter(community=community_by_code(request.user, community))
    today = timezone.localdate()
    return [_rotation_dict(r, today) for r in rows.order_by("community_id", "unit_id")]


@router.get("/rotations/{rotation_id}", response={200: RotationDetailOut, **READ_ERRORS})
def get_rotation(request, rotation_id: DbInt):
    rotation = _rotations(request).filter(pk=rotation_id).first()
    if rotation is None:
        raise Http404
    data = _rotation_dict(rotation, timezone.localdate())
    turns = rotation.turns.select_related("household").order_by("month")
    handovers = {h.turn_id: h for h in rota.Handover.objects.filter(turn__rotation=rotation)}
    data["months"] = [_duty(t, handovers.get(t.pk)) for t in turns]
    return data


# -- trainings ------------------------------------------------------------------------------------


class TrainingOut(Schema):
    id: int
    community: str
    date: dt.date
    topic: str
    trainer: str
    place: str
    invited: int
    attended: int
    attendance_recorded: bool


class InviteeOut(Schema):
    person: int
    name: str
    attended: bool | None


class TrainingDetailOut(TrainingOut):
    invitees: list[InviteeOut]


def _trainings(request):
    from loudong.fieldwork.access import leader_area

    q = Q(community_id__in=sorted(scope_for(request.user, Cap.EDIT).community_ids))
    area = leader_area(request.user)
    if area:
        q |= Q(invitees__person=area.person)
    return TrainingSession.objects.filter(q).distinct().select_related("community")


def _training_dict(session) -> dict:
    invitees = list(session.invitees.all())
    return {
        "id": session.pk,
        "community": session.community.code,
        "date": session.date,
        "topic": session.topic,
        "trainer": session.trainer,
        "place": session.place,
        "invited": len(invitees),
        "attended": sum(1 for i in invitees if i.attended),
        "attendance_recorded": session.attendance_recorded is not None,
    }


class TrainingFilter(Schema):
    community: str | None = None
    year: int | None = Field(None, ge=2000, le=2100, description="年度")


@router.get("/trainings", response=list[TrainingOut])
@paginate(Pagination)
def list_trainings(request, filters: Query[TrainingFilter]):
    """业务培训 sessions (seed 000 §三.5), newest first."""
    _plain(community=filters.community)
    rows = _trainings(request).prefetch_related("invitees")
    if filters.community:
        rows = rows.filter(community=community_by_code(request.user, filters.community))
    if filters.year:
        rows = rows.filter(date__year=filters.year)
    return [_training_dict(s) for s in rows.order_by("-date", "-id")]


@router.get("/trainings/{training_id}", response={200: TrainingDetailOut, **READ_ERRORS})
def get_training(request, training_id: DbInt):
    session = _trainings(request).filter(pk=training_id).first()
    if session is None:
        raise Http404
    data = _training_dict(session)
    data["invitees"] = [
        {"person": i.person_id, "name": i.person.name, "attended": i.attended}
        for i in session.invitees.select_related("person").order_by("person__name")
    ]
    return data
