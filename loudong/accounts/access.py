"""Who may see and change what: every fetch goes through here.

Out of a user's scope is a 404 (the object's existence is not revealed); in scope
but read-only is a 403. ``Model.objects.visible_to(user)`` filters lists;
``get_object_for_user`` fetches one object for a view.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from loudong.accounts.models import RoleAssignment
from loudong.accounts.roles import ROLE_CAPS, ROLE_REGISTRY, Cap, Registry

# The largest id a database row can have (SQLite INTEGER, PostgreSQL bigint).
MAX_ID = 2**63 - 1
# Region levels (territory.Region.Level values) that scopes are computed from.
COMMUNITY, COMPOUND = "community", "compound"


@dataclass(frozen=True)
class Scope:
    """Where a user holds a capability.

    ``community_ids``/``compound_ids``: every region of the user's roles with the capability —
    the scope of posts, grids, selections and every other row carrying ``community``.

    The registry (buildings, units, households, residents: models with a ``REGISTRY`` link)
    is narrower for some roles (``roles.ROLE_REGISTRY``): ``registry_community_ids`` /
    ``registry_compound_ids`` are opened whole; a 楼栋长 / 单元长 / 网格长 adds only the
    households their posts serve (``household_ids`` with their units, buildings and
    compounds); the 区民政局 adds nothing (aggregates only). Regions: ``paths`` open with
    their descendants, ``region_ids`` open alone.
    """

    paths: tuple[str, ...] = ()
    community_ids: frozenset[int] = frozenset()
    compound_ids: frozenset[int] = frozenset()
    region_ids: frozenset[int] = frozenset()
    registry_community_ids: frozenset[int] = frozenset()
    registry_compound_ids: frozenset[int] = frozenset()
    household_ids: frozenset[int] = frozenset()
    unit_ids: frozenset[int] = frozenset()
    building_ids: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.paths or self.region_ids)

    @property
    def has_registry(self) -> bool:
        """Whether any registry row (a building, household, resident …) is open at all."""
        return bool(self.registry_community_ids or self.registry_compound_ids or self.household_ids)

    def q(self, prefix: str = "") -> Q:
        """Filter for rows carrying ``community`` and ``compound`` foreign keys."""
        q = Q(pk__in=[])
        if self.community_ids:
            q |= Q(**{f"{prefix}community_id__in": sorted(self.community_ids)})
        if self.compound_ids:
            q |= Q(**{f"{prefix}compound_id__in": sorted(self.compound_ids)})
        return q

    def registry_q(self, link: tuple[str, str]) -> Q:
        """Filter for a registry model; ``link`` = (its lookup, which served ids it matches)."""
        lookup, kind = link
        q = Q(pk__in=[])
        if self.registry_community_ids:
            q |= Q(community_id__in=sorted(self.registry_community_ids))
        if self.registry_compound_ids:
            q |= Q(compound_id__in=sorted(self.registry_compound_ids))
        served = self._served(kind)
        if served:
            q |= Q(**{f"{lookup}__in": sorted(served)})
        return q

    def _served(self, kind: str) -> frozenset[int]:
        return {"household": self.household_ids, "unit": self.unit_ids}.get(kind, self.building_ids)

    def region_q(self) -> Q:
        q = Q(pk__in=sorted(self.region_ids))
        for path in self.paths:
            q |= Q(path__startswith=path)
        return q

    def allows(self, obj) -> bool:
        if obj.__class__.__name__ == "Region":
            path = obj.path or ""
            return obj.pk in self.region_ids or any(path.startswith(p) for p in self.paths)
        link = getattr(obj, "REGISTRY", None)
        if link is not None:
            lookup, kind = link
            value = obj.pk if lookup == "pk" else getattr(obj, lookup, None)
            return (
                getattr(obj, "community_id", None) in self.registry_community_ids
                or getattr(obj, "compound_id", None) in self.registry_compound_ids
                or value in self._served(kind)
            )
        return (
            getattr(obj, "community_id", None) in self.community_ids
            or getattr(obj, "compound_id", None) in self.compound_ids
        )


# The households a user serves through the posts they hold: provided by the roster (which
# registers its function from its AppConfig.ready — accounts never imports a higher app).
# A provider returns (household_id, unit_id, building_id, compound_id) rows, limited to the
# regions it is given.
_served_households = []


def serves_households(provider):
    """Register the roster's answer to "which households does this user serve?"."""
    if provider not in _served_households:
        _served_households.append(provider)
    return provider


def _communities_under(paths) -> dict[int, str]:
    """{community id: path} of the communities under ``paths``: one query."""
    if not paths:
        return {}
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(path__startswith=path)
    # The region model through the role's foreign key: accounts never imports territory.
    region_model = RoleAssignment._meta.get_field("region").related_model
    return dict(region_model.objects.filter(q, level=COMMUNITY).values_list("pk", "path"))


def scope_for(user, capability: str = Cap.VIEW) -> Scope:
    """The user's scope for one capability; cached on the user object per request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope()
    cache = user.__dict__.setdefault("_scope_cache", {})
    if capability in cache:
        return cache[capability]
    roles = [a for a in user.active_roles() if a.region_id and capability in ROLE_CAPS[a.role]]
    regions = [a.region for a in roles]
    compound_ids = frozenset(r.pk for r in regions if r.level == COMPOUND)
    communities = _communities_under([r.path for r in regions if r.level != COMPOUND])

    by_mode = {
        mode: [a.region for a in roles if ROLE_REGISTRY[a.role] == mode] for mode in Registry
    }
    open_regions = by_mode[Registry.REGION]
    posts_regions = by_mode[Registry.POSTS]
    # Regions: whole subtrees for registry-wide and aggregate-only roles; a post-holder sees
    # their role's own region and the compounds of the households they serve.
    paths = tuple(sorted({r.path for r in open_regions + by_mode[Registry.NONE]}))
    region_ids = set()
    served = frozenset()
    if posts_regions:
        region_ids = {r.pk for r in posts_regions}
        served = frozenset(_served_rows(user, posts_regions))
        region_ids |= {row[3] for row in served}
    scope = Scope(
        paths=paths,
        community_ids=frozenset(communities),
        compound_ids=compound_ids,
        region_ids=frozenset(region_ids),
        registry_community_ids=frozenset(
            pk
            for pk, path in communities.items()
            if any(path.startswith(r.path) for r in open_regions if r.level != COMPOUND)
        ),
        registry_compound_ids=frozenset(r.pk for r in open_regions if r.level == COMPOUND),
        household_ids=frozenset(row[0] for row in served),
        unit_ids=frozenset(row[1] for row in served),
        building_ids=frozenset(row[2] for row in served),
    )
    cache[capability] = scope
    return scope


def _served_rows(user, regions) -> set[tuple[int, int, int, int]]:
    """Cached on the user per request like the scopes: a leader's VIEW and FIELDWORK scopes
    are built from the same post-holding roles, so the same households."""
    cache = user.__dict__.setdefault("_served_cache", {})
    key = tuple(sorted(r.pk for r in regions))
    if key not in cache:
        rows = set()
        for provider in _served_households:
            rows |= set(provider(user, regions))
        cache[key] = rows
    return cache[key]


def has_cap(user, capability: str) -> bool:
    """For the system-wide duties (users, security, audit) and 'any region' checks."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return any(capability in ROLE_CAPS[a.role] for a in user.active_roles())


def require_cap(user, capability: str, request=None) -> None:
    """404 for a page that is not for this user at all (its existence is not shown)."""
    if not has_cap(user, capability):
        _audit_refusal(user, request, f"无权限：{Cap(capability).label}")
        raise Http404


def get_object_for_user(queryset, user, pk, *, write=False, capability=None, request=None):
    """One object in the user's scope: 404 outside it, 403 if read-only there."""
    model = queryset.model
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 <= pk <= MAX_ID:  # 2**63 overflowed SQLite (a 500); no row has such an id
        raise Http404
    try:
        obj = queryset.visible_to(user).get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError):
        if model._default_manager.filter(pk=pk).exists() if str(pk).isdigit() else False:
            _audit_refusal(user, request, f"越权访问 {model._meta.verbose_name} #{pk}")
        raise Http404 from None
    needed = capability or (Cap.EDIT if write else None)
    if needed and not scope_for(user, needed).allows(obj):
        raise PermissionDenied("您在该区域只能查看，不能进行此操作")
    return obj


def refuse_out_of_scope_filters(form, user, request=None) -> None:
    """404 when a list filter names a region (or other choice) outside the user's scope.

    A filter form's choice fields are built from the user's scope, so an out-of-scope value
    fails as ``invalid_choice``; ignoring it would list the whole scope instead, unlike every
    other out-of-scope request (a 404).
    """
    from django.forms import ModelChoiceField

    if form.is_bound and not form.is_valid():
        for name, errors in form.errors.as_data().items():
            field = form.fields.get(name)
            scoped = isinstance(field, ModelChoiceField)
            if scoped and any(e.code == "invalid_choice" for e in errors):
                _audit_refusal(user, request, f"越权筛选 {name}={form.data.get(name, '')}"[:120])
                raise Http404


# What a role that may not reveal sees for a registered ID number: no digit at all.
HIDDEN_ID = "已登记（不显示）"


@dataclass(frozen=True)
class Disclosure:
    """How one user sees one person's identifying data (issue 9 item 2).

    A masked ID (first 3 + last 4) beside a birth date leaves ~91 candidates; with an age, a few
    hundred. So a user who may reveal the object (``Cap.REVEAL`` over it: they could see it
    all anyway, audited) sees the masked ID and the birth date; everyone else — 区民政局, 楼栋长,
    单元长, 网格长 — sees no ID digit and a ten-year age band instead of the birth date, on
    every page, API and export. With digits 1–6 known, that still leaves millions of IDs.
    """

    full: bool

    def id_number(self, value) -> str:
        if not value:
            return ""
        return value.masked if self.full else HIDDEN_ID

    def id_number_api(self, value) -> str:
        """The API's ``id_number``: masked for revealers, all stars for the others."""
        if not value:
            return ""
        return value.masked if self.full else "*" * 18

    def birth_date(self, born):
        return born if self.full else None

    def age_band(self, born, today=None) -> str:
        from loudong.lib.masking import age_band

        return age_band(born, today)

    @property
    def birth_label(self) -> str:
        return "出生日期" if self.full else "年龄段"

    def birth(self, born, today=None) -> str:
        """The birth column as shown: the date for revealers, else the age band."""
        if born is None:
            return ""
        return born.isoformat() if self.full else self.age_band(born, today)

    def show(self, obj, today=None) -> dict:
        """Template-ready values for a resident or a person."""
        born = getattr(obj, "birth_date", None)
        return {
            "full": self.full,
            "id_number": self.id_number(obj.id_number),
            "birth_label": self.birth_label,
            "birth": self.birth(born, today),
        }


def disclosure_for(user, obj) -> Disclosure:
    return Disclosure(full=scope_for(user, Cap.REVEAL).allows(obj))


def probe_family(path: str) -> str:
    """``/territory/households/123/`` → ``/territory/households/#/``: one family of probes."""
    import re

    return re.sub(r"\d+", "#", path or "")[:80]


def first_probe_this_minute(user, request, kind: str = "scope") -> bool:
    """True once per user (or address) per minute per path family: the audit log records
    probing without letting a script flood it (issue 9 item 10)."""
    from loudong.lib import throttle
    from loudong.lib.http import client_ip

    who = getattr(user, "pk", None) or f"ip:{client_ip(request)}"
    family = probe_family(request.path) if request is not None else ""
    return not throttle.hit(f"probe:{kind}:{who}:{family}", 1, 60)


def _audit_refusal(user, request, what: str) -> None:
    from loudong.accounts.audit import AuditAction, record

    if not first_probe_this_minute(user, request):
        return
    record(
        actor=user,
        action=AuditAction.OUT_OF_SCOPE,
        target_repr=(f"{what} {request.path}" if request else what)[:200],
        request=request,
    )
