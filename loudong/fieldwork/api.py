"""Field-work API (PRODUCT.md "Stable interfaces", field work), plus a read-only Open311 view.

- ``POST /visits``, ``GET /visits``; ``POST /service-records``, ``GET /service-records``;
- ``GET /incident-categories``; ``POST /incidents``; ``GET /incidents``; ``GET /incidents/{id}``
  (with ``history``); ``POST /incidents/{id}/{move}`` for every move the pages offer;
- POSTs take an ``Idempotency-Key`` header: the same key from the same user returns the record it
  made (same status and body), never a second one;
- ``GET /open311/v2/services.json``, ``/open311/v2/requests.json``,
  ``/open311/v2/requests/{id}.json``: GeoReport v2 for 12345 / 城运 platforms — Bearer token
  only (never a session, never public), the token holder's scope, and no reporters' contacts,
  parties, photos or descriptions of people (``description`` is the problem as reported).

Errors: 400 ``{"detail": "<Chinese reason>"}`` for a refused input or move; 403 for a move the
caller's role may not make (audited); 404 outside the caller's scope; 422 for a body that does
not match the schema (ninja's validation).
"""

import datetime as dt
import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import ValidationError as PydanticError
from pydantic import field_validator

from loudong.api.auth import TokenAuth
from loudong.fieldwork import categories as category_rows
from loudong.fieldwork.access import (
    body_community_ids,
    get_incident_for_user,
    leader_area,
    leader_households,
    visible_records,
)
from loudong.fieldwork.actions import incidents as incident_actions
from loudong.fieldwork.actions import service as service_actions
from loudong.fieldwork.actions import visits as visit_actions
from loudong.fieldwork.actions.common import Refused
from loudong.fieldwork.models import Incident, ServiceRecord, Visit
from loudong.lib.api import DbInt, Pagination
from loudong.policy.profile import profile_for
from loudong.territory.access import community_by_code
from loudong.territory.models import Building, Household, Region, Unit

router = Router(tags=["日常工作"])


class ErrorOut(Schema):
    detail: str


class InvalidOut(Schema):
    """422: the body does not match the schema (ninja lists each field's problem)."""

    detail: Any


ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: InvalidOut}


def _run(verb, **kwargs):
    try:
        return verb(**kwargs)
    except Refused as exc:
        raise HttpError(400, exc.message) from None
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or "无权操作") from None


def _key(request) -> str:
    key = request.headers.get("Idempotency-Key", "")
    if "\x00" in key:
        raise HttpError(400, "Idempotency-Key：不能包含空字符")
    return key


def _plain(**params) -> None:
    """Query parameters are text a database accepts: no NUL character (PostgreSQL refuses it)."""
    for name, value in params.items():
        if isinstance(value, str) and "\x00" in value:
            raise HttpError(400, f"{name}：不能包含空字符")


class In(Schema):
    """A request body; text fields may not carry a NUL character (422)."""

    @field_validator("*", mode="before")
    @classmethod
    def no_nul(cls, value):
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("不能包含空字符")
        return value


# -- visits ---------------------------------------------------------------------------------------


class VisitIn(In):
    date: dt.date
    households: list[int]
    notes: str = ""
    companions: str = ""
    duration_minutes: int | None = None


class VisitOut(Schema):
    id: int
    date: dt.date
    person: int
    households: list[int]
    notes: str
    companions: str
    duration_minutes: int | None

    @staticmethod
    def resolve_person(obj):
        return obj.person_id

    @staticmethod
    def resolve_households(obj):
        return sorted(obj.visited.values_list("household_id", flat=True))


@router.post("/visits", response={201: VisitOut, **ERRORS})
def create_visit(request, payload: VisitIn):
    """A visit by the calling leader to households of the leader's posts (201; a replay of the
    same ``Idempotency-Key`` returns the first visit). A household outside the leader's posts
    is 404."""
    if not leader_area(request.user):
        raise HttpError(403, "只有在任的楼栋长（单元长、网格长）可以登记走访")
    mine = set(
        leader_households(request.user, occupied_only=False)
        .filter(pk__in=payload.households)
        .values_list("pk", flat=True)
    )
    if set(payload.households) - mine:
        raise Http404
    visit, _ = _run(
        visit_actions.record_visit,
        acting_user=request.user,
        date=payload.date,
        households=payload.households,
        notes=payload.notes,
        companions=payload.companions,
        duration_minutes=payload.duration_minutes,
        idempotency_key=_key(request),
        request=request,
    )
    return Status(201, visit)


@router.get("/visits", response=list[VisitOut])
@paginate(Pagination)
def list_visits(
    request, community: str | None = None, start: dt.date | None = None, end: dt.date | None = None
):
    _plain(community=community)
    visits = visible_records(Visit.objects.prefetch_related("visited"), request.user)
    if community:
        visits = visits.filter(community=community_by_code(request.user, community))
    if start:
        visits = visits.filter(date__gte=start)
    if end:
        visits = visits.filter(date__lte=end)
    return visits.order_by("-date", "-id")


# -- service records ------------------------------------------------------------------------------


class ServiceIn(In):
    date: dt.date
    category: str
    content: str
    people_served: int = 0
    households: list[int] = []
    post: int | None = None


class ServiceOut(Schema):
    id: int
    date: dt.date
    person: int
    post: int | None
    category: str
    category_label: str
    content: str
    people_served: int

    @staticmethod
    def resolve_person(obj):
        return obj.person_id

    @staticmethod
    def resolve_post(obj):
        return obj.post_id


@router.post("/service-records", response={201: ServiceOut, **ERRORS})
def create_service_record(request, payload: ServiceIn):
    """A service record under one of the profile's duties (``category`` is the duty code)."""
    record, _ = _run(
        service_actions.record_service,
        acting_user=request.user,
        date=payload.date,
        category=payload.category,
        content=payload.content,
        people_served=payload.people_served,
        households=payload.households,
        post=payload.post,
        idempotency_key=_key(request),
        request=request,
    )
    return Status(201, record)


@router.get("/service-records", response=list[ServiceOut])
@paginate(Pagination)
def list_service_records(request, community: str | None = None):
    _plain(community=community)
    records = visible_records(ServiceRecord.objects.all(), request.user)
    if community:
        records = records.filter(community=community_by_code(request.user, community))
    return records.order_by("-date", "-id")


# -- incidents ------------------------------------------------------------------------------------


class CategoryOut(Schema):
    code: str
    name: str
    parent: str | None


def _profile_for_caller(request, community):
    if community:
        return profile_for(community_by_code(request.user, community))
    area = leader_area(request.user)
    if area:
        return profile_for(area.person.community)
    ids = body_community_ids(request.user)
    if not ids:
        raise Http404
    return profile_for(Region.objects.filter(pk__in=ids).order_by("code").first())


@router.get("/incident-categories", response=list[CategoryOut])
@paginate(Pagination)
def list_categories(request, community: str | None = None):
    """The two-level category tree of the caller's (or the community's) profile."""
    _plain(community=community)
    rows = category_rows.categories_for(_profile_for_caller(request, community))
    return [
        {"code": r.code, "name": r.label, "parent": r.parent.code if r.parent_id else None}
        for r in rows
    ]


class IncidentIn(In):
    category: str
    severity: str = "normal"
    building: int | None = None
    unit: int | None = None
    household: int | None = None
    description: str
    place_text: str = ""
    parties: str = ""
    resolution: str = ""
    reporter_phone: str = ""
    on_behalf: bool = False
    # The work group the report came from (seed 004 §三.10), a ``/groups`` id.
    group: DbInt | None = None


class IncidentOut(Schema):
    id: int
    community: str
    category: str
    category_name: str
    severity: str
    status: str
    level: str
    due: dt.datetime | None
    overdue: bool
    building: int | None
    unit: int | None
    created: dt.datetime

    @staticmethod
    def resolve_community(obj):
        return obj.community.code

    @staticmethod
    def resolve_category(obj):
        return obj.category.code

    @staticmethod
    def resolve_category_name(obj):
        return str(obj.category)

    @staticmethod
    def resolve_overdue(obj):
        return obj.is_overdue()

    @staticmethod
    def resolve_building(obj):
        return obj.building_id

    @staticmethod
    def resolve_unit(obj):
        return obj.unit_id


class IncidentDetailOut(IncidentOut):
    description: str
    resolution: str
    reopen_count: int
    merged_into: int | None
    history: list[dict]
    moves: list[str]

    @staticmethod
    def resolve_merged_into(obj):
        return obj.merged_into_id

    @staticmethod
    def resolve_history(obj):
        return [
            {
                "move": e.move,
                "from": e.from_status,
                "to": e.to_status,
                "from_level": e.from_level,
                "level": e.to_level,
                "at": e.at.isoformat(),
                "by": e.by,
                "text": e.text,
            }
            for e in obj.events.select_related("actor").order_by("at", "id")
        ]

    @staticmethod
    def resolve_moves(obj, context):
        from loudong.fieldwork.access import allowed_moves

        return allowed_moves(context["request"].user, obj)


def _get(model, pk):
    row = model.objects.filter(pk=pk).first()
    if row is None:
        raise Http404
    return row


@router.post("/incidents", response={201: IncidentOut, **ERRORS})
def create_incident(request, payload: IncidentIn):
    """Report an incident at a building, unit or household (201 with ``id``, ``status``,
    ``level``, ``due``). A leader's report is either solved on the spot (give ``resolution``) or
    reported up at once; a worker's stays with the community. A place outside the caller's area
    is 404."""
    household = _get(Household, payload.household) if payload.household else None
    unit = _get(Unit, payload.unit) if payload.unit and not household else None
    building = (
        _get(Building, payload.building) if payload.building and not (household or unit) else None
    )
    if not (household or unit or building):
        raise HttpError(400, "地点：请给出 building、unit 或 household")
    source_group = None
    if payload.group is not None:
        from loudong.community.models import ChatGroup

        source_group = ChatGroup.objects.visible_to(request.user).filter(pk=payload.group).first()
        if source_group is None:
            raise Http404
    if household is not None and leader_area(request.user) and not body_community_ids(request.user):
        if (
            not leader_households(request.user, occupied_only=False)
            .filter(pk=household.pk)
            .exists()
        ):
            raise Http404
    reported = _run(
        incident_actions.report_incident,
        acting_user=request.user,
        category=payload.category,
        severity=payload.severity,
        description=payload.description,
        household=household,
        unit=unit,
        building=building,
        source_group=source_group,
        place_text=payload.place_text,
        parties=payload.parties,
        reporter_phone=payload.reporter_phone,
        on_behalf=payload.on_behalf,
        then="solve" if payload.resolution.strip() else "escalate",
        resolution=payload.resolution,
        idempotency_key=_key(request),
        request=request,
    )
    return Status(201, reported.incident)


@router.get("/incidents", response=list[IncidentOut])
@paginate(Pagination)
def list_incidents(
    request,
    community: str | None = None,
    status: str | None = None,
    overdue: int | None = None,
    level: str | None = None,
    category: str | None = None,
):
    """The caller's incidents (a leader: the posts' area and own reports), newest first."""
    _plain(community=community, status=status, level=level, category=category)
    incidents = Incident.objects.visible_to(request.user).select_related(
        "community", "category__parent"
    )
    if community:
        incidents = incidents.filter(community=community_by_code(request.user, community))
    if status:
        incidents = incidents.filter(status=status)
    if level:
        incidents = incidents.filter(level=level)
    if category:
        incidents = incidents.filter(category__code=category) | incidents.filter(
            category__parent__code=category
        )
    if overdue:
        incidents = incidents.filter(
            status__in=Incident.OPEN, paused_since__isnull=True, due__lte=timezone.now()
        )
    return incidents.order_by("-created", "-id")


@router.get("/incidents/{incident_id}", response={200: IncidentDetailOut, 404: ErrorOut})
def get_incident(request, incident_id: int):
    return get_incident_for_user(request.user, incident_id, request=request)


class IncidentMoveIn(In):
    reason: str = ""
    resolution: str = ""
    text: str = ""
    department: str = ""
    days: int | None = None
    into: int | None = None
    assignee: int | None = None
    grade: str = ""
    comment: str = ""


@router.post(
    "/incidents/{incident_id}/{move}",
    response={200: IncidentDetailOut, **ERRORS},
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": IncidentMoveIn.model_json_schema()}},
        }
    },
)
def move_incident(request, incident_id: int, move: str):
    """One move: ``accept``, ``reply`` {text}, ``resolve`` {resolution}, ``escalate`` {reason},
    ``return`` {reason}, ``transfer`` {department, reason}, ``extend`` {days, reason},
    ``approve_extension``, ``reject_extension`` {reason}, ``supervise`` {reason}, ``assign``
    {assignee}, ``merge`` {into}, ``close`` {resolution}, ``rate`` {grade, comment}, ``reopen``
    {reason}. The body is optional (``accept`` needs none). 400 with the reason when the move is
    refused; 403 when the caller's role may not make it here (audited); 404 outside scope or for
    an unknown move; 422 for a body that is not a JSON object of these fields."""
    incident = get_incident_for_user(request.user, incident_id, request=request)
    if move not in incident_actions.MOVES:
        raise Http404
    try:
        if request.content_type == "application/json":
            data = json.loads(request.body or b"{}")
        else:  # no body, or form fields
            data = {k: v for k, v in request.POST.items() if k in IncidentMoveIn.model_fields}
        payload = IncidentMoveIn(**data) if isinstance(data, dict) else None
    except (ValueError, TypeError, PydanticError):
        payload = None
    if payload is None:
        raise HttpError(422, "请求内容须为 JSON 对象，字段见接口文档")
    fields = {k: v for k, v in payload.dict().items() if v not in (None, "")}
    return _run(
        incident_actions.move_incident,
        incident=incident,
        move=move,
        acting_user=request.user,
        request=request,
        **fields,
    )


# -- Open311 GeoReport v2 (read-only) -----------------------------------------------------------


open311 = Router(tags=["Open311 GeoReport v2（只读）"], auth=TokenAuth())


class ServiceDefinition(Schema):
    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: str
    keywords: str
    group: str


class ServiceRequest(Schema):
    service_request_id: str
    status: str
    status_notes: str
    service_name: str
    service_code: str
    description: str
    agency_responsible: str
    service_notice: str
    requested_datetime: dt.datetime
    updated_datetime: dt.datetime
    expected_datetime: dt.datetime | None
    address: str
    address_id: str
    zipcode: str
    lat: float | None
    long: float | None
    media_url: str


def _service_request(incident) -> dict:
    building = incident.building or (incident.unit.building if incident.unit_id else None)
    return {
        "service_request_id": str(incident.pk),
        "status": "open" if incident.is_open or incident.status == "resolved" else "closed",
        "status_notes": f"{incident.get_status_display()}（{incident.level_label}）",
        "service_name": str(incident.category),
        "service_code": incident.category.code,
        "description": incident.description,
        "agency_responsible": f"{incident.community.name}{incident.level_label}",
        "service_notice": "",
        "requested_datetime": incident.created,
        "updated_datetime": incident.updated,
        "expected_datetime": incident.due if incident.is_open else None,
        "address": f"{incident.community.name}{incident.place}",
        "address_id": str(building.pk) if building else "",
        "zipcode": "",
        "lat": building.lat if building else None,
        "long": building.lon if building else None,
        "media_url": "",  # photos are never published
    }


@open311.get("/open311/v2/services.json", response=list[ServiceDefinition])
def open311_services(request):
    """GeoReport v2 ``GET services``: the incident categories (children within their group)."""
    rows = category_rows.categories_for(_profile_for_caller(request, None))
    return [
        {
            "service_code": r.code,
            "service_name": r.label,
            "description": str(r),
            "metadata": False,
            "type": "batch",
            "keywords": "",
            "group": r.parent.label if r.parent_id else r.label,
        }
        for r in rows
    ]


@open311.get("/open311/v2/requests.json", response=list[ServiceRequest])
def open311_requests(
    request,
    service_request_id: str | None = None,
    service_code: str | None = None,
    start_date: dt.datetime | None = None,
    end_date: dt.datetime | None = None,
    status: str | None = None,
):
    """GeoReport v2 ``GET requests``: the token holder's incidents, default the last 90 days,
    at most 1000 (the spec's default window). No contacts, parties or photos."""
    _plain(service_request_id=service_request_id, service_code=service_code, status=status)
    rows = Incident.objects.visible_to(request.user).select_related(
        "community",
        "category__parent",
        "building__compound",
        "unit__building__compound",
        "compound",
    )
    if service_request_id:
        ids = [int(i) for i in service_request_id.split(",") if i.strip().isdigit()]
        rows = rows.filter(pk__in=ids)
    else:
        end = end_date or timezone.now()
        start = start_date or end - dt.timedelta(days=90)
        rows = rows.filter(created__gte=start, created__lte=end)
    if service_code:
        rows = rows.filter(category__code=service_code) | rows.filter(
            category__parent__code=service_code
        )
    if status == "open":
        rows = rows.filter(status__in=[*Incident.OPEN, "resolved"])
    elif status == "closed":
        rows = rows.filter(status__in=["closed", "merged"])
    return [_service_request(i) for i in rows.order_by("-created", "-id")[:1000]]


@open311.get(
    "/open311/v2/requests/{request_id}.json", response={200: list[ServiceRequest], 404: ErrorOut}
)
def open311_request(request, request_id: int):
    """GeoReport v2 ``GET service request``: one incident, as a one-item list (the spec's shape)."""
    return [_service_request(get_incident_for_user(request.user, request_id, request=request))]
