"""Demo step: three months of field work in mid-life.

Runs after the roster (and documents) steps. For every leader in post: visits over the last
three months with uneven coverage (some leaders cover nearly all their households, a few fall
behind), service records under the profile's duties, 服务记录表 submitted for most leaders and
months (some reviewed, some missing); a few percent of households 重点关注. Incidents at every
state — waiting, accepted, in progress, transferred, returned, extension asked, supervised,
escalated by the sweep and overdue at the top, resolved awaiting a rating, rated and closed,
reopened after 不满意, merged — including residents' reports through the notice-board QR
channel. The demo 楼栋长 (``loudongzhang``) has real households, visits, records, a table
submitted and reviewed, and incidents waiting for him.

Bulk inserts for the records; incidents go through the real actions (with ``now`` set in the
past), so their histories, clocks and notices are what the app itself would have written.
"""

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from loudong.accounts.models import RoleAssignment, User
from loudong.accounts.roles import Role
from loudong.fieldwork import stats
from loudong.fieldwork.actions import incidents as incident_actions
from loudong.fieldwork.actions.reports import generate, month_end
from loudong.fieldwork.ladder import grid_code_for
from loudong.fieldwork.models import (
    ChangeRequest,
    Incident,
    MonthlyReport,
    ServiceRecord,
    Visit,
    VisitHousehold,
    month_start,
)
from loudong.lib.protected import Protected
from loudong.policy.profile import LEADER_LEVELS, profile_for
from loudong.roster.models import Appointment
from loudong.territory.models import Household, Region

DAYS = 92
REASONS = ["独居老人", "空巢老人", "残疾人", "低保户", "高龄老人", "重病患者家庭"]
NOTES = [
    "了解家庭基本情况，无特殊需求",
    "老人反映腿脚不便，希望社区提供助餐服务",
    "住户反映楼道灯不亮",
    "宣传防诈骗知识，发放宣传单",
    "了解到家中新添一名婴儿",
    "提醒冬季用电用气安全",
    "住户对物业服务有意见，已记录",
    "",
]
SERVICE = {
    "publicity": ["宣传防范电信诈骗知识", "宣传燃气安全使用常识", "宣传垃圾分类"],
    "information": ["核实楼栋住户家庭成员情况", "登记新迁入住户信息"],
    "mediation": ["调解楼上楼下漏水纠纷", "调解邻里停车纠纷"],
    "civility": ["组织楼道卫生大扫除", "参与文明城市创建志愿服务"],
    "service": ["为独居老人代购药品", "帮助住户联系维修电动车棚", "协助办理老年证"],
    "supervision": ["跟踪物业电梯维修进度", "向业委会反映公共收益公开问题"],
}
INCIDENTS = [
    ("safety_ebike", "楼道内有电动车飞线充电"),
    ("safety_fire", "消防通道被杂物堵塞"),
    ("safety_gas", "住户反映楼道有燃气味"),
    ("safety_falling", "阳台花盆放在外侧，有高空坠物风险"),
    ("environment_garbage", "垃圾桶满溢未及时清运"),
    ("environment_noise", "夜间装修噪声扰民"),
    ("property_facility", "单元门禁损坏"),
    ("property_service", "电梯多次故障，物业维修不及时"),
    ("dispute_neighbour", "楼上楼下漏水引发纠纷"),
    ("dispute_property", "住户与物业就停车费发生争执"),
    ("request_help", "独居老人需要上门帮助"),
    ("request_suggestion", "建议在小区增设休息座椅"),
    ("epidemic_disaster", "雨后地下车库积水"),
    ("opinion_online", "业主群里流传停水的不实消息"),
]


def build_fieldwork(regions: dict, *, seed: int, stdout) -> None:
    if Visit.objects.exists() or Incident.objects.exists():
        stdout.write("  日常工作：已有记录，跳过")
        return
    rng = random.Random(seed)
    today = timezone.localdate()
    subdistrict = regions["subdistrict"]
    communities = list(
        Region.objects.filter(parent=subdistrict, level=Region.Level.COMMUNITY).order_by(
            "code", "name"
        )
    )
    clerk = {c.pk: _worker(c) for c in communities}
    jiedao = User.objects.filter(username="jiedao").first()
    totals = {"visits": 0, "households": 0, "services": 0, "reports": 0}
    for community in communities:
        with transaction.atomic():
            _attention(community, rng)
            counts = _records(community, rng, today, clerk[community.pk] or jiedao)
        for key in totals:
            totals[key] += counts[key]
    stats.rebuild_visit_months()  # the visits were bulk-created: the dashboards' masks
    stdout.write(
        f"  走访 {totals['visits']} 次（{totals['households']} 户次），服务记录 {totals['services']} 条，"
        f"服务记录表 {totals['reports']} 份"
    )
    made = 0
    for community in communities[:2]:
        made += _incidents(community, rng, today, full=True)
    for community in communities[2:]:
        made += _incidents(community, rng, today, full=False)
    result = incident_actions.escalate_overdue(now=timezone.now())
    stdout.write(f"  事件 {made} 件（各种状态），巡检：{result.line()}")
    _groups(communities[:2])


def _worker(community):
    assignment = (
        RoleAssignment.objects.filter(role=Role.COMMUNITY_WORKER, region=community, active=True)
        .select_related("user")
        .order_by("id")
        .first()
    )
    return assignment.user if assignment else None


def _attention(community, rng):
    """A few percent of households 重点关注, with a sealed reason."""
    ids = list(
        Household.objects.filter(community=community, occupied=True).values_list("pk", flat=True)
    )
    chosen = rng.sample(ids, k=max(1, len(ids) * 3 // 100)) if ids else []
    rows = list(Household.objects.filter(pk__in=chosen))
    for row in rows:
        row.needs_attention = True
        row.attention_reason = Protected.seal("text", rng.choice(REASONS))
    Household.objects.bulk_update(rows, ["needs_attention", "attention_reason"], batch_size=500)


def _records(community, rng, today, clerk):
    """Visits, service records and 服务记录表 of every leader in post in the community."""
    appointments = list(
        Appointment.objects.filter(
            community=community, status="active", is_legacy=False, post__kind__in=LEADER_LEVELS
        )
        .select_related("person__user", "post")
        .order_by("pk")
    )
    profile = profile_for(community, on=today)
    duties = [d.code for d in profile.duties]
    labels = {d.code: d.label for d in profile.duties}
    visits, visited, services = [], [], []
    start = today - dt.timedelta(days=DAYS)
    codes = {}
    for appointment in appointments:
        person, post = appointment.person, appointment.post
        demo = person.user is not None and person.user.username == "loudongzhang"
        recorder = person.user or clerk
        homes = list(post.households().values_list("pk", "unit_id", "floor", "compound_id"))
        if not homes:
            continue
        # Uneven coverage: most leaders are diligent, some fall behind.
        share = 0.85 if demo else rng.choice([0.95, 0.9, 0.8, 0.7, 0.6, 0.45, 0.25])
        seen = rng.sample(homes, k=max(1, round(len(homes) * share)))
        rng.shuffle(seen)
        while seen:
            k = rng.randint(1, 6)
            batch, seen = seen[:k], seen[k:]
            day = start + dt.timedelta(days=rng.randint(0, DAYS - 1))
            visit = Visit(
                community=community,
                compound_id=batch[0][3],
                person=person,
                recorded_by=recorder,
                date=day,
                notes=rng.choice(NOTES),
                companions=rng.choice(["", "", "社区网格员"]),
                duration_minutes=rng.choice([None, 30, 45, 60]),
            )
            visits.append((visit, batch))
        for _ in range(rng.randint(3 if demo else 1, 8 if demo else 6)):
            code = rng.choice(duties)
            services.append(
                ServiceRecord(
                    community=community,
                    compound_id=post.compound_id,
                    person=person,
                    post=post,
                    recorded_by=recorder,
                    date=start + dt.timedelta(days=rng.randint(0, DAYS - 1)),
                    category=code,
                    category_label=labels[code],
                    content=rng.choice(SERVICE.get(code, SERVICE["service"])),
                    people_served=rng.randint(1, 30),
                )
            )
        for _pk, unit, floor, _compound in homes:
            key = (unit, floor)
            if key not in codes:
                codes[key] = grid_code_for(unit, floor)
    Visit.objects.bulk_create([v for v, _ in visits], batch_size=1000)
    post_of = {a.person_id: a.post for a in appointments}
    for visit, batch in visits:
        for pk, unit, floor, _compound in batch:
            visited.append(
                VisitHousehold(
                    visit=visit,
                    household_id=pk,
                    community=community,
                    post=post_of.get(visit.person_id),
                    person_id=visit.person_id,
                    date=visit.date,
                    grid_code=codes[(unit, floor)],
                )
            )
    VisitHousehold.objects.bulk_create(visited, batch_size=2000, ignore_conflicts=True)
    ServiceRecord.objects.bulk_create(services, batch_size=1000)
    if visits and clerk:
        first_visit, batch = visits[0]
        ChangeRequest.objects.create(
            community=community,
            compound_id=batch[0][3],
            household_id=batch[0][0],
            visit=first_visit,
            text="新迁入一户，户主电话已变更，请更新台账",
            requested_by=first_visit.recorded_by,
        )
    reports = _reports(community, appointments, rng, today, clerk)
    return {
        "visits": len(visits),
        "households": len(visited),
        "services": len(services),
        "reports": reports,
    }


def _reports(community, appointments, rng, today, clerk):
    """The last two months' 服务记录表: most submitted, some reviewed, some missing."""
    this = month_start(today)
    months = [month_start(this - dt.timedelta(days=1))]
    months.insert(0, month_start(months[0] - dt.timedelta(days=1)))
    persons = {a.person_id: a.person for a in appointments}
    rows = []
    for person in persons.values():
        demo = person.user is not None and person.user.username == "loudongzhang"
        for month in months:
            if not demo and rng.random() < 0.22:
                continue  # not submitted: listed as 未报送
            submitted = timezone.make_aware(
                dt.datetime.combine(
                    month_end(month) + dt.timedelta(days=rng.randint(1, 4)), dt.time(10)
                )
            )
            reviewed = demo or rng.random() < 0.5
            rows.append(
                MonthlyReport(
                    community=community,
                    person=person,
                    month=month,
                    content=generate(person, month, today=today),
                    remarks=rng.choice(["", "", "本月无重大情况", "楼内有独居老人需社区关注"]),
                    submitted_at=submitted,
                    submitted_by=person.user or clerk,
                    status=MonthlyReport.Status.REVIEWED
                    if reviewed and clerk
                    else MonthlyReport.Status.SUBMITTED,
                    reviewed_by=clerk if reviewed and clerk else None,
                    reviewed_at=submitted + dt.timedelta(days=2) if reviewed and clerk else None,
                    review_comment="已阅，工作扎实，请继续加强对重点关注户的走访"
                    if reviewed and clerk
                    else "",
                )
            )
    MonthlyReport.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def _at(days_ago: float, hour: int = 9) -> dt.datetime:
    day = timezone.localdate() - dt.timedelta(days=int(days_ago))
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _incidents(community, rng, today, *, full: bool) -> int:
    """Incidents at every state, through the real actions with past times."""
    from loudong.documents.actions import board_token

    worker = _worker(community)
    jiedao = User.objects.filter(username="jiedao").first()
    body = worker or jiedao
    demo_leader = User.objects.filter(username="loudongzhang", person__community=community).first()
    buildings = list(
        Household.objects.filter(community=community, occupied=True)
        .values_list("building_id", flat=True)
        .distinct()
        .order_by("building_id")[:400]
    )
    if not buildings or body is None:
        return 0
    from loudong.territory.models import Building

    pool = list(Building.objects.filter(pk__in=buildings).select_related("compound", "community"))
    made = 0

    def report(user, days_ago, **fields):
        nonlocal made
        category, text = rng.choice(INCIDENTS)
        fields.setdefault("category", category)
        fields.setdefault("description", text)
        fields.setdefault("severity", "normal")
        if "building" not in fields and "household" not in fields:
            fields["building"] = rng.choice(pool)
        if user is None:
            board = board_token(
                kind="building", compound=fields["building"].compound, building=fields["building"]
            )
            fields["resident_board"] = board
            fields["reporter_phone"] = rng.choice(["", "13955661234", "13855669876"])
        else:
            fields.setdefault("community", community)
        made += 1
        return incident_actions.report_incident(
            acting_user=user, now=_at(days_ago), **fields
        ).incident

    def move(incident, name, user, days_ago, **fields):
        return incident_actions.move_incident(
            incident=incident, move=name, acting_user=user, now=_at(days_ago, 15), **fields
        )

    if not full or worker is None:
        # No worker account in the demo here: residents' reports; the old ones were escalated by
        # the sweep to the 街道, which handles one of them.
        report(None, 0)
        old = report(None, 14)
        incident_actions.escalate_overdue(now=_at(9))
        old.refresh_from_db()
        if jiedao and old.level == "subdistrict":
            move(old, "accept", jiedao, 8)
            move(old, "resolve", jiedao, 6, resolution="街道已协调相关部门处理完毕")
        return made
    for _ in range(3):
        # Waiting at the community (new), accepted, in progress, transferred.
        report(body, rng.randint(0, 1))
        i = report(body, 2)
        move(i, "accept", body, 2)
        i = report(body, 3)
        move(i, "accept", body, 3)
        move(i, "reply", body, 2, text="已联系物业，正在处理。")
        i = report(body, 4, category="property_facility", description="小区路灯成片不亮")
        move(i, "accept", body, 4)
        move(i, "transfer", body, 3, department="供电所", reason="线路故障需供电部门处理")
        # A resident's report, resolved and awaiting the resident's rating.
        i = report(None, 6)
        if i.level == "community":
            move(i, "accept", body, 5)
            move(i, "resolve", body, 2, resolution="已安排清理，问题已解决")
        # Rated and closed after a call-back (回访).
        i = report(body, 20, reporter_phone="13912348765", on_behalf=True)
        move(i, "accept", body, 19)
        move(i, "resolve", body, 17, resolution="已上门调解，双方达成一致")
        move(i, "rate", body, 16, grade=rng.choice(["satisfied", "basic"]), comment="回访满意")
        # Reopened after 不满意 (again at the same level).
        i = report(body, 4, reporter_phone="13912341111", on_behalf=True)
        move(i, "resolve", body, 2, resolution="已通知物业")
        move(i, "rate", body, 1, grade="unsatisfied", comment="问题仍在")
        # Escalated to the subdistrict, with an extension asked there from below first.
        i = report(body, 9)
        move(i, "accept", body, 9)
        move(i, "extend", body, 8, days=2, reason="需等待维修材料到货")
        if jiedao:
            move(i, "approve_extension", jiedao, 7, reason="同意延期")
        i = report(body, 1)
        move(i, "accept", body, 1)
        move(i, "extend", body, 0, days=3, reason="需协调产权单位")  # awaiting approval
        i = report(body, 5)
        move(i, "accept", body, 5)
        move(i, "escalate", body, 4, reason="涉及多个部门，请街道协调")
        i = report(body, 6, category="property_service", description="小区监控长期损坏")
        move(i, "accept", body, 6)
        if jiedao:
            move(i, "supervise", jiedao, 1, reason="请本周内办结")
        # Overdue: reported long ago; the sweep moved it to the top, where it is overdue still.
        report(body, 16, category="safety_structure", description="外墙瓷砖松动")
        incident_actions.escalate_overdue(now=_at(11))
        # A duplicate merged into an open one.
        a = report(body, 3, category="environment_garbage", description="垃圾站周边异味")
        b = report(
            body,
            2,
            category="environment_garbage",
            description="垃圾站附近有异味",
            building=a.building,
        )
        move(b, "merge", body, 2, into=a.pk, reason="同一问题")
        # Closed on the spot by the community.
        i = report(body, 25)
        move(i, "close", body, 24, resolution="经核实已由物业处理完毕")
    if demo_leader is not None:
        _demo_leader(demo_leader, body, rng, report, move)
    return made


def _moves(user, incident):
    from loudong.fieldwork.access import allowed_moves

    return allowed_moves(user, incident)


def _demo_leader(user, body, rng, report, move):
    """loudongzhang: reports of his own, one solved on the spot, residents' reports waiting for
    him, one he passed up, one he rated."""
    from loudong.fieldwork.access import leader_area
    from loudong.territory.models import Building

    area = leader_area(user)
    if not area:
        return
    from loudong.grids.models import GridPiece

    ids = set(
        GridPiece.objects.filter(
            grid__code__in=area.grid_codes, grid__division__status="frozen"
        ).values_list("building_id", flat=True)
    )
    mine = list(Building.objects.filter(pk__in=ids).select_related("compound", "community"))
    if not mine:
        return
    report(
        user,
        30,
        then="solve",
        resolution="已当场劝导住户移走电动车",
        building=mine[0],
        category="safety_ebike",
        description="楼道内停放电动车",
    )
    up = report(user, 8, building=mine[0], category="property_service", description="电梯停运两天")
    move(up, "accept", body, 8)
    move(up, "resolve", body, 5, resolution="已督促物业修复电梯")
    move(up, "rate", user, 4, grade="satisfied", comment="电梯已恢复")
    report(user, 1, building=mine[-1], category="safety_fire", description="消防栓箱门损坏")
    for days in (0, 1):
        report(None, days, building=rng.choice(mine))
    waiting = report(
        None, 2, building=mine[0], category="environment_noise", description="楼下商铺夜间噪声"
    )
    move(waiting, "accept", user, 1)
    # Entered by the community from a phone call and handed down to him to solve.
    from loudong.fieldwork.access import leader_households

    home = leader_households(user).select_related("unit", "building").order_by("pk").first()
    down = report(
        body,
        1,
        household=home,
        category="dispute_neighbour",
        description="邻里因晾晒衣物发生口角",
        reporter_phone="13955660000",
        on_behalf=True,
    )
    move(down, "return", body, 0, reason="请楼栋长先上门了解情况，就地化解")


def _groups(communities):
    from loudong.community.models import ChatGroup

    for community in communities:
        ChatGroup.objects.get_or_create(
            community=community,
            level=ChatGroup.Level.COMMUNITY,
            name=f"{community.name}网格长工作群",
            defaults={"kind": ChatGroup.Kind.WECHAT},
        )
