"""Compliance checks over a scope: the lists on ``/roster/compliance/``.

- 党小组长 not holding a 楼栋长 post (seed 000 §三.2: "党小组长须兼任楼栋长");
- leaders past the age rule (seed 000 §三.2: "年龄原则上不超过 65 周岁");
- grids without a leader (宁缺毋滥: listed, never hidden) and closed grids needing attention;
- leaders without a signed agreement (Attachment 1) or without accident insurance.
"""

from django.utils import timezone

from loudong.roster.models import Appointment, Person, Post
from loudong.roster.policy import current_profile


def signed_agreement_ids(appointment_ids) -> set[int]:
    """Hook: ids of appointments whose 协议书 is signed by both parties.

    Uses ``loudong.documents.models.Agreement`` (``appointment`` FK, ``status == "signed"``)
    once the documents app provides it; until then none is signed.
    """
    try:
        from loudong.documents.models import Agreement
    except ImportError:
        return set()
    try:
        return set(
            Agreement.objects.filter(
                appointment_id__in=list(appointment_ids), status="signed"
            ).values_list("appointment_id", flat=True)
        )
    except Exception:
        return set()


def insured_person_ids(person_ids) -> set[int]:
    """Hook: persons covered by accident insurance today (seed 000 附件1 §四.3:
    "甲方为乙方购买意外伤害商业保险"). No insurance app yet: none are."""
    try:
        from loudong.evaluation.models import InsurancePolicy  # type: ignore[import-not-found]
    except ImportError:
        return set()
    today = timezone.localdate()
    try:
        return set(
            InsurancePolicy.objects.filter(
                person_id__in=list(person_ids), start__lte=today, end__gte=today
            ).values_list("person_id", flat=True)
        )
    except Exception:
        return set()


def report(user) -> dict:
    profile = current_profile()
    today = timezone.localdate()
    active = list(
        Appointment.objects.visible_to(user)
        .filter(status="active")
        .select_related("person", "post", "community")
        .order_by("community_id", "id")
    )
    leader_ids = {a.person_id for a in active if a.post.kind == Post.Kind.BUILDING_LEADER}
    group_leaders = []
    if profile.party_group_leader_must_be_leader:
        group_leaders = [
            p
            for p in Person.objects.visible_to(user)
            .filter(is_party_group_leader=True)
            .select_related("community")
            if p.pk not in leader_ids
        ]
    over_age = []
    if profile.max_age:
        over_age = [a for a in active if (a.person.age_on(today) or 0) > profile.max_age]
    vacant = list(
        Post.objects.visible_to(user)
        .filter(active=True)
        .exclude(kind=Post.Kind.ATTACHMENT)
        .exclude(appointments__status="active")
        .select_related("community")
        .order_by("community_id", "grid_code", "title")
    )
    attention = list(
        Post.objects.visible_to(user).filter(needs_attention=True).select_related("community")
    )
    signed = signed_agreement_ids(a.pk for a in active)
    insured = insured_person_ids({a.person_id for a in active})
    unsigned = [a for a in active if a.pk not in signed]
    uninsured = [a for a in active if a.person_id not in insured]
    not_committee = [
        a for a in active if a.post.kind == Post.Kind.GRID_HEAD and not a.person.is_committee
    ]
    return {
        "group_leaders": group_leaders,
        "over_age": over_age,
        "vacant": vacant,
        "attention": attention,
        "unsigned": unsigned,
        "uninsured": uninsured,
        "not_committee": not_committee,
        "max_age": profile.max_age,
    }
