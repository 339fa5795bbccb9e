"""Domain verbs of the documents app; each audited inside its transaction (STYLE.md item 3)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from loudong.accounts.audit import record
from loudong.documents.models import (
    Agreement,
    AgreementEvent,
    Badge,
    BoardToken,
    subsidy_amounts,
)


def _event(agreement, *, from_status, what, acting_user):
    AgreementEvent.objects.create(
        agreement=agreement,
        from_status=from_status,
        to_status=agreement.status,
        what=what,
        actor=acting_user if getattr(acting_user, "is_authenticated", False) else None,
    )


def draw_up_agreement(*, appointment, acting_user, request=None) -> Agreement:
    """The appointment's agreement, drawn up from the record on first call (idempotent).

    甲方 is the community (name, 负责人, office phone); 乙方 the person, read from the
    Person's protected fields now — a snapshot, so later edits do not change it.
    """
    existing = Agreement.objects.filter(appointment=appointment).first()
    if existing:
        return existing
    person, community = appointment.person, appointment.community
    amounts = subsidy_amounts()
    with transaction.atomic():
        agreement = Agreement(
            appointment=appointment,
            community=community,
            compound=appointment.compound,
            party_a_name=community.name,
            party_a_leader=community.leader_name,
            party_a_phone=community.office_phone,
            party_b_name=person.name,
            party_b_id_number=person.id_number,
            party_b_address=person.address,
            party_b_phone=person.phone,
            term_start=appointment.start,
            term_end=appointment.term_end,
            title=appointment.post.title,
            subsidy_monthly=amounts["monthly"],
            subsidy_paid_monthly=amounts["paid_monthly"],
            subsidy_year_end=amounts["year_end"],
            consents_to_publish_phone=person.consents_to_publish_phone,
            created_by=acting_user,
        )
        try:
            with transaction.atomic():
                agreement.save(force_insert=True)
        except IntegrityError:  # drawn up concurrently by another request
            return Agreement.objects.get(appointment=appointment)
        _event(agreement, from_status="", what="起草", acting_user=acting_user)
        record(
            actor=acting_user,
            action="documents.agreement.create",
            target=agreement,
            new={"appointment": appointment.pk, "title": agreement.title},
            request=request,
        )
    return agreement


def refresh_agreement(*, agreement, acting_user, request=None) -> Agreement:
    """Re-read the parties and term from the record; only while unsigned."""
    if agreement.status != Agreement.Status.DRAFT:
        raise ValidationError("协议已签订或解除，不能再按档案更新")
    appointment = agreement.appointment
    person, community = appointment.person, appointment.community
    with transaction.atomic():
        agreement.party_a_name = community.name
        agreement.party_a_leader = community.leader_name
        agreement.party_a_phone = community.office_phone
        agreement.party_b_name = person.name
        agreement.party_b_id_number = person.id_number
        agreement.party_b_address = person.address
        agreement.party_b_phone = person.phone
        agreement.term_start = appointment.start
        agreement.term_end = appointment.term_end
        agreement.title = appointment.post.title
        agreement.save()
        _event(agreement, from_status=agreement.status, what="按档案更新", acting_user=acting_user)
        record(
            actor=acting_user,
            action="documents.agreement.refresh",
            target=agreement,
            request=request,
        )
    return agreement


def record_download(*, agreement, acting_user, request=None) -> None:
    """The .docx holds the full ID number and address: each download is an audited export."""
    with transaction.atomic():
        record(
            actor=acting_user,
            action="documents.agreement.export",
            target=agreement,
            new={"format": "docx", "revealed": True},
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
    old = {"status": agreement.status}
    with transaction.atomic():
        agreement.signed_by_a_on = signed_by_a_on
        agreement.signed_by_b_on = signed_by_b_on
        agreement.effective_on = Agreement.effective_date(signed_by_a_on, signed_by_b_on)
        agreement.signed_scan.save(scan.name, scan, save=False)
        agreement.signed_scan_type = scan_type
        agreement.signed_scan_uploaded = timezone.now()
        agreement.status = Agreement.Status.SIGNED
        agreement.save()
        _event(agreement, from_status=old["status"], what="签字生效", acting_user=acting_user)
        record(
            actor=acting_user,
            action="documents.agreement.sign",
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
        action="documents.agreement.phone_consent",
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
    old = {"status": agreement.status}
    with transaction.atomic():
        agreement.status = Agreement.Status.TERMINATED
        agreement.terminated_on = on
        agreement.termination_reason = reason
        agreement.save(update_fields=["status", "terminated_on", "termination_reason"])
        _event(agreement, from_status=old["status"], what="解除", acting_user=acting_user)
        record(
            actor=acting_user,
            action="documents.agreement.terminate",
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
            action="documents.badge.issue",
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
            action="documents.badge.revoke",
            target=badge,
            reason=reason,
            request=request,
        )
    return badge


# -- boards ------------------------------------------------------------------------------------


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
            action="documents.export",
            region=region,
            target_repr=what,
            new={"rows": rows, "revealed": revealed},
            request=request,
        )
