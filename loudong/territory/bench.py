"""Registry benchmark: import of a big registry .xlsx, then list-page and search latency.

    python -m loudong.territory.bench [--residents 500000] [--keep DIR]

Targets (PRODUCT.md "Quality bars"): import ≤ 60 s with peak RSS ≤ 2 GB; household list
page and search p95 ≤ 200 ms on SQLite. Each step runs in a subprocess against a fresh
SQLite database in a temporary LOUDONG_VAR_DIR; the generated registry is cached in
``--keep`` (default: the system temp dir) because writing it takes longer than importing it.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from loudong.territory.synth import RESIDENTS_PER_HOUSEHOLD

IMPORT_SECONDS = 60.0
IMPORT_RSS_MB = 2048
PAGE_P95_MS = 200.0

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


def run(cmd, env, **kwargs):
    return subprocess.run(cmd, env=env, check=True, text=True, capture_output=True, **kwargs)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loudong.territory.bench")
    parser.add_argument("--residents", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--keep", default=tempfile.gettempdir(), help="where the generated registry is cached"
    )
    args = parser.parse_args(argv)
    households = max(1, round(args.residents / RESIDENTS_PER_HOUSEHOLD))
    cache = Path(args.keep) / f"loudong-bench-{households}-{args.seed}"
    loudong = [sys.executable, "-m", "loudong"]
    base_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    registry = cache / "registry.xlsx"
    if not registry.exists():
        print(f"生成登记表：{households} 户……", flush=True)
        started = time.monotonic()
        with tempfile.TemporaryDirectory() as var:
            run(
                [
                    *loudong,
                    "generate_city",
                    "--households",
                    str(households),
                    "--seed",
                    str(args.seed),
                    "--out",
                    str(cache),
                ],
                {**base_env, "LOUDONG_VAR_DIR": var},
            )
        print(f"  用时 {time.monotonic() - started:.0f} 秒", flush=True)
    results = {}
    with tempfile.TemporaryDirectory() as var:
        env = {**base_env, "LOUDONG_VAR_DIR": var, "AXES_ENABLED": "false"}
        run([*loudong, "migrate", "-v0"], env)
        run(
            [
                *loudong,
                "shell",
                "-c",
                "from loudong.demo.build import build_regions; build_regions()",
            ],
            env,
        )
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        started = time.monotonic()
        result = subprocess.run(
            [*loudong, "import_registry", str(registry), "--create-regions"],
            env=env,
            text=True,
            capture_output=True,
        )
        seconds = time.monotonic() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        summary = [line for line in result.stdout.splitlines() if line.startswith(("居民", "导入"))]
        print("\n".join(summary))
        if result.returncode:
            print(result.stdout[-2000:], result.stderr[-2000:])
            return 1
        results["import_seconds"] = seconds
        # ru_maxrss of children is the max over all of them: only trust it if it grew.
        results["import_peak_mb"] = max(peak, before) / 1024
        started = time.monotonic()
        run([*loudong, "import_registry", str(registry)], env)
        results["reimport_seconds"] = time.monotonic() - started
        output = run([sys.executable, "-c", PAGES_SCRIPT], env).stdout.strip().splitlines()[-1]
        results.update(json.loads(output))
    checks = [
        ("导入耗时", results["import_seconds"], IMPORT_SECONDS, "秒"),
        ("导入峰值内存", results["import_peak_mb"], IMPORT_RSS_MB, "MB"),
        ("住户列表 p95", results["list_p95"], PAGE_P95_MS, "毫秒"),
        ("搜索 p95", results["search_p95"], PAGE_P95_MS, "毫秒"),
    ]
    print(
        f"居民 {args.residents}（{households} 户）；重复导入 {results['reimport_seconds']:.1f} 秒；"
        f"列表中位数 {results['list_median']:.0f} 毫秒，搜索中位数 {results['search_median']:.0f} 毫秒"
    )
    ok = True
    for label, value, limit, unit in checks:
        passed = value <= limit
        ok &= passed
        print(f"{'PASS' if passed else 'FAIL'} {label} {value:.1f} {unit}（目标 ≤ {limit} {unit}）")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
