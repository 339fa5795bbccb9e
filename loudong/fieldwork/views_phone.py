"""The leaders' phone pages (楼栋长、单元长、网格长): home, visit, report, service, households.

Each daily task is at most three taps from home: the form is one tap away, sending is one
more (picking a household is the third). Text ≥ 16 px, targets ≥ 44 px (``fieldwork.css``).
Forms carry an idempotency key; ``fieldwork_phone.js`` keeps a submission made offline in an
IndexedDB outbox (with its photos) and sends it when the connection returns, with the key in
an ``Idempotency-Key`` header, so a retry never makes a second record. A request from the
outbox (header ``X-Outbox``) is answered with JSON instead of a redirect.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Max
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from loudong.fieldwork import categories as category_rows
from loudong.fieldwork.access import leader_area, leader_households
from loudong.fieldwork.actions import incidents as incident_actions
from loudong.fieldwork.actions import reports as report_actions
from loudong.fieldwork.actions import service as service_actions
from loudong.fieldwork.actions import visits as visit_actions
from loudong.fieldwork.actions.common import Refused
from loudong.fieldwork.forms import IncidentForm, ServiceForm, SubmitReportForm, VisitForm
from loudong.fieldwork.hooks import phone_home_items
from loudong.fieldwork.models import Incident, MonthlyReport, Notification, VisitHousehold
from loudong.policy.profile import profile_for
from loudong.territory.models import Building


def _outbox(request) -> bool:
    return request.headers.get("X-Outbox") == "1"


def _key(request, form) -> str:
    return request.headers.get("Idempotency-Key") or form.cleaned_data.get("idempotency_key") or ""


def _done(request, url: str, message: str, **extra):
    """Success: JSON for the outbox (it shows the message itself), else message + redirect."""
    if _outbox(request):
        return JsonResponse({"ok": True, "url": url, "message": message, **extra}, status=201)
    messages.success(request, message)
    return redirect(url)


def _invalid(request, template, context, errors):
    if _outbox(request):
        return JsonResponse({"ok": False, "errors": errors}, status=400)
    return render(request, template, context, status=400)


def _form_errors(form) -> list[str]:
    out = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        out += [f"{label}：{e}" if label else str(e) for e in errors]
    return out


def _area_or_page(request):
    area = leader_area(request.user)
    if not area:
        return area, render(request, "fieldwork/phone/no_post.html", {}, status=200)
    return area, None


def _last_visits(household_ids) -> dict:
    return dict(
        VisitHousehold.objects.filter(household_id__in=household_ids)
        .values("household_id")
        .annotate(last=Max("date"))
        .values_list("household_id", "last")
    )


def household_rows(user, today):
    """The leader's households with the last visit: 重点关注 first, then the longest unvisited."""
    households = list(
        leader_households(user)
        .select_related("unit", "building")
        .order_by("building_id", "unit_id", "floor", "room")
    )
    last = _last_visits([h.pk for h in households])
    for h in households:
        h.last_visit = last.get(h.pk)
        h.days = (today - h.last_visit).days if h.last_visit else None
        tag = "【重点关注】" if h.needs_attention else ""
        seen = f"（{h.last_visit:%m-%d} 走访）" if h.last_visit else "（未走访）"
        h.label = f"{tag}{h.building.number}{h.unit.number}{h.room}室{seen}"
    households.sort(
        key=lambda h: (not h.needs_attention, h.last_visit is not None, h.last_visit or today)
    )
    return households


@login_required
def home(request):
    area, page = _area_or_page(request)
    if page:
        return page
    today = timezone.localdate()
    profile = profile_for(area.person.community, on=today)
    # Only counts here (the list is the visit page's): plain tuples, no household objects.
    rows = list(leader_households(request.user).values_list("pk", "needs_attention"))
    last = _last_visits([pk for pk, _ in rows])
    limit, priority_limit = (
        profile.fieldwork.not_visited_days,
        profile.fieldwork.priority_not_visited_days,
    )
    late = sum(
        1
        for pk, attention in rows
        if pk not in last or (today - last[pk]).days > (priority_limit if attention else limit)
    )
    mine = Incident.objects.visible_to(request.user)
    month = report_actions.reporting_month(today, profile)
    return render(
        request,
        "fieldwork/phone/home.html",
        {
            "area": area,
            "households": len(rows),
            "late": late,
            "open_incidents": mine.filter(status__in=Incident.OPEN).count(),
            "unread": Notification.objects.filter(user=request.user, read_at__isnull=True).count(),
            "month": month,
            "month_done": MonthlyReport.objects.filter(person=area.person, month=month).exists(),
            "more": phone_home_items(request.user, today),
        },
    )


@never_cache
@login_required
def visit(request):
    area, page = _area_or_page(request)
    if page:
        return page
    today = timezone.localdate()
    rows = household_rows(request.user, today)
    profile = profile_for(area.person.community, on=today)
    preselect = request.GET.get("household")
    initial = {"households": [preselect]} if preselect else {}
    form = VisitForm(
        request.POST or None,
        households=rows,
        categories=category_rows.choices(profile),
        initial=initial,
    )
    context = {"form": form, "area": area}
    if request.method != "POST":
        return render(request, "fieldwork/phone/visit.html", context)
    if not form.is_valid():
        return _invalid(request, "fieldwork/phone/visit.html", context, _form_errors(form))
    data = form.cleaned_data
    try:
        from django.db import transaction

        with transaction.atomic():
            visit, created = visit_actions.record_visit(
                acting_user=request.user,
                date=data["date"],
                households=data["households"],
                notes=data["notes"],
                companions=data["companions"],
                duration_minutes=data["duration_minutes"],
                changes={data["households"][0]: data["change"]} if data["change"] else None,
                idempotency_key=_key(request, form),
                request=request,
            )
            incident = None
            if created and data["problem"]:
                reported = incident_actions.report_incident(
                    acting_user=request.user,
                    category=data["problem_category"],
                    severity="normal",
                    description=data["problem"],
                    household=next(h for h in rows if h.pk == data["households"][0]),
                    visit=visit,
                    then="escalate",
                    request=request,
                )
                incident = reported.incident
    except Refused as exc:
        form.add_error(None, exc.message)
        return _invalid(request, "fieldwork/phone/visit.html", context, [exc.message])
    text = f"走访已登记：{len(data['households'])} 户"
    if incident is not None:
        text += f"；发现的问题已上报（事件 #{incident.pk}）"
    return _done(request, reverse("fieldwork:phone_home"), text, id=visit.pk)


def _places(area):
    """The buildings of the leader's posts, for the 上报事件 form."""
    from loudong.grids.models import GridPiece

    ids = set(area.building_ids) | {
        a.post.unit.building_id for a in area.appointments if a.post.unit_id
    }
    if area.grid_codes:
        ids |= set(
            GridPiece.objects.filter(
                grid__code__in=area.grid_codes, grid__division__status="frozen"
            ).values_list("building_id", flat=True)
        )
    buildings = (
        Building.objects.filter(pk__in=ids)
        .select_related("compound")
        .order_by("compound__name", "number_key")
    )
    return [(f"b{b.pk}", str(b)) for b in buildings], {b.pk: b for b in buildings}


def _groups(area) -> dict:
    """The active work groups of the leader's communities (for 来源工作群), by id."""
    from loudong.community.models import ChatGroup

    rows = ChatGroup.objects.filter(community_id__in=area.community_ids, active=True).order_by(
        "level", "name"
    )
    return {g.pk: g for g in rows}


@never_cache
@login_required
def report(request):
    """上报事件: category, place, text, photo; 上报社区 or 已就地解决 (one tap to send)."""
    area, page = _area_or_page(request)
    if page:
        return page
    profile = profile_for(area.person.community)
    places, buildings = _places(area)
    groups = _groups(area)
    form = IncidentForm(
        request.POST or None,
        request.FILES or None,
        categories=category_rows.choices(profile),
        places=places,
        groups=[(g.pk, g.name) for g in groups.values()],
    )
    context = {"form": form, "area": area, "ladder_next": profile.fieldwork.ladder[1:2]}
    if request.method != "POST":
        return render(request, "fieldwork/phone/report.html", context)
    if not form.is_valid():
        return _invalid(request, "fieldwork/phone/report.html", context, _form_errors(form))
    data = form.cleaned_data
    then = "solve" if request.POST.get("then") == "solve" else "escalate"
    building = buildings.get(int(data["place"][1:])) if data["place"][1:].isdigit() else None
    try:
        reported = incident_actions.report_incident(
            acting_user=request.user,
            category=data["category"],
            severity=data["severity"],
            description=data["description"],
            building=building,
            place_text=data["place_text"],
            parties=data["parties"],
            photos=data["photos"],
            then=then,
            resolution=data["resolution"],
            source_group=groups.get(data.get("group")),
            idempotency_key=_key(request, form),
            request=request,
        )
    except Refused as exc:
        form.add_error(None, exc.message)
        return _invalid(request, "fieldwork/phone/report.html", context, [exc.message])
    item = reported.incident
    if item.solved_on_spot:
        text = f"已登记就地解决的事件 #{item.pk}"
    else:
        text = f"事件 #{item.pk} 已上报{item.level_label}"
    if reported.duplicates:
        text += f"（附近已有同类事件 #{reported.duplicates[0].pk}，社区将核实是否重复）"
    return _done(request, reverse("fieldwork:phone_incidents"), text, id=item.pk)


@never_cache
@login_required
def service(request):
    area, page = _area_or_page(request)
    if page:
        return page
    profile = profile_for(area.person.community)
    posts = [(str(a.post.pk), a.post.title) for a in area.appointments]
    form = ServiceForm(
        request.POST or None, duties=[(d.code, d.label) for d in profile.duties], posts=posts
    )
    context = {"form": form, "area": area}
    if request.method != "POST":
        return render(request, "fieldwork/phone/service.html", context)
    if not form.is_valid():
        return _invalid(request, "fieldwork/phone/service.html", context, _form_errors(form))
    data = form.cleaned_data
    try:
        record, _ = service_actions.record_service(
            acting_user=request.user,
            date=data["date"],
            category=data["category"],
            content=data["content"],
            people_served=data["people_served"],
            post=int(data["post"]) if data.get("post") else None,
            idempotency_key=_key(request, form),
            request=request,
        )
    except Refused as exc:
        form.add_error(None, exc.message)
        return _invalid(request, "fieldwork/phone/service.html", context, [exc.message])
    return _done(
        request,
        reverse("fieldwork:phone_home"),
        f"服务记录已保存（{record.category_label}）",
        id=record.pk,
    )


@login_required
def households(request):
    area, page = _area_or_page(request)
    if page:
        return page
    today = timezone.localdate()
    profile = profile_for(area.person.community, on=today)
    rows = household_rows(request.user, today)
    for h in rows:
        limit = (
            profile.fieldwork.priority_not_visited_days
            if h.needs_attention
            else profile.fieldwork.not_visited_days
        )
        h.late = h.days is None or h.days > limit
    return render(
        request,
        "fieldwork/phone/households.html",
        {
            "rows": rows,
            "area": area,
            "limit": profile.fieldwork.not_visited_days,
            "priority_limit": profile.fieldwork.priority_not_visited_days,
        },
    )


@login_required
def incidents(request):
    area, page = _area_or_page(request)
    if page:
        return page
    rows = (
        Incident.objects.visible_to(request.user)
        .select_related(
            "category__parent",
            "building__compound",
            "unit__building__compound",
            "community",
            "compound",
        )
        .order_by("-created", "-id")[:100]
    )
    rows = list(rows)
    from loudong.fieldwork.ladder import user_levels

    for item in rows:
        item.mine_to_act = item.is_open and item.level in user_levels(request.user, item)
        item.last_public = item.events.filter(public=True).order_by("-at", "-id").first()
    rows.sort(key=lambda i: (not i.mine_to_act, not i.is_open))
    return render(
        request,
        "fieldwork/phone/incidents.html",
        {"rows": rows, "area": area, "now": timezone.now()},
    )


@never_cache
@login_required
def month(request):
    """My 服务记录表 of the month being reported, generated from my records; submit it."""
    area, page = _area_or_page(request)
    if page:
        return page
    today = timezone.localdate()
    profile = profile_for(area.person.community, on=today)
    chosen = report_actions.reporting_month(today, profile)
    if request.GET.get("month"):
        try:
            chosen = report_actions.parse_month(request.GET["month"])
        except Refused as exc:
            messages.error(request, exc.message)
    existing = MonthlyReport.objects.filter(person=area.person, month=chosen).first()
    form = SubmitReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and existing is None:
        try:
            chosen = report_actions.parse_month(request.POST.get("month", ""))
            item = report_actions.submit_report(
                acting_user=request.user,
                month=chosen,
                remarks=form.cleaned_data["remarks"],
                request=request,
            )
            return _done(
                request,
                reverse("fieldwork:phone_month") + f"?month={chosen:%Y-%m}",
                f"{chosen:%Y年%m月}服务记录表已报送社区",
                id=item.pk,
            )
        except Refused as exc:
            form.add_error(None, exc.message)
    content = (
        existing.content if existing else report_actions.generate(area.person, chosen, today=today)
    )
    return render(
        request,
        "fieldwork/phone/month.html",
        {
            "area": area,
            "month": chosen,
            "report": existing,
            "content": content,
            "form": form,
            "due": report_actions.due_date(chosen, profile),
        },
        status=400 if form.errors else 200,
    )


def service_worker(request):
    """The service worker script, served from /fieldwork/m/ so its scope covers the phone pages
    (a script under /static/ could only control /static/). No login: it holds no data."""
    from django.contrib.staticfiles import finders

    path = finders.find("js/fieldwork_sw.js")
    with open(path, encoding="utf-8") as handle:
        body = handle.read()
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/fieldwork/m/"
    return response


def offline(request):
    """What the service worker shows for a page it has not cached while offline."""
    return render(request, "fieldwork/phone/offline.html", {})
