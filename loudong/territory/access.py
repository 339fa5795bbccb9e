"""Fetching one register object for a user: 404 outside scope, 403 read-only."""

from django.http import Http404

from loudong.accounts.access import get_object_for_user
from loudong.territory.models import Building, Household, Region, Resident


def get_region_for_user(user, pk, *, write=False, request=None) -> Region:
    return get_object_for_user(
        Region.objects.select_related("parent"), user, pk, write=write, request=request
    )


def get_building_for_user(user, pk, *, write=False, request=None) -> Building:
    return get_object_for_user(
        Building.objects.select_related("compound", "community"),
        user,
        pk,
        write=write,
        request=request,
    )


def get_household_for_user(user, pk, *, write=False, request=None) -> Household:
    queryset = Household.objects.select_related("unit", "building", "compound", "community")
    return get_object_for_user(queryset, user, pk, write=write, request=request)


def get_resident_for_user(user, pk, *, write=False, capability=None, request=None) -> Resident:
    queryset = Resident.objects.select_related(
        "household__unit", "household__building", "compound", "community"
    )
    return get_object_for_user(
        queryset, user, pk, write=write, capability=capability, request=request
    )


def require_registry(user, capability="view", request=None) -> None:
    """404 for a registry page or list to a role that sees no registry row at all (区民政局:
    totals only; a 楼栋长 holding no post)."""
    from loudong.accounts.access import _audit_refusal, scope_for

    if not scope_for(user, capability).has_registry:
        if getattr(user, "is_authenticated", False):
            _audit_refusal(user, request, "无台账查看范围")
        raise Http404


def community_by_code(user, code: str) -> Region:
    """The user's community with this 12-digit code; 404 when unknown or out of scope."""
    community = (
        Region.objects.visible_to(user).filter(level=Region.Level.COMMUNITY, code=code).first()
    )
    if community is None:
        raise Http404
    return community
