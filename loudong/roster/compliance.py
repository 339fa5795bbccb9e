"""Compliance checks over a scope: the lists on ``/roster/compliance/``.

- 党小组长 not holding a 楼栋长 post (seed 000 §三.2: "党小组长须兼任楼栋长");
- leaders past the age rule (seed 000 §三.2: "年龄原则上不超过 65 周岁");
- grids without a leader (宁缺毋滥: listed, never hidden) and closed grids needing attention;
- leaders without a signed agreement (Attachment 1) or without accident insurance.
"""

from django.utils import timezone

from loudong.policy.profile import profile_for
from loudong.roster import hooks
from loudong.roster.models import Appointment, Person, Post


def report(user, today=None) -> dict:
    today = today or timezone.localdate()
    profile = profile_for(_home_region(user), on=today)
    active = list(
        Appointment.objects.visible_to(user)
        .filter(status="active")
        .select_related("person", "post", "community")
        .order_by("community_id", "id")
    )
    leader_ids = {a.person_id for a in active if a.post.kind == Post.Kind.BUILDING_LEADER}
    group_leaders = []
    if profile.eligibility.party_group_leader_must_be_leader:
        group_leaders = [
            p
            for p in Person.objects.visible_to(user)
            .filter(is_party_group_leader=True)
            .select_related("community")
            if p.pk not in leader_ids
        ]
    over_age = []
    max_age = profile.eligibility.max_age
    if max_age:
        over_age = [
            a
            for a in active
            if a.post.kind != Post.Kind.ATTACHMENT and (a.person.age_on(today) or 0) > max_age
        ]
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
    leaders = [a for a in active if a.post.kind != Post.Kind.ATTACHMENT]
    signed = hooks.signed_agreements([a.pk for a in leaders])
    insured = hooks.insured_persons({a.person_id for a in leaders}, today)
    unsigned = [a for a in leaders if a.pk not in signed] if profile.documents.has_agreement else []
    uninsured = (
        [a for a in leaders if a.person_id not in insured] if profile.insurance.accident else []
    )
    expired = [a for a in leaders if a.term_expired(today)]
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
        "expired": expired,
        "max_age": max_age,
        "profile": profile,
    }


def _home_region(user):
    """The first region of the user's roles: whose profile the page applies."""
    roles = [a for a in user.active_roles() if a.region_id]
    return roles[0].region if roles else None
