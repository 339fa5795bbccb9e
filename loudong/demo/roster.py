"""Demo step: posts, leaders, appointments and selections in mid-life.

Runs after the registry and grids steps. Per community with a division in force: grid posts
(``sync_grid_posts``); leaders drawn from registry residents (so all personal data is the
registry's valid fake data) for ~88 % of grids — some holding 2–3 grids (兼任, with reason and
consent), a few aged 66–68 appointed with a written override reason; leaders in post before the
integration (调查摸底) as legacy appointments ended by it; a few vacancies with selections at
different steps, exactly one in 公示 (starting today) and one sent back by an objection. The demo
user ``loudongzhang`` is linked to a leader holding grids in 社区 A. Deterministic for ``seed``;
bulk inserts, a few seconds for ~300 grids.
"""

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from loudong.accounts.audit import AuditAction, record
from loudong.accounts.models import User
from loudong.policy.profile import profile_for
from loudong.policy.workdays import notice_end
from loudong.roster.actions.posts import sync_grid_posts
from loudong.roster.models import (
    Appointment,
    Objection,
    Person,
    Post,
    Selection,
    SelectionStep,
)
from loudong.territory.models import Region, Resident

INTEGRATION = dt.date(2021, 9, 8)  # seed 000 §四.2: "9 月 8 号前全面完成整合任务"
POOLS = [
    "party_member",
    "retired",
    "retired",
    "volunteer",
    "enterprise",
    "property",
    "civil_servant",
]
EDUCATION = ["junior", "senior", "senior", "college", "bachelor"]


def build_roster(regions: dict, *, seed: int, stdout) -> None:
    from loudong.grids.models import Division

    rng = random.Random(seed)
    actor = User.objects.filter(username="jiedao").first()
    if actor is None:
        stdout.write("  楼栋长队伍：缺少演示账号 jiedao，跳过")
        return
    subdistrict = regions["subdistrict"]
    communities = Region.objects.filter(parent=subdistrict, level=Region.Level.COMMUNITY)
    today = timezone.localdate()
    state = {"notice_done": False, "objection_done": False}
    for community in communities.order_by("code", "name"):
        if not Division.objects.in_force().filter(community=community).exists():
            stdout.write(f"  {community.name}：没有生效的网格划分，跳过楼栋长队伍")
            continue
        sync_grid_posts(community=community, acting_user=actor)
        if Appointment.objects.filter(community=community).exists():
            continue  # already built: idempotent
        with transaction.atomic():
            summary = _build_community(
                community, rng, today, actor, state, link_user=community == regions.get("A")
            )
            record(actor=actor, action=AuditAction.ROSTER_DEMO_BUILD, target=community, new=summary)
        stdout.write(
            f"  {community.name}：{summary['posts']} 个岗位，任命 {summary['staffed']} 个，"
            f"空缺 {summary['vacant']} 个，兼任 {summary['concurrent']} 个"
        )


def _residents(community, rng, today):
    """Residents aged 40–68 today, by id; a sample large enough for the community's posts."""
    rows = list(
        Resident.objects.filter(
            community=community,
            moved_out=False,
            birth_date__isnull=False,
            birth_date__lte=today.replace(year=today.year - 40),
            birth_date__gt=today.replace(year=today.year - 69),
        )
        .order_by("id")
        .values_list("id", "birth_date")
    )
    rng.shuffle(rows)
    return rows


def _build_community(community, rng, today, actor, state, link_user: bool) -> dict:
    posts = list(
        Post.objects.filter(community=community, active=True)
        .exclude(grid_code="")
        .order_by("grid_code")
    )
    rng.shuffle(posts)
    n_staffed = round(len(posts) * rng.uniform(0.85, 0.90))
    staffed, vacant = posts[:n_staffed], posts[n_staffed:]
    candidates = _residents(community, rng, today)
    old = [r for r in candidates if (today - r[1]).days // 365 >= 66][:3]
    young = [r for r in candidates if (today - r[1]).days // 365 <= 64]
    picks = old + young
    # About one grid in eight goes to a leader who already holds one (兼任, 2–3 grids).
    n_people = max(1, min(len(picks), round(len(staffed) * 0.86)))
    chosen = {rid for rid, _ in picks[: n_people + len(vacant) + 2]}
    residents = Resident.objects.filter(pk__in=chosen).order_by("id")
    persons = []
    for resident in residents:
        persons.append(
            Person(
                community=community,
                compound=resident.compound,
                resident=resident,
                name=resident.name,
                sex=resident.sex,
                birth_date=resident.birth_date,
                id_number=resident.id_number.reveal(),
                phone=resident.phone.reveal(),
                political_status=resident.political_status,
                is_party_member=resident.is_party_member,
                education=rng.choice(EDUCATION),
                pool=rng.choice(POOLS),
                consents_to_publish_phone=True,
                consent_changed_on=INTEGRATION,
            )
        )
    Person.objects.bulk_create(persons)
    persons = list(Person.objects.filter(community=community).order_by("id"))
    if not persons:
        return {"posts": len(posts), "staffed": 0, "vacant": len(posts), "concurrent": 0}
    rng.shuffle(persons)
    leaders = persons[: min(n_people, len(persons))]
    spare = persons[len(leaders) :]
    appointments, holdings = [], {}
    for i, post in enumerate(staffed):
        if i < len(leaders):
            person = leaders[i]
        else:  # a concurrent post for a leader holding fewer than 3
            person = rng.choice([p for p in leaders if holdings.get(p.pk, 0) < 3] or leaders)
        held = holdings.get(person.pk, 0)
        holdings[person.pk] = held + 1
        age = person.age_on(INTEGRATION) or 0
        appointments.append(
            Appointment(
                person=person,
                post=post,
                community=community,
                compound=post.compound,
                start=INTEGRATION,
                term_end=dt.date(2026, 9, 7),
                created_by=actor,
                is_concurrent=held > 0,
                concurrent_reason="该网格楼栋长配备难，本人自愿兼任" if held > 0 else "",
                concurrent_consent=held > 0,
                override_reason=(
                    "居民一致推选，身体健康，街道党工委同意"
                    if (person.age_on(today) or 0) > 65
                    else ""
                ),
            )
        )
        del age
    # 调查摸底: about a third of the grids had a leader before the integration, now replaced.
    for post in rng.sample(posts, k=len(posts) // 3):
        if not spare:
            break
        appointments.append(
            Appointment(
                person=spare[0] if len(spare) == 1 else rng.choice(spare),
                post=post,
                community=community,
                compound=post.compound,
                start=dt.date(2017, 3, 1),
                is_legacy=True,
                status=Appointment.Status.ENDED,
                end=INTEGRATION,
                end_reason=Appointment.EndReason.ADJUSTMENT,
                end_note="优化整合",
                created_by=actor,
            )
        )
    pinned = profile_for(community, on=INTEGRATION)
    for appointment in appointments:  # bulk_create skips save(), which pins the profile
        appointment.profile_name, appointment.profile_version = pinned.name, pinned.version
    Appointment.objects.bulk_create(appointments)
    _selections(community, vacant, spare or leaders, rng, today, actor, state)
    if link_user:
        _link_demo_leader(holdings, persons)
    return {
        "posts": len(posts),
        "staffed": len(staffed),
        "vacant": len(vacant),
        "concurrent": sum(1 for a in appointments if a.is_concurrent),
    }


def _selections(community, vacant, people, rng, today, actor, state):
    """Vacancies with cases at different steps; one in 公示 from today, one objected to."""
    profile = profile_for(community, on=today)
    steps = list(profile.selection.steps)
    if not steps:
        return
    for i, post in enumerate(vacant[: len(steps)]):
        status = steps[min(i, len(steps) - 1)]
        if status == "public_notice" and state["notice_done"]:
            status = "subdistrict_approval"
        objected = status == "party_review" and not state["objection_done"]
        person = people[i % len(people)]
        fields = {}
        if status == "public_notice":
            end, warnings = notice_end(today, profile.notice_working_days)
            fields = {"notice_start": today, "notice_end": end, "notice_warnings": warnings}
            state["notice_done"] = True
        selection = Selection.objects.create(
            post=post,
            candidate=person,
            community=community,
            compound=post.compound,
            channel="self",
            status=status,
            profile_name=profile.name,
            profile_version=profile.version,
            created_by=actor,
            **fields,
        )
        path = steps[: steps.index(status) + 1]
        rows = [
            SelectionStep(
                selection=selection,
                from_status=a,
                to_status=b,
                actor=actor,
                outcome="同意" if a else "发起",
            )
            for a, b in zip(["", *path[:-1]], path, strict=True)
        ]
        if objected:
            rows += [
                SelectionStep(
                    selection=selection,
                    from_status="party_review",
                    to_status="subdistrict_approval",
                    actor=actor,
                    outcome="同意",
                ),
                SelectionStep(
                    selection=selection,
                    from_status="subdistrict_approval",
                    to_status="public_notice",
                    actor=actor,
                    outcome="同意",
                ),
                SelectionStep(
                    selection=selection,
                    from_status="public_notice",
                    to_status="party_review",
                    actor=actor,
                    outcome="公示期间有异议，退回审查",
                    notes="有居民反映候选人长期不在本小区居住",
                ),
            ]
            Objection.objects.create(
                selection=selection,
                raised_by="本楼居民",
                text="有居民反映候选人长期不在本小区居住",
                recorded_by=actor,
            )
            state["objection_done"] = True
        SelectionStep.objects.bulk_create(rows)


def _link_demo_leader(holdings, persons):
    user = User.objects.filter(username="loudongzhang").first()
    if user is None or Person.objects.filter(user=user).exists():
        return
    by_id = {p.pk: p for p in persons}
    best = max(holdings, key=lambda pk: (holdings[pk], -pk), default=None)
    if best is not None:
        person = by_id[best]
        person.user = user
        person.save(update_fields=["user"])
