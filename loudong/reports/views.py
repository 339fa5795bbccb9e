import datetime as dt

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from loudong.accounts.access import has_cap, refuse_out_of_scope_filters
from loudong.accounts.audit import AuditAction, record
from loudong.accounts.roles import ROLE_REPORTS, Cap, Reports
from loudong.grids.models import Grid
from loudong.lib.xlsx import attachment, workbook_bytes
from loudong.reports import registry
from loudong.reports.forms import FilterForm
from loudong.territory.models import Region


def reader(user):
    """(communities the user reads reports on, aggregates only?); None for other roles."""
    roles = [a for a in user.active_roles() if a.role in ROLE_REPORTS and a.region_id]
    if not roles:
        return None
    full = [a.region for a in roles if ROLE_REPORTS[a.role] == Reports.FULL]
    regions = full or [a.region for a in roles]
    q = Q(pk__in=[])
    for region in regions:
        q |= Q(path__startswith=region.path)
    communities = Region.objects.filter(q, level=Region.Level.COMMUNITY).order_by("code")
    return communities, not full


def _dashboards(aggregates_only):
    return [d for d in registry.all_dashboards() if d.district or not aggregates_only]


def available(user) -> list:
    """The dashboards ``user`` may open (none for a role that reads no reports)."""
    found = reader(user)
    return _dashboards(found[1]) if found else []


def _reader_or_404(user):
    found = reader(user)
    if found is None:
        raise Http404
    return found


@login_required
def index(request):
    _communities, aggregates_only = _reader_or_404(request.user)
    return render(
        request,
        "reports/index.html",
        {
            "dashboards": _dashboards(aggregates_only),
            "aggregates_only": aggregates_only,
            "breadcrumb": [{"label": "统计报表"}],
        },
    )


def _built(request, key):
    board = registry.get(key)
    communities, aggregates_only = _reader_or_404(request.user)
    if board is None or board not in _dashboards(aggregates_only):
        raise Http404
    today = timezone.localdate()
    grids = None
    if board.uses_grid and not aggregates_only:
        grids = (
            Grid.objects.in_force()
            .filter(community__in=communities)
            .select_related("community")
            .order_by("community__code", "number")
        )
    # Always bound: the defaults (this year so far) show in the date boxes.
    params = request.GET.copy()
    if not params.get("since"):
        params["since"] = dt.date(today.year, 1, 1).isoformat()
    if not params.get("until"):
        params["until"] = today.isoformat()
    form = FilterForm(params, communities=communities, grids=grids, today=today)
    refuse_out_of_scope_filters(form, request.user, request)
    if not form.is_valid():
        return board, form, None, aggregates_only
    data = form.cleaned_data
    community = data.get("community")
    if community is None and len(communities) == 1:
        community = communities[0]  # a 社区工作者: the dashboards go down to grids and leaders
    filters = registry.Filters(
        community_ids=tuple(
            [community.pk] if community else communities.values_list("pk", flat=True)
        ),
        community=community,
        since=data["since"],
        until=data["until"],
        grid=data.get("grid"),
        today=today,
        aggregates_only=aggregates_only,
    )
    tables = board.build(filters)
    if aggregates_only:
        tables = [t.suppressed() for t in tables]
    return board, form, (filters, tables), aggregates_only


@login_required
def page(request, key):
    board, form, built, aggregates_only = _built(request, key)
    filters, tables = built or (None, [])
    return render(
        request,
        "reports/page.html",
        {
            "board": board,
            "form": form,
            "filters": filters,
            "tables": tables,
            "specs": [t.spec() for t in tables if t.chart != "none"],
            "aggregates_only": aggregates_only,
            "can_export": has_cap(request.user, Cap.EXPORT),
            "query": request.GET.urlencode(),
            "breadcrumb": [{"label": "统计报表", "url": "/reports/"}, {"label": board.title}],
        },
        status=200 if built else 400,
    )


@login_required
def export(request, key):
    """The same tables as the page (suppressed for aggregates-only roles), one sheet each."""
    board, _form, built, aggregates_only = _built(request, key)
    if not has_cap(request.user, Cap.EXPORT):
        raise Http404
    if built is None:
        return page(request, key)
    filters, tables = built
    record(
        actor=request.user,
        action=AuditAction.REPORT_EXPORT,
        region=filters.community,
        target_repr=f"{board.title} {filters.since}至{filters.until}",
        new={
            "tables": len(tables),
            "rows": sum(len(t.rows) for t in tables),
            "aggregates_only": aggregates_only,
            "grid": filters.grid.code if filters.grid else "",
        },
        request=request,
    )
    sheets = [(t.title, t.headers(), t.rows) for t in tables]
    name = f"{board.title}-{filters.since}至{filters.until}.xlsx"
    return attachment(workbook_bytes(sheets), name)
