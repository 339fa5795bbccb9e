"""Domain verbs of the documents app; each audited inside its transaction (STYLE.md item 3)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from loudong.accounts.audit import AuditAction, record
from loudong.documents.models import (
    Agreement,
    AgreementEvent,
    Badge,
    BoardToken,
)
from loudong.lib import sealed_files
from loudong.lib.dates import DateOutOfRange, check_window

SCAN_PURPOSE = "agreement_scan"


def read_scan(agreement) -> bytes:
    return sealed_files.read_sealed(agreement.signed_scan, purpose=SCAN_PURPOSE)


def _event(agreement, *, from_status, what, acting_user):
    AgreementEvent.objects.create(
        agreement=agreement,
        from_status=from_status,
        to_status=agreement.status,
        what=what,
        actor=acting_user if getattr(acting_user, "is_authenticated", False) else None,
    )


class Refused(ValidationError):
    """A documents rule refuses the move; the message says why, in Chinese."""


def agreement_title(appointment) -> tuple[str, str]:
    """(title, grid note) as Attachment 1 writes it: 「X小区X号楼楼栋长」, the grid on its own line.

    A grid post names its compound(s) and buildings from the division in force; a building or
    unit post (长春) its own. The grid's number and CJ/T 349 code go on the second line.
    """
    from loudong.grids.models import GridPiece

    post = appointment.post
    kind = post.get_kind_display()
    if post.unit_id:
        unit = post.unit
        return f"{unit.compound.name}{unit.building.number}{unit.number}{kind}", ""
    if post.building_id:
        building = post.building
        return f"{building.compound.name}{building.number}{kind}", ""
    if not post.grid_code:
        return post.title, ""
    places: dict[str, list[str]] = {}
    for compound, number in (
        GridPiece.objects.filter(
            grid__code=post.grid_code,
            grid__division__status="frozen",
            grid__community_id=post.community_id,
        )
        .order_by("building__compound__name", "building__number_key")
        .values_list("building__compound__name", "building__number")
        .distinct()
    ):
        numbers = places.setdefault(compound, [])
        if number not in numbers:
            numbers.append(number)
    where = "、".join(f"{c}{'、'.join(n)}" for c, n in places.items()) or post.community.name
    return f"{where}{kind}"[:100], f"网格 {post.grid_code[-2:]}（编码 {post.grid_code}）"


def _party_b_address(person) -> str:
    """家庭住址: the person's recorded address, else their registry household's."""
    address = person.address.reveal() if person.address else ""
    if address or person.resident_id is None:
        return address
    from loudong.roster.actions.persons import household_address

    return household_address(person.resident.household)


def _snapshot_fields(appointment) -> dict:
    """The parties, term, title and money of the agreement, read from the record now."""
    person, community = appointment.person, appointment.community
    profile = appointment.profile()
    title, grid_note = agreement_title(appointment)
    grids = max(
        1, appointment.person.active_appointments().filter(post__kind=appointment.post.kind).count()
    )
    subsidy = profile.subsidy
    return {
        "party_a_name": community.name,
        "party_a_leader": community.leader_name,
        "party_a_phone": community.office_phone,
        "party_b_name": person.name,
        "party_b_id_number": person.id_number,
        "party_b_address": _party_b_address(person),
        "party_b_phone": person.phone,
        "term_start": appointment.start,
        "term_end": appointment.term_end,
        "title": title,
        "grid_note": grid_note,
        "form": profile.documents.agreement,
        "concurrent_grids": grids if subsidy.per_concurrent_grid else 1,
        "subsidy_monthly": subsidy.per_grid_monthly,
        "subsidy_paid_monthly": subsidy.paid_monthly,
        "subsidy_year_end": subsidy.year_end_accrued,
        "duties": [d.label for d in profile.duties],
        "allowances": {k: str(v) for k, v in subsidy.allowances.items()},
    }


def preview_agreement(appointment) -> Agreement:
    """The agreement as it would be drawn up now, unsaved (the .docx of a GET never writes)."""
    existing = Agreement.objects.filter(appointment=appointment).first()
    if existing:
        return existing
    _require_form(appointment)
    return Agreement(
        appointment=appointment,
        community=appointment.community,
        compound=appointment.compound,
        **_snapshot_fields(appointment),
    )


def _require_form(appointment) -> None:
    if not appointment.profile().documents.has_agreement:
        raise Refused("本街道的政策方案不签订志愿服务协议书（documents.agreement 为“不签协议”）")
    if appointment.post.kind == "attachment":
        raise Refused("一格多员由所在单位派驻，不签订志愿服务协议书")


def draw_up_agreement(*, appointment, acting_user, request=None) -> Agreement:
    """The appointment's agreement, drawn up from the record on first call (idempotent).

    甲方 is the community (name, 负责人, office phone); 乙方 the person — a snapshot, so later
    edits do not change it. The text is the profile's (``documents.agreement``).
    """
    existing = Agreement.objects.filter(appointment=appointment).first()
    if existing:
        return existing
    _require_form(appointment)
    if not appointment.is_active:
        raise Refused("该任职已结束，不能再起草协议书")
    with transaction.atomic():
        agreement = Agreement(
            appointment=appointment,
            community=appointment.community,
            compound=appointment.compound,
            consents_to_publish_phone=appointment.person.consents_to_publish_phone,
            created_by=acting_user,
            **_snapshot_fields(appointment),
        )
        try:
            with transaction.atomic():
                agreement.save(force_insert=True)
        except IntegrityError:  # drawn up concurrently by another request
            return Agreement.objects.get(appointment=appointment)
        _event(agreement, from_status="", what="起草", acting_user=acting_user)
        record(
            actor=acting_user,
            action=AuditAction.AGREEMENT_CREATE,
            target=agreement,
            new={"appointment": appointment.pk, "title": agreement.title, "form": agreement.form},
            request=request,
        )
    return agreement


def refresh_agreement(*, agreement, acting_user, request=None) -> Agreement:
    """Re-read the parties, term and title from the record; only while unsigned."""
    if agreement.status != Agreement.Status.DRAFT:
        raise ValidationError("协议已签订或解除，不能再按档案更新")
    with transaction.atomic():
        for name, value in _snapshot_fields(agreement.appointment).items():
            setattr(agreement, name, value)
        agreement.save()
        _event(agreement, from_status=agreement.status, what="按档案更新", acting_user=acting_user)
        record(
            actor=acting_user,
            action=AuditAction.AGREEMENT_REFRESH,
            target=agreement,
            request=request,
        )
    return agreement


def end_with_appointment(appointment) -> None:
    """roster hook ``appointment_ended``: the agreement is 已解除 on the appointment's last day.

    附件1 §五 "双方均可以随时解除本协议，但应提前告知对方": the notice the roster recorded is
    written beside it.
    """
    agreement = Agreement.objects.filter(appointment=appointment).first()
    if agreement is None or agreement.status == Agreement.Status.TERMINATED:
        return
    old = agreement.status
    agreement.status = Agreement.Status.TERMINATED
    agreement.terminated_on = appointment.end
    notice = f"（{appointment.notice_date:%Y-%m-%d} 告知）" if appointment.notice_date else ""
    agreement.termination_reason = f"{appointment.get_end_reason_display()}{notice}"[:200]
    agreement.save(update_fields=["status", "terminated_on", "termination_reason"])
    _event(agreement, from_status=old, what="任职结束，协议解除", acting_user=None)


def extend_with_appointment(appointment, old_term_end) -> None:
    """roster hook ``appointment_renewed``: the agreement's term follows the renewal."""
    agreement = Agreement.objects.filter(appointment=appointment).first()
    if agreement is None or agreement.status == Agreement.Status.TERMINATED:
        return
    agreement.term_end = appointment.term_end
    agreement.save(update_fields=["term_end"])
    _event(
        agreement,
        from_status=agreement.status,
        what=f"续期至 {appointment.term_end:%Y-%m-%d}",
        acting_user=None,
    )


def signed_appointment_ids(appointment_ids) -> set[int]:
    """roster hook ``signed_agreements``."""
    return set(
        Agreement.objects.filter(
            appointment_id__in=list(appointment_ids), status=Agreement.Status.SIGNED
        ).values_list("appointment_id", flat=True)
    )


def record_download(*, agreement, appointment, acting_user, request=None) -> None:
    """The .docx holds the full ID number and address: each download is an audited export.

    The target is the agreement once drawn up, else the appointment it was rendered from.
    """
    with transaction.atomic():
        record(
            actor=acting_user,
            action=AuditAction.AGREEMENT_EXPORT,
            target=agreement if agreement.pk else appointment,
            new={"format": "docx", "revealed": True, "drawn_up": bool(agreement.pk)},
            request=request,
        )


def record_signature(
    *,
    agreement,
    scan,
    scan_type: str,
    signed_by_a_on: dt.date,
    signed_by_b_on: dt.date,
    consents_to_publish_phone: bool,
    acting_user,
    request=None,
) -> Agreement:
    """Attach the signed scan; the agreement is signed and in force from the later signature
    (附件1 §六 "经双方签字（盖章）确认后生效"), which is when the subsidy starts."""
    if not agreement.can_move_to(Agreement.Status.SIGNED):
        raise ValidationError(f"协议{agreement.get_status_display()}，不能登记签字")
    # The subsidy starts from the later signature: 0001-01-01 would have paid since year one.
    start = agreement.appointment.start
    for label, day in (("甲方签字日期", signed_by_a_on), ("乙方签字日期", signed_by_b_on)):
        try:
            check_window(day, label, not_before=start, not_after=timezone.localdate())
        except DateOutOfRange as exc:
            raise ValidationError(f"{exc}（任职日期 {start:%Y-%m-%d}，不能晚于今天）") from None
    old = {"status": agreement.status}
    data = scan.read()
    ext = scan.name.rsplit(".", 1)[-1].lower()[:10] if "." in scan.name else "bin"
    with transaction.atomic():
        agreement.signed_by_a_on = signed_by_a_on
        agreement.signed_by_b_on = signed_by_b_on
        agreement.effective_on = Agreement.effective_date(signed_by_a_on, signed_by_b_on)
        agreement.signed_scan = sealed_files.save_sealed(
            data, purpose=SCAN_PURPOSE, folder=f"agreements/{timezone.localdate():%Y}"
        )
        agreement.signed_scan_ext = ext
        agreement.signed_scan_type = scan_type
        agreement.signed_scan_uploaded = timezone.now()
        agreement.status = Agreement.Status.SIGNED
        agreement.save()
        _event(agreement, from_status=old["status"], what="签字生效", acting_user=acting_user)
        record(
            actor=acting_user,
            action=AuditAction.AGREEMENT_SIGN,
            target=agreement,
            old=old,
            new={
                "status": agreement.status,
                "effective_on": agreement.effective_on,
                "scan_type": scan_type,
                "scan_bytes": scan.size,
            },
            request=request,
        )
        _set_consent(agreement, consents_to_publish_phone, acting_user, request)
    return agreement


def set_phone_consent(*, agreement, consents: bool, acting_user, request=None) -> Agreement:
    """Record (or withdraw) the leader's consent to publishing the phone on notice boards;
    the Person's flag follows, so boards show the office phone once consent is withdrawn."""
    with transaction.atomic():
        _set_consent(agreement, consents, acting_user, request)
    return agreement


def _set_consent(agreement, consents: bool, acting_user, request) -> None:
    person = agreement.appointment.person
    if agreement.consents_to_publish_phone == consents and (
        person.consents_to_publish_phone == consents
    ):
        return
    today = timezone.localdate()
    old = {"consents_to_publish_phone": agreement.consents_to_publish_phone}
    agreement.consents_to_publish_phone = consents
    agreement.consent_changed_on = today
    agreement.save(update_fields=["consents_to_publish_phone", "consent_changed_on"])
    person.consents_to_publish_phone = consents
    person.consent_changed_on = today
    person.save(update_fields=["consents_to_publish_phone", "consent_changed_on"])
    _event(
        agreement,
        from_status=agreement.status,
        what="同意公示电话" if consents else "撤回公示电话同意",
        acting_user=acting_user,
    )
    record(
        actor=acting_user,
        action=AuditAction.AGREEMENT_PHONE_CONSENT,
        target=agreement,
        old=old,
        new={"consents_to_publish_phone": consents},
        request=request,
    )


def terminate_agreement(
    *, agreement, on: dt.date, reason: str, acting_user, request=None
) -> Agreement:
    """附件1 §五 "双方均可以随时解除本协议，但应提前告知对方". Ending the appointment is the
    roster's verb; this records the agreement's side."""
    if not agreement.can_move_to(Agreement.Status.TERMINATED):
        raise ValidationError("协议已解除")
    earliest = agreement.effective_on or agreement.appointment.start
    try:
        check_window(on, "解除日期", not_before=earliest)
    except DateOutOfRange as exc:
        raise ValidationError(f"{exc}（协议生效或任职日期为 {earliest:%Y-%m-%d}）") from None
    old = {"status": agreement.status}
    with transaction.atomic():
        agreement.status = Agreement.Status.TERMINATED
        agreement.terminated_on = on
        agreement.termination_reason = reason
        agreement.save(update_fields=["status", "terminated_on", "termination_reason"])
        _event(agreement, from_status=old["status"], what="解除", acting_user=acting_user)
        record(
            actor=acting_user,
            action=AuditAction.AGREEMENT_TERMINATE,
            target=agreement,
            old=old,
            new={"status": agreement.status, "terminated_on": on},
            reason=reason,
            request=request,
        )
    return agreement


# -- badges ------------------------------------------------------------------------------------


def _next_badge_number(community) -> str:
    prefix = community.code or f"C{community.pk}"
    taken = Badge.objects.filter(community=community).count()
    n = taken + 1
    while Badge.objects.filter(number=f"{prefix}-{n:04d}").exists():
        n += 1
    return f"{prefix}-{n:04d}"


BADGE_ENDED = "该任职已结束，不能制作新的工作胸牌"


def issue_badge(*, appointment, acting_user, request=None) -> Badge:
    """The appointment's live badge, issued on first call (idempotent).

    An ended appointment gets no new badge, so no new QR code vouches for someone out of post.
    """
    if not appointment.is_active:
        raise ValidationError(BADGE_ENDED)
    live = Badge.objects.filter(appointment=appointment, revoked__isnull=True).first()
    if live:
        return live
    with transaction.atomic():
        badge = Badge.objects.create(
            appointment=appointment,
            community=appointment.community,
            compound=appointment.compound,
            number=_next_badge_number(appointment.community),
            issued_by=acting_user,
        )
        record(
            actor=acting_user,
            action=AuditAction.BADGE_ISSUE,
            target=badge,
            new={"appointment": appointment.pk, "number": badge.number},
            request=request,
        )
    return badge


def revoke_badge(*, badge, acting_user, reason: str = "", request=None) -> Badge:
    """A lost badge: its QR code reads 已失效 from now on; a new one can be issued."""
    if badge.revoked:
        return badge
    with transaction.atomic():
        badge.revoked = timezone.now()
        badge.save(update_fields=["revoked"])
        record(
            actor=acting_user,
            action=AuditAction.BADGE_REVOKE,
            target=badge,
            reason=reason,
            request=request,
        )
    return badge


# -- boards ------------------------------------------------------------------------------------


def live_board_token(*, kind: str, compound, building=None, unit=None) -> BoardToken | None:
    """The board's live token if one was made (a GET reads, never creates)."""
    return BoardToken.objects.filter(
        kind=kind, compound=compound, building=building, unit=unit, revoked__isnull=True
    ).first()


def board_token(*, kind: str, compound, building=None, unit=None) -> BoardToken:
    """The live token for one board's area (created once; boards hang for years).

    Not audited: it holds no personal data and grants nothing but the public board page.
    """
    live = BoardToken.objects.filter(
        kind=kind, compound=compound, building=building, unit=unit, revoked__isnull=True
    ).first()
    if live:
        return live
    try:
        with transaction.atomic():
            return BoardToken.objects.create(
                kind=kind,
                community=compound.parent,
                compound=compound,
                building=building,
                unit=unit,
            )
    except IntegrityError:
        return BoardToken.objects.get(
            kind=kind, compound=compound, building=building, unit=unit, revoked__isnull=True
        )


def record_export(
    *, what: str, rows: int, revealed: bool, acting_user, region=None, request=None
) -> None:
    with transaction.atomic():
        record(
            actor=acting_user,
            action=AuditAction.DOCUMENTS_EXPORT,
            region=region,
            target_repr=what,
            new={"rows": rows, "revealed": revealed},
            request=request,
        )
