"""小区党支部 and 交叉任职 (seed 004 §一.3).

"注重将党员网格长、楼栋长、单元长推选为小区党支部委员，特别优秀的吸纳为社区党组织委员或兼职委员，
积极参与社区党组织、小区党支部会议，研究小区楼栋等基层治理工作." A branch serves one compound or
several; its members hold a role (书记, 副书记, 委员, 党员). A leader's seat on the community party
organisation is a :class:`PartyOrgSeat`. Whether party-member leaders must be cross-appointed is
the profile's ``eligibility.cross_appoint_party_branch``; the compliance view lists those who are
not. The branch's committee acts for the 小区党支部 level of the incident ladder
(``fieldwork.hooks.party_branch_members``).
"""

import datetime as dt

from django.db import transaction
from django.db.models import Q

from loudong.accounts.audit import AuditAction, record
from loudong.community.access import require_edit
from loudong.community.models import BranchMember, PartyBranch, PartyOrgSeat
from loudong.fieldwork.actions.common import Refused
from loudong.policy.profile import profile_for

LEADER_KINDS = ("grid_head", "building_leader", "unit_leader")


def save_branch(
    *, community, name: str, compounds, founded: dt.date | None, acting_user, request=None
) -> PartyBranch:
    require_edit(acting_user, community)
    name = (name or "").strip()
    if not name or len(name) > 60 or "\x00" in name:
        raise Refused("党支部名称：请填写，不超过 60 个字")
    compounds = list(compounds)
    if not compounds:
        raise Refused("所辖小区：至少选择一个小区")
    if any(c.parent_id != community.pk for c in compounds):
        raise Refused("所辖小区：只能选择本社区的小区")
    with transaction.atomic():
        taken = PartyBranch.objects.filter(active=True, compounds__in=compounds).distinct()
        if taken.exists():
            raise Refused(f"所辖小区：已由“{taken.first().name}”负责")
        branch = PartyBranch.objects.create(community=community, name=name, founded=founded)
        branch.compounds.set(compounds)
        record(
            actor=acting_user,
            action=AuditAction.BRANCH_SAVE,
            target=branch,
            region=community,
            new={"name": name, "compounds": [c.pk for c in compounds]},
            request=request,
        )
    return branch


def set_member(
    *, branch, person, role: str, since: dt.date, acting_user, request=None
) -> BranchMember:
    """Record a person's role in the branch (a new role ends the previous one the same day)."""
    require_edit(acting_user, branch.community)
    if role not in BranchMember.Role.values:
        raise Refused("职务：请从列表中选择")
    if person.community_id != branch.community_id:
        raise Refused("人员：不是本社区的人员")
    if role != "member" and not person.is_party_member:
        raise Refused(f"{person.name}：不是党员，不能担任支部{BranchMember.Role(role).label}")
    with transaction.atomic():
        PartyBranch.objects.select_for_update().get(pk=branch.pk)
        current = branch.members.filter(person=person, until__isnull=True).first()
        old = None
        if current is not None:
            if current.role == role:
                raise Refused(f"{person.name}：已是本支部{current.get_role_display()}")
            old = {"role": current.role}
            current.until = since
            current.save(update_fields=["until"])
        if (
            role == "secretary"
            and branch.members.filter(role="secretary", until__isnull=True)
            .exclude(person=person)
            .exists()
        ):
            raise Refused("书记：本支部已有书记，请先调整现任书记")
        member = BranchMember.objects.create(branch=branch, person=person, role=role, since=since)
        record(
            actor=acting_user,
            action=AuditAction.BRANCH_MEMBER,
            target=member,
            region=branch.community,
            old=old,
            new={"person": person.pk, "role": role, "since": since.isoformat()},
            request=request,
        )
    return member


def end_member(*, member, until: dt.date, acting_user, request=None) -> BranchMember:
    require_edit(acting_user, member.branch.community)
    with transaction.atomic():
        member = BranchMember.objects.select_for_update().get(pk=member.pk)
        if member.until is not None:
            raise Refused("该成员已离任")
        if until < member.since:
            raise Refused("离任日期：不能早于任职日期")
        member.until = until
        member.save(update_fields=["until"])
        record(
            actor=acting_user,
            action=AuditAction.BRANCH_MEMBER,
            target=member,
            region=member.branch.community,
            old={"until": None},
            new={"until": until.isoformat()},
            request=request,
        )
    return member


def set_party_seat(
    *, community, person, kind: str, since: dt.date, acting_user, request=None
) -> PartyOrgSeat:
    require_edit(acting_user, community)
    if kind not in PartyOrgSeat.Kind.values:
        raise Refused("职务：请从列表中选择")
    if person.community_id != community.pk:
        raise Refused("人员：不是本社区的人员")
    if not person.is_party_member:
        raise Refused(f"{person.name}：不是党员，不能担任{PartyOrgSeat.Kind(kind).label}")
    with transaction.atomic():
        if PartyOrgSeat.objects.filter(
            community=community, person=person, until__isnull=True
        ).exists():
            raise Refused(f"{person.name}：已在社区党组织任职")
        seat = PartyOrgSeat.objects.create(
            community=community, person=person, kind=kind, since=since
        )
        record(
            actor=acting_user,
            action=AuditAction.PARTY_SEAT,
            target=seat,
            region=community,
            new={"person": person.pk, "kind": kind},
            request=request,
        )
    return seat


def cross_appointment(community, today: dt.date) -> dict:
    """Party-member leaders in post and their 交叉任职; ``missing`` those with none, when the
    profile asks for it (``eligibility.cross_appoint_party_branch``)."""
    from loudong.roster.models import Appointment

    required = profile_for(community, on=today).eligibility.cross_appoint_party_branch
    appointments = (
        Appointment.objects.filter(
            community=community,
            status=Appointment.Status.ACTIVE,
            post__kind__in=LEADER_KINDS,
            person__is_party_member=True,
        )
        .select_related("person", "post")
        .order_by("person__name", "post__kind")
    )
    people: dict = {}
    for a in appointments:
        people.setdefault(a.person_id, {"person": a.person, "posts": [], "seats": []})
        people[a.person_id]["posts"].append(a.post)
    for m in BranchMember.objects.filter(
        person_id__in=people, until__isnull=True, role__in=BranchMember.COMMITTEE_ROLES
    ).select_related("branch"):
        people[m.person_id]["seats"].append(f"{m.branch.name}{m.get_role_display()}")
    for s in PartyOrgSeat.objects.filter(person_id__in=people, until__isnull=True):
        people[s.person_id]["seats"].append(s.get_kind_display())
    rows = list(people.values())
    return {
        "required": required,
        "rows": rows,
        "missing": [r for r in rows if not r["seats"]] if required else [],
    }


def branch_member_users(place) -> set[int]:
    """Provider of ``fieldwork.hooks.party_branch_members``: the accounts of the committee of the
    branch serving the compound of an incident or a ladder ``Place`` (书记, 副书记, 委员)."""
    from loudong.territory.models import Building

    compound_id = getattr(place, "compound_id", None)
    if compound_id is None and place.building_id:
        compound_id = (
            Building.objects.filter(pk=place.building_id)
            .values_list("compound_id", flat=True)
            .first()
        )
    if not compound_id:
        return set()
    return set(
        BranchMember.objects.filter(
            Q(branch__compounds=compound_id),
            branch__active=True,
            until__isnull=True,
            role__in=BranchMember.COMMITTEE_ROLES,
            person__user__isnull=False,
            person__user__is_active=True,
        ).values_list("person__user_id", flat=True)
    )
