from pathlib import Path
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from loudong.accounts import actions as account_actions
from loudong.accounts.access import (
    disclosure_for,
    get_object_for_user,
    has_cap,
    require_cap,
    scope_for,
)
from loudong.accounts.forms import ReasonForm
from loudong.accounts.models import AuditEvent
from loudong.accounts.roles import Cap
from loudong.lib.filenames import fit_filename
from loudong.territory import actions
from loudong.territory.access import (
    get_building_for_user,
    get_household_for_user,
    get_region_for_user,
    get_resident_for_user,
    require_registry,
)
from loudong.territory.forms import (
    AttentionForm,
    CommunityContactForm,
    HouseholdForm,
    MoveOutForm,
    ResidentForm,
    ResidentsMeetingForm,
    SearchForm,
    UploadForm,
)
from loudong.territory.importer import RELATIONS
from loudong.territory.models import (
    Building,
    Household,
    ImportJob,
    Region,
    Resident,
    ResidentsMeeting,
    Unit,
)
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
        buildings = (
            Building.objects.visible_to(request.user)
            .filter(compound=region)
            .annotate(occupied_count=Count("households", filter=Q(households__occupied=True)))
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
            "can_edit": scope_for(request.user, Cap.EDIT).allows(region),
        },
    )


@login_required
def building(request, pk):
    building = get_building_for_user(request.user, pk, request=request)
    households = (
        Household.objects.visible_to(request.user)
        .filter(building=building)
        .select_related("unit")
        .annotate(people=Count("residents", filter=Q(residents__moved_out=False)))
        .order_by("unit__number_key", "floor", "room")
    )
    units = list(
        Unit.objects.visible_to(request.user)
        .filter(building=building)
        .annotate(n=Count("households", filter=Q(households__occupied=True)))
        .order_by("number_key")
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
    disclosure = disclosure_for(request.user, household)
    residents = list(household.residents.order_by("moved_out", "-is_householder", "id"))
    for r in residents:
        r.shown = disclosure.show(r)
    return render(
        request,
        "territory/household.html",
        {
            "household": household,
            "residents": residents,
            "shown_full": disclosure.full,
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
            "shown": disclosure_for(request.user, resident).show(resident),
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
    context = {
        "resident": resident,
        "reveal_form": form,
        "can_reveal": True,
        "shown": disclosure_for(request.user, resident).show(resident),
    }
    if not form.is_valid():
        return render(request, "territory/resident.html", context, status=400)
    context["revealed"] = account_actions.reveal(
        obj=resident,
        fields=["id_number", "phone", "political_status"],
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


MAX_SEARCH_PAGE = 10_000


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
    # A page past this is never browsed; beyond 2**63 rows the OFFSET overflowed SQLite (a 500).
    number = min(number, MAX_SEARCH_PAGE)
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
    require_registry(request.user, request=request)
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


NUMBER_KINDS = ("id", "phone", "last4", "masked")


def _number_search_refusal(request) -> tuple[str, int]:
    """('', 200) when this user may look a number up now; else the Chinese reason and status.

    Exact ID and phone searches confirm a guess (the attack: 67 searches in 3.8 s as 区民政局):
    only roles that may reveal get them, at most ``LOUDONG_NUMBER_SEARCH_LIMIT`` per user per
    ``LOUDONG_NUMBER_SEARCH_WINDOW_S`` seconds.
    """
    from django.conf import settings

    from loudong.lib import throttle

    if not scope_for(request.user, Cap.REVEAL):
        return "您的角色不能按身份证号或电话查找，请按姓名或小区名查找。", 403
    limit, window = settings.LOUDONG_NUMBER_SEARCH_LIMIT, settings.LOUDONG_NUMBER_SEARCH_WINDOW_S
    key = f"number-search:{request.user.pk}"
    if throttle.hit(key, limit, window):
        if not throttle.hit(f"{key}:audited", 1, window):  # one audit row per window
            account_actions.record_number_search_throttled(
                acting_user=request.user, request=request
            )
        return f"按号码查找过于频繁（每 {window // 60} 分钟最多 {limit} 次），请稍后再试。", 429
    return "", 200


@login_required
def search(request):
    """Exact ID/phone by blind index, last 4 digits by their own index, names by prefix.

    Never decrypts rows to compare, except the few last-4 candidates a masked ID
    (``341***********1234``) narrows to.
    """
    require_registry(request.user, request=request)
    form = SearchForm(request.GET or None)
    residents = compounds = None
    kind = refusal = ""
    status = 200
    if form.is_valid() and form.cleaned_data["q"].strip():
        q = form.cleaned_data["q"].strip()
        kind = classify_query(q)
        visible = Resident.objects.visible_to(request.user).select_related(
            "household__unit", "household__building", "compound"
        )
        if kind in NUMBER_KINDS:
            refusal, status = _number_search_refusal(request)
            # A number confirms who someone is: only among the residents one may reveal.
            visible = Resident.objects.visible_to(request.user, Cap.REVEAL).select_related(
                "household__unit", "household__building", "compound"
            )
        if refusal:
            kind = ""
        elif kind == "id":
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
        if residents is not None and not isinstance(residents, list):
            residents = residents.order_by("name", "id")
    page = _slice_page(request, residents) if residents is not None else None
    if kind in NUMBER_KINDS and page and page.object_list:
        account_actions.record_number_search(
            kind=kind,
            found=[r.pk for r in page.object_list],
            acting_user=request.user,
            request=request,
        )
    for r in page.object_list if page else []:
        r.shown = disclosure_for(request.user, r).show(r)
    return render(
        request,
        "territory/search.html",
        {
            "form": form,
            "page": page,
            "kind": kind,
            "compounds": compounds,
            "refusal": refusal,
            "number_search": bool(scope_for(request.user, Cap.REVEAL)),
            "query": urlencode({"q": request.GET.get("q", "")}),
            "breadcrumb": [{"label": "辖区台账", "url": "/territory/"}, {"label": "搜索"}],
        },
        status=status,
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
    # The log's values are masked, yet a change history (old and new birth dates, statuses …)
    # is the registry workers' record: read-only roles get a 403.
    if kind == "resident":
        obj = get_resident_for_user(request.user, pk, capability=Cap.EDIT, request=request)
        label = "territory.resident"
    else:
        obj = get_household_for_user(request.user, pk, write=True, request=request)
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
            filename=fit_filename(upload.name, ImportJob._meta.get_field("filename").max_length),
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

    if not has_cap(request.user, Cap.EXPORT):
        raise PermissionDenied("您没有导出名单的权限")
    require_registry(request.user, Cap.EXPORT, request=request)
    residents = Resident.objects.visible_to(request.user).filter(moved_out=False)
    region = None
    if request.GET.get("region"):
        region = get_region_for_user(request.user, request.GET["region"], request=request)
        residents = residents.filter(_region_filter(region))
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


# -- the community's contact (甲方 of the agreements) -------------------------------------------


@login_required
def community_contact(request, pk):
    """负责人 and office phone of a community: 甲方 of Attachment 1, and the boards' stand-in."""
    community = get_region_for_user(request.user, pk, write=True, request=request)
    if community.level != Region.Level.COMMUNITY:
        raise Http404
    form = CommunityContactForm(
        request.POST or None,
        initial={"leader_name": community.leader_name, "office_phone": community.office_phone},
    )
    if request.method == "POST" and form.is_valid():
        actions.update_community_contact(
            community=community, acting_user=request.user, request=request, **form.cleaned_data
        )
        messages.success(request, "已保存负责人和办公电话；新起草的协议书和公示牌将使用新信息。")
        return redirect(community)
    return render(
        request,
        "territory/community_contact.html",
        {
            "community": community,
            "form": form,
            "breadcrumb": region_crumbs(request.user, community, {"label": "负责人与办公电话"}),
        },
        status=400 if form.errors else 200,
    )


# -- residents' meetings (楼栋居民会议) ---------------------------------------------------------


@login_required
def meetings(request, pk):
    community = get_region_for_user(request.user, pk, request=request)
    if community.level != Region.Level.COMMUNITY:
        raise Http404
    rows = (
        ResidentsMeeting.objects.filter(community=community)
        .select_related("building__compound", "compound", "recorded_by")
        .prefetch_related("questions")
    )
    return render(
        request,
        "territory/meetings.html",
        {
            "community": community,
            "page": Paginator(rows, 50).get_page(request.GET.get("page")),
            "can_edit": scope_for(request.user, Cap.EDIT).allows(community),
            "breadcrumb": region_crumbs(request.user, community, {"label": "居民会议"}),
        },
    )


@login_required
def meeting_create(request, pk):
    community = get_region_for_user(request.user, pk, write=True, request=request)
    if community.level != Region.Level.COMMUNITY:
        raise Http404
    form = ResidentsMeetingForm(request.POST or None, community=community)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = actions.record_residents_meeting(
                community=community,
                compound=data["compound"],
                building=data["building"],
                date=data["date"],
                title=data["title"],
                agenda=data["agenda"],
                households=data["households"],
                attendance=data["attendance"],
                notes=data["notes"],
                questions=form.questions(),
                acting_user=request.user,
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, f"已登记居民会议：{meeting.title}")
            return redirect(meeting)
    return render(
        request,
        "territory/meeting_form.html",
        {
            "community": community,
            "form": form,
            "breadcrumb": region_crumbs(request.user, community, {"label": "登记居民会议"}),
        },
        status=400 if form.errors else 200,
    )


@login_required
def meeting(request, pk):
    meeting = get_object_for_user(
        ResidentsMeeting.objects.select_related("community", "building__compound", "compound"),
        request.user,
        pk,
        request=request,
    )
    return render(
        request,
        "territory/meeting.html",
        {
            "meeting": meeting,
            "questions": meeting.questions.all(),
            "breadcrumb": region_crumbs(request.user, meeting.community, {"label": str(meeting)}),
        },
    )
