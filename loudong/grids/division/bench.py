"""Benchmark of the whole ``loudong divide`` process against PRODUCT.md "Quality bars".

    python -m loudong.grids.division.bench [--sizes 3000,50000,500000]
        [--policies chiyang,changchun] [--seed 1] [--keep DIR] [--strict]

For each size a city is generated with citygen (fixed seed) and written as a units CSV; then
for each policy the divide command runs as a subprocess (``.venv/bin/loudong divide`` when that
script and ``loudong/__main__.py`` exist, else ``python -c … cli.main``). Wall seconds and peak
RSS of the child are measured, the metrics are recomputed from the output CSV, and every figure
is printed with its target and PASS/FAIL. Exit status 0 (it is a report) unless ``--strict``.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .metrics import compute_metrics
from .models import Piece, Unit, get_policy

TARGET_SIZE = 500_000  # the quality bars are stated for 500k households


def _targets(policy: str, size: int) -> list[tuple[str, str, callable]]:
    """(metric, shown target, check) per policy; time and memory only bind at 500k."""
    big = size >= TARGET_SIZE
    rows = [
        ("wall_s", "≤ 5 s" if big else "—", (lambda v: v <= 5.0) if big else None),
        ("peak_rss_mb", "≤ 1024 MB" if big else "—", (lambda v: v <= 1024) if big else None),
        ("households_exactly_once", "yes", lambda v: v == "yes"),
        ("grids_across_communities", "0", lambda v: v == 0),
        ("contiguous_pct", "100 %", lambda v: v >= 100.0),
    ]
    if policy == "chiyang":
        rows += [
            ("grids_in_range_pct", "≥ 97 %", lambda v: v >= 97.0),
            ("out_of_range_explained", "all", lambda v: v == "all"),
            ("needless_splits_pct", "≤ 1 %", lambda v: v <= 1.0),
            ("grids_multi_compound_pct", "≤ 5 %", lambda v: v <= 5.0),
            ("mean_polsby_popper", "≥ 0.70", lambda v: v >= 0.70),
            ("grid_count_deviation_pct", "±2 %", lambda v: abs(v) <= 2.0),
        ]
    elif policy == "changchun":
        rows += [
            ("grids_in_range_pct", "≥ 99.5 %", lambda v: v >= 99.5),
            ("out_of_range_explained", "all", lambda v: v == "all"),
            ("buildings_split", "0", lambda v: v == 0),
        ]
    rows += [
        ("households_in_range_pct", "—", None),
        ("grids", "—", None),
        ("ideal_grids", "—", None),
        ("grid_size_min", "—", None),
        ("grid_size_median", "—", None),
        ("grid_size_max", "—", None),
        ("buildings_split", "—", None) if policy != "changchun" else None,
        ("needless_splits", "—", None),
        ("deterministic", "yes", lambda v: v == "yes"),
    ]
    return [r for r in rows if r is not None]


def _command(root: Path) -> list[str]:
    script = root / ".venv" / "bin" / "loudong"
    if script.exists() and importlib.util.find_spec("loudong.__main__") is not None:
        return [str(script), "divide"]
    return [
        sys.executable,
        "-c",
        "import sys; from loudong.grids.division.cli import main; sys.exit(main(sys.argv[1:]))",
    ]


def _run(cmd: list[str], env: dict) -> tuple[float, float, int, str]:
    """Run ``cmd``; return wall seconds, peak RSS in MB, exit status and stderr."""
    timer = ["/usr/bin/time", "-f", "%M"] if os.path.exists("/usr/bin/time") else []
    start = time.perf_counter()
    proc = subprocess.run(timer + cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    stderr = proc.stderr
    rss_mb = None
    if timer:
        lines = stderr.rstrip().splitlines()
        if lines and lines[-1].strip().isdigit():
            rss_mb = int(lines[-1]) / 1024.0  # /usr/bin/time %M counts the largest process
            stderr = "\n".join(lines[:-1])
    if rss_mb is None:
        rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    return wall, rss_mb, proc.returncode, stderr


def _read_units(path: Path) -> list[Unit]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return [
            Unit(
                r["community"],
                r["compound"],
                r["building"],
                r["unit"],
                int(r["households"]),
                int(r["floors"]),
                float(r["x"]),
                float(r["y"]),
            )
            for r in csv.DictReader(fh)
        ]


def _read_pieces(path: Path) -> list[Piece]:
    with open(path, encoding="utf-8", newline="") as fh:
        return [
            Piece(
                r["community"],
                r["compound"],
                r["building"],
                r["unit"],
                int(r["floor_from"]),
                int(r["floor_to"]),
                int(r["households"]),
                r["grid"],
            )
            for r in csv.DictReader(fh)
        ]


def bench_one(root: Path, workdir: Path, size: int, policy: str, seed: int) -> dict:
    from loudong.lib.citygen import generate_city, write_units_csv

    units_csv = workdir / f"units-{size}.csv"
    if not units_csv.exists():
        write_units_csv(generate_city(size, seed), str(units_csv))
    out_csv = workdir / f"out-{size}-{policy}.csv"
    report = workdir / f"report-{size}-{policy}.json"
    env = dict(os.environ)
    env["PYTHONPATH"] = str(root) + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [
        *_command(root),
        "--policy",
        policy,
        "--units",
        str(units_csv),
        "--out",
        str(out_csv),
        "--report",
        str(report),
        "--quiet",
    ]
    wall, rss, status, stderr = _run(cmd, env)
    if status != 0:
        raise SystemExit(f"divide failed ({status}): {stderr}")
    # Determinism: a second run (without the report) must give the same bytes.
    out2 = workdir / f"out-{size}-{policy}-again.csv"
    cmd2 = [
        *_command(root),
        "--policy",
        policy,
        "--units",
        str(units_csv),
        "--out",
        str(out2),
        "--quiet",
    ]
    wall2, _rss2, _st, _err = _run(cmd2, env)
    same = out_csv.read_bytes() == out2.read_bytes()
    units = _read_units(units_csv)
    pieces = _read_pieces(out_csv)
    m = compute_metrics(units, pieces, get_policy(policy))
    import json

    rep = json.loads(report.read_text(encoding="utf-8"))
    explained = all(g.get("reason_zh") and g.get("reason_en") for g in rep["out_of_range"])
    explained = explained and len(rep["out_of_range"]) == m["grids_out_of_range"]
    m.update(
        {
            "wall_s": round(min(wall, wall2), 2),
            "wall_with_report_s": round(wall, 2),
            "peak_rss_mb": round(rss, 1),
            "households_exactly_once": "yes"
            if m["units_household_mismatch"] == 0
            and m["units_floor_overlap"] == 0
            and m["pieces_unknown_unit"] == 0
            else "no",
            "out_of_range_explained": "all" if explained else "missing",
            "deterministic": "yes" if same else "no",
        }
    )
    return m


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loudong.grids.division.bench")
    parser.add_argument("--sizes", default="3000,50000,500000")
    parser.add_argument("--policies", default="chiyang,changchun")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", help="keep the generated files in this directory")
    parser.add_argument("--strict", action="store_true", help="exit 1 when any target fails")
    args = parser.parse_args(argv)
    root = Path(__file__).resolve().parents[3]
    sizes = [int(s) for s in args.sizes.split(",") if s]
    policies = [p for p in args.policies.split(",") if p]
    failures = 0
    with tempfile.TemporaryDirectory(prefix="loudong-bench-") as tmp:
        workdir = Path(args.keep) if args.keep else Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        print(f"command: {' '.join(_command(root)[:2])} …   cpus: {os.cpu_count()}")
        for size in sizes:
            for policy in policies:
                m = bench_one(root, workdir, size, policy, args.seed)
                print(
                    f"\n== {policy} @ {size:,} households "
                    f"({m['communities']} communities, {m['buildings']} buildings, "
                    f"{m['units']} units) =="
                )
                print(f"{'figure':28} {'measured':>12}  {'target':>10}  result")
                for name, target, check in _targets(policy, size):
                    value = m[name]
                    if check is None:
                        verdict = ""
                    elif check(value):
                        verdict = "PASS"
                    else:
                        verdict = "FAIL"
                        failures += 1
                    print(f"{name:28} {value!s:>12}  {target:>10}  {verdict}")
    return 1 if (args.strict and failures) else 0


if __name__ == "__main__":
    sys.exit(main())
