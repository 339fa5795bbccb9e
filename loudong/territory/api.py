"""Registry API: regions, buildings, units, households, residents (PRODUCT.md "Stable interfaces").

Mounted into ``loudong.api.api``. Lists return the caller's scope; ``community=CODE`` outside
it is 404; ID numbers and phones are masked.
"""

from django.http import Http404
from ninja import Router, Schema
from ninja.pagination import paginate

from loudong.accounts.access import disclosure_for
from loudong.lib.api import DbInt, Pagination, visible_or_404
from loudong.lib.masking import age_band
from loudong.territory.access import community_by_code, require_registry
from loudong.territory.models import Building, Household, Region, Resident, Unit

router = Router(tags=["辖区与台账"])


class RegionOut(Schema):
    id: int
    code: str
    name: str
    level: str
    parent: int | None

    @staticmethod
    def resolve_parent(obj):
        return obj.parent_id


@router.get("/regions", response=list[RegionOut])
@paginate(Pagination)
def list_regions(request, level: str | None = None, parent: DbInt | None = None):
    regions = Region.objects.visible_to(request.user).order_by("path")
    if level:
        regions = regions.filter(level=level)
    if parent is not None:
        regions = regions.filter(parent_id=parent)
    return regions


@router.get("/regions/{region_id}", response=RegionOut)
def get_region(request, region_id: DbInt):
    region = Region.objects.visible_to(request.user).filter(pk=region_id).first()
    if region is None:
        raise Http404
    return region


class BuildingOut(Schema):
    id: int
    community: str
    compound: str
    compound_id: int
    number: str
    floors: int | None
    kind: str
    x: float | None
    y: float | None
    lon: float | None
    lat: float | None

    @staticmethod
    def resolve_community(obj):
        return obj.community.code

    @staticmethod
    def resolve_compound(obj):
        return obj.compound.name


class UnitOut(Schema):
    id: int
    community: str
    building_id: int
    building: str
    number: str
    floors: int | None

    @staticmethod
    def resolve_community(obj):
        return obj.community.code

    @staticmethod
    def resolve_building(obj):
        return obj.building.number


class HouseholdOut(Schema):
    id: int
    community: str
    compound: str
    building: str
    unit: str
    room: str
    floor: int | None
    residence: str
    occupied: bool

    @staticmethod
    def resolve_community(obj):
        return obj.community.code

    @staticmethod
    def resolve_compound(obj):
        return obj.compound.name

    @staticmethod
    def resolve_building(obj):
        return obj.building.number

    @staticmethod
    def resolve_unit(obj):
        return obj.unit.number


class ResidentOut(Schema):
    id: int
    household: int
    name: str
    relation: str
    is_householder: bool
    id_number: str
    phone: str
    sex: str
    age_band: str
    political_status: str
    moved_out: bool

    @staticmethod
    def resolve_household(obj):
        return obj.household_id

    @staticmethod
    def resolve_id_number(obj, context):
        # Masked (3 + 4) for a caller who may reveal; no digit at all for the others, who see
        # the age band instead (accounts.access.Disclosure). Never a birth date.
        return disclosure_for(context["request"].user, obj).id_number_api(obj.id_number)

    @staticmethod
    def resolve_age_band(obj):
        return age_band(obj.birth_date)

    @staticmethod
    def resolve_political_status(obj):
        return obj.political_status.masked

    @staticmethod
    def resolve_phone(obj):
        return obj.phone.masked


def _by_community(queryset, request, community):
    if community:
        queryset = queryset.filter(community=community_by_code(request.user, community))
    return queryset


@router.get("/buildings", response=list[BuildingOut])
@paginate(Pagination)
def list_buildings(request, community: str | None = None, compound: DbInt | None = None):
    require_registry(request.user, request=request)
    buildings = Building.objects.visible_to(request.user).select_related("community", "compound")
    buildings = _by_community(buildings, request, community)
    if compound is not None:
        buildings = buildings.filter(compound_id=compound)
    return buildings.order_by("id")


@router.get("/buildings/{building_id}", response=BuildingOut)
def get_building(request, building_id: DbInt):
    return visible_or_404(
        Building.objects.select_related("community", "compound"), request, building_id
    )


@router.get("/units", response=list[UnitOut])
@paginate(Pagination)
def list_units(request, community: str | None = None, building: DbInt | None = None):
    require_registry(request.user, request=request)
    units = Unit.objects.visible_to(request.user).select_related("community", "building")
    units = _by_community(units, request, community)
    if building is not None:
        units = units.filter(building_id=building)
    return units.order_by("id")


@router.get("/households", response=list[HouseholdOut])
@paginate(Pagination)
def list_households(
    request,
    community: str | None = None,
    building: DbInt | None = None,
    unit: DbInt | None = None,
    occupied: bool | None = None,
):
    require_registry(request.user, request=request)
    households = Household.objects.visible_to(request.user).select_related(
        "community", "compound", "building", "unit"
    )
    households = _by_community(households, request, community)
    if building is not None:
        households = households.filter(building_id=building)
    if unit is not None:
        households = households.filter(unit_id=unit)
    if occupied is not None:
        households = households.filter(occupied=occupied)
    return households.order_by("id")


@router.get("/households/{household_id}", response=HouseholdOut)
def get_household(request, household_id: DbInt):
    return visible_or_404(
        Household.objects.select_related("community", "compound", "building", "unit"),
        request,
        household_id,
    )


@router.get("/residents", response=list[ResidentOut])
@paginate(Pagination)
def list_residents(
    request,
    household: DbInt | None = None,
    community: str | None = None,
    include_moved_out: bool = False,
):
    """Residents, masked (ID first 3 + last 4; phone first 3 + **** + last 4)."""
    require_registry(request.user, request=request)
    residents = Resident.objects.visible_to(request.user)
    residents = _by_community(residents, request, community)
    if household is not None:
        residents = residents.filter(
            household=visible_or_404(Household.objects, request, household)
        )
    if not include_moved_out:
        residents = residents.filter(moved_out=False)
    return residents.order_by("id")


@router.get("/residents/{resident_id}", response=ResidentOut)
def get_resident(request, resident_id: DbInt):
    return visible_or_404(Resident.objects, request, resident_id)
