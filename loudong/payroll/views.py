"""Pages of payroll, insurance and awards: thin functions (STYLE.md item 7).

Who sees what: the community prepares and the 街道 approves (both see every line); 区民政局
sees periods and their totals, not the lines; a 楼栋长 sees only their own lines (``mine``).
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from loudong.accounts.access import get_object_for_user, scope_for
from loudong.accounts.audit import AuditAction, record
from loudong.accounts.roles import Cap
from loudong.lib import xlsx
from loudong.lib.throttle import resident_throttled
from loudong.payroll import coverage, exports, money
from loudong.payroll.actions import awards, insurance, periods
from loudong.payroll.actions.common import can_approve, can_edit
from loudong.payroll.forms import (
    BankAccountForm,
    CampaignForm,
    ClaimForm,
    ClaimMoveForm,
    EditLineForm,
    InsureForm,
    ManualLineForm,
    NominateForm,
    PolicyForm,
    PrepareForm,
    ReasonForm,
    SlipsForm,
)
from loudong.payroll.models import (
    Campaign,
    Claim,
    InsurancePolicy,
    Line,
    Nomination,
    Period,
    Reminder,
)
from loudong.policy.profile import profile_for
from loudong.roster.models import Appointment, Person
from loudong.territory.models import Household, Region


def _crumbs(*more):
    return [{"label": "补贴与保险", "url": reverse("payroll:index")}, *more]


def _ids(user, *caps) -> set[int]:
    out = set()
    for cap in caps:
        out |= set(scope_for(user, cap).community_ids)
    return out


def _communities(user, *caps):
    return Region.objects.filter(
        level=Region.Level.COMMUNITY, pk__in=sorted(_ids(user, *caps))
    ).order_by("code")


def can_see_lines(user, obj) -> bool:
    return can_edit(user, obj) or can_approve(user, obj)


def _oversee(user, obj) -> bool:
    return can_see_lines(user, obj) or scope_for(user, Cap.EXPORT).allows(obj)


def _get(model_qs, request, pk, *, write=False, lines=False):
    obj = get_object_for_user(model_qs, request.user, pk, write=write, request=request)
    allowed = can_see_lines(request.user, obj) if lines else _oversee(request.user, obj)
    if not allowed:
        raise PermissionDenied("该页面只对社区、街道和民政部门开放")
    return obj


# -- periods ------------------------------------------------------------------------------------


@login_required
def index(request):
    ids = _ids(request.user, Cap.EDIT, Cap.APPROVE, Cap.EXPORT)
    if not ids:
        if scope_for(request.user, Cap.VIEW):
            return redirect("payroll:mine")
        raise Http404
    rows = (
        Period.objects.filter(community_id__in=ids)
        .select_related("community")
        .annotate(total=Sum("lines__amount"), n=Count("lines"))
        .order_by("-month", "community__code")[:200]
    )
    editable = _communities(request.user, Cap.EDIT)
    return render(
        request,
        "payroll/index.html",
        {
            "periods": rows,
            "form": PrepareForm(communities=editable) if editable else None,
            "breadcrumb": _crumbs(),
        },
    )


@require_POST
@login_required
def prepare(request):
    editable = _communities(request.user, Cap.EDIT)
    if not editable:
        raise Http404
    form = PrepareForm(request.POST, communities=editable)
    if form.is_valid():
        try:
            period, plan = periods.prepare_period(
                acting_user=request.user, request=request, **form.cleaned_data
            )
            corrections = sum(1 for e in plan.lines if e.kind == Line.Kind.CORRECTION)
            messages.success(
                request,
                f"已生成{period}：{len(plan.lines)} 条，合计 {money.yuan(plan.total)} 元"
                + (f"，其中更正 {corrections} 条" if corrections else "")
                + "。",
            )
            for warning in plan.warnings[:5]:
                messages.warning(request, warning)
            if plan.missing_grades:
                messages.warning(
                    request,
                    f"{len(plan.missing_grades)} 名楼栋长尚无 {period.month.year} 年度评议结果，"
                    "年终补贴待评议结束后重新生成。",
                )
            return redirect(period)
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
    return render(
        request,
        "payroll/index.html",
        {"periods": [], "form": form, "breadcrumb": _crumbs()},
        status=400,
    )


def _period_context(request, period, **forms):
    show_lines = can_see_lines(request.user, period)
    by_kind = list(
        period.lines.values("kind").annotate(total=Sum("amount"), n=Count("id")).order_by("kind")
    )
    for row in by_kind:
        row["label"] = Line.Kind(row["kind"]).label
        row["total"] = money.yuan(row["total"] or 0)
    total, count = periods.totals(period)
    context = {
        "period": period,
        "by_kind": by_kind,
        "total": total,
        "count": count,
        "show_lines": show_lines,
        "events": period.events.select_related("actor"),
        "can_edit": can_edit(request.user, period),
        "can_approve": can_approve(request.user, period),
        "can_export": show_lines and scope_for(request.user, Cap.EXPORT).allows(period),
        "breadcrumb": _crumbs({"label": str(period)}),
    }
    if show_lines:
        context["lines"] = period.lines.select_related(
            "person", "post", "corrects__period"
        ).order_by("person__name", "person_id", "post_id", "service_month", "kind", "id")
        if period.status == Period.Status.SUBMITTED and context["can_approve"]:
            context["problems"] = periods.balance_problems(period)
    if context["can_edit"] and period.status == Period.Status.DRAFT:
        context["manual_form"] = forms.get("manual_form") or ManualLineForm(
            appointments=Appointment.objects.filter(community=period.community)
            .select_related("person", "post")
            .order_by("person__name")
        )
    if context["can_approve"] and period.status == Period.Status.SUBMITTED:
        context["return_form"] = forms.get("return_form") or ReasonForm()
    context.update({k: v for k, v in forms.items() if v is not None})
    return context


@login_required
def period_detail(request, pk):
    period = _get(Period.objects.select_related("community"), request, pk)
    return render(request, "payroll/period.html", _period_context(request, period))


def _period_verb(request, pk, verb, success, *, approve=False):
    period = get_object_for_user(
        Period.objects.select_related("community"),
        request.user,
        pk,
        capability=Cap.APPROVE if approve else Cap.EDIT,
        request=request,
    )
    try:
        period = verb(period)
        messages.success(request, success(period))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect(period)


@require_POST
@login_required
def period_prepare(request, pk):
    def verb(period):
        return periods.prepare_period(
            community=period.community,
            month=period.month,
            acting_user=request.user,
            request=request,
        )[0]

    return _period_verb(request, pk, verb, lambda p: f"已重新生成{p}的补贴明细。")


@require_POST
@login_required
def period_submit(request, pk):
    return _period_verb(
        request,
        pk,
        lambda p: periods.submit_period(period=p, acting_user=request.user, request=request),
        lambda p: (
            f"已报批：{p.control_count} 条，合计 {money.yuan(p.control_total)} 元，待街道审批。"
        ),
    )


@require_POST
@login_required
def period_approve(request, pk):
    return _period_verb(
        request,
        pk,
        lambda p: periods.approve_period(period=p, acting_user=request.user, request=request),
        lambda p: f"已审批并锁定{p}；导出文件校验码 {p.digest[:16]}…",
        approve=True,
    )


@require_POST
@login_required
def period_return(request, pk):
    period = get_object_for_user(
        Period.objects.select_related("community"),
        request.user,
        pk,
        capability=Cap.APPROVE,
        request=request,
    )
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            periods.return_period(
                period=period,
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
                request=request,
            )
            messages.success(request, f"已退回{period}，社区修改后可重新报批。")
            return redirect(period)
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
    return render(
        request,
        "payroll/period.html",
        _period_context(request, period, return_form=form),
        status=400,
    )


@require_POST
@login_required
def line_add(request, pk):
    period = get_object_for_user(
        Period.objects.select_related("community"), request.user, pk, write=True, request=request
    )
    form = ManualLineForm(
        request.POST, appointments=Appointment.objects.filter(community=period.community)
    )
    if form.is_valid():
        try:
            periods.add_manual_line(
                period=period, acting_user=request.user, request=request, **form.cleaned_data
            )
            messages.success(request, "已新增人工调整。")
            return redirect(period)
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
    return render(
        request,
        "payroll/period.html",
        _period_context(request, period, manual_form=form),
        status=400,
    )


@require_POST
@login_required
def line_edit(request, pk):
    line = get_object_for_user(
        Line.objects.select_related("period"), request.user, pk, write=True, request=request
    )
    form = EditLineForm(request.POST)
    if form.is_valid():
        try:
            periods.edit_line(
                line=line, acting_user=request.user, request=request, **form.cleaned_data
            )
            messages.success(request, "已修改人工调整。")
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
    else:
        messages.error(request, "请填写金额和修改说明。")
    return redirect(line.period)


@require_POST
@login_required
def line_delete(request, pk):
    line = get_object_for_user(
        Line.objects.select_related("period"), request.user, pk, write=True, request=request
    )
    try:
        periods.delete_line(line=line, acting_user=request.user, request=request)
        messages.success(request, "已删除人工调整。")
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect(line.period)


@login_required
def period_export(request, pk):
    """The finance office's .xlsx; full ID and account numbers only with the reveal capability.
    Every download is audited."""
    period = _get(Period.objects.select_related("community"), request, pk, lines=True)
    if not scope_for(request.user, Cap.EXPORT).allows(period):
        raise PermissionDenied("无导出权限")
    reveal = scope_for(request.user, Cap.REVEAL).allows(period)
    content = exports.workbook(period, reveal=reveal)
    record(
        actor=request.user,
        action=AuditAction.PAYROLL_EXPORT,
        target=period,
        new={"month": f"{period.month:%Y-%m}", "full": reveal, "digest": exports.digest(content)},
        request=request,
    )
    return xlsx.attachment(content, exports.filename(period))


@login_required
def sign_sheet(request, pk):
    """签领表: one row per person with their lines and total, a signature box; A4."""
    period = _get(Period.objects.select_related("community"), request, pk, lines=True)
    people = {}
    for line in exports.lines_of(period):
        row = people.setdefault(
            line.person_id,
            {"name": line.payee_name or line.person.name, "lines": [], "total": Decimal("0.00")},
        )
        row["lines"].append(line)
        row["total"] += line.amount
    total = sum((p["total"] for p in people.values()), Decimal("0.00"))
    return render(
        request,
        "payroll/sign_sheet.html",
        {
            "period": period,
            "people": list(people.values()),
            "total": total,
            "title": f"{period} 签领表",
        },
    )


# -- the leader's own page ----------------------------------------------------------------------


@login_required
def mine(request):
    person = getattr(request.user, "person", None)
    if person is None:
        raise Http404
    lines = (
        Line.objects.filter(person=person)
        .select_related("period", "post")
        .order_by("-period__month", "post__title", "service_month", "kind")[:120]
    )
    today = timezone.localdate()
    insured = person.pk in coverage.insured_persons([person.pk], today)
    return render(
        request,
        "payroll/mine.html",
        {
            "lines": lines,
            "person": person,
            "insured": insured,
            "breadcrumb": _crumbs({"label": "我的补贴"}),
        },
    )


@login_required
def bank_account(request, person_pk):
    person = get_object_for_user(
        Person.objects.all(), request.user, person_pk, write=True, request=request
    )
    current = getattr(person, "bank_account", None)
    form = BankAccountForm(request.POST or None, initial={"bank": current.bank if current else ""})
    if request.method == "POST" and form.is_valid():
        try:
            periods.set_bank_account(
                person=person, acting_user=request.user, request=request, **form.cleaned_data
            )
            messages.success(request, f"已登记{person.name}的收款账户。")
            return redirect(person)
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
    return render(
        request,
        "payroll/bank_account.html",
        {
            "person": person,
            "current": current,
            "form": form,
            "breadcrumb": _crumbs({"label": person.name}),
        },
        status=400 if form.errors else 200,
    )


# -- insurance ----------------------------------------------------------------------------------


@login_required
def insurance_index(request):
    ids = _ids(request.user, Cap.EDIT, Cap.EXPORT)
    if not ids:
        raise Http404
    today = timezone.localdate()
    communities = Region.objects.filter(pk__in=ids).order_by("code")
    gap_rows, expiring = [], []
    for community in communities:
        if not profile_for(community, on=today).insurance.accident:
            continue
        for gap in coverage.gaps(community, dt.date(today.year, 1, 1), today):
            gap_rows.append({"community": community, "gap": gap, "now": gap.end == today})
        expiring += coverage.expiring(community, today)
    policies = (
        InsurancePolicy.objects.filter(community_id__in=ids)
        .select_related("community")
        .annotate(n=Count("insured"))
        .order_by("-end")[:100]
    )
    editable = _communities(request.user, Cap.EDIT)
    return render(
        request,
        "payroll/insurance.html",
        {
            "policies": policies,
            "gaps": gap_rows,
            "current_gaps": [g for g in gap_rows if g["now"]],
            "expiring": expiring,
            "reminders": Reminder.objects.filter(
                community_id__in=ids, done_on__isnull=True
            ).select_related("policy"),
            "form": PolicyForm(communities=editable) if editable else None,
            "today": today,
            "breadcrumb": _crumbs({"label": "意外伤害保险"}),
        },
    )


@require_POST
@login_required
def policy_create(request):
    editable = _communities(request.user, Cap.EDIT)
    if not editable:
        raise Http404
    form = PolicyForm(request.POST, communities=editable)
    if form.is_valid():
        try:
            policy = insurance.create_policy(
                acting_user=request.user, request=request, **form.cleaned_data
            )
            messages.success(request, f"已登记保单 {policy}。")
            return redirect(policy)
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
    messages.error(
        request,
        "保单未登记："
        + "；".join(
            f"{form.fields[k].label if k in form.fields else ''}{' ' if k in form.fields else ''}{e}"
            for k, errs in form.errors.items()
            for e in errs
        ),
    )
    return redirect("payroll:insurance")


def _policy_context(request, policy, **forms):
    today = timezone.localdate()
    context = {
        "policy": policy,
        "insured": policy.insured.select_related("person").order_by("person__name"),
        "claims": policy.claims.select_related("person").order_by("-date"),
        "editable": can_edit(request.user, policy),
        "leaders": insurance.covered_leaders(policy, min(max(today, policy.start), policy.end)),
        "statuses": Claim.Status,
        "breadcrumb": _crumbs(
            {"label": "意外伤害保险", "url": reverse("payroll:insurance")}, {"label": str(policy)}
        ),
    }
    if context["editable"]:
        context["insure_form"] = forms.get("insure_form") or InsureForm(
            initial={"start": max(today, policy.start) if today <= policy.end else policy.start}
        )
        context["claim_form"] = forms.get("claim_form") or ClaimForm(
            persons=Person.objects.filter(community=policy.community).order_by("name")
        )
    return context


@login_required
def policy_detail(request, pk):
    policy = _get(InsurancePolicy.objects.select_related("community"), request, pk)
    return render(request, "payroll/policy.html", _policy_context(request, policy))


@require_POST
@login_required
def policy_insure(request, pk):
    """Put every leader in a covered post on the named policy (加保)."""
    policy = get_object_for_user(
        InsurancePolicy.objects.all(), request.user, pk, write=True, request=request
    )
    form = InsureForm(request.POST)
    if form.is_valid():
        start = form.cleaned_data["start"]
        persons = [a.person for a in insurance.covered_leaders(policy, start)]
        try:
            n = insurance.add_insured(
                policy=policy,
                persons=persons,
                start=start,
                acting_user=request.user,
                request=request,
            )
            messages.success(request, f"已加保 {n} 人。")
            return redirect(policy)
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
    return render(
        request,
        "payroll/policy.html",
        _policy_context(request, policy, insure_form=form),
        status=400,
    )


@require_POST
@login_required
def claim_create(request, pk):
    policy = get_object_for_user(
        InsurancePolicy.objects.all(), request.user, pk, write=True, request=request
    )
    form = ClaimForm(request.POST, persons=Person.objects.filter(community=policy.community))
    if form.is_valid():
        try:
            insurance.record_claim(
                policy=policy, acting_user=request.user, request=request, **form.cleaned_data
            )
            messages.success(request, "已登记理赔。")
            return redirect(policy)
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
    return render(
        request,
        "payroll/policy.html",
        _policy_context(request, policy, claim_form=form),
        status=400,
    )


@require_POST
@login_required
def claim_move(request, pk):
    claim = get_object_for_user(
        Claim.objects.select_related("policy"), request.user, pk, write=True, request=request
    )
    form = ClaimMoveForm(request.POST)
    if form.is_valid():
        try:
            claim = insurance.move_claim(
                claim=claim, acting_user=request.user, request=request, **form.cleaned_data
            )
            messages.success(request, f"理赔已改为“{claim.get_status_display()}”。")
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
    else:
        messages.error(request, "赔付金额格式不正确。")
    return redirect(claim.policy)


@require_POST
@login_required
def reminder_done(request, pk):
    reminder = get_object_for_user(
        Reminder.objects.select_related("policy"), request.user, pk, write=True, request=request
    )
    insurance.dismiss_reminder(reminder=reminder, acting_user=request.user, request=request)
    messages.success(request, "已标记为已处理。")
    return redirect("payroll:insurance")


# -- awards (长春) ---------------------------------------------------------------------------


@login_required
def awards_index(request):
    ids = _ids(request.user, Cap.EDIT, Cap.EXPORT)
    if not ids:
        raise Http404
    editable = _communities(request.user, Cap.EDIT)
    form = None
    if editable:
        available = profile_for(editable.first(), on=timezone.localdate()).evaluation.awards
        if available:
            form = CampaignForm(communities=editable, awards=available)
    return render(
        request,
        "payroll/awards.html",
        {
            "campaigns": Campaign.objects.filter(community_id__in=ids).select_related("community"),
            "form": form,
            "breadcrumb": _crumbs({"label": "评选表彰"}),
        },
    )


@require_POST
@login_required
def campaign_create(request):
    editable = _communities(request.user, Cap.EDIT)
    if not editable:
        raise Http404
    awards_ = profile_for(editable.first(), on=timezone.localdate()).evaluation.awards
    form = CampaignForm(request.POST, communities=editable, awards=awards_)
    if form.is_valid():
        try:
            campaign = awards.start_campaign(
                acting_user=request.user, request=request, **form.cleaned_data
            )
            messages.success(request, f"已发起{campaign}。")
            return redirect(campaign)
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
    else:
        messages.error(request, "请完整填写评选项目、年度和名额。")
    return redirect("payroll:awards")


def _campaign_context(request, campaign, **forms):
    editable = can_edit(request.user, campaign)
    nominations = campaign.nominations.select_related("person", "appointment__post").order_by(
        "-votes", "id"
    )
    context = {
        "campaign": campaign,
        "nominations": nominations,
        "editable": editable,
        "profile": campaign.profile(),
        "tokens": campaign.tokens.aggregate(
            n=Count("id"),
            nominated=Count("id", filter=Q(nominated=True)),
            voted=Count("id", filter=Q(voted=True)),
        ),
        "breadcrumb": _crumbs(
            {"label": "评选表彰", "url": reverse("payroll:awards")}, {"label": str(campaign)}
        ),
    }
    if editable:
        context["nominate_form"] = forms.get("nominate_form") or NominateForm(
            appointments=awards.eligible(campaign)
        )
        context["slips_form"] = SlipsForm(
            compounds=Region.objects.filter(
                parent=campaign.community, level=Region.Level.COMPOUND
            ).order_by("name")
        )
    return context


@login_required
def campaign_detail(request, pk):
    campaign = _get(Campaign.objects.select_related("community"), request, pk)
    return render(request, "payroll/campaign.html", _campaign_context(request, campaign))


def _campaign_verb(request, pk, verb, success):
    campaign = get_object_for_user(
        Campaign.objects.select_related("community"), request.user, pk, write=True, request=request
    )
    try:
        campaign = verb(campaign) or campaign
        messages.success(request, success(campaign))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect(campaign)


@require_POST
@login_required
def campaign_nominate(request, pk):
    campaign = get_object_for_user(
        Campaign.objects.all(), request.user, pk, write=True, request=request
    )
    form = NominateForm(request.POST, appointments=awards.eligible(campaign))
    if form.is_valid():
        try:
            awards.nominate(
                campaign=campaign, acting_user=request.user, request=request, **form.cleaned_data
            )
            messages.success(request, "已提名。")
            return redirect(campaign)
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
    return render(
        request,
        "payroll/campaign.html",
        _campaign_context(request, campaign, nominate_form=form),
        status=400,
    )


@require_POST
@login_required
def campaign_move(request, pk, step):
    verbs = {
        "review": (awards.close_nominations, "提名结束，进入审核。"),
        "voting": (awards.open_voting, "已开始居民投票。"),
        "count": (awards.close_voting, "投票已结束，结果进入公示。"),
    }
    if step not in verbs:
        raise Http404
    verb, text = verbs[step]
    return _campaign_verb(
        request,
        pk,
        lambda c: verb(campaign=c, acting_user=request.user, request=request),
        lambda c: text,
    )


@require_POST
@login_required
def nomination_review(request, pk):
    nomination = get_object_for_user(
        Nomination.objects.select_related("campaign"), request.user, pk, write=True, request=request
    )
    try:
        awards.review(
            nomination=nomination,
            accept=request.POST.get("accept") == "1",
            note=request.POST.get("note", ""),
            acting_user=request.user,
            request=request,
        )
        messages.success(request, "已审核。")
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect(nomination.campaign)


@require_POST
@login_required
def campaign_grant(request, pk):
    campaign = get_object_for_user(
        Campaign.objects.all(), request.user, pk, write=True, request=request
    )
    rewards = {}
    for key, value in request.POST.items():
        if key.startswith("reward_") and value.strip():
            try:
                rewards[int(key.removeprefix("reward_"))] = Decimal(value.strip())
            except (ValueError, InvalidOperation):
                messages.error(request, f"奖励金额“{value}”不是有效的金额。未作修改。")
                return redirect(campaign)
    return _campaign_verb(
        request,
        pk,
        lambda c: awards.grant(
            campaign=c, rewards=rewards, acting_user=request.user, request=request
        ),
        lambda c: "已授予表彰" + ("，以奖代补金额已列入补贴发放表。" if rewards else "。"),
    )


@require_POST
@login_required
def campaign_slips(request, pk):
    campaign = get_object_for_user(
        Campaign.objects.select_related("community"), request.user, pk, write=True, request=request
    )
    form = SlipsForm(
        request.POST,
        compounds=Region.objects.filter(parent=campaign.community, level=Region.Level.COMPOUND),
    )
    if not form.is_valid():
        messages.error(request, "请选择小区。")
        return redirect(campaign)
    households = (
        Household.objects.filter(compound=form.cleaned_data["compound"], occupied=True)
        .select_related("building", "unit")
        .order_by("building_id", "unit_id", "floor", "room")
    )
    try:
        slips = awards.issue_slips(
            campaign=campaign,
            households=list(households),
            acting_user=request.user,
            request=request,
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect(campaign)
    from loudong.evaluation.views import _qr_data_uri

    cards = []
    for household, number, key in slips:
        url = request.build_absolute_uri(reverse("payroll_public:slip", args=[key]))
        cards.append(
            {"household": household, "number": number, "url": url, "qr": _qr_data_uri(url)}
        )
    response = render(
        request,
        "payroll/award_slips.html",
        {"campaign": campaign, "cards": cards, "title": f"{campaign} 回执"},
    )
    response["Cache-Control"] = "no-store"
    return response


def award_slip(request, key):
    """A household nominates (while nominating) or votes (while voting) with its slip."""
    try:
        token = awards.token_for(key)
    except awards.SlipError as exc:
        return _resident(
            render(request, "payroll/award_slip.html", {"error": str(exc)}, status=exc.status)
        )
    campaign = token.campaign
    context = {"campaign": campaign}
    status = 200
    if campaign.status == Campaign.Status.NOMINATING:
        context["mode"], context["choices"] = "nominate", awards.eligible(campaign)
        used = token.nominated
    elif campaign.status == Campaign.Status.VOTING:
        context["mode"] = "vote"
        context["choices"] = campaign.nominations.filter(status="accepted").select_related(
            "person", "appointment__post"
        )
        used = token.voted
    else:
        context["mode"], used = None, False
        context["error"] = "本次评选目前不在提名或投票阶段。"
    if used:
        context["error"] = (
            "本户已经提名过，每户只能提名一次。"
            if context["mode"] == "nominate"
            else "本户已经投过票，每户只能投一次。"
        )
        context["mode"] = None
    if request.method == "POST" and context["mode"]:
        if resident_throttled(request, f"award:{token.pk}"):
            context["error"], status = "提交过于频繁，请稍后再试。", 429
        else:
            try:
                choice = int(request.POST.get("choice", "0"))
            except ValueError:
                choice = 0
            try:
                if context["mode"] == "nominate":
                    awards.resident_nominate(key=key, appointment_id=choice)
                    context["done"] = "提名成功，感谢您的参与！"
                else:
                    awards.vote(key=key, nomination_id=choice)
                    context["done"] = "投票成功，感谢您的参与！"
                context["mode"] = None
            except awards.SlipError as exc:
                context["error"], status = str(exc), exc.status
    elif request.method == "POST":
        status = 409 if used else 410
    return _resident(render(request, "payroll/award_slip.html", context, status=status))


def _resident(response):
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    return response
