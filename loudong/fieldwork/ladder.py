"""Who holds an incident at each level of the ladder, and at which levels a user acts.

The ladder is profile data (``fieldwork.ladder``). 池阳 (seed 000 §三.5): 楼栋长 → 社区 → 街道
("能解决的及时解决，不能解决的第一时间向社区报告"). 长春 (seed 004 §三.10, §二.6): 单元长 → 楼栋长 →
网格长 → 小区党支部 → 社区（党组织） → 街道 ("逐级上报小区党支部和社区党组织"; "解决在单元、楼栋").

At each level:

- ``unit_leader``: the 单元长 in post for the incident's unit;
- ``building_leader``: the 楼栋长 of the building (长春: one per building) or of the grid (池阳:
  one per grid, found by the grid code the incident was reported in);
- ``grid_head``: the grid's 网格长;
- ``party_branch``: the 小区党支部 — its members through ``fieldwork.hooks.party_branch_members``
  once the 三长 app provides them, until then the community's workers;
- ``community``: the community's 社区工作者;
- ``subdistrict``: the 街道管理员.

A leader level whose post is vacant, or whose holder has no account to act with, is skipped
when an incident is routed (宁缺毋滥: a vacancy is not a holder). Community and subdistrict
always hold.
"""

from dataclasses import dataclass, field

from django.db.models import Q

from loudong.accounts.models import RoleAssignment
from loudong.accounts.roles import Role
from loudong.fieldwork.hooks import party_branch_members
from loudong.policy.profile import LEADER_LEVELS

BODY_LEVELS = ("party_branch", "community", "subdistrict")


@dataclass(frozen=True)
class Holder:
    level: str
    user_ids: frozenset[int] = frozenset()
    post: object = None
    person: object = None

    @property
    def held(self) -> bool:
        """Someone can act here: a leader with an account, or a body (always)."""
        return self.level in BODY_LEVELS or bool(self.user_ids)


@dataclass
class Place:
    """Where an incident is, as the ladder needs it."""

    community_id: int
    unit_id: int | None = None
    building_id: int | None = None
    grid_code: str = ""
    extra: dict = field(default_factory=dict)

    @classmethod
    def of(cls, incident) -> "Place":
        return cls(
            community_id=incident.community_id,
            unit_id=incident.unit_id,
            building_id=incident.building_id,
            grid_code=incident.grid_code,
        )


def grid_code_for(unit_id, floor=None) -> str:
    """The code of the grid in force holding a unit (and floor, where a unit is cut by floors)."""
    from loudong.grids.models import GridPiece

    if not unit_id:
        return ""
    pieces = list(
        GridPiece.objects.filter(unit_id=unit_id, grid__division__status="frozen")
        .exclude(grid__code="")
        .values_list("grid__code", "floor_from", "floor_to")
        .order_by("floor_from", "id")
    )
    for code, low, high in pieces:
        if floor is None or low <= floor <= high:
            return code
    return pieces[0][0] if pieces else ""


def leader_posts_q(level: str, place: Place) -> Q | None:
    """The posts at a leader level that serve a place (None: nothing can match)."""
    if level == "unit_leader":
        return Q(unit_id=place.unit_id) if place.unit_id else None
    if level == "building_leader":
        q = Q(pk__in=[])
        if place.building_id:
            q |= Q(building_id=place.building_id, unit__isnull=True)
        if place.grid_code:
            q |= Q(grid_code=place.grid_code)
        return q
    if level == "grid_head":
        return Q(grid_code=place.grid_code) if place.grid_code else None
    return None


def _leader(level: str, place: Place) -> Holder:
    from loudong.roster.models import Appointment

    q = leader_posts_q(level, place)
    if q is None:
        return Holder(level)
    appointment = (
        Appointment.objects.filter(
            status=Appointment.Status.ACTIVE,
            is_legacy=False,
            post__active=True,
            post__kind=level,
            post__community_id=place.community_id,
        )
        .filter(_prefixed(q, "post__"))
        .select_related("person__user", "post")
        .order_by("start", "id")
        .first()
    )
    if appointment is None:
        return Holder(level)
    user = appointment.person.user
    users = frozenset({user.pk}) if user is not None and user.is_active else frozenset()
    return Holder(level, users, appointment.post, appointment.person)


def _prefixed(q: Q, prefix: str) -> Q:
    """The same filter on a related model (``unit_id`` → ``post__unit_id``)."""
    out = Q()
    out.connector, out.negated = q.connector, q.negated
    for child in q.children:
        if isinstance(child, Q):
            out.children.append(_prefixed(child, prefix))
        else:
            key, value = child
            out.children.append((prefix + key, value))
    return out


def _role_users(role: str, region_ids) -> frozenset[int]:
    return frozenset(
        RoleAssignment.objects.filter(
            role=role, region_id__in=list(region_ids), active=True, user__is_active=True
        ).values_list("user_id", flat=True)
    )


def _community_path(community_id: int) -> str:
    from loudong.territory.models import Region

    return Region.objects.filter(pk=community_id).values_list("path", flat=True).first() or ""


def holder(incident_or_place, level: str) -> Holder:
    place = (
        incident_or_place if isinstance(incident_or_place, Place) else Place.of(incident_or_place)
    )
    if level in LEADER_LEVELS:
        return _leader(level, place)
    if level == "party_branch":
        members = party_branch_members(incident_or_place)
        if members:
            return Holder(level, frozenset(members))
        return Holder(level, _role_users(Role.COMMUNITY_WORKER, [place.community_id]))
    if level == "community":
        return Holder(level, _role_users(Role.COMMUNITY_WORKER, [place.community_id]))
    if level == "subdistrict":
        ids = [int(i) for i in _community_path(place.community_id).strip("/").split("/") if i]
        return Holder(level, _role_users(Role.SUBDISTRICT_ADMIN, ids))
    raise ValueError(level)


def route_up(place, profile, after: str | None) -> Holder | None:
    """The first level above ``after`` (from the bottom when None) that someone holds."""
    ladder = profile.fieldwork.ladder
    start = 0 if after is None else ladder.index(after) + 1
    for level in ladder[start:]:
        found = holder(place, level)
        if found.held:
            return found
    return None


def route_down(place, profile, below: str) -> Holder | None:
    """The nearest level under ``below`` that someone holds."""
    ladder = profile.fieldwork.ladder
    for level in reversed(ladder[: ladder.index(below)]):
        found = holder(place, level)
        if found.held:
            return found
    return None


# -- a user's levels ------------------------------------------------------------------------------


def user_levels(user, incident) -> set[str]:
    """The levels at which ``user`` acts for this incident (may be several: a 两委 member who is
    also a 网格长). Costs a few queries; cached per incident on the user object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    cache = user.__dict__.setdefault("_fieldwork_levels", {})
    key = (incident.pk, incident.community_id, incident.grid_code, incident.unit_id)
    if key in cache:
        return cache[key]
    levels = set()
    roles = user.active_roles()
    community_path = _community_path(incident.community_id)
    for assignment in roles:
        if (
            assignment.role == Role.COMMUNITY_WORKER
            and assignment.region_id == incident.community_id
        ):
            levels.add("community")
        if (
            assignment.role == Role.SUBDISTRICT_ADMIN
            and assignment.region_id
            and community_path.startswith(assignment.region.path)
        ):
            levels.add("subdistrict")
    place = Place.of(incident)
    if "community" in levels or party_branch_members.has_providers():
        if user.pk in holder(incident, "party_branch").user_ids:
            levels.add("party_branch")
    if has_person(user):
        for level in LEADER_LEVELS:
            found = _leader(level, place)
            if user.pk in found.user_ids:
                levels.add(level)
    cache[key] = levels
    return levels


def has_person(user) -> bool:
    """Whether the account is linked to a roster person (a leader); cached on the user."""
    if "_fieldwork_has_person" not in user.__dict__:
        from loudong.roster.models import Person

        user.__dict__["_fieldwork_has_person"] = Person.objects.filter(user=user).exists()
    return user.__dict__["_fieldwork_has_person"]
