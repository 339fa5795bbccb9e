"""Community and subdistrict pages: the incident queue and page, coverage, the 服务记录表.

Thin functions (STYLE.md item 7): a form validates, the access helper fetches, one action does
the work, then a message and a redirect. The leaders' phone pages are in ``views_phone.py``,
the residents' QR pages in ``views_resident.py``.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from loudong.accounts import actions as account_actions
from loudong.accounts.access import scope_for
from loudong.accounts.audit import AuditAction, record
from loudong.accounts.forms import ReasonForm
from loudong.accounts.roles import Cap
from loudong.fieldwork import categories as category_rows
from loudong.fieldwork import ladder
from loudong.fieldwork.access import (
    allowed_moves,
    body_community_ids,
    get_incident_for_user,
    is_leader_only,
    leader_area,
)
from loudong.fieldwork.actions import incidents as incident_actions
from loudong.fieldwork.actions import notifications as notification_actions
from loudong.fieldwork.actions import reports as report_actions
from loudong.fieldwork.actions import visits as visit_actions
from loudong.fieldwork.actions.common import PHOTO_PURPOSE, Refused
from loudong.fieldwork.forms import (
    BulkForm,
    ChangeReviewForm,
    MoveForm,
    QueueFilterForm,
    ReviewForm,
    WorkerIncidentForm,
)
from loudong.fieldwork.models import (
    LEVEL_LABELS,
    ChangeRequest,
    Incident,
    IncidentCategory,
    IncidentPhoto,
    MonthlyReport,
    Notification,
    VisitHousehold,
)
from loudong.lib import xlsx
from loudong.lib.sealed_files import read_sealed
from loudong.policy.profile import profile_for
from loudong.policy.schema import enum_labels
from loudong.territory.models import Building, Household, Region

PAGE_SIZE = 50


class SlicePage:
    """A page without a total: the archive of closed incidents is large; counting it is not free."""

    def __init__(self, queryset, number):
        try:
            self.number = max(1, int(number or 1))
        except (TypeError, ValueError):
            self.number = 1
        start = (self.number - 1) * PAGE_SIZE
        rows = list(queryset[start : start + PAGE_SIZE + 1])
        self.object_list = rows[:PAGE_SIZE]
        self.has_next = len(rows) > PAGE_SIZE
        self.has_previous = self.number > 1
        self.next_page_number = self.number + 1
        self.previous_page_number = self.number - 1
        self.paginator = None

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)


def _crumbs(*more):
    return [{"label": "日常工作", "url": reverse("fieldwork:index")}, *more]


def _communities(user):
    return Region.objects.filter(pk__in=sorted(body_community_ids(user))).order_by("code", "name")


def require_body(request):
    """A page for the community and subdistrict: 404 for anyone else (leaders go to the phone)."""
    if not body_community_ids(request.user):
        raise Http404


def safe_next(request, default):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return default


# -- the queue -----------------------------------------------------------------------------------


def _queue_filters(request, communities):
    community_ids = [c.pk for c in communities]
    profile = profile_for(communities[0]) if communities else None
    levels = [(lvl, LEVEL_LABELS[lvl]) for lvl in (profile.fieldwork.ladder if profile else ())]
    cats = []
    if profile:
        cats = [(c.code, str(c)) for c in category_rows.categories_for(profile)]
    from loudong.grids.models import Grid

    grids = (
        Grid.objects.in_force()
        .filter(community_id__in=community_ids)
        .exclude(code="")
        .order_by("code")
        .values_list("code", flat=True)
    )
    return QueueFilterForm(
        request.GET or None,
        levels=levels,
        categories=cats,
        grids=[(g, f"网格 {g[-4:]}") for g in grids],
        communities=[(str(c.pk), c.name) for c in communities],
    )


def _filtered(queryset, form, now):
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    status = data.get("status") or ""
    if status == "all":
        pass
    elif status:
        queryset = queryset.filter(status=status)
    else:
        queryset = queryset.filter(status__in=Incident.OPEN)
    if data.get("level"):
        queryset = queryset.filter(level=data["level"])
    if data.get("category"):
        code = data["category"]
        # Ids first (a few rows), so that the incidents are filtered by an indexed IN.
        ids = list(
            IncidentCategory.objects.filter(Q(code=code) | Q(parent__code=code)).values_list(
                "pk", flat=True
            )
        )
        queryset = queryset.filter(category_id__in=ids)
    if data.get("grid"):
        queryset = queryset.filter(grid_code=data["grid"])
    if data.get("community"):
        queryset = queryset.filter(community_id=data["community"])
    if data.get("severity"):
        queryset = queryset.filter(severity=data["severity"])
    if data.get("overdue"):
        queryset = queryset.filter(
            status__in=Incident.OPEN, paused_since__isnull=True, due__lte=now
        )
    return queryset, status


@login_required
def index(request):
    """The incident queue (事件办理): filters, counts, the list, bulk moves."""
    if is_leader_only(request.user):
        return redirect("fieldwork:phone_home")
    require_body(request)
    now = timezone.now()
    communities = list(_communities(request.user))
    form = _queue_filters(request, communities)
    base = Incident.objects.filter(community_id__in=[c.pk for c in communities])
    incidents, status = _filtered(base, form, now)
    archive = status in ("closed", "merged", "all")
    # The page's ids first (sorted without joins), then those 50 rows with their relations: the
    # planner cannot know how many open rows are overdue, and must not join them all to sort.
    ids = incidents.order_by(*(("-id",) if archive else ("due", "id"))).values_list("pk", flat=True)
    # One pass over the open and awaiting-rating rows for every count on the page.
    counts, overdue, urgent = {}, 0, 0
    for row in (
        base.filter(status__in=[*Incident.OPEN, Incident.Status.RESOLVED])
        .values("status")
        .annotate(  # columns of the covering index incident_counts_idx: index-only
            n=Count("status"),
            late=Count("status", filter=Q(paused_since__isnull=True, due__lte=now)),
            urgent=Count("status", filter=Q(severity=Incident.Severity.URGENT)),
        )
    ):
        counts[row["status"]] = row["n"]
        if row["status"] in Incident.OPEN:
            overdue += row["late"]
            urgent += row["urgent"]
    summary = {
        "open": sum(counts.get(s, 0) for s in Incident.OPEN),
        "waiting": sum(counts.get(s, 0) for s in Incident.WAITING),
        "overdue": overdue,
        "urgent": urgent,
        "resolved": counts.get(Incident.Status.RESOLVED, 0),
    }
    # The open queue is counted; the archive (closed, merged: most rows of a few years) is paged
    # without a total, which would cost a scan of them all.
    number = request.GET.get("page")
    if archive:
        page = SlicePage(ids, number)
    else:
        paginator = Paginator(ids, PAGE_SIZE)
        known = _known_count(form, status, counts, overdue)
        if known is not None:
            paginator.count = known  # from the counts above: no second pass over the rows
        page = paginator.get_page(number)
    rows = Incident.objects.filter(pk__in=list(page.object_list)).select_related(
        "category__parent",
        "community",
        "building__compound",
        "unit__building__compound",
        "compound",
        "assignee",
    )
    by_id = {row.pk: row for row in rows}
    page.object_list = [by_id[pk] for pk in page.object_list if pk in by_id]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "fieldwork/queue.html",
        {
            "form": form,
            "page": page,
            "now": now,
            "counts": [(Incident.Status(s).label, counts.get(s, 0)) for s in Incident.OPEN],
            "summary": summary,
            "query": query.urlencode(),
            "bulk_form": BulkForm(),
            "assignees": _assignees(communities),
            "breadcrumb": _crumbs({"label": "事件办理"}),
        },
    )


def _known_count(form, status, counts, overdue):
    """The list's total when the counts already hold it (the default list, one status, overdue)."""
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    extra = {k for k, v in data.items() if v and k not in ("status", "overdue")}
    if extra:
        return None
    if data.get("overdue"):
        return overdue if not status else None
    if not status:
        return sum(counts.get(s, 0) for s in Incident.OPEN)
    return counts.get(status, 0) if status in counts or status in Incident.OPEN else None


def _assignees(communities):
    from loudong.accounts.models import User
    from loudong.accounts.roles import Role

    return (
        User.objects.filter(
            role_assignments__role=Role.COMMUNITY_WORKER,
            role_assignments__active=True,
            role_assignments__region__in=communities,
            is_active=True,
        )
        .distinct()
        .order_by("full_name", "username")
    )


@require_POST
@login_required
def bulk(request):
    require_body(request)
    form = BulkForm(request.POST)
    ids = [int(i) for i in request.POST.getlist("ids") if str(i).isdigit()]
    if not form.is_valid() or not ids:
        messages.error(request, "批量操作：请先勾选事件，再选择操作")
        return redirect(safe_next(request, reverse("fieldwork:index")))
    incidents = list(Incident.objects.visible_to(request.user).filter(pk__in=ids).order_by("pk"))
    if len(incidents) != len(set(ids)):
        raise Http404
    data = form.cleaned_data
    try:
        n = incident_actions.bulk_move(
            incidents=incidents,
            move=data["move"],
            acting_user=request.user,
            request=request,
            assignee=int(data["assignee"]) if data["assignee"].isdigit() else data["assignee"],
            resolution=data["resolution"],
            into=data["into"],
            reason="批量合并",
        )
        messages.success(
            request, f"已批量{dict(form.fields['move'].choices)[data['move']]} {n} 件事件"
        )
    except Refused as exc:
        messages.error(request, f"未做任何改动。{exc.message}")
    return redirect(safe_next(request, reverse("fieldwork:index")))


# -- one incident --------------------------------------------------------------------------------

CONFIRM = {
    "escalate": "确定上报到上一级？",
    "return": "确定退回下一级办理？",
    "close": "关闭后只能由反映人在期限内要求重新办理，确定关闭？",
    "merge": "合并后本事件不再单独办理，确定合并？",
    "resolve": "确定办结？办结后将请反映人评价。",
    "transfer": "确定转交部门办理？",
    "rate": "评价提交后不能修改，确定提交？",
    "reopen": "确定要求重新办理？",
}


def _incident_context(request, incident, **extra):
    now = timezone.now()
    moves = allowed_moves(request.user, incident)
    profile = incident.profile()
    category = incident.category
    body = incident.community_id in body_community_ids(request.user)
    context = {
        "incident": incident,
        "now": now,
        "events": incident.events.select_related("actor").order_by("at", "id"),
        "stages": incident.stages.order_by("start", "id"),
        "photos": incident.photos.all(),
        "ratings": incident.ratings.order_by("id"),
        "moves": moves,
        "confirm": CONFIRM,
        "labels": Incident.MOVE_LABELS,
        "replies": profile.fieldwork.replies_for(
            category.code, category.parent.code if category.parent_id else ""
        ),
        "duplicates": incident_actions.duplicate_hints(incident, now=now)
        if body and incident.is_open
        else [],
        "duplicates_of": incident.duplicates.order_by("id") if body else [],
        "is_body": body,
        "can_reveal": body and scope_for(request.user, Cap.REVEAL).allows(incident),
        "reveal_form": ReasonForm(),
        "assignees": [
            u
            for u in _assignees(Region.objects.filter(pk=incident.community_id))
            if u.pk in ladder.holder(incident, incident.level).user_ids
        ]
        if "assign" in moves
        else [],
        "max_extension": profile.fieldwork.extension_max_working_days,
        "phone": is_leader_only(request.user),
        "breadcrumb": _crumbs(
            {"label": "事件办理", "url": reverse("fieldwork:index")},
            {"label": f"事件 #{incident.pk}"},
        ),
    }
    context.update(extra)
    return context


@login_required
def incident(request, pk):
    item = get_incident_for_user(request.user, pk, request=request)
    return render(request, "fieldwork/incident.html", _incident_context(request, item))


@require_POST
@login_required
def move(request, pk, move):
    item = get_incident_for_user(request.user, pk, request=request)
    if move not in incident_actions.MOVES:
        raise Http404
    form = MoveForm(request.POST)
    form.is_valid()
    fields = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    if "assignee" in fields and str(fields["assignee"]).isdigit():
        fields["assignee"] = int(fields["assignee"])
    try:
        item = incident_actions.move_incident(
            incident=item, move=move, acting_user=request.user, request=request, **fields
        )
    except Refused as exc:
        context = _incident_context(request, item, error=exc.message, failed_move=move)
        return render(request, "fieldwork/incident.html", context, status=400)
    label = Incident.MOVE_LABELS[move]
    messages.success(
        request,
        f"事件 #{item.pk}：已{label}（现为{item.get_status_display()}，{item.level_label}）",
    )
    return redirect(safe_next(request, item.get_absolute_url()))


@login_required
def photo(request, pk, photo_pk):
    """A photo of the incident, for those who may see the incident; never cached."""
    item = get_incident_for_user(request.user, pk, request=request)
    picture = IncidentPhoto.objects.filter(incident=item, pk=photo_pk).first()
    if picture is None:
        raise Http404
    response = HttpResponse(
        read_sealed(picture.name, purpose=PHOTO_PURPOSE), content_type="image/jpeg"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@login_required
def reveal_parties(request, pk):
    """The parties' names and phones, once, for a worker who may reveal; audited."""
    item = get_incident_for_user(request.user, pk, request=request)
    if not (
        item.community_id in body_community_ids(request.user)
        and scope_for(request.user, Cap.REVEAL).allows(item)
    ):
        raise PermissionDenied("您不能查看当事人的完整信息")
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "fieldwork/incident.html",
            _incident_context(request, item, reveal_form=form),
            status=400,
        )
    revealed = account_actions.reveal(
        obj=item,
        fields=["parties", "reporter_phone"],
        reason=form.cleaned_data["reason"],
        acting_user=request.user,
        request=request,
    )
    response = render(
        request, "fieldwork/incident.html", _incident_context(request, item, revealed=revealed)
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def incident_new(request):
    """A worker enters an incident — often a resident's phone call (代登记, 回访电话)."""
    require_body(request)
    communities = list(_communities(request.user))
    community = communities[0]
    if request.GET.get("community") or request.POST.get("community"):
        wanted = request.GET.get("community") or request.POST.get("community")
        community = next((c for c in communities if str(c.pk) == str(wanted)), None)
        if community is None:
            raise Http404
    profile = profile_for(community)
    buildings = (
        Building.objects.filter(community=community)
        .select_related("compound")
        .order_by("compound__name", "number_key")
    )
    places = [("", "整个社区（不确定楼栋）")] + [(f"b{b.pk}", str(b)) for b in buildings]
    kwargs = {"categories": category_rows.choices(profile), "places": places}
    form = WorkerIncidentForm(request.POST or None, request.FILES or None, **kwargs)
    form.fields["place"].required = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        building = None
        if data["place"]:
            building = buildings.filter(pk=data["place"][1:]).first()
            if building is None:
                raise Http404
        try:
            reported = incident_actions.report_incident(
                acting_user=request.user,
                category=data["category"],
                severity=data["severity"],
                description=data["description"],
                building=building,
                community=community,
                place_text=data["place_text"],
                parties=data["parties"],
                reporter_phone=data["reporter_phone"],
                on_behalf=data["on_behalf"],
                photos=data["photos"],
                idempotency_key=request.headers.get("Idempotency-Key") or data["idempotency_key"],
                request=request,
            )
        except Refused as exc:
            form.add_error(None, exc.message)
        else:
            item = reported.incident
            messages.success(request, f"已登记事件 #{item.pk}，现由{item.level_label}办理")
            for dup in reported.duplicates:
                messages.warning(
                    request,
                    f"可能与事件 #{dup.pk}（{dup.category}，{dup.place}）重复，可在事件页合并",
                )
            return redirect(item)
    return render(
        request,
        "fieldwork/incident_new.html",
        {
            "form": form,
            "community": community,
            "communities": communities,
            "breadcrumb": _crumbs({"label": "登记事件"}),
        },
        status=400 if request.method == "POST" else 200,
    )


# -- coverage ------------------------------------------------------------------------------------


def period_bounds(text: str, kind: str, today: dt.date) -> tuple[dt.date, dt.date, str]:
    """(start, end, label) of a period: ``2026-Q4``, ``2026-H2``, ``2026-11``, ``2026``; empty →
    the current one of the profile's ``visit_period``."""
    from loudong.fieldwork.actions.reports import month_end

    text = (text or "").strip().upper()
    try:
        if not text:
            year = today.year
            if kind == "month":
                text = f"{year}-{today.month:02d}"
            elif kind == "quarter":
                text = f"{year}-Q{(today.month - 1) // 3 + 1}"
            elif kind == "half_year":
                text = f"{year}-H{1 if today.month <= 6 else 2}"
            else:
                text = str(year)
        if "-Q" in text:
            year, q = text.split("-Q")
            start = dt.date(int(year), 3 * int(q) - 2, 1)
            return start, month_end(dt.date(int(year), 3 * int(q), 1)), f"{year}年第{q}季度"
        if "-H" in text:
            year, h = text.split("-H")
            start = dt.date(int(year), 1 if h == "1" else 7, 1)
            end = dt.date(int(year), 6, 30) if h == "1" else dt.date(int(year), 12, 31)
            return start, end, f"{year}年{'上' if h == '1' else '下'}半年"
        if "-" in text:
            year, month = text.split("-")
            start = dt.date(int(year), int(month), 1)
            return start, month_end(start), f"{year}年{int(month)}月"
        year = int(text)
        return dt.date(year, 1, 1), dt.date(year, 12, 31), f"{year}年"
    except (ValueError, TypeError):
        raise Refused("统计期：请用 2026-Q4、2026-H2、2026-11 或 2026 的格式") from None


def _coverage_community(request):
    require_body(request)
    communities = list(_communities(request.user))
    wanted = request.GET.get("community")
    community = next((c for c in communities if str(c.pk) == str(wanted)), communities[0])
    if wanted and str(community.pk) != str(wanted):
        raise Http404
    return community, communities


def grid_coverage(community, start, end, today):
    """Per grid in force: households, visited in the period, not visited for N days, priority."""
    from loudong.grids.models import Grid, GridPiece

    profile = profile_for(community, on=today)
    limit = profile.fieldwork.not_visited_days
    grids = list(
        Grid.objects.in_force()
        .filter(community=community)
        .exclude(code="")
        .with_leader()
        .order_by("code")
    )
    visited = dict(
        VisitHousehold.objects.filter(community=community, date__range=(start, end))
        .values("grid_code")
        .annotate(n=Count("household_id", distinct=True))
        .values_list("grid_code", "n")
    )
    recent = dict(
        VisitHousehold.objects.filter(
            community=community, date__gte=today - dt.timedelta(days=limit)
        )
        .values("grid_code")
        .annotate(n=Count("household_id", distinct=True))
        .values_list("grid_code", "n")
    )
    # 重点关注 households per grid, and the ones not visited within their shorter limit.
    pieces = list(
        GridPiece.objects.filter(grid__in=grids).values_list(
            "grid__code", "unit_id", "floor_from", "floor_to"
        )
    )
    by_unit = {}
    for code, unit, low, high in pieces:
        by_unit.setdefault(unit, []).append((code, low, high))
    priority = {}
    priority_late = {}
    cutoff = today - dt.timedelta(days=profile.fieldwork.priority_not_visited_days)
    flagged = list(
        Household.objects.filter(
            community=community, occupied=True, needs_attention=True
        ).values_list("pk", "unit_id", "floor")
    )
    last = dict(
        VisitHousehold.objects.filter(household_id__in=[f[0] for f in flagged])
        .values("household_id")
        .annotate(last=Max("date"))
        .values_list("household_id", "last")
    )
    for pk, unit, floor in flagged:
        for code, low, high in by_unit.get(unit, ()):
            if floor is None or low <= floor <= high:
                priority[code] = priority.get(code, 0) + 1
                if last.get(pk) is None or last[pk] < cutoff:
                    priority_late[code] = priority_late.get(code, 0) + 1
                break
    from loudong.roster.models import Person

    names = dict(
        Person.objects.filter(
            pk__in=[g.leader_person_id for g in grids if g.leader_person_id]
        ).values_list("pk", "name")
    )
    rows = []
    for grid in grids:
        seen = visited.get(grid.code, 0)
        rows.append(
            {
                "code": grid.code,
                "leader": names.get(grid.leader_person_id, ""),
                "households": grid.households,
                "visited": seen,
                "pct": round(100 * seen / grid.households, 1) if grid.households else 0.0,
                "not_recent": max(grid.households - recent.get(grid.code, 0), 0),
                "priority": priority.get(grid.code, 0),
                "priority_late": priority_late.get(grid.code, 0),
            }
        )
    return rows, limit


@login_required
def coverage(request):
    """Visit coverage per grid for a period: a table and a map (Leaflet, served locally)."""
    from django.conf import settings

    community, communities = _coverage_community(request)
    today = timezone.localdate()
    profile = profile_for(community, on=today)
    try:
        start, end, label = period_bounds(
            request.GET.get("period", ""), profile.fieldwork.visit_period, today
        )
    except Refused as exc:
        messages.error(request, exc.message)
        start, end, label = period_bounds("", profile.fieldwork.visit_period, today)
    rows, limit = grid_coverage(community, start, end, today)
    total = sum(r["households"] for r in rows)
    seen = sum(r["visited"] for r in rows)
    return render(
        request,
        "fieldwork/coverage.html",
        {
            "community": community,
            "communities": communities,
            "rows": rows,
            "label": label,
            "period": request.GET.get("period", ""),
            "total": total,
            "seen": seen,
            "pct": round(100 * seen / total, 1) if total else 0.0,
            "limit": limit,
            "quota": profile.fieldwork,
            "period_label": enum_labels("fieldwork.visit_period").get(
                profile.fieldwork.visit_period, ""
            ),
            "map_config": {
                "url": reverse("fieldwork:coverage_map")
                + f"?community={community.pk}&period={request.GET.get('period', '')}",
                "tiles": settings.MAP_TILE_URL,
            },
            "breadcrumb": _crumbs({"label": "走访覆盖"}),
        },
    )


@login_required
def coverage_map(request):
    """Buildings with their visit coverage in the period (JSON for the map)."""
    community, _ = _coverage_community(request)
    today = timezone.localdate()
    profile = profile_for(community, on=today)
    try:
        start, end, _label = period_bounds(
            request.GET.get("period", ""), profile.fieldwork.visit_period, today
        )
    except Refused as exc:
        return JsonResponse({"error": exc.message}, status=400)
    households = dict(
        Household.objects.filter(community=community, occupied=True)
        .values("building_id")
        .annotate(n=Count("pk"))
        .values_list("building_id", "n")
    )
    visited = {}
    for building, n in (
        VisitHousehold.objects.filter(community=community, date__range=(start, end))
        .values("household__building_id")
        .annotate(n=Count("household_id", distinct=True))
        .values_list("household__building_id", "n")
    ):
        visited[building] = n
    buildings = []
    for b in Building.objects.filter(community=community).select_related("compound").order_by("id"):
        total = households.get(b.pk, 0)
        if not total:
            continue
        seen = visited.get(b.pk, 0)
        buildings.append(
            {
                "name": str(b),
                "lat": b.lat,
                "lon": b.lon,
                "x": b.x,
                "y": b.y,
                "households": total,
                "visited": seen,
                "pct": round(100 * seen / total, 1),
            }
        )
    return JsonResponse({"buildings": buildings})


# -- the monthly 服务记录表 -------------------------------------------------------------------------


@login_required
def reports(request):
    """Who submitted the month's 服务记录表, who has not; links to each one."""
    require_body(request)
    communities = list(_communities(request.user))
    wanted = request.GET.get("community")
    community = next((c for c in communities if str(c.pk) == str(wanted)), communities[0])
    today = timezone.localdate()
    profile = profile_for(community, on=today)
    try:
        month = (
            report_actions.parse_month(request.GET["month"])
            if request.GET.get("month")
            else report_actions.reporting_month(today, profile)
        )
    except Refused as exc:
        messages.error(request, exc.message)
        month = report_actions.reporting_month(today, profile)
    submitted, missing = report_actions.submissions(community, month)
    return render(
        request,
        "fieldwork/reports.html",
        {
            "community": community,
            "communities": communities,
            "month": month,
            "due": report_actions.due_date(month, profile),
            "submitted": submitted,
            "missing": missing,
            "breadcrumb": _crumbs({"label": "服务记录表"}),
        },
    )


def _report_person(request, person_pk):
    from loudong.roster.models import Person

    area = leader_area(request.user)
    person = Person.objects.select_related("community").filter(pk=person_pk).first()
    own = area.person is not None and person is not None and area.person.pk == person.pk
    if person is None or not (own or person.community_id in body_community_ids(request.user)):
        raise Http404
    return person


def report_context(request, person, month):
    report = (
        MonthlyReport.objects.filter(person=person, month=month)
        .select_related("reviewed_by")
        .first()
    )
    content = report.content if report else report_actions.generate(person, month)
    area = leader_area(request.user)
    profile = profile_for(person.community, on=month)
    return {
        "person": person,
        "month": month,
        "report": report,
        "content": content,
        "due": report_actions.due_date(month, profile),
        "is_self": area.person is not None and area.person.pk == person.pk,
        "can_review": person.community_id in body_community_ids(request.user),
        "review_form": ReviewForm(),
        "breadcrumb": _crumbs(
            {"label": "服务记录表", "url": reverse("fieldwork:reports")},
            {"label": f"{person.name} {month:%Y年%m月}"},
        ),
    }


@login_required
def report(request, person_pk, month):
    person = _report_person(request, person_pk)
    try:
        month = report_actions.parse_month(month)
    except Refused:
        raise Http404 from None
    return render(request, "fieldwork/report.html", report_context(request, person, month))


@login_required
def report_xlsx(request, person_pk, month):
    person = _report_person(request, person_pk)
    try:
        month = report_actions.parse_month(month)
    except Refused:
        raise Http404 from None
    context = report_context(request, person, month)
    content = context["content"]
    summary = [
        ["楼栋长", content["person"]],
        ["社区", content["community"]],
        ["月份", content["month"]],
        ["岗位", "、".join(content["posts"])],
        ["负责住户（户）", content["households"]],
        ["本月走访（次）", content["visit_count"]],
        ["本月走访住户（户）", content["visited"]],
        [f"超过 {content['not_visited_days']} 天未走访（户）", content["not_visited"]],
        ["服务记录（条）", content["service_count"]],
        *[[f"　其中{k}", v] for k, v in content["service_by_category"].items()],
        ["上报或办理事件（件）", content["incident_count"]],
        ["　其中就地解决", content["solved_on_spot"]],
        ["状态", context["report"].get_status_display() if context["report"] else "未报送（草稿）"],
        ["重大情况及其他说明", context["report"].remarks if context["report"] else ""],
        ["社区审阅意见", context["report"].review_comment if context["report"] else ""],
    ]
    body = xlsx.workbook_bytes(
        [
            ("汇总", ["项目", "内容"], summary),
            (
                "走访",
                ["日期", "走访户数", "同行人员", "了解到的情况"],
                [
                    [v["date"], v["households"], v["companions"], v["notes"]]
                    for v in content["visits"]
                ],
            ),
            (
                "服务记录",
                ["日期", "类别", "服务内容", "服务人数"],
                [
                    [s["date"], s["category"], s["content"], s["people_served"]]
                    for s in content["services"]
                ],
            ),
            (
                "事件",
                ["编号", "日期", "类别", "地点", "紧急程度", "状态", "就地解决"],
                [
                    [
                        i["id"],
                        i["date"],
                        i["category"],
                        i["place"],
                        i["severity"],
                        i["status"],
                        "是" if i["solved_on_spot"] else "否",
                    ]
                    for i in content["incidents"]
                ],
            ),
        ]
    )
    record(
        actor=request.user,
        action=AuditAction.FIELDWORK_REPORT_EXPORT,
        target=person,
        new={"month": content["month"]},
        request=request,
    )
    return xlsx.attachment(body, f"服务记录表-{person.name}-{month:%Y-%m}.xlsx")


@require_POST
@login_required
def report_review(request, person_pk, month):
    person = _report_person(request, person_pk)
    try:
        month = report_actions.parse_month(month)
    except Refused:
        raise Http404 from None
    item = MonthlyReport.objects.filter(person=person, month=month).first()
    if item is None:
        raise Http404
    form = ReviewForm(request.POST)
    try:
        if not form.is_valid():
            raise Refused("审阅意见：请填写")
        report_actions.review_report(
            report=item,
            comment=form.cleaned_data["comment"],
            acting_user=request.user,
            request=request,
        )
    except Refused as exc:
        context = report_context(request, person, month)
        context["review_form"] = form
        context["error"] = exc.message
        return render(request, "fieldwork/report.html", context, status=400)
    messages.success(request, f"已审阅{person.name}{month:%Y年%m月}的服务记录表")
    return redirect(item)


# -- registry change requests ---------------------------------------------------------------------


@login_required
def changes(request):
    require_body(request)
    rows = (
        ChangeRequest.objects.filter(community_id__in=body_community_ids(request.user))
        .select_related("household__unit__building__compound", "requested_by", "reviewed_by")
        .order_by("status", "-created")
    )
    return render(
        request,
        "fieldwork/changes.html",
        {
            "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
            "form": ChangeReviewForm(),
            "breadcrumb": _crumbs({"label": "台账变更提示"}),
        },
    )


@require_POST
@login_required
def change_review(request, pk):
    require_body(request)
    change = ChangeRequest.objects.filter(
        pk=pk, community_id__in=body_community_ids(request.user)
    ).first()
    if change is None:
        raise Http404
    form = ChangeReviewForm(request.POST)
    try:
        if not form.is_valid():
            raise Refused("处理：请选择“已更新台账”或“不予更新”")
        visit_actions.review_change_request(
            change=change,
            confirmed=form.cleaned_data["confirmed"],
            note=form.cleaned_data["note"],
            acting_user=request.user,
            request=request,
        )
        messages.success(request, "已处理")
    except Refused as exc:
        messages.error(request, exc.message)
    return redirect("fieldwork:changes")


# -- notifications --------------------------------------------------------------------------------


@login_required
def notices(request):
    rows = (
        Notification.objects.filter(user=request.user)
        .select_related("incident")
        .order_by("-created", "-id")[:100]
    )
    return render(
        request,
        "fieldwork/notifications.html",
        {
            "rows": rows,
            "phone": is_leader_only(request.user),
            "breadcrumb": _crumbs({"label": "通知"}),
        },
    )


@require_POST
@login_required
def notices_read(request):
    n = notification_actions.mark_read(acting_user=request.user)
    messages.success(request, f"已将 {n} 条通知标为已读")
    return redirect(safe_next(request, reverse("fieldwork:notifications")))
