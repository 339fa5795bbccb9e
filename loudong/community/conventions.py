"""文明公约 (seed 004 §二.5: "引导建立楼栋、小区文明公约，强化居民自治自律意识").

A compound's or building's convention is drafted by the community, adopted by a residents'
meeting (``territory.ResidentsMeeting``: 004 §三 自治共治), and revised the same way: every
version is a :class:`ConventionRevision`; the one in force is the last adopted. An adopted text
is never edited — a change is a new draft.
"""

from django.db import transaction

from loudong.accounts.audit import AuditAction, record
from loudong.community.access import require_edit
from loudong.community.models import Convention, ConventionRevision
from loudong.fieldwork.actions.common import Refused


def draft(
    *, compound, building=None, title: str, text: str, acting_user, request=None
) -> ConventionRevision:
    """A new draft (or the open draft rewritten) of the compound's or building's convention."""
    community = compound.parent
    require_edit(acting_user, community)
    title, text = (title or "").strip(), (text or "").strip()
    if not title or len(title) > 100 or "\x00" in title:
        raise Refused("名称：请填写，不超过 100 个字")
    if not text or len(text) > 10000 or "\x00" in text:
        raise Refused("公约全文：请填写，不超过 10000 个字")
    if building is not None and building.compound_id != compound.pk:
        raise Refused("楼栋：不在该小区")
    with transaction.atomic():
        convention, _ = Convention.objects.select_for_update().get_or_create(
            compound=compound,
            building=building,
            defaults={"community": community, "title": title},
        )
        last = convention.revisions.order_by("-number").first()
        if last is not None and last.adopted_on is None:
            last.text = text
            last.save(update_fields=["text"])
            revision = last
        else:
            revision = ConventionRevision.objects.create(
                convention=convention,
                number=(last.number + 1) if last else 1,
                text=text,
                created_by=acting_user,
            )
        if convention.title != title:
            convention.title = title
            convention.save(update_fields=["title"])
        record(
            actor=acting_user,
            action=AuditAction.CONVENTION_SAVE,
            target=convention,
            region=community,
            new={"revision": revision.number, "length": len(text)},
            request=request,
        )
    return revision


def adopt(*, revision: ConventionRevision, meeting, acting_user, request=None):
    """The residents' meeting that adopted the draft (its date is the adoption date)."""
    convention = revision.convention
    require_edit(acting_user, convention.community)
    if meeting is None:
        raise Refused("居民会议：请选择通过公约的居民会议")
    if meeting.community_id != convention.community_id or (
        meeting.compound_id and meeting.compound_id != convention.compound_id
    ):
        raise Refused("居民会议：不是本小区的居民会议")
    with transaction.atomic():
        revision = ConventionRevision.objects.select_for_update().get(pk=revision.pk)
        if revision.adopted_on is not None:
            raise Refused(f"第 {revision.number} 版已于 {revision.adopted_on} 通过")
        revision.adopted_on = meeting.date
        revision.meeting = meeting
        revision.save(update_fields=["adopted_on", "meeting"])
        record(
            actor=acting_user,
            action=AuditAction.CONVENTION_ADOPT,
            target=convention,
            region=convention.community,
            new={"revision": revision.number, "meeting": meeting.pk},
            request=request,
        )
    return revision


def for_board(compound, building=None) -> ConventionRevision | None:
    """The text in force for a board: the building's own, else the compound's."""
    rows = Convention.objects.filter(compound=compound)
    if building is not None:
        own = rows.filter(building=building).first()
        if own is not None and own.in_force():
            return own.in_force()
    whole = rows.filter(building__isnull=True).first()
    return whole.in_force() if whole else None
