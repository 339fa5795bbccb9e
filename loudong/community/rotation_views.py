"""Pages of the rotating 单元长: the community's rota pages, the month's personal link, and the
leaders' phone page. Thin views: a form validates, an access helper fetches, one verb acts."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from loudong.accounts.access import _audit_refusal, get_object_for_user, scope_for
from loudong.accounts.roles import Cap
from loudong.community import rotation as actions
from loudong.community.duty_forms import (
    ConfirmForm,
    HandoverForm,
    MemberForm,
    MemberStatusForm,
    PlanForm,
    StartRotationForm,
    SwapForm,
    turn_choices,
)
from loudong.community.models import Handover, Rotation, RotationMember, RotationPilot, RotationTurn
from loudong.community.views import _community
from loudong.fieldwork.actions.common import Refused
from loudong.territory.models import Household, Unit


def _units(user):
    """Units whose registry the user sees: workers their community, a leader the posts' units."""
    return Unit.objects.visible_to(user)


def _registry_or_404(user):
    if not scope_for(user, Cap.VIEW).has_registry:
        raise Http404


def _require_edit(user, community):
    if not scope_for(user, Cap.EDIT).allows(community):
        raise PermissionDenied("您在该社区只能查看，不能安排轮值")


def _rotation(request, pk, *, write=False) -> Rotation:
    rotation = get_object_for_user(
        Rotation.objects.filter(unit__in=_units(request.user)).select_related(
            "unit__building__compound", "community"
        ),
        request.user,
        pk,
        request=request,
    )
    if write:
        _require_edit(request.user, rotation.community)
    return rotation


def _child(queryset, request, pk):
    """A row of a rotation (a month, a household) whose unit the user sees, else 404."""
    rotation_ids = Rotation.objects.filter(unit__in=_units(request.user)).values("pk")
    obj = queryset.filter(pk=pk, rotation__in=rotation_ids).first()
    if obj is None:
        if queryset.filter(pk=pk).exists():
            _audit_refusal(
                request.user, request, f"越权访问 {queryset.model._meta.verbose_name} #{pk}"
            )
        raise Http404
    _require_edit(request.user, obj.rotation.community)
    return obj


def _turn(request, pk) -> RotationTurn:
    return _child(
        RotationTurn.objects.select_related(
            "rotation__community", "rotation__unit__building__compound", "household"
        ),
        request,
        pk,
    )


def _refused(request, exc, url):
    messages.error(request, exc.message)
    return redirect(url)


# -- the community's pages ----------------------------------------------------------------------


@login_required
def rotations(request):
    _registry_or_404(request.user)
    community, communities = _community(request)
    today = timezone.localdate()
    units = _units(request.user).filter(community=community).select_related("building__compound")
    rows = list(
        Rotation.objects.filter(unit__in=units)
        .select_related("unit__building__compound")
        .order_by(
            "unit__building__compound__name", "unit__building__number_key", "unit__number_key"
        )
    )
    month = actions.month_of(today)
    turns = {}
    for t in RotationTurn.objects.filter(
        rotation__in=rows, month__in=[month, actions.add_months(month, 1)]
    ).select_related("household"):
        turns[(t.rotation_id, t.month)] = t
    waiting = set(
        actions.awaiting_confirmation()
        .filter(rotation__in=rows, month__lt=month)
        .values_list("rotation_id", flat=True)
    )
    for r in rows:
        r.current = turns.get((r.pk, month))
        r.next = turns.get((r.pk, actions.add_months(month, 1)))
        r.waiting = r.pk in waiting
    can_edit = scope_for(request.user, Cap.EDIT).allows(community)
    pilots = RotationPilot.objects.filter(
        community=community, ended_on__isnull=True
    ).select_related("unit__building__compound")
    started = {r.unit_id for r in rows}
    open_units = [u for u in units if u.pk not in started and actions.pilot_state(u, on=today)[0]]
    return render(
        request,
        "community/rotation_list.html",
        {
            "community": community,
            "communities": communities,
            "rotations": rows,
            "pilots": pilots,
            "community_pilot": any(p.unit_id is None for p in pilots),
            "can_edit": can_edit,
            "rules": actions.profile_for(community, on=today).rotation,
            "start_form": StartRotationForm(
                units=Unit.objects.filter(pk__in=[u.pk for u in open_units])
            ),
            "pilot_units": units.exclude(pk__in=[p.unit_id for p in pilots if p.unit_id]),
            "month": month,
            "breadcrumb": [{"label": "单元长轮值"}, {"label": community.name}],
        },
    )


@require_POST
@login_required
def switch_pilot(request, pk):
    community, _ = _community(request, pk)
    _require_edit(request.user, community)
    unit = None
    if request.POST.get("unit"):
        unit = get_object_for_user(
            Unit.objects.filter(community=community), request.user, request.POST["unit"]
        )
    on = request.POST.get("on") == "1"
    url = reverse("community:rotations") + f"?community={community.pk}"
    try:
        actions.switch_pilot(
            community=community,
            unit=unit,
            on=on,
            acting_user=request.user,
            today=timezone.localdate(),
            request=request,
        )
    except Refused as exc:
        return _refused(request, exc, url)
    where = str(unit) if unit else community.name
    messages.success(request, f"{where}：轮值试点已{'开启' if on else '关闭'}")
    return redirect(url)


@require_POST
@login_required
def start(request, pk):
    community, _ = _community(request, pk)
    _require_edit(request.user, community)
    form = StartRotationForm(request.POST, units=_units(request.user).filter(community=community))
    url = reverse("community:rotations") + f"?community={community.pk}"
    if not form.is_valid():
        messages.error(request, "单元：请选择本社区已开启试点的单元")
        return redirect(url)
    try:
        rotation = actions.start_rotation(
            unit=form.cleaned_data["unit"],
            acting_user=request.user,
            today=timezone.localdate(),
            request=request,
        )
    except Refused as exc:
        return _refused(request, exc, url)
    messages.success(request, f"已建立{rotation.unit}的单元长轮值：请筛选自愿户，再排定月份")
    return redirect(rotation)


def _detail_context(request, rotation, **extra):
    today = timezone.localdate()
    turns = list(rotation.turns.select_related("household", "handover").order_by("month"))
    by_month = {t.month: t for t in turns}
    for t in turns:
        t.incoming = by_month.get(actions.add_months(t.month, 1))
        t.handover_row = getattr(t, "handover", None) if hasattr(t, "handover") else None
    members = list(rotation.members.select_related("household"))
    can_edit = scope_for(request.user, Cap.EDIT).allows(rotation.community)
    future = RotationTurn.objects.filter(
        rotation=rotation, month__gt=actions.month_of(today)
    ).select_related("household")
    context = {
        "rotation": rotation,
        "turns": turns,
        "members": members,
        "can_edit": can_edit,
        "today": today,
        "month": actions.month_of(today),
        "handover_required": actions.handover_required(rotation),
        "member_form": MemberForm(
            households=Household.objects.filter(unit=rotation.unit)
            .exclude(pk__in=[m.household_id for m in members])
            .order_by("floor", "room")
        ),
        "status_form": MemberStatusForm(),
        "plan_form": PlanForm(),
        "swap_form": SwapForm(turns=future),
        "breadcrumb": [
            {
                "label": "单元长轮值",
                "url": reverse("community:rotations") + f"?community={rotation.community_id}",
            },
            {"label": str(rotation.unit)},
        ],
    }
    context.update(extra)
    return context


def _again(request, rotation, **forms):
    """The rota page again, with the form that did not validate and its errors."""
    return render(
        request,
        "community/rotation_detail.html",
        _detail_context(request, rotation, **forms),
        status=400,
    )


@login_required
def rotation(request, pk):
    rotation = _rotation(request, pk)
    return render(request, "community/rotation_detail.html", _detail_context(request, rotation))


@require_POST
@login_required
def add_member(request, pk):
    rotation = _rotation(request, pk, write=True)
    form = MemberForm(request.POST, households=Household.objects.filter(unit=rotation.unit))
    if not form.is_valid():
        return _again(request, rotation, member_form=form)
    try:
        member = actions.add_member(
            rotation=rotation,
            acting_user=request.user,
            today=timezone.localdate(),
            request=request,
            **form.cleaned_data,
        )
    except Refused as exc:
        return _refused(request, exc, rotation.get_absolute_url())
    messages.success(
        request,
        f"{member.household.room}室（{member.duty_name}）已列入轮值，第 {member.position} 位",
    )
    return redirect(rotation)


@require_POST
@login_required
def member_status(request, pk):
    member = _child(
        RotationMember.objects.select_related("rotation__community", "household"), request, pk
    )
    rotation = member.rotation
    form = MemberStatusForm(request.POST)
    if not form.is_valid():
        return _again(request, rotation, status_form=form)
    try:
        actions.update_member(
            member=member, acting_user=request.user, request=request, **form.cleaned_data
        )
    except Refused as exc:
        return _refused(request, exc, rotation.get_absolute_url())
    messages.success(request, f"{member.household.room}室：{member.get_status_display()}")
    return redirect(rotation)


@require_POST
@login_required
def plan(request, pk):
    rotation = _rotation(request, pk, write=True)
    form = PlanForm(request.POST)
    if not form.is_valid():
        return _again(request, rotation, plan_form=form)
    try:
        made = actions.plan_months(
            rotation=rotation,
            months=form.cleaned_data["months"],
            acting_user=request.user,
            today=timezone.localdate(),
            request=request,
        )
    except Refused as exc:
        return _refused(request, exc, rotation.get_absolute_url())
    messages.success(
        request, f"已排定 {made[0].month:%Y年%m月}—{made[-1].month:%Y年%m月}，共 {len(made)} 个月"
    )
    return redirect(rotation)


@require_POST
@login_required
def swap(request, pk):
    rotation = _rotation(request, pk, write=True)
    form = SwapForm(request.POST, turns=turn_choices(rotation))
    if not form.is_valid():
        return _again(request, rotation, swap_form=form)
    try:
        actions.swap_turns(
            acting_user=request.user,
            today=timezone.localdate(),
            request=request,
            **form.cleaned_data,
        )
    except Refused as exc:
        return _refused(request, exc, rotation.get_absolute_url())
    messages.success(request, "已调换两个月份的轮值户")
    return redirect(rotation)


@require_POST
@login_required
def issue_link(request, pk):
    turn = _turn(request, pk)
    try:
        key = actions.issue_link(turn=turn, acting_user=request.user, request=request)
    except Refused as exc:
        return _refused(request, exc, turn.rotation.get_absolute_url())
    import segno

    url = request.build_absolute_uri(actions.duty_url(key))
    return render(
        request,
        "community/rotation_link.html",
        {
            "turn": turn,
            "url": url,
            "qr": segno.make(url, error="m").svg_data_uri(scale=4, border=1),
            "breadcrumb": [
                {"label": "单元长轮值", "url": reverse("community:rotations")},
                {"label": str(turn.rotation.unit), "url": turn.rotation.get_absolute_url()},
                {"label": "轮值链接"},
            ],
        },
    )


# -- the month's personal link (no account) -----------------------------------------------------


def _outbox(request) -> bool:
    return request.headers.get("X-Outbox") == "1"


def _live_turn(request, key):
    turn = actions.turn_for_key(key)
    if turn is None:
        return None, render(request, "community/duty_expired.html", {}, status=404)
    return turn, None


def _duty_context(turn, **extra):
    today = timezone.localdate()
    rotation = turn.rotation
    previous = (
        RotationTurn.objects.filter(rotation=rotation, month=actions.add_months(turn.month, -1))
        .select_related("household")
        .first()
    )
    to_confirm = Handover.objects.filter(turn=previous).first() if previous else None
    mine = Handover.objects.filter(turn=turn).first()
    context = {
        "turn": turn,
        "unit": rotation.unit,
        "households": actions.unit_households(rotation.unit),
        "started": today >= turn.month,
        "mine": mine,
        "previous": previous,
        "to_confirm": to_confirm,
        "handover_form": HandoverForm(initial={"text": mine.text if mine else ""}),
        "confirm_form": ConfirmForm(),
        "duty": actions.duty_for_unit(rotation.unit, today),
        "office_phone": rotation.community.office_phone,
    }
    context.update(extra)
    return context


@never_cache
def duty(request, key):
    turn, page = _live_turn(request, key)
    if page:
        return page
    return render(request, "community/duty.html", _duty_context(turn, key=key))


def _done(request, url, message):
    if _outbox(request):
        return JsonResponse({"ok": True, "url": url, "message": message}, status=201)
    messages.success(request, message)
    return redirect(url)


def _invalid(request, turn, key, errors, **forms):
    if _outbox(request):
        return JsonResponse({"ok": False, "errors": errors}, status=400)
    context = _duty_context(turn, key=key, errors=errors, **forms)
    return render(request, "community/duty.html", context, status=400)


@require_POST
def duty_handover(request, key):
    turn, page = _live_turn(request, key)
    if page:
        return page
    form = HandoverForm(request.POST)
    if not form.is_valid():
        errors = [f"本月工作情况：{e}" for e in form.errors.get("text", ["内容有误"])]
        return _invalid(request, turn, key, errors, handover_form=form)
    try:
        actions.write_handover(turn=turn, text=form.cleaned_data["text"], request=request)
    except Refused as exc:
        return _invalid(request, turn, key, [exc.message], handover_form=form)
    return _done(request, actions.duty_url(key), "交接已填写：请下任轮值单元长确认")


@require_POST
def duty_confirm(request, key):
    turn, page = _live_turn(request, key)
    if page:
        return page
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        return _invalid(request, turn, key, ["确认意见：最多 200 字"], confirm_form=form)
    previous = RotationTurn.objects.filter(
        rotation=turn.rotation, month=actions.add_months(turn.month, -1)
    ).first()
    handover = get_object_or_404(Handover, turn=previous) if previous else None
    if handover is None:
        raise Http404
    try:
        actions.confirm_handover(
            handover=handover, by_turn=turn, note=form.cleaned_data["note"], request=request
        )
    except Refused as exc:
        return _invalid(request, turn, key, [exc.message], confirm_form=form)
    return _done(request, actions.duty_url(key), f"已确认{previous.month:%m}月的交接，本月由您轮值")


# -- the leaders' phone page --------------------------------------------------------------------


@login_required
def my_rotations(request):
    """The rotas of the units a leader serves (单元长、楼栋长、网格长): this month, next month,
    and handovers waiting."""
    from loudong.fieldwork.access import leader_area

    area = leader_area(request.user)
    if not area:
        raise Http404
    today = timezone.localdate()
    rows = list(
        Rotation.objects.filter(unit__in=_units(request.user), active=True).select_related(
            "unit__building__compound"
        )
    )
    for r in rows:
        r.duty = actions.duty_for_unit(r.unit, today)
        r.waiting = list(
            actions.awaiting_confirmation()
            .filter(rotation=r, month__lt=actions.month_of(today))
            .select_related("household")
        )
    return render(request, "community/phone_rotations.html", {"rotations": rows, "area": area})
