"""Demo step: subsidy payroll in mid-life, accident insurance with one gap.

社区 A and B (the communities of the demo workers ``shequ_a`` and ``shequ_b``) have every month
from last November locked — prepared by the community, approved by ``jiedao`` — with last
December's year-end lines by last year's grades; last month's period holds one correction (an
agreement in 社区 A signed late, after the month before was locked); this month's is prepared
— 社区 A's waiting to be submitted, 社区 B's submitted and waiting for the 街道's approval. Every community has a 2026 accident insurance policy ending on 31 December (so the
renewal reminder shows); 社区 A's is named and one leader in post was left off it — the gap.
Leaders of 社区 A have (fake) bank accounts, and one claim has been paid.
"""

import datetime as dt
import random
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from loudong.accounts.models import User
from loudong.demo.documents import _DEMO_SCAN
from loudong.documents.actions import record_signature
from loudong.documents.models import Agreement
from loudong.payroll import money
from loudong.payroll.actions import insurance, periods
from loudong.payroll.models import BankAccount, InsurancePolicy, Line, Period
from loudong.roster.models import Appointment
from loudong.territory.models import Region

BANKS = ["中国工商银行池州分行", "中国农业银行贵池支行", "池州农村商业银行", "中国建设银行池州分行"]


def build_payroll(regions: dict, *, seed: int, stdout) -> None:
    rng = random.Random(seed + 29)
    users = {
        u.username: u for u in User.objects.filter(username__in=["jiedao", "shequ_a", "shequ_b"])
    }
    if len(users) < 3:
        stdout.write("  补贴发放：缺少演示账号，跳过")
        return
    today = timezone.localdate()
    this_month = money.month_start(today)
    start = dt.date(today.year - 1, 11, 1)
    late_month = _previous(_previous(this_month))  # the month the late signature corrects
    payroll_communities = [(regions["A"], users["shequ_a"]), (regions["B"], users["shequ_b"])]
    if Period.objects.filter(community=regions["A"]).exists():
        return  # built already: idempotent
    _bank_accounts(regions["A"], users["shequ_a"], rng)
    late = _unsigned(regions["A"])
    for community, worker in payroll_communities:
        month = start
        while month < this_month:
            if community == regions["A"] and month == _previous(this_month):
                _late_news(community, late, late_month, users["jiedao"], today)
            period, _ = periods.prepare_period(
                community=community, month=month, acting_user=worker, today=today
            )
            periods.submit_period(period=period, acting_user=worker)
            periods.approve_period(period=period, acting_user=users["jiedao"])
            month = money.next_month(month)
        period, plan = periods.prepare_period(
            community=community, month=this_month, acting_user=worker, today=today
        )
        # 社区 B has submitted this month already: the 街道's workbench shows it to approve.
        if community == regions["B"]:
            periods.submit_period(period=period, acting_user=worker)
        waiting = "待街道审批" if community == regions["B"] else "待报批"
        locked = Period.objects.filter(community=community, status="locked").count()
        corrections = Line.objects.filter(community=community, kind="correction").count()
        stdout.write(
            f"  {community.name}：已锁定 {locked} 个月（更正 {corrections} 条），"
            f"本月 {len(plan.lines)} 条{waiting}，合计 {money.yuan(plan.total)} 元"
        )
    _insurance(regions, users, today, stdout)


def _previous(month: dt.date) -> dt.date:
    return (month - dt.timedelta(days=1)).replace(day=1)


def _bank_accounts(community, worker, rng) -> None:
    people = {
        a.person
        for a in Appointment.objects.filter(community=community, status="active").select_related(
            "person"
        )
    }
    rows = [
        BankAccount(
            person=p,
            community=community,
            compound=p.compound,
            bank=rng.choice(BANKS),
            account="6217" + "".join(str(rng.randint(0, 9)) for _ in range(15)),
            updated_by=worker,
        )
        for p in sorted(people, key=lambda p: p.pk)
    ]
    BankAccount.objects.bulk_create(rows)


def _unsigned(community):
    """A leader in post whose agreement is still unsigned (the documents step leaves a few)."""
    agreement = (
        Agreement.objects.filter(
            community=community, status=Agreement.Status.DRAFT, appointment__status="active"
        )
        .exclude(appointment__person__user__username="loudongzhang")
        .select_related("appointment")
        .order_by("pk")
        .first()
    )
    return agreement


def _late_news(community, late, month, actor, today) -> None:
    """What reaches the office after ``month`` was locked: an agreement signed that month, or —
    when every agreement is signed — a resignation given that month, recorded only now."""
    if late is not None:
        _sign_late(late, month, actor)
        return
    from loudong.roster.actions.appointments import resign

    held = {}
    for a in Appointment.objects.filter(community=community, status="active"):
        held[a.person_id] = held.get(a.person_id, 0) + 1
    appointment = (
        Appointment.objects.filter(community=community, status="active", person__user__isnull=True)
        .filter(person_id__in=[p for p, n in held.items() if n == 1])
        .order_by("-pk")
        .first()
    )
    if appointment is not None:
        resign(
            appointment=appointment,
            notice_date=month.replace(day=1),
            end=month.replace(day=12),
            note="本人因身体原因辞任（当月未及时报社区）",
            acting_user=actor,
            today=today,
        )


def _sign_late(agreement, month, actor) -> None:
    """Signed on the 12th of ``month`` (already locked), recorded only now."""
    day = month.replace(day=12)
    record_signature(
        agreement=agreement,
        scan=ContentFile(_DEMO_SCAN, name=f"agreement-{agreement.appointment_id}.pdf"),
        scan_type="application/pdf",
        signed_by_a_on=day,
        signed_by_b_on=day,
        consents_to_publish_phone=True,
        acting_user=actor,
    )


def _insurance(regions, users, today, stdout) -> None:
    from loudong.payroll import coverage
    from loudong.payroll.actions.insurance import remind_renewals

    year = today.year
    communities = Region.objects.filter(
        parent=regions["subdistrict"], level=Region.Level.COMMUNITY
    ).order_by("code")
    for i, community in enumerate(communities):
        if InsurancePolicy.objects.filter(community=community).exists():
            continue
        named = community == regions["A"]
        policy = insurance.create_policy(
            community=community,
            insurer="中国人民财产保险股份有限公司池州市分公司",
            number=f"PEAC{year}3417{i + 1:04d}",
            start=dt.date(year, 1, 1),
            end=dt.date(year, 12, 31),
            premium=Decimal("1800.00") if named else Decimal("1500.00"),
            named=named,
            note="楼栋长团体意外伤害保险",
            acting_user=users["jiedao"],
        )
        if named:
            day = min(today, dt.date(year, 1, 1))
            leaders = list(insurance.covered_leaders(policy, day))
            in_post = {a.pk for a in insurance.covered_leaders(policy, today)}
            held = {}
            for a in leaders:
                held[a.person_id] = held.get(a.person_id, 0) + 1
            # One leader (one grid, not the demo account) left off the list: the gap.
            left_off = [
                a.person_id
                for a in leaders
                if held[a.person_id] == 1 and a.person.user_id is None and a.pk in in_post
            ][-1:]
            persons = list(
                {a.person_id: a.person for a in leaders if a.person_id not in left_off}.values()
            )
            insurance.add_insured(
                policy=policy, persons=persons, start=day, acting_user=users["shequ_a"]
            )
            leader = next((a.person for a in leaders if a.person.user_id), None)
            if leader is not None and today > dt.date(year, 3, 15):
                claim = insurance.record_claim(
                    policy=policy,
                    person=leader,
                    date=dt.date(year, 3, 15),
                    description="入户走访时在楼道滑倒，右手腕扭伤，门诊治疗",
                    amount_claimed=Decimal("860.00"),
                    acting_user=users["shequ_a"],
                    today=today,
                )
                insurance.move_claim(
                    claim=claim, to_status="submitted", acting_user=users["shequ_a"]
                )
                insurance.move_claim(
                    claim=claim,
                    to_status="paid",
                    amount_paid=Decimal("760.00"),
                    acting_user=users["shequ_a"],
                )
            gaps = coverage.gaps(community, today, today)
            stdout.write(
                f"  {community.name}：记名意外伤害保险 {len(persons)} 人，今天在岗未参保 {len(gaps)} 人"
            )
    reminders = remind_renewals(today=today)
    if reminders:
        stdout.write(f"  续保提醒 {len(reminders)} 条")
