"""Demo step (长春 only): the rotating 单元长, training, supplies and outsider registration.

社区 A runs the 自愿轮值 pilot: three units rotate, in their third month — two months handed
over and confirmed in the 单元长 ``danyuanzhang``'s unit, last month's handover still waiting
for the incoming in another (a to-do); the current month's personal link is printed. Trainings
through the year (attended, one coming), a stock of 防护物资 issued to the 三长, and an outsider
registration in progress with records close to their purge. Everything goes through the real
actions with dates in the past, so histories and audit rows are what the app writes.
"""

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from loudong.community import outsiders, rotation, supplies, training
from loudong.community.models import SupplyItem
from loudong.demo.fieldwork import _worker
from loudong.roster.models import Appointment
from loudong.territory.models import Household, Resident, Unit

HANDOVERS = [
    "本月走访全部住户，{room}室老人反映楼道灯不亮，已报物业修好；单元门禁时好时坏，物业答应下月更换。",
    "本月组织单元卫生大扫除一次；{room}室与楼上漏水纠纷已调解，双方同意共同维修。",
    "本月宣传防诈骗知识、燃气安全；新迁入一户，已告知社区登记。电动车在楼道充电的问题请下任继续关注。",
]
TOPICS = [
    ("“三长”职责与工作方法", "社区党委书记"),
    ("矛盾纠纷排查与调解", "司法所所长"),
    ("疫情防控与防护物资使用", "社区卫生服务中心医生"),
    ("消防安全与隐患排查", "消防救援站教导员"),
]
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
    b"endobj 3 0 obj<</Type/Page/MediaBox[0 0 595 842]/Parent 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF"
)


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


class _Upload:
    """What ``training.add_material`` reads of an uploaded file."""

    def __init__(self, name, data):
        self.name, self.size, self._data = name, len(data), data

    def read(self):
        return self._data


def _names(unit) -> dict[int, str]:
    names = {}
    for household_id, name in (
        Resident.objects.filter(household__unit=unit, moved_out=False)
        .order_by("household_id", "-is_householder", "id")
        .values_list("household_id", "name")
    ):
        names.setdefault(household_id, name)
    return names


def _rotations(community, worker, today, rng, stdout) -> None:
    first = rotation.add_months(rotation.month_of(today), -2)
    rotation.switch_pilot(community=community, on=True, acting_user=worker, today=first)
    demo_unit = (
        Appointment.objects.filter(
            community=community,
            post__kind="unit_leader",
            person__user__username="danyuanzhang",
            status=Appointment.Status.ACTIVE,
        )
        .values_list("post__unit_id", flat=True)
        .first()
    )
    candidates = list(
        Unit.objects.filter(community=community).order_by(
            "building__compound_id", "building_id", "pk"
        )
    )
    units = [u for u in candidates if u.pk == demo_unit] + [
        u for u in candidates if u.pk != demo_unit
    ][:2]
    for n, unit in enumerate(units):
        households = list(
            Household.objects.filter(unit=unit, occupied=True).order_by("floor", "room")[:8]
        )
        if len(households) < 4:
            continue
        names = _names(unit)
        rota = rotation.start_rotation(unit=unit, acting_user=worker, today=first)
        members = [
            rotation.add_member(
                rotation=rota,
                household=h,
                duty_name=names.get(h.pk, f"{h.room}室住户"),
                acting_user=worker,
                today=first,
            )
            for h in households
        ]
        # Skip rules in action: one household declined, one is away next month.
        rotation.update_member(
            member=members[-1], status="declined", acting_user=worker, note="家中有病人，暂不参加"
        )
        away = rotation.add_months(rotation.month_of(today), 1)
        rotation.update_member(
            member=members[2],
            status="willing",
            away_from=away,
            away_until=away,
            acting_user=worker,
            note="下月外出探亲",
        )
        rotation.plan_months(rotation=rota, months=4, acting_user=worker, today=first)
        turns = list(rota.turns.order_by("month"))
        for i, turn in enumerate(turns[:2]):
            written = _at(turn.month_end - dt.timedelta(days=1), 19)
            handover = rotation.write_handover(
                turn=turn,
                text=HANDOVERS[(n + i) % len(HANDOVERS)].format(room=households[i].room),
                now=written,
            )
            # The last month's handover waits for the incoming in the third unit (a to-do).
            if i == 0 or n != 2:
                rotation.confirm_handover(
                    handover=handover,
                    by_turn=turns[i + 1],
                    note="已了解，继续跟进",
                    now=written + dt.timedelta(days=2),
                )
        rotation.sweep(now=_at(today, 7))
        if n == 0:
            key = rotation.issue_link(turn=turns[2], acting_user=worker)
            stdout.write(f"  {unit} 本月轮值单元长链接：{rotation.duty_url(key)}（本月底前有效）")
    stdout.write(
        f"  单元长轮值：{len(units)} 个单元，第 3 个月；"
        f"交接待确认 {rotation.awaiting_confirmation().filter(rotation__community=community, month__lt=rotation.month_of(today)).count()} 个"
    )


def _trainings(community, worker, today, rng, stdout) -> None:
    people = list(training.invitable(community, today))
    if not people:
        return
    linked = [p for p in people if p.user_id]
    # Three this year so far (within the year, however early it is), one coming.
    jan = dt.date(today.year, 1, 5)
    days = [max(jan, today - dt.timedelta(days=d)) for d in (200, 120, 45)]
    days.append(today + dt.timedelta(days=9))
    for (topic, trainer), day in zip(TOPICS, days, strict=True):
        share = rng.sample(people, int(len(people) * 0.7))
        invited = sorted(set(share + linked), key=lambda p: p.pk)
        session = training.create_session(
            community=community,
            date=day,
            topic=topic,
            trainer=trainer,
            place="社区党群服务中心二楼会议室",
            invitees=invited,
            acting_user=worker,
        )
        if day <= today:
            attended = [i.pk for i in session.invitees.all() if rng.random() < 0.75]
            training.record_attendance(
                session=session, attended_ids=attended, acting_user=worker, now=_at(day, 17)
            )
            training.add_material(
                session=session, upload=_Upload(f"{topic}.pdf", PDF), acting_user=worker
            )
    left = len(training.untrained(community, year=today.year, today=today))
    stdout.write(f"  业务培训：{len(TOPICS)} 次（1 次即将举行），本年未参加培训 {left} 人")


def _supplies(community, worker, today, rng, stdout) -> None:
    day = today - dt.timedelta(days=20)
    for name, label, qty in (
        ("医用外科口罩", "个", 2000),
        ("消毒液", "瓶", 120),
        ("一次性手套", "副", 600),
    ):
        supplies.receive(
            community=community,
            name=name,
            unit_label=label,
            quantity=qty,
            date=day,
            acting_user=worker,
            note="街道调拨",
        )
    people = list(supplies.receivers(community, today))
    linked = [p for p in people if p.user_id]
    chosen = sorted(set(rng.sample(people, min(len(people), 12)) + linked), key=lambda p: p.pk)
    items = {i.name: i for i in SupplyItem.objects.filter(community=community)}
    for person in chosen:
        supplies.issue(
            item=items["医用外科口罩"],
            person=person,
            quantity=50,
            date=day + dt.timedelta(days=2),
            acting_user=worker,
            signed=rng.random() < 0.9,
        )
        supplies.issue(
            item=items["消毒液"],
            person=person,
            quantity=2,
            date=day + dt.timedelta(days=2),
            acting_user=worker,
            signed=True,
        )
    stdout.write(f"  防护物资：3 种入库，向 {len(chosen)} 名“三长”发放")


def _outsiders(community, worker, today, rng, stdout) -> None:
    start = today - dt.timedelta(days=30)
    outsiders.start_registration(
        community=community, reason="疫情防控应急响应（演示）", acting_user=worker, today=start
    )
    households = list(
        Household.objects.filter(community=community, occupied=True).order_by("pk")[:40]
    )
    origins = ["吉林市船营区", "哈尔滨市南岗区", "沈阳市和平区", "四平市铁西区", "松原市宁江区"]
    surnames = "王李张刘陈杨赵黄周吴"
    n = 0
    for i in range(8):
        arrived = start + dt.timedelta(days=rng.randint(0, 25))
        left = None
        if i < 2:
            left = today - dt.timedelta(days=26)  # deleted in two days: a to-do
            arrived = min(arrived, left)
        elif i < 4:
            left = min(today, arrived + dt.timedelta(days=rng.randint(3, 7)))
        outsiders.register_outsider(
            acting_user=worker,
            household=households[(i * 5) % len(households)],
            name=rng.choice(surnames) + rng.choice(["建华", "秀英", "志强", "丽娟", "海涛"]),
            origin=rng.choice(origins),
            arrived_on=arrived,
            left_on=left,
            phone=f"139{rng.randint(10000000, 99999999)}",
            today=today,
        )
        n += 1
    stdout.write(f"  外来人员登记：进行中，已登记 {n} 人（2 人即将到期删除）")


@transaction.atomic
def build_rotations_and_duties(regions: dict, *, seed: int, stdout) -> None:
    """社区 A: rotations, trainings, supplies, outsiders; 社区 B: trainings and supplies."""
    rng = random.Random(seed + 14)
    today = timezone.localdate()
    community = regions["A"]
    worker = _worker(community)
    if worker is None:
        return
    _rotations(community, worker, today, rng, stdout)
    _trainings(community, worker, today, rng, stdout)
    _supplies(community, worker, today, rng, stdout)
    _outsiders(community, worker, today, rng, stdout)
    other = regions.get("B")
    worker_b = _worker(other) if other else None
    if worker_b:
        _trainings(other, worker_b, today, rng, stdout)
        _supplies(other, worker_b, today, rng, stdout)
