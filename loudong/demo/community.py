"""The 长春 demo's 三长 mechanisms in mid-life (issue 14, community branch): 定期协商 meetings in
every grid of 社区 A (last month's approved, this month's held with decisions in progress — one
became an incident — next month's planned), work groups with owners and counts, 小区党支部 with
cross-appointed leaders (and some not, for the compliance view), 物业 and 业委会 with supervision
notes, last quarter's and this quarter's property ratings by the 三长, a 文明公约 adopted by a
residents' meeting, service projects with the 三长's input and an activity rating.

Everything goes through the actions, as the users who would do it; the 三长 without an account
answer questionnaires on paper, entered as answers of their person (``RatingAnswer``).
"""

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from loudong.accounts.models import User
from loudong.community import branches, conventions, meetings, property, ratings
from loudong.community.actions import register_group
from loudong.community.models import Meeting, PartyBranch, RatingAnswer, RatingRound
from loudong.roster.models import Appointment
from loudong.territory.actions import record_residents_meeting
from loudong.territory.models import Building, Region

PROPERTY_NAMES = ["长春宏泰物业服务有限公司", "吉林安居物业管理有限公司", "长春万科物业南湖分公司"]


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _month_start(day: dt.date, back: int = 0) -> dt.date:
    month = day.month - back
    year = day.year + (month - 1) // 12
    return dt.date(year, (month - 1) % 12 + 1, 1)


def build_community_life(regions: dict, *, seed: int, stdout) -> None:
    community = regions["A"]
    if Meeting.objects.filter(community=community).exists():
        stdout.write("  三长机制：已有记录，跳过")
        return
    rng = random.Random(seed + 14)
    today = timezone.localdate()
    worker = User.objects.get(username="shequ_a")
    head_user = User.objects.filter(username="wanggezhang").first()
    appointments = list(
        Appointment.objects.filter(community=community, status=Appointment.Status.ACTIVE)
        .select_related("person", "post", "person__user")
        .order_by("post__kind", "post__grid_code", "pk")
    )
    with transaction.atomic():
        n_meetings, n_decisions = _meetings(community, appointments, worker, head_user, today, rng)
        n_groups = _groups(community, appointments, worker, rng)
        n_branches = _branches(community, appointments, worker, today)
        n_notes = _property(community, appointments, worker, today, rng)
        _convention(community, worker, today)
        _voice(community, appointments, worker, today, rng)
    stdout.write(
        f"  协商会议 {n_meetings} 次（决定事项 {n_decisions} 项），工作群 {n_groups} 个，"
        f"小区党支部 {n_branches} 个，监督记录 {n_notes} 条，物业服务评价两期，文明公约、服务项目各若干"
    )


def _meetings(community, appointments, worker, head_user, today, rng):
    heads = [a for a in appointments if a.post.kind == "grid_head"]
    made = decided = 0
    for a in heads:
        user = a.person.user if a.person.user_id else worker
        code = a.post.grid_code
        owners = [
            x.person
            for x in meetings.grid_people(community, code, ("building_leader", "unit_leader"))
        ] or [a.person]
        # Last month: held, two decisions, minutes approved; one decision done.
        last = _month_start(today, 1) + dt.timedelta(days=9)
        m = meetings.convene_meeting(
            community=community,
            grid_code=code,
            title=f"{last:%-m}月网格协商会议",
            starts=_at(last, 19),
            place="小区党群服务站",
            agenda=["楼道堆物清理", "电动车飞线充电", "冬季供暖报修"],
            acting_user=user,
        )
        meetings.record_attendance(
            meeting=m,
            attendance={i.pk: rng.choice(["present"] * 5 + ["leave"]) for i in m.invitees.all()},
            acting_user=user,
        )
        done = meetings.add_decision(
            meeting=m,
            text="组织楼栋长清理楼道堆物",
            owner=owners[0],
            due=last + dt.timedelta(days=14),
            acting_user=user,
        )
        slow = meetings.add_decision(
            meeting=m,
            text="联系物业在车棚增设充电桩",
            owner=owners[-1],
            due=last + dt.timedelta(days=20),
            acting_user=user,
        )
        meetings.write_minutes(
            meeting=m,
            text="一、楼道堆物：各楼栋长本周内入户劝导，集中清理。\n二、电动车充电：请物业增设充电桩，"
            "禁止飞线充电。\n三、供暖报修：汇总后报社区协调热力公司。",
            acting_user=user,
        )
        meetings.approve_minutes(meeting=m, acting_user=user)
        meetings.update_decision(decision=done, progress=100, note="已清理完毕", acting_user=user)
        meetings.update_decision(
            decision=slow, progress=40, note="物业已选址，待报价", acting_user=user
        )
        # This month: held, decisions in progress, one became an incident.
        this = min(today, _month_start(today) + dt.timedelta(days=6))
        m2 = meetings.convene_meeting(
            community=community,
            grid_code=code,
            title=f"{this:%-m}月网格协商会议",
            starts=_at(this, 19),
            place="小区党群服务站",
            agenda=["冬季除雪安排", "独居老人走访"],
            acting_user=user,
        )
        meetings.record_attendance(
            meeting=m2, attendance={i.pk: "present" for i in m2.invitees.all()}, acting_user=user
        )
        d1 = meetings.add_decision(
            meeting=m2,
            text="组织志愿者分片除雪",
            owner=owners[0],
            due=this + dt.timedelta(days=25),
            acting_user=user,
        )
        d2 = meetings.add_decision(
            meeting=m2,
            text="2号楼单元门禁损坏，报物业维修",
            owner=owners[-1],
            due=this + dt.timedelta(days=10),
            acting_user=user,
        )
        leaders = meetings.grid_people(community, code, ("building_leader",))
        building = (
            Building.objects.filter(pk__in=[x.post.building_id for x in leaders]).first()
            or Building.objects.filter(community=community).first()
        )
        meetings.update_decision(decision=d1, progress=20, note="已排班", acting_user=user)
        if building is not None:
            meetings.decision_to_incident(
                decision=d2, category="property_facility", building=building, acting_user=user
            )
        # Next month: planned.
        meetings.convene_meeting(
            community=community,
            grid_code=code,
            title=f"{_month_start(today, -1):%-m}月网格协商会议",
            starts=_at(_month_start(today, -1) + dt.timedelta(days=7), 19),
            place="小区党群服务站",
            agenda=["春节前安全检查"],
            acting_user=user,
        )
        made += 3
        decided += 4
    return made, decided


def _groups(community, appointments, worker, rng):
    made = 0
    for a in appointments:
        post = a.post
        if post.kind == "grid_head":
            register_group(
                community=community,
                name=f"网格{post.grid_code[-2:]}楼栋长单元长群",
                level="grid",
                kind="wechat",
                grid_code=post.grid_code,
                owner=a.person.name,
                member_count=rng.randint(12, 30),
                acting_user=worker,
            )
            made += 1
        elif post.kind == "building_leader" and post.building_id and rng.random() < 0.7:
            register_group(
                community=community,
                name=f"{post.building}居民群"[:60],
                level="building",
                kind="wechat",
                building=post.building,
                owner=a.person.name,
                member_count=rng.randint(40, 180),
                acting_user=worker,
            )
            made += 1
    return made


def _branches(community, appointments, worker, today):
    compounds = list(Region.objects.filter(parent=community, level="compound").order_by("name"))
    made = 0
    leaders = [a.person for a in appointments if a.post.kind in branches.LEADER_KINDS]
    party = []
    for i, person in enumerate(leaders):
        if i % 4 == 0 and not person.is_party_member:
            person.is_party_member = True
            person.save(update_fields=["is_party_member"])
        if person.is_party_member and person not in party:
            party.append(person)
    for i, compound in enumerate(compounds[:3]):
        branch = branches.save_branch(
            community=community,
            name=f"{compound.name}党支部",
            compounds=[compound],
            founded=dt.date(2020, 7, 1),
            acting_user=worker,
        )
        made += 1
        members = party[i * 3 : i * 3 + 3]
        for j, person in enumerate(members):
            branches.set_member(
                branch=branch,
                person=person,
                role="secretary" if j == 0 else "committee" if j == 1 else "member",
                since=dt.date(2024, 1, 1),
                acting_user=worker,
            )
    if party:
        branches.set_party_seat(
            community=community,
            person=party[0],
            kind="part_time",
            since=dt.date(2025, 1, 1),
            acting_user=worker,
        )
    branch = PartyBranch.objects.filter(community=community).first()
    if branch is not None:
        m = meetings.convene_meeting(
            community=community,
            branch=branch,
            title="支部委员会议：研究小区冬季治理",
            starts=_at(_month_start(today) + dt.timedelta(days=2), 15),
            acting_user=worker,
        )
        meetings.record_attendance(
            meeting=m, attendance={i.pk: "present" for i in m.invitees.all()}, acting_user=worker
        )
    return made


def _property(community, appointments, worker, today, rng):
    compounds = list(Region.objects.filter(parent=community, level="compound").order_by("name"))
    bodies = []
    for i, compound in enumerate(compounds):
        bodies.append(
            property.save_body(
                compound=compound,
                kind="property",
                name=PROPERTY_NAMES[i % len(PROPERTY_NAMES)],
                contact="物业客服",
                phone=f"0431-8565{2000 + i:04d}",
                term_start=dt.date(2023, 1, 1),
                term_end=dt.date(2027, 12, 31),
                acting_user=worker,
            )
        )
        if i < 2:
            property.save_body(
                compound=compound,
                kind="owners",
                name=f"{compound.name}业主委员会",
                term_start=dt.date(2024, 6, 1),
                term_end=dt.date(2029, 5, 31),
                acting_user=worker,
            )
    notes = 0
    leader = next(
        (a for a in appointments if a.person.user_id and a.post.kind == "building_leader"), None
    )
    if leader is not None and leader.post.building_id:
        body = next((b for b in bodies if b.compound_id == leader.post.building.compound_id), None)
        if body is not None:
            property.file_note(
                body=body,
                date=today - dt.timedelta(days=12),
                checked="垃圾清运、楼道保洁",
                found="保洁按时，无问题",
                acting_user=leader.person.user,
                today=today,
            )
            property.file_note(
                body=body,
                date=today - dt.timedelta(days=3),
                checked="消防通道",
                found="消防通道被私家车占用，物业未劝离",
                problem=True,
                category="property_service",
                building=leader.post.building,
                acting_user=leader.person.user,
                today=today,
            )
            notes += 2
    for body in bodies[1:3]:
        property.file_note(
            body=body,
            date=today - dt.timedelta(days=rng.randint(5, 40)),
            checked="电梯年检、公共照明",
            found="2号楼电梯年检标志过期",
            acting_user=worker,
            today=today,
        )
        notes += 1
    # Property ratings: last quarter closed, this quarter open (answers on paper and on phones).
    raters = [
        a for a in appointments if a.post.kind in ("grid_head", "building_leader", "unit_leader")
    ]
    last_q = _month_start(today, 3)
    for day, close in ((last_q, True), (today, False)):
        round_ = ratings.open_round(
            community=community, kind=RatingRound.Kind.PROPERTY, today=day, acting_user=worker
        )
        if day != today:
            RatingRound.objects.filter(pk=round_.pk).update(opened=_at(day, 9))
        for a in raters[: 30 if close else 12]:
            compound_id = a.post.compound_id or (
                a.post.building.compound_id if a.post.building_id else None
            )
            if compound_id is None or (not close and a.person.user_id):
                continue
            RatingAnswer.objects.get_or_create(
                round=round_,
                person=a.person,
                compound_id=compound_id,
                defaults={
                    "post_kind": a.post.kind,
                    "answers": {
                        q["code"]: rng.choice(["good", "good", "fair", "poor"])
                        for q in round_.questions
                    },
                },
            )
        if close:
            ratings.close_round(round_=round_, acting_user=worker)
    return notes


def _convention(community, worker, today):
    compound = Region.objects.filter(parent=community, level="compound").order_by("name").first()
    if compound is None:
        return
    revision = conventions.draft(
        compound=compound,
        title="文明公约",
        text="一、爱党爱国，遵纪守法。\n二、邻里和睦，互帮互助。\n三、爱护环境，垃圾分类投放。\n"
        "四、不高空抛物，不占用消防通道。\n五、电动车不进楼道，不飞线充电。\n六、文明养犬，及时清理。",
        acting_user=worker,
    )
    meeting = record_residents_meeting(
        community=community,
        compound=compound,
        date=today - dt.timedelta(days=60),
        title=f"{compound.name}居民代表会议",
        households=120,
        attendance=86,
        questions=[("通过《文明公约》", 80, 2, 4)],
        acting_user=worker,
    )
    conventions.adopt(revision=revision, meeting=meeting, acting_user=worker)
    conventions.draft(
        compound=compound,
        title="文明公约",
        text=revision.text + "\n七、冬季及时清扫门前积雪。",
        acting_user=worker,
    )


def _voice(community, appointments, worker, today, rng):
    project = ratings.propose_project(
        community=community,
        title="老年助餐点",
        description="在小区党群服务站设老年助餐点，每日午餐，独居老人优先。",
        acting_user=worker,
    )
    ratings.propose_project(
        community=community,
        title="楼道照明改造",
        description="老旧楼栋楼道灯更换为声控节能灯。",
        acting_user=worker,
    )
    from loudong.community.models import ProjectInput

    for a in appointments[:8]:
        ProjectInput.objects.get_or_create(
            project=project,
            person=a.person,
            defaults={"supports": rng.random() < 0.8, "comment": ""},
        )
    ratings.decide_project(project=project, adopt=True, note="“三长”多数赞成", acting_user=worker)
    activity = ratings.save_activity(
        community=community,
        title="重阳节敬老活动",
        date=today - dt.timedelta(days=20),
        project=project,
        acting_user=worker,
    )
    round_ = ratings.open_round(
        community=community,
        kind=RatingRound.Kind.ACTIVITY,
        activity=activity,
        today=today,
        acting_user=worker,
    )
    for a in appointments[:10]:
        if a.person.user_id:
            continue
        RatingAnswer.objects.get_or_create(
            round=round_,
            person=a.person,
            compound=None,
            defaults={
                "post_kind": a.post.kind,
                "answers": {
                    q["code"]: rng.choice(["good", "good", "fair"]) for q in round_.questions
                },
            },
        )
