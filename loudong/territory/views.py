from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render
from django.views.decorators.http import require_POST

from loudong.accounts import actions as account_actions
from loudong.accounts.access import scope_for
from loudong.accounts.forms import ReasonForm
from loudong.accounts.roles import Cap
from loudong.territory.access import (
    get_building_for_user,
    get_household_for_user,
    get_region_for_user,
    get_resident_for_user,
)
from loudong.territory.models import Building, Household, Region


def region_crumbs(user, region, *extra):
    """Breadcrumb from the user's top region down; regions above the scope are not links."""
    scope = scope_for(user)
    crumbs = [{"label": "辖区台账", "url": "/territory/"}]
    for r in [*region.ancestors(), region]:
        if r.level != Region.Level.DISTRICT:
            crumbs.append({"label": r.name,
                           "url": r.get_absolute_url() if scope.allows(r) else ""})
    return crumbs + list(extra)


@login_required
def index(request):
    """The communities the user may see, with their household counts."""
    communities = (
        Region.objects.visible_to(request.user)
        .filter(level=Region.Level.COMMUNITY)
        .select_related("parent")
        .order_by("code", "name")
    )
    counts = dict(
        Household.objects.filter(community__in=communities)
        .values_list("community_id")
        .annotate(n=Count("id", filter=Q(occupied=True)))
    )
    rows = [(c, counts.get(c.pk, 0)) for c in communities]
    return render(request, "territory/index.html", {"rows": rows})


@login_required
def region(request, pk):
    region = get_region_for_user(request.user, pk, request=request)
    children = region.children.order_by("name")
    buildings = None
    if region.level == Region.Level.COMPOUND:
        buildings = Building.objects.filter(compound=region).annotate(
            households=Count("households", filter=Q(households__occupied=True))
        )
    return render(request, "territory/region.html", {
        "region": region, "children": children, "buildings": buildings,
        "breadcrumb": region_crumbs(request.user, region),
    })


@login_required
def building(request, pk):
    building = get_building_for_user(request.user, pk, request=request)
    households = (
        Household.objects.filter(building=building)
        .select_related("unit")
        .annotate(people=Count("residents", filter=Q(residents__moved_out=False)))
        .order_by("unit__number_key", "floor", "room")
    )
    return render(request, "territory/building.html", {
        "building": building, "households": households,
        "breadcrumb": region_crumbs(request.user, building.compound, {"label": building.number}),
    })


@login_required
def household(request, pk):
    household = get_household_for_user(request.user, pk, request=request)
    return render(request, "territory/household.html", {
        "household": household,
        "residents": household.residents.order_by("moved_out", "-is_householder", "id"),
        "can_reveal": scope_for(request.user, Cap.REVEAL).allows(household),
        "breadcrumb": region_crumbs(
            request.user, household.compound,
            {"label": household.building.number, "url": household.building.get_absolute_url()},
            {"label": f"{household.unit.number} {household.room}室"},
        ),
    })


@login_required
def resident(request, pk):
    resident = get_resident_for_user(request.user, pk, request=request)
    household = resident.household
    return render(request, "territory/resident.html", {
        "resident": resident,
        "reveal_form": ReasonForm(),
        "can_reveal": scope_for(request.user, Cap.REVEAL).allows(resident),
        "breadcrumb": region_crumbs(
            request.user, resident.compound,
            {"label": household.building.number, "url": household.building.get_absolute_url()},
            {"label": f"{household.unit.number} {household.room}室",
             "url": household.get_absolute_url()},
            {"label": resident.name},
        ),
    })


@require_POST
@login_required
def resident_reveal(request, pk):
    """Show the full 身份证号 and phone once; needs the reveal capability and a reason."""
    resident = get_resident_for_user(request.user, pk, capability=Cap.REVEAL, request=request)
    form = ReasonForm(request.POST)
    context = {"resident": resident, "reveal_form": form, "can_reveal": True}
    if not form.is_valid():
        return render(request, "territory/resident.html", context, status=400)
    context["revealed"] = account_actions.reveal(
        obj=resident, fields=["id_number", "phone"], reason=form.cleaned_data["reason"],
        acting_user=request.user, request=request,
    )
    response = render(request, "territory/resident.html", context)
    response["Cache-Control"] = "no-store"
    return response
