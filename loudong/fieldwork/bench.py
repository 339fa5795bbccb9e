"""Field-work benchmarks (issue 12): the overdue sweep and the incident queue.

    python -m loudong.fieldwork.bench [--sweep 100000]            # SQLite, a fresh database
    bin/with-throwaway-postgres python -m loudong.fieldwork.bench --queue 1000000

Targets (printed, never asserted): the overdue sweep over 100k open incidents ≤ 10 s; the
incident queue page p95 ≤ 200 ms with 1M incidents on PostgreSQL. The sweep's incidents are all
overdue at the community (the worst case: every one moves). The queue's million span three
years of 20 communities: 97 % closed or merged, 1 % awaiting a rating, 3 % open and recent (the
sweep keeps few overdue); it is timed as the 街道管理员 (all 20) and a 社区工作者 (one), over eight
kinds of page (default, overdue, status, level, category, urgency, the closed archive, page 3). Each run works in a fresh
database: a temporary SQLite file, or the throw-away PostgreSQL that ``DATABASE_URL`` names (it
must be empty — the bench migrates it). Rows are generated with batched inserts (SQLite) or COPY
(PostgreSQL). ``make bench`` runs both.
"""

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

SWEEP_SECONDS = 10.0
QUEUE_P95_MS = 200.0


def _setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loudong.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)


def _world(communities: int):
    """A subdistrict, its communities (one building each), a worker per community, categories."""
    from loudong.accounts.models import RoleAssignment, User
    from loudong.accounts.roles import Role
    from loudong.fieldwork.categories import categories_for
    from loudong.policy.profile import profile_for
    from loudong.territory.models import Building, Region

    district = Region.objects.create(level="district", name="贵池区", code="341702")
    sub = Region.objects.create(
        level="subdistrict", name="池阳街道", parent=district, code="341702001"
    )
    rows = []
    for i in range(communities):
        community = Region.objects.create(
            level="community", name=f"第{i + 1}社区", parent=sub, code=f"341702001{i + 1:03d}"
        )
        compound = Region.objects.create(level="compound", name=f"第{i + 1}小区", parent=community)
        building = Building.objects.create(community=community, compound=compound, number="1号楼")
        worker = User.objects.create(username=f"worker{i}")
        RoleAssignment.objects.create(user=worker, role=Role.COMMUNITY_WORKER, region=community)
        rows.append((community, compound, building, worker))
    admin = User.objects.create(username="bench-jiedao")
    RoleAssignment.objects.create(user=admin, role=Role.SUBDISTRICT_ADMIN, region=sub)
    profile = profile_for(rows[0][0])
    categories = [c for c in categories_for(profile) if c.parent_id]
    return rows, admin, profile, categories


# -- the sweep --------------------------------------------------------------------------------


def child_sweep(n: int) -> dict:
    _setup_django()
    from django.db import connection
    from django.utils import timezone

    from loudong.fieldwork.actions.incidents import escalate_overdue
    from loudong.fieldwork.models import Incident, IncidentStage

    rows, _admin, profile, categories = _world(10)
    rng = random.Random(1)
    now = timezone.now()
    past = now - dt.timedelta(days=20)
    started = time.perf_counter()
    batch = []
    for k in range(n):
        community, compound, building, worker = rows[k % len(rows)]
        batch.append(
            Incident(
                community=community,
                compound=compound,
                building=building,
                category=rng.choice(categories),
                severity="normal",
                description="基准测试",
                reporter_kind="worker",
                reporter_user=worker,
                status="accepted",
                level="community",
                level_since=past,
                due=past + dt.timedelta(days=3),
                profile_name=profile.name,
                profile_version=profile.version,
                created=past,
                updated=past,
            )
        )
        if len(batch) == 5000:
            _flush(batch, IncidentStage)
            batch = []
    _flush(batch, IncidentStage)
    generated = time.perf_counter() - started
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    started = time.perf_counter()
    result = escalate_overdue(now=now)
    seconds = time.perf_counter() - started
    again = time.perf_counter()
    repeat = escalate_overdue(now=now)
    return {
        "incidents": n,
        "generated_s": round(generated, 1),
        "sweep_s": round(seconds, 2),
        "escalated": result.escalated,
        "notices": result.notices,
        "repeat_escalated": repeat.escalated,
        "repeat_s": round(time.perf_counter() - again, 2),
        "database": connection.vendor,
    }


def _flush(batch, stage_model):
    from loudong.fieldwork.models import Incident

    if not batch:
        return
    Incident.objects.bulk_create(batch, batch_size=1000)
    stage_model.objects.bulk_create(
        [stage_model(incident=i, level=i.level, start=i.level_since, due=i.due) for i in batch],
        batch_size=1000,
    )


# -- the queue --------------------------------------------------------------------------------


def write_incidents(cursor, n, places, categories, profile, rng, now) -> None:
    """``n`` incidents by COPY (PostgreSQL), spread over ``places`` — tuples of (community,
    compound, building, grid code): three years of a subdistrict's incidents, most closed long
    ago (with their resolution and closing times); the open ones and those awaiting a rating are
    recent (the sweep moves overdue ones every five minutes, so few stay overdue, at the top)."""
    statuses = ["closed"] * 95 + ["merged"] * 2 + ["resolved"] + ["new", "accepted", "in_progress"]
    levels = ["community"] * 6 + ["subdistrict"] * 3 + ["building_leader"]
    columns = [
        "community_id",
        "compound_id",
        "building_id",
        "category_id",
        "severity",
        "description",
        "parties",
        "reporter_kind",
        "reporter_phone",
        "status",
        "level",
        "level_since",
        "due",
        "extension_days",
        "extension_reason",
        "warned",
        "overdue_noticed",
        "supervised",
        "supervised_note",
        "department",
        "resolution",
        "solved_on_spot",
        "reopen_count",
        "profile_name",
        "profile_version",
        "created",
        "updated",
        "grid_code",
        "place_text",
        "resolved_at",
        "closed_at",
    ]
    sql = f"COPY fieldwork_incident ({', '.join(columns)}) FROM STDIN"
    with cursor.cursor.copy(sql) as copy:
        for k in range(n):
            community, compound, building, grid_code = places[k % len(places)]
            status = rng.choice(statuses)
            open_ = status not in ("closed", "merged", "resolved")
            recent = open_ or status == "resolved"
            span = 60 * 24 * (20 if recent else 365 * 3)
            created = now - dt.timedelta(minutes=rng.randint(0, span))
            due = created + dt.timedelta(days=rng.randint(1, 8)) if open_ else None
            resolved = None if open_ else created + dt.timedelta(hours=rng.randint(1, 24 * 20))
            closed = resolved + dt.timedelta(days=3) if status == "closed" else None
            copy.write_row(
                (
                    community.pk,
                    compound.pk,
                    building.pk,
                    rng.choice(categories).pk,
                    rng.choice(["normal"] * 8 + ["major", "urgent"]),
                    "基准测试事件",
                    "",
                    "worker",
                    "",
                    status,
                    rng.choice(levels),
                    created,
                    due,
                    0,
                    "",
                    False,
                    False,
                    False,
                    "",
                    "",
                    "",
                    False,
                    0,
                    profile.name,
                    profile.version,
                    created,
                    created,
                    grid_code,
                    "",
                    resolved,
                    closed,
                )
            )


def child_queue(n: int) -> dict:
    _setup_django()
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    if connection.vendor != "postgresql":
        raise SystemExit(
            "队列基准须在 PostgreSQL 上运行：bin/with-throwaway-postgres python -m loudong.fieldwork.bench --queue N"
        )
    rows, admin, profile, categories = _world(20)
    rng = random.Random(2)
    started = time.perf_counter()
    places = [(community, compound, building, "") for community, compound, building, _ in rows]
    with connection.cursor() as cursor:
        write_incidents(cursor, n, places, categories, profile, rng, timezone.now())
        # What autovacuum would have done by the time a million rows exist.
        cursor.execute("VACUUM ANALYZE fieldwork_incident")
    generated = time.perf_counter() - started
    timings = {}
    for who in (admin, rows[0][3]):
        client = Client()
        client.force_login(who)
        client.get("/fieldwork/")
        samples = []
        queries = [
            {},
            {"overdue": "on"},
            {"status": "new"},
            {"level": "subdistrict"},
            {"category": "safety"},
            {"severity": "urgent"},
            {"status": "closed"},
            {"page": "3"},
        ]
        for i in range(64):
            params = queries[i % len(queries)]
            t0 = time.perf_counter()
            response = client.get("/fieldwork/", params)
            assert response.status_code == 200, response.status_code
            samples.append((time.perf_counter() - t0) * 1000)
        timings[who.username] = {
            "p95_ms": round(statistics.quantiles(samples, n=20)[-1], 1),
            "median_ms": round(statistics.median(samples), 1),
        }
    return {
        "incidents": n,
        "generated_s": round(generated, 1),
        "queue": timings,
        "database": "postgresql",
    }


# -- the parent -------------------------------------------------------------------------------


def _child(step: str, n: int, env) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "loudong.fieldwork.bench", "--child", step, str(n)],
        env=env,
        check=True,
        text=True,
        capture_output=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description="日常工作基准测试：逾期巡检与事件列表")
    parser.add_argument(
        "--sweep", type=int, default=None, help="巡检基准的未结事件数（默认 100000）"
    )
    parser.add_argument(
        "--queue",
        type=int,
        default=None,
        help="事件列表基准的事件总数（须 PostgreSQL，如 1000000）",
    )
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        step, n = args.child[0], int(args.child[1])
        print(json.dumps(child_sweep(n) if step == "sweep" else child_queue(n)))
        return
    if args.queue is None and args.sweep is None:
        args.sweep = 100_000
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "LOUDONG_VAR_DIR": tmp}
        if args.sweep:
            if "DATABASE_URL" not in os.environ:
                env.pop("DATABASE_URL", None)
            result = _child("sweep", args.sweep, env)
            verdict = "达标" if result["sweep_s"] <= SWEEP_SECONDS else "未达标"
            print(
                f"逾期巡检（{result['database']}）：{result['incidents']} 件未结超期事件，"
                f"上报 {result['escalated']} 件用时 {result['sweep_s']} 秒（目标 ≤ {SWEEP_SECONDS:.0f} 秒，{verdict}）；"
                f"同一时间再次运行上报 {result['repeat_escalated']} 件（{result['repeat_s']} 秒）；"
                f"生成数据 {result['generated_s']} 秒"
            )
        if args.queue:
            result = _child("queue", args.queue, env)
            for who, t in result["queue"].items():
                verdict = "达标" if t["p95_ms"] <= QUEUE_P95_MS else "未达标"
                print(
                    f"事件列表（PostgreSQL，{result['incidents']} 件）{who}：p95 {t['p95_ms']} ms，"
                    f"中位数 {t['median_ms']} ms（目标 p95 ≤ {QUEUE_P95_MS:.0f} ms，{verdict}）"
                )
            print(f"  生成数据（COPY）{result['generated_s']} 秒")


if __name__ == "__main__":
    main()
