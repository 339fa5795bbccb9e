"""Money benchmark: a year's evaluation round, a month's payroll and the .xlsx export for a 街道.

    python -m loudong.payroll.bench [--households 500000] [--per-community 100]

Targets (issue 13): a 街道 of 500k households with ~6,000 posts — a month's payroll ≤ 10 s, a
year's evaluation round (scores from a year of records) ≤ 60 s, the .xlsx export ≤ 10 s. Printed,
never asserted. Runs against a fresh SQLite database in a temporary ``LOUDONG_VAR_DIR``; the
synthetic 街道 is written with bulk inserts (not timed): one 80-household grid per post, ~90 % of
posts staffed (some leaders 兼任), signed agreements, eleven months of locked payroll history
(December's payroll then reconciles against them), and residents' answers for about a third of
households. Timed, through the real actions:

1. closing each community's round — work figures per appointment (``fieldwork.figures``),
   answers and tallies, scores, grades (opening it is timed too);
2. preparing December for every community — monthly lines, year-end lines by grade, and the
   corrections check against the eleven locked months;
3. exporting every community's December period as the finance office's .xlsx.
"""

import argparse
import datetime as dt
import os
import sys
import tempfile
import time

TARGETS = {"round": 60.0, "payroll": 10.0, "export": 10.0}
HOUSEHOLDS_PER_GRID = 80


def build(households: int, per_community: int, stdout=print) -> dict:
    """The synthetic 街道 (bulk inserts); returns the objects the timed steps need."""
    from django.db import transaction
    from django.utils import timezone

    from loudong.accounts.models import RoleAssignment, User
    from loudong.accounts.roles import Role
    from loudong.documents.models import Agreement
    from loudong.grids.models import Division, Grid, GridPiece
    from loudong.payroll.models import Line, Period
    from loudong.policy.profile import profile_for
    from loudong.roster.models import Appointment, Person, Post
    from loudong.territory.models import Building, Household, Region, Unit

    posts_total = households // HOUSEHOLDS_PER_GRID
    n_communities = max(1, -(-posts_total // per_community))  # the last one ≤ per_community
    district = Region.objects.create(level="district", name="贵池区", code="341702")
    sub = Region.objects.create(
        level="subdistrict", name="池阳街道", parent=district, code="341702001"
    )
    worker = User.objects.create_user("bench_worker", password="x")
    admin = User.objects.create_user("bench_admin", password="x")
    RoleAssignment.objects.create(user=worker, role=Role.SUBDISTRICT_ADMIN, region=sub)
    RoleAssignment.objects.create(user=admin, role=Role.SUBDISTRICT_ADMIN, region=sub)
    profile = profile_for(sub, on=dt.date(2025, 1, 1))
    communities = []
    start = dt.date(2024, 12, 1)
    with transaction.atomic():
        for c in range(n_communities):
            code = f"341702001{c + 1:03d}"
            community = Region.objects.create(
                level="community", name=f"社区{c + 1}", parent=sub, code=code
            )
            compound = Region.objects.create(
                level="compound", name=f"小区{c + 1}", parent=community
            )
            division = Division.objects.create(
                community=community,
                profile_name="chiyang",
                object_code="000000",
                status="frozen",
                created_by=admin,
                frozen_by=admin,
                frozen_at=timezone.now(),
                effective_date=dt.date(2021, 9, 8),
            )
            n_posts = per_community if c < n_communities - 1 else posts_total - per_community * c
            buildings = Building.objects.bulk_create(
                Building(
                    community=community,
                    compound=compound,
                    number=f"{i + 1}号楼",
                    number_key=str(i + 1),
                )
                for i in range(n_posts)
            )
            units = Unit.objects.bulk_create(
                Unit(
                    community=community,
                    compound=compound,
                    building=b,
                    number="1单元",
                    number_key="1",
                )
                for b in buildings
            )
            Household.objects.bulk_create(
                (
                    Household(
                        community=community,
                        compound=compound,
                        building=u.building,
                        unit=u,
                        room=f"{k // 4 + 1}{k % 4 + 1:02d}",
                        floor=k // 4 + 1,
                        occupied=True,
                        residence="permanent",
                    )
                    for u in units
                    for k in range(HOUSEHOLDS_PER_GRID)
                ),
                batch_size=5000,
            )
            grids = Grid.objects.bulk_create(
                Grid(
                    division=division,
                    community=community,
                    number=i + 1,
                    sequence=i + 1,
                    code=f"000000{code}{i + 1:02d}",
                    households=HOUSEHOLDS_PER_GRID,
                )
                for i in range(n_posts)
            )
            GridPiece.objects.bulk_create(
                GridPiece(
                    grid=g,
                    unit=u,
                    building=u.building,
                    floor_from=1,
                    floor_to=99,
                    households=HOUSEHOLDS_PER_GRID,
                    x=0,
                    y=0,
                )
                for g, u in zip(grids, units, strict=True)
            )
            posts = Post.objects.bulk_create(
                Post(
                    kind="building_leader",
                    community=community,
                    compound=compound,
                    grid_code=g.code,
                    title=f"网格{g.number}楼栋长",
                )
                for g in grids
            )
            staffed = posts[: int(len(posts) * 0.9)]
            people = Person.objects.bulk_create(
                Person(community=community, compound=compound, name=f"楼栋长{c}-{i}")
                for i in range(int(len(staffed) * 0.88))
            )
            appointments = Appointment.objects.bulk_create(
                Appointment(
                    person=people[i % len(people)],
                    post=post,
                    community=community,
                    compound=compound,
                    start=start,
                    is_concurrent=i >= len(people),
                    profile_name=profile.name,
                    profile_version=profile.version,
                )
                for i, post in enumerate(staffed)
            )
            Agreement.objects.bulk_create(
                Agreement(
                    appointment=a,
                    community=community,
                    compound=compound,
                    party_a_name=community.name,
                    party_b_name=a.person.name,
                    term_start=a.start,
                    title=a.post.title,
                    subsidy_monthly="300.00",
                    subsidy_paid_monthly="200.00",
                    subsidy_year_end="100.00",
                    status="signed",
                    signed_by_a_on=start,
                    signed_by_b_on=start,
                    effective_on=start,
                )
                for a in appointments
            )
            # Eleven locked months of history (what the December correction check reads).
            for m in range(1, 12):
                month = dt.date(2025, m, 1)
                period = Period.objects.create(
                    community=community,
                    month=month,
                    status="locked",
                    profile_name=profile.name,
                    profile_version=profile.version,
                    approved_by=admin,
                    approved_at=timezone.now(),
                )
                Line.objects.bulk_create(
                    (
                        Line(
                            period=period,
                            community=community,
                            compound=compound,
                            appointment=a,
                            person_id=a.person_id,
                            post_id=a.post_id,
                            kind="monthly",
                            component="monthly",
                            service_month=month,
                            amount="200.00",
                            basis=f"{month:%Y-%m} 全月在岗，200.00 元",
                            payee_name=a.person.name,
                        )
                        for a in appointments
                    ),
                    batch_size=2000,
                )
            communities.append(community)
    stdout(
        f"已生成 {len(communities)} 个社区、{Household.objects.count()} 户、{Post.objects.count()} 个岗位、"
        f"{Appointment.objects.count()} 个任职、{Line.objects.count()} 条已锁定明细"
    )
    return {"communities": communities, "worker": worker, "admin": admin}


def answers(communities, share=0.33) -> int:
    """Residents' answers for about a third of each post's households (bulk)."""
    import random

    from loudong.evaluation.models import Answer, Evaluation

    rng = random.Random(5)
    choices = [
        {"visits": "often", "help": "timely", "publicity": "timely", "overall": "satisfied"},
        {"visits": "sometimes", "help": "none", "publicity": "sometimes", "overall": "basic"},
    ]
    rows = []
    for evaluation_id in Evaluation.objects.filter(community__in=communities).values_list(
        "pk", flat=True
    ):
        n = round(HOUSEHOLDS_PER_GRID * share)
        rows += [
            Answer(
                evaluation_id=evaluation_id, day=dt.date(2025, 12, 5), choices=rng.choice(choices)
            )
            for _ in range(n)
        ]
    Answer.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loudong.payroll.bench")
    parser.add_argument("--households", type=int, default=500_000)
    parser.add_argument("--per-community", type=int, default=96, help="posts per community (≤ 99)")
    args = parser.parse_args(argv)
    var = tempfile.mkdtemp(prefix="loudong-money-bench-")
    os.environ["LOUDONG_VAR_DIR"] = var
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loudong.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.monotonic()
    print(f"生成模拟街道：{args.households} 户……", flush=True)
    data = build(args.households, args.per_community)
    print(f"  用时 {time.monotonic() - started:.0f} 秒（不计入）", flush=True)

    from loudong.evaluation.actions import rounds
    from loudong.evaluation.models import Evaluation
    from loudong.payroll import exports
    from loudong.payroll.actions import periods

    worker, communities = data["worker"], data["communities"]
    results = {}
    t0 = time.monotonic()
    opened = [
        rounds.open_round(community=c, year=2025, acting_user=worker, today=dt.date(2025, 12, 1))
        for c in communities
    ]
    results["round_open"] = time.monotonic() - t0
    answers(communities)
    Evaluation.objects.filter(community__in=communities).update(attitude_score=90)
    t0 = time.monotonic()
    for round_ in opened:
        rounds.close_round(round=round_, acting_user=worker, today=dt.date(2025, 12, 20))
    results["round"] = time.monotonic() - t0
    t0 = time.monotonic()
    prepared = [
        periods.prepare_period(
            community=c, month=dt.date(2025, 12, 1), acting_user=worker, today=dt.date(2025, 12, 28)
        )[0]
        for c in communities
    ]
    results["payroll"] = time.monotonic() - t0
    t0 = time.monotonic()
    size = sum(len(exports.workbook(p, reveal=True)) for p in prepared)
    results["export"] = time.monotonic() - t0
    from loudong.payroll.models import Line

    december = Line.objects.filter(period__in=prepared)
    print(
        f"12 月明细 {december.count()} 条（年终 {december.filter(kind='year_end').count()} 条，更正 {december.filter(kind='correction').count()} 条）；导出 {len(prepared)} 个文件共 {size // 1024} KB"
    )
    print(
        f"年度评议：开始 {results['round_open']:.1f} 秒；结束并评定（{Evaluation.objects.count()} 项）{results['round']:.1f} 秒（目标 ≤ {TARGETS['round']:.0f} 秒）"
    )
    print(f"一个月的补贴发放表：{results['payroll']:.1f} 秒（目标 ≤ {TARGETS['payroll']:.0f} 秒）")
    print(f"Excel 导出：{results['export']:.1f} 秒（目标 ≤ {TARGETS['export']:.0f} 秒）")
    return 0


if __name__ == "__main__":
    sys.exit(main())
