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
from loudong.accounts.roles import ROLE_CAPS, Cap

# Region levels (territory.Region.Level values) that scopes are computed from.
COMMUNITY, COMPOUND = "community", "compound"


@dataclass(frozen=True)
class Scope:
    """The regions in which a user holds a capability."""

    paths: tuple[str, ...] = ()
    community_ids: frozenset[int] = frozenset()
    compound_ids: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.paths)

    def q(self, prefix: str = "") -> Q:
        """Filter for rows carrying ``community`` and ``compound`` foreign keys."""
        q = Q(pk__in=[])
        if self.community_ids:
            q |= Q(**{f"{prefix}community_id__in": sorted(self.community_ids)})
        if self.compound_ids:
            q |= Q(**{f"{prefix}compound_id__in": sorted(self.compound_ids)})
        return q

    def region_q(self) -> Q:
        q = Q(pk__in=[])
        for path in self.paths:
            q |= Q(path__startswith=path)
        return q

    def allows(self, obj) -> bool:
        path = getattr(obj, "path", None)
        if path is not None and obj.__class__.__name__ == "Region":
            return any(path.startswith(p) for p in self.paths)
        return (
            getattr(obj, "community_id", None) in self.community_ids
            or getattr(obj, "compound_id", None) in self.compound_ids
        )


def scope_for(user, capability: str = Cap.VIEW) -> Scope:
    """The user's scope for one capability; cached on the user object per request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope()
    cache = user.__dict__.setdefault("_scope_cache", {})
    if capability in cache:
        return cache[capability]
    regions = [
        a.region for a in user.active_roles() if a.region_id and capability in ROLE_CAPS[a.role]
    ]
    paths = tuple(sorted({r.path for r in regions}))
    compound_ids = frozenset(r.pk for r in regions if r.level == COMPOUND)
    wide = [r.path for r in regions if r.level != COMPOUND]
    community_ids = frozenset()
    if wide:
        q = Q(pk__in=[])
        for path in wide:
            q |= Q(path__startswith=path)
        # The region model through the role's foreign key: accounts never imports territory.
        region_model = RoleAssignment._meta.get_field("region").related_model
        community_ids = frozenset(
            region_model.objects.filter(q, level=COMMUNITY).values_list("pk", flat=True)
        )
    scope = Scope(paths=paths, community_ids=community_ids, compound_ids=compound_ids)
    cache[capability] = scope
    return scope


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
        obj = queryset.visible_to(user).get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError):
        if model._default_manager.filter(pk=pk).exists() if str(pk).isdigit() else False:
            _audit_refusal(user, request, f"越权访问 {model._meta.verbose_name} #{pk}")
        raise Http404 from None
    needed = capability or (Cap.EDIT if write else None)
    if needed and not scope_for(user, needed).allows(obj):
        raise PermissionDenied("您在该区域只能查看，不能进行此操作")
    return obj


def _audit_refusal(user, request, what: str) -> None:
    from loudong.accounts.audit import AuditAction, record

    record(
        actor=user,
        action=AuditAction.OUT_OF_SCOPE,
        target_repr=(f"{what} {request.path}" if request else what)[:200],
        request=request,
    )
