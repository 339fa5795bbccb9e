"""Documents: agreement (.docx, signed scan), badges, notice boards, filing lists, Attachment 2,
公示 notice. Every fetch goes through accounts.access; exports and downloads are audited."""

import base64

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from loudong.accounts.access import get_object_for_user, has_cap, require_cap, scope_for
from loudong.accounts.roles import Cap
from loudong.documents import actions, boards, exports
from loudong.documents.forms import DateRangeForm, SignForm, TerminateForm
from loudong.documents.models import Agreement, Badge, BoardToken
from loudong.lib.xlsx import attachment, workbook_bytes
from loudong.roster.models import Appointment, Selection
from loudong.territory.models import Building, Region, Unit

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _qr(url: str, scale: int = 4) -> str:
    import segno

    return segno.make(url, error="m").svg_data_uri(scale=scale, border=2)


def _appointment(request, pk, capability):
    queryset = Appointment.objects.select_related("person", "post", "community", "compound")
    return get_object_for_user(queryset, request.user, pk, capability=capability, request=request)


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


# -- index -------------------------------------------------------------------------------------


@login_required
def index(request):
    """What the user may produce for their scope."""
    require_cap(request.user, Cap.VIEW, request)
    communities = Region.objects.visible_to(request.user).filter(level=Region.Level.COMMUNITY)
    edit_ids = scope_for(request.user, Cap.EDIT).community_ids
    compounds = (
        Region.objects.visible_to(request.user)
        .filter(level=Region.Level.COMPOUND)
        .select_related("parent")
        .order_by("parent__name", "name")
    )
    appointments = (
        Appointment.objects.visible_to(request.user, Cap.EDIT)
        .filter(status=Appointment.Status.ACTIVE)
        .exclude(post__kind="attachment")
        .select_related("person", "post", "community")
        .order_by("community__name", "post__title")
    )[:300]
    return render(
        request,
        "documents/index.html",
        {
            "communities": communities,
            "edit_community_ids": edit_ids,
            "compounds": compounds,
            "appointments": appointments,
            "can_export": has_cap(request.user, Cap.EXPORT),
            "can_edit": bool(edit_ids),
            "breadcrumb": [{"label": "文书与公示"}],
        },
    )


# -- agreement ---------------------------------------------------------------------------------


def _agreement_context(request, appointment, agreement, **extra):
    context = {
        "appointment": appointment,
        "agreement": agreement,
        "sign_form": SignForm(
            initial={"consents_to_publish_phone": appointment.person.consents_to_publish_phone}
        ),
        "terminate_form": TerminateForm(initial={"on": timezone.localdate()}),
        "can_reveal": scope_for(request.user, Cap.REVEAL).allows(appointment),
        "has_form": appointment.profile().documents.has_agreement,
        "term_expired": agreement.term_expired(timezone.localdate()) if agreement else False,
        "breadcrumb": [
            {"label": "文书与公示", "url": "/documents/"},
            {"label": f"{appointment.person.name} 协议书"},
        ],
    }
    context.update(extra)
    return context


@login_required
def agreement(request, appointment_id):
    appointment = _appointment(request, appointment_id, Cap.EDIT)
    agreement = Agreement.objects.filter(appointment=appointment).first()
    return render(
        request, "documents/agreement.html", _agreement_context(request, appointment, agreement)
    )


@require_POST
@login_required
def agreement_draw_up(request, appointment_id):
    appointment = _appointment(request, appointment_id, Cap.EDIT)
    try:
        agreement = actions.draw_up_agreement(
            appointment=appointment, acting_user=request.user, request=request
        )
        messages.success(request, f"已起草《{agreement.document_title}》，请打印后双方签字")
    except ValidationError as e:
        messages.error(request, e.messages[0])
    return redirect("documents:agreement", appointment.pk)


@require_POST
@login_required
def agreement_refresh(request, appointment_id):
    appointment = _appointment(request, appointment_id, Cap.EDIT)
    agreement = get_object_or_404(Agreement, appointment=appointment)
    try:
        actions.refresh_agreement(agreement=agreement, acting_user=request.user, request=request)
        messages.success(request, "已按当前档案更新协议内容")
    except ValidationError as e:
        messages.error(request, e.messages[0])
    return redirect("documents:agreement", appointment.pk)


@login_required
def agreement_docx(request, appointment_id):
    """The filled 协议书 with the full ID number and address: Cap.REVEAL only, audited.

    A GET changes nothing: an agreement not yet drawn up is rendered from the record as it
    would be drawn up now (the API's ``agreement_docx`` link works for every appointment).
    """
    appointment = _appointment(request, appointment_id, Cap.REVEAL)
    try:
        agreement = actions.preview_agreement(appointment)
    except ValidationError as e:
        raise Http404(e.messages[0]) from None
    content = agreement.docx_bytes()
    actions.record_download(
        agreement=agreement, appointment=appointment, acting_user=request.user, request=request
    )
    name = f"{agreement.document_title}-{agreement.party_b_name}-{agreement.title}.docx"
    return _no_store(attachment(content, name, content_type=DOCX_TYPE))


@require_POST
@login_required
def agreement_sign(request, appointment_id):
    appointment = _appointment(request, appointment_id, Cap.EDIT)
    try:
        agreement = actions.draw_up_agreement(
            appointment=appointment, acting_user=request.user, request=request
        )
    except ValidationError as e:
        messages.error(request, e.messages[0])
        return redirect("documents:agreement", appointment.pk)
    form = SignForm(request.POST, request.FILES)
    context = _agreement_context(request, appointment, agreement, sign_form=form)
    if not form.is_valid():
        _audit_rejected_upload(request, agreement, form)
        return render(request, "documents/agreement.html", context, status=400)
    try:
        actions.record_signature(
            agreement=agreement,
            scan=form.cleaned_data["scan"],
            scan_type=form.scan_type,
            signed_by_a_on=form.cleaned_data["signed_by_a_on"],
            signed_by_b_on=form.cleaned_data["signed_by_b_on"],
            consents_to_publish_phone=form.cleaned_data["consents_to_publish_phone"],
            acting_user=request.user,
            request=request,
        )
    except ValidationError as e:
        form.add_error(None, e.messages[0])
        return render(request, "documents/agreement.html", context, status=400)
    messages.success(request, f"协议已签订，自 {agreement.effective_on:%Y-%m-%d} 起生效")
    return redirect("documents:agreement", appointment.pk)


def _audit_rejected_upload(request, agreement, form):
    if "scan" not in form.errors:
        return
    from loudong.accounts.audit import AuditAction, record

    upload = request.FILES.get("scan")
    record(
        actor=request.user,
        action=AuditAction.AGREEMENT_UPLOAD_REFUSED,
        target=agreement,
        new={
            "filename_ext": (upload.name.rsplit(".", 1)[-1] if upload else ""),
            "bytes": upload.size if upload else 0,
        },
        reason=str(form.errors["scan"][0])[:200],
        request=request,
    )


@login_required
def agreement_scan(request, appointment_id):
    appointment = _appointment(request, appointment_id, Cap.REVEAL)
    agreement = get_object_or_404(Agreement, appointment=appointment)
    if not agreement.signed_scan:
        raise Http404
    from loudong.accounts.audit import AuditAction, record

    record(
        actor=request.user,
        action=AuditAction.AGREEMENT_SCAN_DOWNLOAD,
        target=agreement,
        request=request,
    )
    response = attachment(
        actions.read_scan(agreement),
        f"协议书签字件-{agreement.party_b_name}.{agreement.signed_scan_ext or 'bin'}",
        content_type=agreement.signed_scan_type or "application/octet-stream",
    )
    return _no_store(response)


@require_POST
@login_required
def agreement_consent(request, appointment_id, consents=True):
    appointment = _appointment(request, appointment_id, Cap.EDIT)
    agreement = get_object_or_404(Agreement, appointment=appointment)
    actions.set_phone_consent(
        agreement=agreement, consents=consents, acting_user=request.user, request=request
    )
    messages.success(
        request, "已记录同意公示联系电话" if consents else "已撤回同意：公示牌改为显示社区办公电话"
    )
    return redirect("documents:agreement", appointment.pk)


@require_POST
@login_required
def agreement_terminate(request, appointment_id):
    appointment = _appointment(request, appointment_id, Cap.EDIT)
    agreement = get_object_or_404(Agreement, appointment=appointment)
    form = TerminateForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "documents/agreement.html",
            _agreement_context(request, appointment, agreement, terminate_form=form),
            status=400,
        )
    try:
        actions.terminate_agreement(
            agreement=agreement, acting_user=request.user, request=request, **form.cleaned_data
        )
        messages.success(request, f"协议已解除（{form.cleaned_data['on']:%Y-%m-%d}）")
    except ValidationError as e:
        messages.error(request, e.messages[0])
    return redirect("documents:agreement", appointment.pk)


# -- badges ------------------------------------------------------------------------------------


def _photo_data_uri(person) -> str:
    """The sealed photo inline (img-src allows data:), so printing needs no media server."""
    if not person.photo:
        return ""
    from loudong.roster.actions.persons import read_photo

    return f"data:image/jpeg;base64,{base64.b64encode(read_photo(person)).decode()}"


def _badge_card(request, badge) -> dict:
    appointment = badge.appointment
    url = request.build_absolute_uri(badge.verify_path())
    return {
        "badge": badge,
        "appointment": appointment,
        "person": appointment.person,
        "photo": _photo_data_uri(appointment.person),
        "qr": _qr(url, scale=3),
        "verify_url": url,
        "valid": badge.is_valid_on(timezone.localdate()),
    }


@login_required
def badge(request, appointment_id):
    """One badge (胸牌) to print on A4; a GET shows it, making one is a POST."""
    appointment = _appointment(request, appointment_id, Cap.EDIT)
    badge = (
        Badge.objects.filter(appointment=appointment, revoked__isnull=True).first()
        or appointment.badges.order_by("-pk").first()
    )
    if badge is None:
        return render(
            request,
            "documents/badge_missing.html",
            {
                "appointment": appointment,
                "refusal": "" if appointment.is_active else f"{actions.BADGE_ENDED}。",
                "breadcrumb": [
                    {"label": "文书与公示", "url": "/documents/"},
                    {"label": f"{appointment.person.name} 工作胸牌"},
                ],
            },
            status=200 if appointment.is_active else 409,
        )
    return render(
        request,
        "documents/badges.html",
        {
            "cards": [_badge_card(request, badge)],
            "title": f"工作胸牌 · {appointment.person.name}",
            "single": badge,
            "refusal": "" if appointment.is_active else f"{actions.BADGE_ENDED}，原胸牌已失效。",
        },
    )


@require_POST
@login_required
def badge_issue(request, appointment_id):
    appointment = _appointment(request, appointment_id, Cap.EDIT)
    try:
        badge = actions.issue_badge(
            appointment=appointment, acting_user=request.user, request=request
        )
        messages.success(request, f"已制作工作胸牌 {badge.number}")
    except ValidationError as e:
        messages.error(request, e.messages[0])
    return redirect("documents:badge", appointment.pk)


@login_required
def badges_community(request, pk):
    """Every active leader's badge in a community, ten to an A4 sheet."""
    community = get_object_for_user(
        Region.objects.filter(level=Region.Level.COMMUNITY), request.user, pk, request=request
    )
    if not scope_for(request.user, Cap.EDIT).allows(community):
        raise PermissionDenied("您在该社区只能查看，不能制作胸牌")
    today = timezone.localdate()
    appointments = (
        Appointment.objects.filter(community=community, status=Appointment.Status.ACTIVE)
        .filter(Q(end__isnull=True) | Q(end__gte=today))
        .exclude(post__kind="attachment")
        .select_related("person", "post", "community")
        .order_by("post__kind", "post__title")
    )
    if request.method == "POST":
        made = 0
        for appointment in appointments:
            if not appointment.badges.filter(revoked__isnull=True).exists():
                actions.issue_badge(
                    appointment=appointment, acting_user=request.user, request=request
                )
                made += 1
        messages.success(request, f"已为 {made} 名在任人员制作工作胸牌")
        return redirect("documents:badges_community", community.pk)
    live = {
        b.appointment_id: b
        for b in Badge.objects.filter(
            appointment__in=appointments, revoked__isnull=True
        ).select_related("appointment__person", "appointment__post")
    }
    cards = [_badge_card(request, live[a.pk]) for a in appointments if a.pk in live]
    return render(
        request,
        "documents/badges.html",
        {
            "cards": cards,
            "title": f"工作胸牌 · {community.name}",
            "community": community,
            "missing": sum(1 for a in appointments if a.pk not in live),
        },
    )


@require_POST
@login_required
def badge_revoke(request, pk):
    badge = get_object_for_user(
        Badge.objects.select_related("appointment"),
        request.user,
        pk,
        capability=Cap.EDIT,
        request=request,
    )
    actions.revoke_badge(
        badge=badge,
        acting_user=request.user,
        request=request,
        reason=request.POST.get("reason", "")[:200],
    )
    messages.success(request, f"胸牌 {badge.number} 已作废")
    return redirect("documents:badge", badge.appointment_id)


def verify(request, token):
    """Public (no login): is this badge valid today? Phone masked."""
    badge = get_object_or_404(
        Badge.objects.select_related(
            "appointment__person", "appointment__post", "appointment__community"
        ),
        token=token,
    )
    today = timezone.localdate()
    return _no_store(
        render(
            request,
            "documents/verify.html",
            {
                "badge": badge,
                "appointment": badge.appointment,
                "person": badge.appointment.person,
                "valid": badge.is_valid_on(today),
                "today": today,
            },
        )
    )


# -- boards ------------------------------------------------------------------------------------


def _board_page(request, board, area: dict):
    """GET shows the board (with its QR code once made); POST makes the QR code's token.

    A GET never writes (issue 9 item 10): the first visit offers a button instead.
    """
    if request.method == "POST":
        actions.board_token(**area)
        messages.success(request, "已生成公示牌二维码，可打印张贴")
        return redirect(request.path)
    token = actions.live_board_token(**area)
    url = request.build_absolute_uri(token.resident_path()) if token else ""
    board.token = token
    from loudong.community.conventions import for_board

    # 文明公约 in force (004 §二.5) on the compound's and building's boards.
    convention = (
        for_board(area["compound"], area.get("building"))
        if area["kind"] != BoardToken.Kind.UNIT
        else None
    )
    return render(
        request,
        "documents/board.html",
        {
            "convention": convention,
            "board": board,
            "sheet": board.render(qr_data_uri=_qr(url, scale=5) if token else "", resident_url=url),
            "needs_token": token is None,
            "title": f"{board.area} 公示牌",
        },
    )


@login_required
def board_compound(request, pk):
    compound = get_object_for_user(
        Region.objects.filter(level=Region.Level.COMPOUND).select_related("parent"),
        request.user,
        pk,
        request=request,
    )
    area = {"kind": BoardToken.Kind.COMPOUND, "compound": compound}
    return _board_page(request, boards.compound_board(compound), area)


@login_required
def board_building(request, pk):
    building = get_object_for_user(
        Building.objects.select_related("compound", "community"),
        request.user,
        pk,
        request=request,
    )
    area = {"kind": BoardToken.Kind.BUILDING, "compound": building.compound, "building": building}
    return _board_page(request, boards.building_board(building), area)


@login_required
def board_unit(request, pk):
    unit = get_object_for_user(
        Unit.objects.select_related("building__compound", "compound", "community"),
        request.user,
        pk,
        request=request,
    )
    area = {
        "kind": BoardToken.Kind.UNIT,
        "compound": unit.compound,
        "building": unit.building,
        "unit": unit,
    }
    return _board_page(request, boards.unit_board(unit), area)


def resident_board(request, token):
    """Placeholder of the resident page (a later issue): the area and its leaders, phones by
    the board's rule (consented phone, else the community office)."""
    token = get_object_or_404(
        BoardToken.objects.select_related("compound__parent", "building", "unit__building"),
        token=token,
        revoked__isnull=True,
    )
    return render(
        request,
        "documents/resident_board.html",
        {"board": boards.board_for_token(token), "token": token.token},
    )


# -- filing lists and Attachment 2 -------------------------------------------------------------


def _export_scope(request):
    """Appointments the user may export, optionally one community; and whether to reveal."""
    if not has_cap(request.user, Cap.EXPORT):
        require_cap(request.user, Cap.EXPORT, request)
    appointments = Appointment.objects.visible_to(request.user, Cap.EXPORT)
    community = None
    if request.GET.get("community"):
        community = get_object_for_user(
            Region.objects.filter(level=Region.Level.COMMUNITY),
            request.user,
            request.GET["community"],
            capability=Cap.EXPORT,
            request=request,
        )
        appointments = appointments.filter(community=community)
    communities = set(appointments.values_list("community_id", flat=True).distinct())
    reveal_ids = scope_for(request.user, Cap.REVEAL).community_ids
    reveal = bool(communities) and communities <= set(reveal_ids)
    return appointments, community, reveal


@login_required
def filing_adjusted(request):
    """调整和兼任楼栋长名单 for the 区民政局 (seed 000 §三.3)."""
    appointments, community, reveal = _export_scope(request)
    form = DateRangeForm(request.GET or None)
    since = until = None
    if request.GET and form.is_valid() and (request.GET.get("since") or request.GET.get("until")):
        since, until = form.cleaned_data["since"], form.cleaned_data["until"]
    rows = list(
        exports.adjusted_and_concurrent_rows(appointments, reveal=reveal, since=since, until=until)
    )
    where = community.name if community else "辖区"
    actions.record_export(
        what=f"调整和兼任楼栋长备案名单 {where}",
        rows=len(rows),
        revealed=reveal,
        region=community,
        acting_user=request.user,
        request=request,
    )
    content = workbook_bytes(
        [("调整和兼任楼栋长名单", exports.headers(exports.ADJUSTED_HEADERS, reveal=reveal), rows)]
    )
    return _no_store(attachment(content, f"调整和兼任楼栋长备案名单-{where}.xlsx"))


@login_required
def filing_leaders(request):
    """楼栋长、单元长名单 for the 社区党组织 (seed 004 §一.2 "报社区党组织备案")."""
    appointments, community, reveal = _export_scope(request)
    rows = list(exports.leader_rows(appointments, reveal=reveal))
    where = community.name if community else "辖区"
    actions.record_export(
        what=f"楼栋长单元长备案名单 {where}",
        rows=len(rows),
        revealed=reveal,
        region=community,
        acting_user=request.user,
        request=request,
    )
    content = workbook_bytes(
        [("楼栋长单元长名单", exports.headers(exports.LEADER_HEADERS, reveal=reveal), rows)]
    )
    return _no_store(attachment(content, f"楼栋长单元长备案名单-{where}.xlsx"))


def _progress(request):
    require_cap(request.user, Cap.VIEW, request)
    from loudong.policy.profile import profile_for

    home = next((a.region for a in request.user.active_roles() if a.region_id), None)
    campaign = profile_for(home).campaign
    default = (campaign.start, campaign.deadline) if campaign else None
    form = DateRangeForm(request.GET or None, default=default)
    if request.GET and not form.is_valid():
        return form, None
    if not request.GET:
        form = DateRangeForm({}, default=default)
        form.is_valid()
    communities = (
        Region.objects.visible_to(request.user)
        .filter(level=Region.Level.COMMUNITY)
        .order_by("path")
    )
    rows = exports.progress_rows(
        communities, since=form.cleaned_data["since"], until=form.cleaned_data["until"]
    )
    return form, rows


@login_required
def progress(request):
    """附件2 优化整合社区楼栋长工作进度情况统计表 for any date range."""
    form, rows = _progress(request)
    return render(
        request,
        "documents/progress.html",
        {
            "form": form,
            "rows": rows,
            "headers": exports.PROGRESS_HEADERS,
            "can_export": has_cap(request.user, Cap.EXPORT),
            "query": request.GET.urlencode(),
            "breadcrumb": [
                {"label": "文书与公示", "url": "/documents/"},
                {"label": "进度情况统计表"},
            ],
        },
        status=200 if rows is not None else 400,
    )


@login_required
def progress_xlsx(request):
    require_cap(request.user, Cap.EXPORT, request)
    form, rows = _progress(request)
    if rows is None:
        raise Http404
    since, until = form.cleaned_data["since"], form.cleaned_data["until"]
    actions.record_export(
        what=f"附件2 进度情况统计表 {since}至{until}",
        rows=len(rows) - 1,
        revealed=False,
        acting_user=request.user,
        request=request,
    )
    content = workbook_bytes(
        [("进度情况统计表", exports.PROGRESS_HEADERS, [r.cells() for r in rows])]
    )
    return attachment(content, f"优化整合社区楼栋长工作进度情况统计表-{since}至{until}.xlsx")


# -- 公示 notice --------------------------------------------------------------------------------


@login_required
def notice(request, pk):
    """楼栋公示 of a candidate (seed 000 §三.3 "楼栋公示"): A4 printable."""
    selection = get_object_for_user(
        Selection.objects.select_related("candidate", "post", "community", "compound"),
        request.user,
        pk,
        request=request,
    )
    today = timezone.localdate()
    objection_url = ""
    if selection.notice_token:
        objection_url = request.build_absolute_uri(
            reverse("roster:notice_objection", args=[selection.notice_token])
        )
    return render(
        request,
        "documents/notice.html",
        {
            "selection": selection,
            "person": selection.candidate,
            "post": selection.post,
            "community": selection.community,
            "age": selection.candidate.age_on(selection.notice_start or today),
            "issued_on": selection.notice_start or today,
            "steps_done": _steps_done(selection),
            "objection_url": objection_url,
            "objection_qr": _qr(objection_url, scale=3) if objection_url else "",
            "title": f"公示 · {selection.candidate.name}",
        },
    )


def _steps_done(selection) -> str:
    """ "个人自荐、居民推选、社区推荐、社区党组织审查、街道党工委审批": each step the case completed."""
    from loudong.roster.models import status_label

    done = []
    for step in selection.steps.order_by("at", "id"):
        if step.from_status and step.to_status not in ("rejected", "withdrawn"):
            label = status_label(step.from_status)
            if step.from_status != "public_notice" and label not in done:
                done.append(label)
    return "、".join(done)
