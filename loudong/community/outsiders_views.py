"""Pages of 外来人员登记: the community's switch, list (masked) and export (audited); the
leaders' short form on the phone (offline outbox, idempotent)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from loudong.accounts.access import scope_for
from loudong.accounts.roles import Cap
from loudong.community import outsiders as actions
from loudong.community.duty_forms import LeftForm, OutsiderForm, RegistrationForm
from loudong.community.models import OutsiderRecord
from loudong.community.training_views import _office
from loudong.fieldwork.actions.common import Refused


def _url(community):
    return reverse("community:outsiders") + f"?community={community.pk}"


@login_required
def outsiders(request):
    community, communities = _office(request)
    today = timezone.localdate()
    registration = actions.live_registration(community)
    rules = actions.profile_for(community, on=today).outsiders
    records = OutsiderRecord.objects.filter(community=community).select_related(
        "household__unit__building"
    )
    return render(
        request,
        "community/outsiders.html",
        {
            "community": community,
            "communities": communities,
            "registration": registration,
            "rules": rules,
            "records": records,
            "nearing": actions.nearing_purge(records, today, rules.purge_warning_days).count(),
            "can_export": scope_for(request.user, Cap.REVEAL).allows(community),
            "form": RegistrationForm(),
            "breadcrumb": [{"label": "外来人员登记"}, {"label": community.name}],
        },
    )


@require_POST
@login_required
def switch(request, pk):
    community, _ = _office(request, pk)
    today = timezone.localdate()
    try:
        if request.POST.get("on") == "1":
            form = RegistrationForm(request.POST)
            reason = form.cleaned_data["reason"] if form.is_valid() else ""
            actions.start_registration(
                community=community,
                reason=reason,
                acting_user=request.user,
                today=today,
                request=request,
            )
            messages.success(request, "已开启外来人员登记：楼栋长、单元长可在手机上登记")
        else:
            registration = actions.live_registration(community)
            if registration is None:
                raise Refused("登记未开启")
            actions.end_registration(
                registration=registration, acting_user=request.user, today=today, request=request
            )
            days = actions.retention_days(registration)
            messages.success(request, f"登记已结束：登记信息将在 {days} 天后自动删除")
    except Refused as exc:
        messages.error(request, exc.message)
    return redirect(_url(community))


@login_required
def export(request):
    """The community's list with full ID numbers and phones, for its own 疫情防控 work: needs
    the right to reveal personal data there; audited."""
    from loudong.lib.xlsx import response

    community, _ = _office(request)
    if not scope_for(request.user, Cap.REVEAL).allows(community):
        raise PermissionDenied("您没有导出完整个人信息的权限")
    rows = list(actions.export_rows(community))
    actions.audit_export(
        community=community, acting_user=request.user, count=len(rows), request=request
    )
    today = timezone.localdate()
    return response(
        "外来人员登记表",
        actions.EXPORT_HEADERS,
        rows,
        filename=f"{community.name}外来人员登记表{today:%Y%m%d}.xlsx",
    )


# -- the leaders' phone form --------------------------------------------------------------------


def _leader_households(request):
    from loudong.fieldwork.access import leader_area, leader_households

    area = leader_area(request.user)
    if not area:
        raise Http404
    return area, leader_households(request.user).select_related("unit", "building").order_by(
        "building_id", "unit_id", "floor", "room"
    )


@never_cache
@login_required
def phone_form(request):
    area, households = _leader_households(request)
    live = [
        c
        for c in area.community_ids
        if actions.OutsiderRegistration.objects.filter(
            community_id=c, ended_on__isnull=True
        ).exists()
    ]
    form = OutsiderForm(request.POST or None, households=households.filter(community_id__in=live))
    context = {"form": form, "live": bool(live)}
    if request.method != "POST":
        return render(request, "community/phone_outsider.html", context)
    outbox = request.headers.get("X-Outbox") == "1"
    errors = []
    if form.is_valid():
        data = form.cleaned_data
        key = request.headers.get("Idempotency-Key") or data.pop("idempotency_key", "")
        data.pop("idempotency_key", None)
        try:
            with transaction.atomic():
                row, _ = actions.register_outsider(
                    acting_user=request.user, idempotency_key=key, request=request, **data
                )
        except Refused as exc:
            errors = [exc.message]
            form.add_error(None, exc.message)
        else:
            text = f"已登记 {row.name}（{row.household.room}室）"
            url = reverse("fieldwork:phone_home")
            if outbox:
                return JsonResponse(
                    {"ok": True, "url": url, "message": text, "id": row.pk}, status=201
                )
            messages.success(request, text)
            return redirect(url)
    else:
        errors = [
            f"{form.fields[n].label if n in form.fields else ''}：{e}"
            for n, es in form.errors.items()
            for e in es
        ]
    if outbox:
        return JsonResponse({"ok": False, "errors": errors}, status=400)
    return render(request, "community/phone_outsider.html", context, status=400)


@require_POST
@login_required
def left(request, pk):
    row = OutsiderRecord.objects.select_related("household", "registration").filter(pk=pk).first()
    if row is None or not OutsiderRecord.objects.visible_to(request.user).filter(pk=pk).exists():
        raise Http404
    form = LeftForm(request.POST)
    url = (
        _url(row.community)
        if scope_for(request.user, Cap.EDIT).allows(row.community)
        else reverse("fieldwork:phone_home")
    )
    if not form.is_valid():
        messages.error(request, "离开日期：请填写有效日期")
        return redirect(url)
    try:
        actions.record_left(
            record_row=row,
            left_on=form.cleaned_data["left_on"],
            acting_user=request.user,
            request=request,
        )
    except Refused as exc:
        messages.error(request, exc.message)
        return redirect(url)
    messages.success(request, f"{row.name}：已登记离开日期")
    return redirect(url)
