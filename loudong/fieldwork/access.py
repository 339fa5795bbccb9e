"""Who sees which field-work rows, and who may make which move on an incident.

PRODUCT.md: a 楼栋长 sees "the households of the posts held, nothing else of the registry".
So a leader's scope here is narrower than the community role's: the households of the leader's
posts in force, the incidents of those places (and the ones the leader reported), the leader's
own visits and records. Workers see their community, the 街道管理员 the subdistrict. Out of
scope is a 404 (audited); a move the user may not make is a 403 (audited).
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from loudong.accounts.access import _audit_refusal, scope_for
from loudong.accounts.audit import AuditAction, record
from loudong.accounts.roles import Cap, Role
from loudong.fieldwork.ladder import has_person, user_levels
from loudong.policy.profile import LEADER_LEVELS

LEADER_ROLES = frozenset({Role.BUILDING_LEADER, Role.UNIT_LEADER, Role.GRID_HEAD})
BODY_ROLES = frozenset({Role.COMMUNITY_WORKER, Role.SUBDISTRICT_ADMIN})


def is_leader_only(user) -> bool:
    """Every role of the user is a leader's (楼栋长、单元长、网格长): the phone pages are home."""
    roles = user.active_roles() if getattr(user, "is_authenticated", False) else []
    return bool(roles) and all(a.role in LEADER_ROLES for a in roles)


def body_community_ids(user) -> frozenset[int]:
    """Communities where the user acts as a body (社区工作者 of it, 街道管理员 above it)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cache = user.__dict__
    if "_fieldwork_body" not in cache:
        from loudong.territory.models import Region

        paths = [a.region.path for a in user.active_roles() if a.role in BODY_ROLES and a.region_id]
        ids = frozenset()
        if paths:
            q = Q(pk__in=[])
            for path in paths:
                q |= Q(path__startswith=path)
            ids = frozenset(
                Region.objects.filter(q, level=Region.Level.COMMUNITY).values_list("pk", flat=True)
            )
        # Never wider than the role's field-work capability.
        cache["_fieldwork_body"] = ids & scope_for(user, Cap.FIELDWORK).community_ids
    return cache["_fieldwork_body"]


@dataclass(frozen=True)
class LeaderArea:
    """What a leader's posts in force cover."""

    person: object = None
    appointments: tuple = ()
    grid_codes: frozenset[str] = frozenset()
    building_ids: frozenset[int] = frozenset()
    unit_ids: frozenset[int] = frozenset()
    community_ids: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.appointments)

    @property
    def posts(self):
        return [a.post for a in self.appointments]


def leader_area(user) -> LeaderArea:
    """The user's roster person and the leader posts they hold now (cached on the user)."""
    if not getattr(user, "is_authenticated", False) or not has_person(user):
        return LeaderArea()
    if "_fieldwork_area" in user.__dict__:
        return user.__dict__["_fieldwork_area"]
    from loudong.roster.models import Appointment, Person

    person = Person.objects.filter(user=user).select_related("community").first()
    appointments = tuple(
        Appointment.objects.filter(
            person=person,
            status=Appointment.Status.ACTIVE,
            is_legacy=False,
            post__active=True,
            post__kind__in=LEADER_LEVELS,
        )
        .select_related("post", "post__community")
        .order_by("post__kind", "post__grid_code", "post_id")
    )
    # A leader may act only in communities where the account holds field-work rights.
    allowed = scope_for(user, Cap.FIELDWORK).community_ids
    appointments = tuple(a for a in appointments if a.post.community_id in allowed)
    area = LeaderArea(
        person=person,
        appointments=appointments,
        grid_codes=frozenset(a.post.grid_code for a in appointments if a.post.grid_code),
        building_ids=frozenset(
            a.post.building_id for a in appointments if a.post.building_id and not a.post.unit_id
        ),
        unit_ids=frozenset(a.post.unit_id for a in appointments if a.post.unit_id),
        community_ids=frozenset(a.post.community_id for a in appointments),
    )
    user.__dict__["_fieldwork_area"] = area
    return area


def area_q(area: LeaderArea, prefix: str = "") -> Q:
    """Rows (incidents, or anything with grid_code/building/unit) in a leader's area."""
    q = Q(pk__in=[])
    if area.grid_codes:
        q |= Q(**{f"{prefix}grid_code__in": sorted(area.grid_codes)})
    if area.building_ids:
        q |= Q(**{f"{prefix}building_id__in": sorted(area.building_ids)})
    if area.unit_ids:
        q |= Q(**{f"{prefix}unit_id__in": sorted(area.unit_ids)})
    return q


def incident_q(user) -> Q:
    q = Q(pk__in=[])
    if not getattr(user, "is_authenticated", False):
        return q
    body = body_community_ids(user)
    if body:
        q |= Q(community_id__in=sorted(body))
    area = leader_area(user)
    if area:
        q |= area_q(area) & Q(community_id__in=sorted(area.community_ids))
    if scope_for(user, Cap.FIELDWORK):
        q |= Q(reporter_user=user)
    return q


def leader_households(user, *, occupied_only: bool = True):
    """The households of the user's posts in force (one filtered queryset)."""
    from loudong.territory.models import Household

    area = leader_area(user)
    if not area:
        return Household.objects.none()
    q = Q(pk__in=[])
    for appointment in area.appointments:
        q |= Q(pk__in=appointment.post.households(occupied_only=occupied_only).values("pk"))
    return Household.objects.filter(q)


def visible_records(queryset, user):
    """Visits, service records, reports: a body sees its communities; a leader their own."""
    q = Q(pk__in=[])
    body = body_community_ids(user)
    if body:
        q |= Q(community_id__in=sorted(body))
    area = leader_area(user)
    if area.person is not None:
        q |= Q(person=area.person)
    return queryset.filter(q)


def get_incident_for_user(user, pk, *, request=None):
    """One incident the user may see, else 404 (audited when it exists)."""
    from loudong.fieldwork.models import Incident

    queryset = Incident.objects.select_related(
        "community",
        "compound",
        "building__compound",
        "unit__building__compound",
        "category__parent",
    )
    try:
        return queryset.visible_to(user).get(pk=pk)
    except (Incident.DoesNotExist, ValueError, TypeError):
        if str(pk).isdigit() and Incident.objects.filter(pk=pk).exists():
            _audit_refusal(user, request, f"越权访问 事件 #{pk}")
        raise Http404 from None


# -- moves ----------------------------------------------------------------------------------------

HOLDER_MOVES = {
    "accept",
    "reply",
    "resolve",
    "escalate",
    "return",
    "transfer",
    "extend",
    "close",
}
BODY_HOLDER_MOVES = {"merge", "assign"}
REPORTER_MOVES = {"rate", "reopen"}
ALL_MOVES = (
    HOLDER_MOVES
    | BODY_HOLDER_MOVES
    | REPORTER_MOVES
    | {"supervise", "approve_extension", "reject_extension"}
)


def acting_levels(incident) -> set[str]:
    """The levels that act on the incident now: the one holding it, and for an urgent incident
    held at an urgent level every urgent level (004 §三.10: "遇有紧急突发事件时，及时向街道社区
    和相关职能部门报告")."""
    profile = incident.profile().fieldwork
    levels = {incident.level}
    if incident.severity == "urgent" and incident.level in profile.urgent_levels:
        levels |= set(profile.urgent_levels)
    return levels


def allowed_moves(user, incident) -> list[str]:
    """Moves this user may make on this incident now (the guard and the role)."""
    profile = incident.profile().fieldwork
    levels = user_levels(user, incident)
    moves = set()
    acting = levels & acting_levels(incident)
    if acting:
        moves |= HOLDER_MOVES
        if acting - set(LEADER_LEVELS):
            moves |= BODY_HOLDER_MOVES
    if incident.level in profile.ladder:
        above = set(profile.ladder[profile.ladder.index(incident.level) + 1 :])
        if levels & above:
            moves.add("supervise")
        approver = profile.above(incident.level) or incident.level
        if approver in levels:
            moves |= {"approve_extension", "reject_extension"}
    if incident.reporter_user_id == user.pk:
        moves |= REPORTER_MOVES
    if incident.reporter_kind == "phone" and "community" in levels:
        moves |= REPORTER_MOVES  # 回访: the worker records the caller's answer
    return [m for m in MOVE_ORDER if m in moves and move_possible(incident, m)]


# The order the pages offer moves in: the usual path first.
MOVE_ORDER = (
    "accept",
    "reply",
    "resolve",
    "escalate",
    "return",
    "transfer",
    "extend",
    "approve_extension",
    "reject_extension",
    "supervise",
    "assign",
    "merge",
    "close",
    "rate",
    "reopen",
)


def move_possible(incident, move: str) -> bool:
    """The workflow guard plus the state a move needs (a pending extension, a level above…)."""
    if not incident.can_move(move):
        return False
    profile = incident.profile().fieldwork
    if move in ("approve_extension", "reject_extension"):
        return incident.is_paused
    if move == "extend":
        return not incident.is_paused
    if move == "escalate":
        return profile.above(incident.level) is not None
    if move == "return":
        return profile.below(incident.level) is not None
    return True


def require_move(user, incident, move: str, request=None) -> None:
    """403 (audited) unless the user may make ``move`` on ``incident``."""
    if move in allowed_moves(user, incident):
        return
    if not incident.can_move(move) or not move_possible(incident, move):
        return  # the action refuses it with the reason (a 400, not a permission matter)
    from loudong.fieldwork.models import Incident

    label = Incident.MOVE_LABELS.get(move, move)
    what = f"无权对该事件进行“{label}”：事件现由{incident.level_label}办理"
    record(
        actor=user,
        action=AuditAction.FIELDWORK_REFUSED,
        target=incident,
        reason=what,
        request=request,
    )
    raise PermissionDenied(what)
