"""Registry benchmark: the import of a big registry .xlsx beside a bare python-calamine read of
the same file, on SQLite and PostgreSQL; then list-page and search latency.

    python -m loudong.territory.bench [--residents 490000] [--repeat 1] [--keep DIR]
                                      [--no-postgresql] [--no-pages] [--database-prefix P]

Targets (PRODUCT.md "Quality bars"): the whole ``loudong import_registry`` process in
≤ 2.5× the wall time of a bare calamine read of the same file, measured in the same run,
with peak RSS ≤ 1 GB; an unchanged re-import ≤ 15 s; household list page and search
p95 ≤ 200 ms on SQLite. Figures are printed with PASS/FAIL; nothing here fails a build.

Every step is its own process; its wall time, CPU (user + system, its helper process
included) and peak RSS (of the largest process: the importer's helper stays under 60 MB)
come from ``os.wait4``. Each import runs against a fresh database: SQLite in a temporary
LOUDONG_VAR_DIR; PostgreSQL in a new database on the server that ``DATABASE_URL`` names, or,
without one, in a throw-away cluster (``bin/with-throwaway-postgres``, when PostgreSQL is
installed). The bare read runs right before and right after each import; the faster one
counts. With ``--repeat N`` the best of N is kept. The generated registry is cached in
``--keep`` (default: the system temp dir) because writing it takes longer than importing it.
The machine has two cores that other work may share: compare CPU as well as wall time
(the CPU lines hold the same bars against CPU seconds). Each import's steps are printed as
``loudong import_registry -v 2`` times them.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from loudong.territory.synth import RESIDENTS_PER_HOUSEHOLD

IMPORT_RATIO = 2.5
IMPORT_RSS_MB = 1024
REIMPORT_SECONDS = 15.0
PAGE_P95_MS = 200.0
ROOT = Path(__file__).resolve().parents[2]

BARE_READ = r"""
import sys
from python_calamine import CalamineWorkbook
book = CalamineWorkbook.from_path(sys.argv[1])
rows = 0
for name in book.sheet_names:
    for row in book.get_sheet_by_name(name).iter_rows():
        rows += 1
print(rows)
"""

PAGES_SCRIPT = r"""
import json, os, random, statistics, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loudong.settings")
import django
django.setup()
from django.test import Client
from loudong.accounts.models import RoleAssignment, User
from loudong.accounts.roles import Role
from loudong.territory.models import Household, Region, Resident

sub = Region.objects.get(level="subdistrict", name="池阳街道")
user, _ = User.objects.get_or_create(username="bench")
RoleAssignment.objects.get_or_create(user=user, role=Role.SUBDISTRICT_ADMIN, region=sub)
client = Client()
client.force_login(user)
rng = random.Random(1)
pages = Household.objects.count() // 50
sample = list(Resident.objects.order_by("?").values_list("name", "id")[:30])
phones = [r.phone.reveal() for r in Resident.objects.exclude(phone="").order_by("?")[:20]]
ids = [r.id_number.reveal() for r in Resident.objects.order_by("?")[:20]]

def timed(url, params=None):
    start = time.perf_counter()
    response = client.get(url, params or {})
    assert response.status_code == 200, (url, response.status_code)
    return (time.perf_counter() - start) * 1000

timed("/territory/households/")
lists = [timed("/territory/households/", {"page": rng.randint(1, max(pages, 1))})
         for _ in range(50)]
searches = []
for i in range(50):
    kind = i % 4
    if kind == 0:
        q = sample[i % len(sample)][0][:1 + i % 2]
    elif kind == 1:
        q = phones[i % len(phones)]
    elif kind == 2:
        q = ids[i % len(ids)]
    else:
        q = ids[i % len(ids)][-4:]
    searches.append(timed("/territory/search/", {"q": q}))

def p95(values):
    return statistics.quantiles(values, n=20)[-1]

print(json.dumps({"list_p95": p95(lists), "search_p95": p95(searches),
                  "list_median": statistics.median(lists),
                  "search_median": statistics.median(searches)}))
"""


def measure(cmd, env) -> dict:
    """Run one process; its wall and CPU seconds, peak RSS (MB), exit code and output."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        process = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out.seek(0)
        output = out.read()
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss": usage.ru_maxrss / 1024,
        "code": process.returncode,
        "output": output,
    }


def run(cmd, env):
    return subprocess.run(cmd, env=env, check=True, text=True, capture_output=True)


class Database:
    """A fresh, migrated database with the demo's 贵池区 / 池阳街道, for one import."""

    def __init__(self, kind: str, base_env: dict, server_url: str | None, prefix: str):
        self.kind = kind
        self.var = tempfile.mkdtemp(prefix="loudong-bench-")
        self.env = {**base_env, "LOUDONG_VAR_DIR": self.var, "AXES_ENABLED": "false"}
        self.name = None
        if kind == "PostgreSQL":
            self.name = f"{prefix}_{os.getpid()}_{int(time.time() * 1000) % 10**8}"
            self._admin(server_url, f'CREATE DATABASE "{self.name}"')
            self.server_url = server_url
            self.env["DATABASE_URL"] = server_url.rsplit("/", 1)[0] + "/" + self.name
        loudong = [sys.executable, "-m", "loudong"]
        run([*loudong, "migrate", "-v0"], self.env)
        build = (
            'from loudong.demo.build import CITIES, build_regions; build_regions(CITIES["chiyang"])'
        )
        run([*loudong, "shell", "-c", build], self.env)

    @staticmethod
    def _admin(url, sql):
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql)

    def close(self):
        if self.name:
            self._admin(self.server_url, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        shutil.rmtree(self.var, ignore_errors=True)


def bench_database(kind, registry, base_env, server_url, repeat, pages, prefix) -> dict:
    loudong = [sys.executable, "-m", "loudong"]
    bare_cmd = [sys.executable, "-c", BARE_READ, str(registry)]
    best: dict = {}
    for _ in range(repeat):
        database = Database(kind, base_env, server_url, prefix)
        try:
            env = database.env
            bare = [measure(bare_cmd, env)]
            first = measure(
                [*loudong, "import_registry", str(registry), "--create-regions", "-v", "2"], env
            )
            bare.append(measure(bare_cmd, env))
            again = measure([*loudong, "import_registry", str(registry), "-v", "2"], env)
            bare.append(measure(bare_cmd, env))
            for step in (first, again):
                if step["code"]:
                    print(step["output"][-3000:])
                    raise SystemExit(f"{kind}: import_registry failed")
            # Pair each import with the faster of the reads around it.
            result = {
                "bare": min(bare[:2], key=lambda m: m["wall"]),
                "bare_again": min(bare[1:], key=lambda m: m["wall"]),
                "first": first,
                "again": again,
            }
            if not best or first["wall"] / result["bare"]["wall"] < (
                best["first"]["wall"] / best["bare"]["wall"]
            ):
                best.update(result)
            if again["wall"] < best["again"]["wall"]:
                best["again"], best["bare_again"] = again, result["bare_again"]
            if pages and "pages" not in best:
                output = run([sys.executable, "-c", PAGES_SCRIPT], env).stdout
                best["pages"] = json.loads(output.strip().splitlines()[-1])
        finally:
            database.close()
    return best


def report(kind: str, result: dict) -> list[tuple[str, float, float, str]]:
    bare, first, again = result["bare"], result["first"], result["again"]
    bare_again = result["bare_again"]
    print(f"\n== {kind} ==")
    print(f"{'':24}{'墙钟（秒）':>10}{'CPU（秒）':>10}{'峰值内存（MB）':>14}")
    for label, m in (
        ("calamine 裸读", bare),
        ("首次导入", first),
        ("重复导入（未变）", again),
    ):
        print(f"{label:20}{m['wall']:12.1f}{m['cpu']:11.1f}{m['rss']:15.0f}")
    print(
        f"首次导入 / 裸读：墙钟 {first['wall'] / bare['wall']:.2f}×，CPU "
        f"{first['cpu'] / bare['cpu']:.2f}×，内存 {first['rss'] / bare['rss']:.2f}×；"
        f"重复导入 / 裸读：墙钟 {again['wall'] / bare_again['wall']:.2f}×"
    )
    for label, m in (("首次导入", first), ("重复导入", again)):
        print(f"{label}各步骤（墙钟 / CPU，本进程）：")
        for line in m["output"].splitlines():
            if line.startswith("用时："):
                print("  " + line.removeprefix("用时："))
    checks = [
        (f"{kind} 首次导入耗时 / 裸读", first["wall"] / bare["wall"], IMPORT_RATIO, "×"),
        (f"{kind} 首次导入峰值内存", first["rss"], IMPORT_RSS_MB, "MB"),
        (f"{kind} 首次导入 CPU / 裸读 CPU", first["cpu"] / bare["cpu"], IMPORT_RATIO, "×"),
        (f"{kind} 重复导入耗时", again["wall"], REIMPORT_SECONDS, "秒"),
        (f"{kind} 重复导入 CPU", again["cpu"], REIMPORT_SECONDS, "秒"),
        (f"{kind} 重复导入峰值内存", again["rss"], IMPORT_RSS_MB, "MB"),
    ]
    if "pages" in result:
        pages = result["pages"]
        print(
            f"住户列表 p95 {pages['list_p95']:.0f} 毫秒（中位数 {pages['list_median']:.0f}），"
            f"搜索 p95 {pages['search_p95']:.0f} 毫秒（中位数 {pages['search_median']:.0f}）"
        )
        checks += [
            ("住户列表 p95", pages["list_p95"], PAGE_P95_MS, "毫秒"),
            ("搜索 p95", pages["search_p95"], PAGE_P95_MS, "毫秒"),
        ]
    return checks


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loudong.territory.bench")
    parser.add_argument("--residents", type=int, default=490_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=1, help="imports per database; best kept")
    parser.add_argument(
        "--keep", default=tempfile.gettempdir(), help="where the generated registry is cached"
    )
    parser.add_argument("--no-postgresql", action="store_true")
    parser.add_argument("--no-pages", action="store_true")
    parser.add_argument(
        "--database-prefix",
        default="loudong_bench",
        help="name prefix of the PostgreSQL databases it creates (and drops) on the server",
    )
    parser.add_argument("--postgresql-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    households = max(1, round(args.residents / RESIDENTS_PER_HOUSEHOLD))
    cache = Path(args.keep) / f"loudong-bench-{households}-{args.seed}"
    registry = cache / "registry.xlsx"
    base_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    if not registry.exists():
        print(f"生成登记表：{households} 户……", flush=True)
        started = time.monotonic()
        with tempfile.TemporaryDirectory() as var:
            run(
                [sys.executable, "-m", "loudong", "generate_city", "--households",
                 str(households), "--seed", str(args.seed), "--out", str(cache)],
                {**base_env, "LOUDONG_VAR_DIR": var},
            )  # fmt: skip
        print(f"  用时 {time.monotonic() - started:.0f} 秒", flush=True)
    print(
        f"登记表 {registry}（{registry.stat().st_size / 1e6:.0f} MB，约 {args.residents} 名居民）"
    )
    checks = []
    if not args.postgresql_only:
        result = bench_database(
            "SQLite", registry, base_env, None, args.repeat, not args.no_pages, ""
        )
        checks += report("SQLite", result)
    server_url = os.environ.get("DATABASE_URL", "")
    throwaway = ROOT / "bin" / "with-throwaway-postgres"
    if args.postgresql_only or (not args.no_postgresql and server_url.startswith("postgres")):
        result = bench_database(
            "PostgreSQL", registry, base_env, server_url, args.repeat, False, args.database_prefix
        )
        checks += report("PostgreSQL", result)
    elif not args.no_postgresql and throwaway.exists():
        print("\n（PostgreSQL：临时集群，bin/with-throwaway-postgres）", flush=True)
        cmd = [str(throwaway), sys.executable, "-m", "loudong.territory.bench",
               "--postgresql-only", "--residents", str(args.residents), "--seed",
               str(args.seed), "--repeat", str(args.repeat), "--keep", args.keep]  # fmt: skip
        done = subprocess.run(cmd, env=base_env, text=True, capture_output=True)
        if done.returncode == 0:
            print(done.stdout.split("\n", 2)[-1])  # (its first lines: the cluster, the file)
        else:
            print(f"（PostgreSQL 无法启动，跳过：{done.stderr.strip()[-500:]}）")
    print()
    for label, value, limit, unit in checks:
        verdict = "PASS" if value <= limit else "FAIL"
        print(f"{verdict} {label} {value:.2f} {unit}（目标 ≤ {limit} {unit}）")
    return 0


if __name__ == "__main__":
    sys.exit(main())
