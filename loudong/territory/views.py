from pathlib import Path
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from loudong.accounts import actions as account_actions
from loudong.accounts.access import get_object_for_user, has_cap, require_cap, scope_for
from loudong.accounts.forms import ReasonForm
from loudong.accounts.models import AuditEvent
from loudong.accounts.roles import Cap
from loudong.territory import actions
from loudong.territory.access import (
    get_building_for_user,
    get_household_for_user,
    get_region_for_user,
    get_resident_for_user,
)
from loudong.territory.forms import (
    AttentionForm,
    HouseholdForm,
    MoveOutForm,
    ResidentForm,
    SearchForm,
    UploadForm,
)
from loudong.territory.importer import RELATIONS
from loudong.territory.models import Building, Household, ImportJob, Region, Resident, Unit
from loudong.territory.tasks import run_import_job


def region_crumbs(user, region, *extra):
    """Breadcrumb from the user's top region down; regions above the scope are not links."""
    scope = scope_for(user)
    crumbs = [{"label": "辖区台账", "url": "/territory/"}]
    for r in [*region.ancestors(), region]:
        if r.level != Region.Level.DISTRICT:
            crumbs.append({"label": r.name, "url": r.get_absolute_url() if scope.allows(r) else ""})
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
    return render(
        request,
        "territory/index.html",
        {
            "rows": rows,
            "can_edit": has_cap(request.user, Cap.EDIT),
            "can_export": has_cap(request.user, Cap.EXPORT),
        },
    )


@login_required
def region(request, pk):
    region = get_region_for_user(request.user, pk, request=request)
    children = list(Region.objects.visible_to(request.user).filter(parent=region).order_by("name"))
    # 实际居民居住户数 per child: vacant households are not counted (seed 000).
    counts = {}
    if region.level == Region.Level.COMMUNITY:
        counts = dict(
            Household.objects.filter(community=region, occupied=True)
            .values_list("compound_id")
            .annotate(n=Count("id"))
            .order_by()
        )
    elif region.level == Region.Level.SUBDISTRICT:
        counts = dict(
            Household.objects.filter(community__in=children, occupied=True)
            .values_list("community_id")
            .annotate(n=Count("id"))
            .order_by()
        )
    buildings = None
    if region.level == Region.Level.COMPOUND:
        buildings = Building.objects.filter(compound=region).annotate(
            occupied_count=Count("households", filter=Q(households__occupied=True))
        )
    return render(
        request,
        "territory/region.html",
        {
            "region": region,
            "children": [(c, counts.get(c.pk, 0)) for c in children],
            "buildings": buildings,
            "breadcrumb": region_crumbs(request.user, region),
            "can_export": scope_for(request.user, Cap.EXPORT).allows(region),
        },
    )


@login_required
def building(request, pk):
    building = get_building_for_user(request.user, pk, request=request)
    households = (
        Household.objects.filter(building=building)
        .select_related("unit")
        .annotate(people=Count("residents", filter=Q(residents__moved_out=False)))
        .order_by("unit__number_key", "floor", "room")
    )
    units = list(
        building.units.annotate(
            n=Count("households", filter=Q(households__occupied=True))
        ).order_by("number_key")
    )
    return render(
        request,
        "territory/building.html",
        {
            "building": building,
            "households": households,
            "units": [(u, u.n) for u in units],
            "occupied": sum(u.n for u in units),
            "can_edit": scope_for(request.user, Cap.EDIT).allows(building),
            "breadcrumb": region_crumbs(
                request.user, building.compound, {"label": building.number}
            ),
        },
    )


@login_required
def household(request, pk, *, status=200, **extra):
    household = get_household_for_user(request.user, pk, request=request)
    return render(
        request,
        "territory/household.html",
        {
            "household": household,
            "residents": household.residents.order_by("moved_out", "-is_householder", "id"),
            "can_reveal": scope_for(request.user, Cap.REVEAL).allows(household),
            "can_edit": scope_for(request.user, Cap.EDIT).allows(household),
            "attention_form": AttentionForm(initial={"needs_attention": household.needs_attention}),
            "reveal_form": ReasonForm(),
            "breadcrumb": region_crumbs(
                request.user,
                household.compound,
                {"label": household.building.number, "url": household.building.get_absolute_url()},
                {"label": f"{household.unit.number} {household.room}室"},
            ),
            **extra,
        },
        status=status,
    )


@require_POST
@login_required
def household_attention(request, pk):
    """Set or clear 重点关注 (a community worker, on the household page)."""
    home = get_household_for_user(request.user, pk, write=True, request=request)
    form = AttentionForm(request.POST)
    if not form.is_valid():
        return household(request, pk, attention_form=form, status=400)
    actions.set_household_attention(
        household=home,
        needs_attention=form.cleaned_data["needs_attention"],
        reason=form.cleaned_data["reason"],
        acting_user=request.user,
        request=request,
    )
    messages.success(request, "已列为重点关注户" if home.needs_attention else "已取消重点关注")
    return redirect(home)


@require_POST
@login_required
def household_attention_reveal(request, pk):
    """The sealed reason, once, for a user who may reveal; audited like any reveal."""
    home = get_object_for_user(
        Household.objects.select_related("unit", "building", "compound", "community"),
        request.user,
        pk,
        capability=Cap.REVEAL,
        request=request,
    )
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return household(request, pk, reveal_form=form, status=400)
    revealed = account_actions.reveal(
        obj=home,
        fields=["attention_reason"],
        reason=form.cleaned_data["reason"],
        acting_user=request.user,
        request=request,
    )
    response = household(request, pk, revealed=revealed)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def resident(request, pk):
    resident = get_resident_for_user(request.user, pk, request=request)
    household = resident.household
    return render(
        request,
        "territory/resident.html",
        {
            "resident": resident,
            "reveal_form": ReasonForm(),
            "move_out_form": MoveOutForm(),
            "can_reveal": scope_for(request.user, Cap.REVEAL).allows(resident),
            "can_edit": scope_for(request.user, Cap.EDIT).allows(resident),
            "breadcrumb": region_crumbs(
                request.user,
                resident.compound,
                {"label": household.building.number, "url": household.building.get_absolute_url()},
                {
                    "label": f"{household.unit.number} {household.room}室",
                    "url": household.get_absolute_url(),
                },
                {"label": resident.name},
            ),
        },
    )


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
        obj=resident,
        fields=["id_number", "phone"],
        reason=form.cleaned_data["reason"],
        acting_user=request.user,
        request=request,
    )
    response = render(request, "territory/resident.html", context)
    response["Cache-Control"] = "no-store"
    return response


# -- lists and search ------------------------------------------------------------------------

PAGE_SIZE = 50


def _page(request, queryset):
    from django.core.paginator import Paginator

    paginator = Paginator(queryset, PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


class _SlicePage:
    """A page without a total count: search results can be large, counting them is not free."""

    def __init__(self, items, number, has_next):
        self.object_list = items
        self.number = number
        self.has_next = has_next
        self.has_previous = number > 1
        self.previous_page_number = number - 1
        self.next_page_number = number + 1


def _slice_page(request, queryset):
    try:
        number = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        number = 1
    start = (number - 1) * PAGE_SIZE
    items = list(queryset[start : start + PAGE_SIZE + 1])
    return _SlicePage(items[:PAGE_SIZE], number, len(items) > PAGE_SIZE)


def _people_counts(households) -> dict:
    ids = [h.pk for h in households]
    return dict(
        Resident.objects.filter(household_id__in=ids, moved_out=False)
        .values_list("household_id")
        .annotate(n=Count("id"))
        .order_by()
    )


@login_required
def household_list(request):
    """Every household in scope, optionally of one region; 50 a page, one query a page."""
    households = Household.objects.visible_to(request.user)
    region = None
    if request.GET.get("region"):
        region = get_region_for_user(request.user, request.GET["region"], request=request)
        households = households.filter(_region_filter(region))
    if request.GET.get("occupied") in ("0", "1"):
        households = households.filter(occupied=request.GET["occupied"] == "1")
    # Paginate ids in (community, id) order: an index-only walk of household_community_idx,
    # so a deep page costs no table reads; then load the 50 rows.
    page = _page(request, households.order_by("community_id", "id").values_list("id", flat=True))
    by_id = Household.objects.select_related("compound", "building", "unit").in_bulk(
        list(page.object_list)
    )
    households = [by_id[pk] for pk in page.object_list if pk in by_id]
    counts = _people_counts(households)
    rows = [(h, counts.get(h.pk, 0)) for h in households]
    query = urlencode({k: v for k, v in request.GET.items() if k != "page"})
    return render(
        request,
        "territory/household_list.html",
        {
            "page": page,
            "rows": rows,
            "region": region,
            "query": query,
            "can_export": has_cap(request.user, Cap.EXPORT),
            "breadcrumb": [{"label": "辖区台账", "url": "/territory/"}, {"label": "住户列表"}],
        },
    )


def _region_filter(region) -> Q:
    if region.level == Region.Level.COMMUNITY:
        return Q(community=region)
    if region.level == Region.Level.COMPOUND:
        return Q(compound=region)
    return Q(community__path__startswith=region.path)


def classify_query(q: str) -> str:
    """What a search box entry is: id, masked_id, phone, last4, or name/address text."""
    from loudong.lib.idnumber import normalize_id_number

    compact = normalize_id_number(q).replace("-", "")
    if len(compact) == 18 and compact[:17].isdigit():
        return "id"
    if "*" in compact and len(compact) >= 7 and compact[-4:].replace("X", "0").isdigit():
        return "masked"
    if compact.startswith("+86"):
        return "phone"
    if compact.isdigit() and len(compact) >= 7:
        return "phone"
    if len(compact) == 4 and compact.replace("X", "0").isdigit():
        return "last4"
    return "text"


@login_required
def search(request):
    """Exact ID/phone by blind index, last 4 digits by their own index, names by prefix.

    Never decrypts rows to compare, except the few last-4 candidates a masked ID
    (``341***********1234``) narrows to.
    """
    form = SearchForm(request.GET or None)
    residents = compounds = None
    kind = ""
    if form.is_valid() and form.cleaned_data["q"].strip():
        q = form.cleaned_data["q"].strip()
        kind = classify_query(q)
        visible = Resident.objects.visible_to(request.user).select_related(
            "household__unit", "household__building", "compound"
        )
        if kind == "id":
            residents = visible.with_id_number(q)
        elif kind == "phone":
            residents = visible.with_phone(q)
        elif kind in ("last4", "masked"):
            digits = q.replace(" ", "")[-4:]
            residents = visible.search_last4(digits)
            if kind == "masked":
                prefix = q.split("*", 1)[0]
                residents = [
                    r
                    for r in residents[:500]
                    if r.id_number.masked.startswith(prefix) or r.phone.masked.startswith(prefix)
                ]
        else:
            name = q.replace(" ", "")
            residents = visible.filter(name__gte=name, name__lt=name + "\U0010ffff")
            compounds = (
                Region.objects.visible_to(request.user)
                .filter(level=Region.Level.COMPOUND, name__gte=name, name__lt=name + "\U0010ffff")
                .select_related("parent")[:20]
            )
        if not isinstance(residents, list):
            residents = residents.order_by("name", "id")
    page = _slice_page(request, residents) if residents is not None else None
    return render(
        request,
        "territory/search.html",
        {
            "form": form,
            "page": page,
            "kind": kind,
            "compounds": compounds,
            "query": urlencode({"q": request.GET.get("q", "")}),
            "breadcrumb": [{"label": "辖区台账", "url": "/territory/"}, {"label": "搜索"}],
        },
    )


# -- editing ---------------------------------------------------------------------------------


@login_required
def household_create(request, unit_pk):
    unit = get_object_for_user(
        Unit.objects.select_related("building", "compound"),
        request.user,
        unit_pk,
        write=True,
        request=request,
    )
    form = HouseholdForm(request.POST or None, unit=unit)
    if request.method == "POST" and form.is_valid():
        household = actions.create_household(
            unit=unit, acting_user=request.user, request=request, **form.cleaned_data
        )
        messages.success(request, f"已新增 {household}")
        return redirect(household)
    return render(
        request,
        "territory/edit.html",
        {
            "form": form,
            "title": f"{unit} 新增住户",
            "breadcrumb": region_crumbs(
                request.user,
                unit.compound,
                {"label": unit.building.number, "url": unit.building.get_absolute_url()},
                {"label": "新增住户"},
            ),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def household_edit(request, pk):
    household = get_household_for_user(request.user, pk, write=True, request=request)
    initial = {"room": household.room, "floor": household.floor, "residence": household.residence}
    form = HouseholdForm(request.POST or None, household=household, initial=initial)
    if request.method == "POST" and form.is_valid():
        actions.update_household(
            household=household, acting_user=request.user, request=request, **form.cleaned_data
        )
        messages.success(request, "已保存")
        return redirect(household)
    return render(
        request,
        "territory/edit.html",
        {
            "form": form,
            "title": f"修改 {household}",
            "breadcrumb": region_crumbs(
                request.user,
                household.compound,
                {"label": str(household), "url": household.get_absolute_url()},
                {"label": "修改"},
            ),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def resident_create(request, household_pk):
    household = get_household_for_user(request.user, household_pk, write=True, request=request)
    form = ResidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        resident = actions.create_resident(
            household=household, acting_user=request.user, request=request, **form.values()
        )
        messages.success(request, f"已登记居民 {resident.name}")
        return redirect(household)
    return render(
        request,
        "territory/edit.html",
        {
            "form": form,
            "title": f"{household} 登记居民",
            "datalist": RELATIONS,
            "breadcrumb": region_crumbs(
                request.user,
                household.compound,
                {"label": str(household), "url": household.get_absolute_url()},
                {"label": "登记居民"},
            ),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def resident_edit(request, pk):
    resident = get_resident_for_user(request.user, pk, write=True, request=request)
    form = ResidentForm(request.POST or None, resident=resident)
    if request.method == "POST" and form.is_valid():
        actions.update_resident(
            resident=resident, acting_user=request.user, request=request, **form.values()
        )
        messages.success(request, "已保存")
        return redirect(resident)
    return render(
        request,
        "territory/edit.html",
        {
            "form": form,
            "title": f"修改 {resident.name}",
            "datalist": RELATIONS,
            "breadcrumb": region_crumbs(
                request.user,
                resident.compound,
                {"label": resident.name, "url": resident.get_absolute_url()},
                {"label": "修改"},
            ),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@login_required
def resident_move_out(request, pk):
    resident = get_resident_for_user(request.user, pk, write=True, request=request)
    if resident.moved_out:
        messages.info(request, "该居民已迁出")
        return redirect(resident)
    form = MoveOutForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "territory/edit.html",
            {
                "form": form,
                "title": f"{resident.name} 迁出",
                "action": reverse("territory:resident_move_out", args=[resident.pk]),
            },
            status=400,
        )
    actions.move_out_resident(
        resident=resident,
        on=form.cleaned_data["on"],
        reason=form.cleaned_data["reason"],
        acting_user=request.user,
        request=request,
    )
    messages.success(request, f"{resident.name} 已迁出（记录保留）")
    return redirect(resident)


@login_required
def history(request, kind, pk):
    """Changes to one household or resident, from the audit log (values masked there)."""
    if kind == "resident":
        obj = get_resident_for_user(request.user, pk, request=request)
        label = "territory.resident"
    else:
        obj = get_household_for_user(request.user, pk, request=request)
        label = "territory.household"
    events = AuditEvent.objects.filter(target_type=label, target_id=str(obj.pk)).order_by("-seq")[
        :200
    ]
    return render(
        request,
        "territory/history.html",
        {
            "obj": obj,
            "events": events,
            "breadcrumb": region_crumbs(
                request.user,
                obj.compound,
                {"label": str(obj), "url": obj.get_absolute_url()},
                {"label": "变更记录"},
            ),
        },
    )


# -- import and export -----------------------------------------------------------------------


@login_required
def import_upload(request):
    require_cap(request.user, Cap.EDIT, request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = ImportJob(
            created_by=request.user,
            filename=upload.name[:200],
            dry_run=form.cleaned_data["dry_run"],
            partial=form.cleaned_data["partial"],
            create_regions=form.cleaned_data["create_regions"],
        )
        job.seal(upload.read())
        job.save()
        run_import_job.enqueue(job.pk)
        return redirect(job)
    jobs = ImportJob.objects.filter(created_by=request.user).defer("sealed_file")[:10]
    return render(
        request,
        "territory/import.html",
        {
            "form": form,
            "jobs": jobs,
            "breadcrumb": [{"label": "辖区台账", "url": "/territory/"}, {"label": "导入登记表"}],
        },
        status=400 if request.method == "POST" else 200,
    )


def _get_job(request, pk) -> ImportJob:
    job = ImportJob.objects.defer("sealed_file").filter(pk=pk, created_by=request.user).first()
    if job is None:
        raise Http404
    return job


@login_required
def import_job(request, pk):
    job = _get_job(request, pk)
    report = job.report or {}
    errors = report.get("errors", [])
    return render(
        request,
        "territory/import_job.html",
        {
            "job": job,
            "report": report,
            "errors": errors[:1000],
            "more_errors": max(0, len(errors) - 1000),
            "breadcrumb": [
                {"label": "辖区台账", "url": "/territory/"},
                {"label": "导入登记表", "url": reverse("territory:import")},
                {"label": job.filename},
            ],
        },
    )


@login_required
def import_job_status(request, pk):
    job = _get_job(request, pk)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "stage": job.stage,
            "done": job.done,
            "total": job.total,
            "finished": job.finished_running,
        }
    )


@login_required
def import_job_errors(request, pk):
    from loudong.lib.xlsx import attachment
    from loudong.territory.importer import error_workbook

    job = _get_job(request, pk)
    report = job.report or {}
    if not report.get("errors"):
        raise Http404
    content = error_workbook(report.get("header", []), report.get("bad_rows", {}), report["errors"])
    return attachment(content, f"{Path(job.filename).stem}-错误报告.xlsx")


@login_required
def import_template(request):
    from loudong.lib.xlsx import attachment
    from loudong.territory.exports import template_workbook

    return attachment(template_workbook(), "居民登记表模板.xlsx")


@login_required
def export(request):
    """Residents of the user's scope (or one region) in the import template; audited.

    Masked unless the user may reveal personal data in every community exported.
    """
    from loudong.lib.xlsx import attachment
    from loudong.territory.exports import export_workbook

    residents = Resident.objects.visible_to(request.user).filter(moved_out=False)
    region = None
    if request.GET.get("region"):
        region = get_region_for_user(request.user, request.GET["region"], request=request)
        residents = residents.filter(_region_filter(region))
    if not has_cap(request.user, Cap.EXPORT):
        raise PermissionDenied("您没有导出名单的权限")
    reveal_scope = scope_for(request.user, Cap.REVEAL)
    export_scope = scope_for(request.user, Cap.EXPORT)
    residents = residents.filter(export_scope.q())
    communities = set(residents.values_list("community_id", flat=True).distinct())
    reveal = bool(communities) and communities <= set(reveal_scope.community_ids)
    content, rows = export_workbook(residents, reveal=reveal)
    actions.record_export(
        what=f"居民名单 {region or '全部辖区'}",
        rows=rows,
        revealed=reveal,
        region=region,
        acting_user=request.user,
        request=request,
    )
    response = attachment(content, f"居民名单-{region or '辖区'}.xlsx")
    response["Cache-Control"] = "no-store"
    return response
