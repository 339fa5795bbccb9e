"""Roster API: persons, posts, appointments, selections (+ workflow moves).

Mounted into ``loudong.api.api`` with ``api.add_router("", router)``. Lists return the caller's
scope, ``community=CODE`` outside it is 404; phones masked (3 + **** + 4); ``limit`` ≤ 1000.
POST moves use the same actions (and guards) as the pages: 404 outside scope, 403 for a role
that may not do the step, 400 with the Chinese reason for a refused move.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from loudong.accounts.access import disclosure_for
from loudong.lib.api import DbInt, Pagination, visible_or_404
from loudong.lib.masking import age_band
from loudong.roster.actions import appointments as appointment_actions
from loudong.roster.actions import selections as selection_actions
from loudong.roster.actions.common import Refused
from loudong.roster.models import Appointment, Person, Post, Selection
from loudong.territory.access import community_by_code

router = Router(tags=["楼栋长队伍"])


class PersonOut(Schema):
    id: int
    community: str
    name: str
    sex: str
    birth_date: dt.date | None
    age_band: str
    phone: str
    is_party_member: bool
    is_party_group_leader: bool
    is_committee: bool
    education: str
    pool: str

    @staticmethod
    def resolve_community(obj):
        return obj.community.code

    @staticmethod
    def resolve_phone(obj):
        return obj.phone.masked

    @staticmethod
    def resolve_birth_date(obj, context):
        # Only for a caller who may reveal this person; the others get the age band alone.
        return disclosure_for(context["request"].user, obj).birth_date(obj.birth_date)

    @staticmethod
    def resolve_age_band(obj):
        return age_band(obj.birth_date)


class PostOut(Schema):
    id: int
    community: str
    kind: str
    title: str
    grid: str | None
    active: bool
    holder: int | None

    @staticmethod
    def resolve_community(obj):
        return obj.community.code

    @staticmethod
    def resolve_grid(obj):
        return obj.grid_code or None

    @staticmethod
    def resolve_holder(obj):
        current = getattr(obj, "current", None)
        return current[0].person_id if current else None


class AppointmentOut(Schema):
    id: int
    person: int
    person_name: str
    post: int
    grid: str | None
    start: dt.date
    end: dt.date | None
    agreement_docx: str

    @staticmethod
    def resolve_person(obj):
        return obj.person_id

    @staticmethod
    def resolve_person_name(obj):
        return obj.person.name

    @staticmethod
    def resolve_post(obj):
        return obj.post_id

    @staticmethod
    def resolve_grid(obj):
        return obj.post.grid_code or None

    @staticmethod
    def resolve_agreement_docx(obj, context):
        # Built by the documents app (志愿服务协议书 filled from this appointment); absolute,
        # so that a script can fetch it as it is.
        path = reverse("documents:agreement_docx", args=[obj.pk])
        return context["request"].build_absolute_uri(path)


class SelectionOut(Schema):
    id: int
    community: str
    post: int
    candidate: int
    candidate_name: str
    channel: str
    status: str
    notice_start: dt.date | None
    notice_end: dt.date | None
    votes: int

    @staticmethod
    def resolve_community(obj):
        return obj.community.code

    @staticmethod
    def resolve_post(obj):
        return obj.post_id

    @staticmethod
    def resolve_candidate(obj):
        return obj.candidate_id

    @staticmethod
    def resolve_candidate_name(obj):
        return obj.candidate.name

    @staticmethod
    def resolve_votes(obj):
        return getattr(obj, "vote_count", 0)


def _scoped(queryset, request, community):
    queryset = queryset.visible_to(request.user)
    if community:
        queryset = queryset.filter(community=community_by_code(request.user, community))
    return queryset


@router.get("/persons", response=list[PersonOut])
@paginate(Pagination)
def list_persons(request, community: str | None = None):
    return _scoped(Person.objects.select_related("community"), request, community).order_by("id")


@router.get("/posts", response=list[PostOut])
@paginate(Pagination)
def list_posts(
    request, community: str | None = None, vacant: bool | None = None, kind: str | None = None
):
    from loudong.roster.views import _active_prefetch

    posts = (
        _scoped(Post.objects.select_related("community"), request, community)
        .filter(active=True)
        .prefetch_related(_active_prefetch())
    )
    if kind:
        posts = posts.filter(kind=kind)
    if vacant:
        posts = posts.exclude(appointments__status="active")
    return posts.order_by("id")


@router.get("/appointments", response=list[AppointmentOut])
@paginate(Pagination)
def list_appointments(request, community: str | None = None, active: bool | None = None):
    appointments = _scoped(Appointment.objects.select_related("person", "post"), request, community)
    if active is not None:
        appointments = appointments.filter(status="active" if active else "ended")
    return appointments.order_by("id")


@router.get("/selections", response=list[SelectionOut])
@paginate(Pagination)
def list_selections(request, community: str | None = None, status: str | None = None):
    from django.db.models import Count

    selections = _scoped(
        Selection.objects.select_related("community", "candidate"), request, community
    ).annotate(vote_count=Count("votes"))
    if status:
        selections = selections.filter(status=status)
    return selections.order_by("id")


def _selection(request, pk):
    selection = (
        Selection.objects.visible_to(request.user)
        .select_related("community", "candidate", "post")
        .filter(pk=pk)
        .first()
    )
    if selection is None:
        raise Http404
    return selection


@router.get("/selections/{selection_id}", response=SelectionOut)
def get_selection(request, selection_id: DbInt):
    return _selection(request, selection_id)


class MoveIn(Schema):
    to_status: str
    outcome: str = ""
    notes: str = ""
    notice_start: dt.date | None = None
    override_reason: str = ""


class AppointIn(Schema):
    start: dt.date
    term_end: dt.date | None = None
    override_reason: str = ""
    concurrent_reason: str = ""
    concurrent_consent: bool = False


def _run(verb, **kwargs):
    try:
        return verb(**kwargs)
    except Refused as exc:
        raise HttpError(400, exc.message) from None
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or "无权操作") from None


@router.post("/selections/{selection_id}/move", response=SelectionOut)
def move_selection(request, selection_id: DbInt, payload: MoveIn):
    selection = _selection(request, selection_id)
    return _run(
        selection_actions.move_selection,
        selection=selection,
        acting_user=request.user,
        request=request,
        **payload.dict(),
    )


@router.post("/selections/{selection_id}/appoint", response=AppointmentOut)
def appoint(request, selection_id: DbInt, payload: AppointIn):
    selection = _selection(request, selection_id)
    return _run(
        appointment_actions.appoint,
        selection=selection,
        acting_user=request.user,
        request=request,
        **payload.dict(),
    )


class TakeOverIn(Schema):
    person: DbInt
    start: dt.date
    term_end: dt.date | None = None
    reason: str = ""
    consent: bool = False
    override_reason: str = ""


class ErrorOut(Schema):
    detail: str


@router.post(
    "/posts/{post_id}/take-over",
    response={201: AppointmentOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def take_over(request, post_id: DbInt, payload: TakeOverIn):
    """An existing 楼栋长 takes over a vacant grid (兼任, 000 §三.1); no 公示 of its own.

    201 with the appointment; 400 with the Chinese refusal (limit of grids, post already
    held, missing reason or consent, dates); 404 for a post or person outside your scope.
    """
    post = visible_or_404(Post.objects.select_related("community"), request, post_id)
    person = visible_or_404(Person.objects, request, payload.person)
    appointment = _run(
        appointment_actions.take_over,
        post=post,
        person=person,
        acting_user=request.user,
        request=request,
        **payload.dict(exclude={"person"}),
    )
    return Status(201, appointment)
