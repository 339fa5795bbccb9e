"""Benchmark of the whole ``loudong divide`` process against PRODUCT.md "Quality bars".

    python -m loudong.grids.division.bench [--seeds 1,2,3] [--size 500000]
        [--generators citygen,patchwork,blocks] [--policies chiyang,changchun] [--cases all|none|NAME,…] [--repeat 2] [--keep DIR]
        [--strict]

For every input (citygen seeds, ``cases.patchwork_city`` and ``cases.blocks_city`` seeds — a
second and a third generator with other layout statistics — and the pathological cases of
``cases.CASES``) and every policy, two
processes run on the same units CSV, alternately, ``--repeat`` times each:

- the engine: ``loudong divide`` (``.venv/bin/loudong divide`` when it exists), without
  ``--report``;
- the **DP baseline** of this module (``python -m loudong.grids.division.bench --baseline``): the
  plain serpentine DP per compound — rows from gaps in y, no repair, no crossing of compounds,
  no contiguity step — reading with the CLI's plain reader (``cli.read_units``, csv.reader)
  and writing with csv.writer, as the issue describes it. It is a fixed reference point, not
  a product: the engine's own reader and writer (in C since the fourth CPU pass) are not
  lent to it.

Each child's CPU time (user + system, children included) and peak RSS come from ``os.wait4``;
the best of the repeats is kept. Quality figures are recomputed from the output CSVs with
``metrics.compute_metrics`` (scipy's Delaunay, independent of the engine's graph). Figures are
printed, never asserted; exit status 0 unless ``--strict`` and some bar fails.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from .metrics import compute_metrics
from .models import Piece, get_policy

BIG_INPUT = 400_000  # time and memory bars bind on the 500k cities only


# --------------------------------------------------------------------------------------------
# the DP baseline (clearly not the engine: a reference point)


def _baseline_rows(items: list[tuple[float, float, int]]) -> list[int]:
    """Serpentine of (x, y, index): rows where y jumps by more than 8 m, alternate direction."""
    if len(items) <= 2:
        return [i for _x, _y, i in sorted(items)]
    by_y = sorted(items, key=lambda t: (t[1], t[0], t[2]))
    rows = [[by_y[0]]]
    for it in by_y[1:]:
        if it[1] - rows[-1][0][1] > 8.0:
            rows.append([it])
        else:
            rows[-1].append(it)
    out = []
    for k, row in enumerate(rows):
        row.sort(reverse=bool(k % 2))
        out.extend(i for _x, _y, i in row)
    return out


def _baseline_dp(hs: list[int], lo: int, hi: int, t: float) -> list[tuple[int, int]]:
    """Cut a sequence into runs minimising Σ (1000 per run outside [lo, hi]) + ((h − t)/t)²."""
    n = len(hs)
    inf = float("inf")
    f = [0.0] + [inf] * n
    back = [0] * (n + 1)
    for j in range(1, n + 1):
        s = 0
        best, arg = inf, j - 1
        for i in range(j - 1, -1, -1):
            s += hs[i]
            if s > hi and i < j - 1:
                break
            if s < lo:
                c = 1000.0 + (lo - s) / t
            elif s > hi:
                c = 1000.0 + (s - hi) / t
            else:
                d = (s - t) / t
                c = d * d
            c += f[i]
            if c < best:
                best, arg = c, i
        f[j], back[j] = best, arg
    segs = []
    j = n
    while j > 0:
        segs.append((back[j], j))
        j = back[j]
    return segs[::-1]


def baseline_divide(units, policy) -> list[Piece]:
    """Plain per-compound serpentine DP, no repair: the benchmark's reference point.

    Atoms are whole buildings, or units when a building is above the upper bound (if the
    policy splits buildings), or floor ranges of ~target/5 households when a unit is above it
    (if the policy allows). Missing positions are placed as the engine places them.
    """
    from .geometry import place_missing

    pol = get_policy(policy)
    placed, _counts = place_missing(units)
    comps: dict[tuple, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for u, xy in zip(units, placed, strict=True):
        comps[(u.community, u.compound)][u.building].append((u, xy))
    pieces: list[Piece] = []
    chunk = max(1, round(pol.target / 5))
    for (comm, comp), blds in comps.items():
        names = list(blds)
        items = []
        for k, b in enumerate(names):
            us = blds[b]
            items.append(
                (sum(p[1][0] for p in us) / len(us), sum(p[1][1] for p in us) / len(us), k)
            )
        seq: list[list[tuple]] = []  # atoms: lists of (unit, floor_from, floor_to, households)
        for k in _baseline_rows(items):
            us = [p[0] for p in blds[names[k]]]
            h = sum(u.households for u in us)
            if h <= pol.upper or not pol.allow_building_split:
                seq.append([(u, 1, u.floors, u.households) for u in us])
                continue
            for u in us:
                if u.households <= pol.upper or not pol.allow_unit_floor_split or u.floors < 2:
                    seq.append([(u, 1, u.floors, u.households)])
                    continue
                q, r = divmod(u.households, u.floors)
                start, acc = 1, 0
                for fl in range(1, u.floors + 1):
                    acc += q + (1 if fl <= r else 0)
                    if acc >= chunk or fl == u.floors:
                        seq.append([(u, start, fl, acc)])
                        start, acc = fl + 1, 0
        segs = _baseline_dp([sum(p[3] for p in a) for a in seq], pol.lower, pol.upper, pol.target)
        for n, (i, j) in enumerate(segs, start=1):
            gid = f"{comm}-{comp}-B{n:03d}"
            for a in seq[i:j]:
                for u, ff, ft, hh in a:
                    pieces.append(
                        Piece(u.community, u.compound, u.building, u.unit, ff, ft, hh, gid)
                    )
    return pieces


def _baseline_main(policy: str, units_csv: str, out_csv: str) -> int:
    from .cli import read_units, write_pieces

    pieces = baseline_divide(read_units(units_csv), policy)
    with open(out_csv, "w", encoding="utf-8", newline="") as fh:
        write_pieces(fh, pieces)
    return 0


# --------------------------------------------------------------------------------------------
# running and measuring


def _engine_cmd(root: Path) -> list[str]:
    script = root / ".venv" / "bin" / "loudong"
    if script.exists():
        return [str(script), "divide"]
    code = "import sys; from loudong.grids.division.cli import main; sys.exit(main(sys.argv[1:]))"
    return [sys.executable, "-c", code]


def _measure(cmd: list[str], env: dict) -> tuple[float, float, float]:
    """Run ``cmd``; return (CPU s of the child and its children, wall s, peak RSS MB).

    CPU comes from ``os.wait4`` (user + system, waited-for workers included). Peak RSS comes
    from ``/usr/bin/time -f %M`` when present: a forked child's own ``ru_maxrss`` would count
    the benchmark's memory from before the ``exec``.
    """
    timer = ["/usr/bin/time", "-f", "%M"] if os.path.exists("/usr/bin/time") else []
    start = time.perf_counter()
    proc = subprocess.Popen(timer + cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read().decode("utf-8", "replace")
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{err}")
    rss = usage.ru_maxrss / 1024.0
    lines = err.strip().splitlines()
    if timer and lines and lines[-1].strip().isdigit():
        rss = int(lines[-1]) / 1024.0
    return usage.ru_utime + usage.ru_stime, wall, rss


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


def run_one(root: Path, workdir: Path, name: str, units, policy: str, repeat: int) -> dict:
    """Engine and baseline on one input, alternately; quality of both, CPU of both."""
    from .cases import write_units_csv

    units_csv = workdir / f"{name}.csv"
    if not units_csv.exists():
        write_units_csv(units, str(units_csv))
    env = dict(os.environ)
    env["PYTHONPATH"] = str(root) + os.pathsep + env.get("PYTHONPATH", "")
    outs = {k: workdir / f"{name}-{policy}-{k}.csv" for k in ("engine", "engine2", "base")}
    engine = [*_engine_cmd(root), "--policy", policy, "--units", str(units_csv), "--quiet"]
    base = [sys.executable, "-m", "loudong.grids.division.bench", "--baseline", policy]
    best = {"engine": None, "base": None}
    for r in range(repeat):
        for kind in ("engine", "base"):
            if kind == "engine":
                out = outs["engine" if r == 0 else "engine2"]
                cmd = [*engine, "--out", str(out)]
            else:
                cmd = [*base, str(units_csv), str(outs["base"])]
            got = _measure(cmd, env)
            if best[kind] is None or got[0] < best[kind][0]:
                best[kind] = got
    same = repeat < 2 or outs["engine"].read_bytes() == outs["engine2"].read_bytes()
    m = compute_metrics(units, _read_pieces(outs["engine"]), policy)
    b = compute_metrics(units, _read_pieces(outs["base"]), policy)
    m["deterministic"] = same
    m["cpu_s"], m["wall_s"], m["rss_mb"] = best["engine"]
    m["base_cpu_s"] = best["base"][0]
    m["cpu_ratio"] = m["cpu_s"] / best["base"][0] if best["base"][0] else 0.0
    m["baseline"] = b
    m["once"] = not (
        m["units_household_mismatch"] or m["units_floor_overlap"] or m["pieces_unknown_unit"]
    )
    return m


# --------------------------------------------------------------------------------------------
# bars (PRODUCT.md "Quality bars", issue 11)


def bars(kind: str, policy: str, m: dict, big: bool) -> list[tuple[str, bool]]:
    """(bar, passed) for one run; ``kind`` is "city" or a case name."""
    out = [
        ("once", m["once"]),
        ("0 across", m["grids_across_communities"] == 0),
        ("100% contig", m["contiguous_pct"] >= 100.0),
        ("deterministic", m["deterministic"]),
    ]
    coincident = kind in ("compound_point", "stacked", "missing", "no_position")
    if kind == "city":
        if policy == "chiyang":
            out += [
                ("≥98% in band", m["grids_in_range_pct"] >= 98.0),
                ("needless ≤0.5%", m["needless_splits_pct"] <= 0.5),
                ("multi ≤5%", m["grids_multi_compound_pct"] <= 5.0),
                ("PP ≥0.72", m["mean_polsby_popper"] >= 0.72),
                ("count ±2%", abs(m["grid_count_deviation_pct"]) <= 2.0),
            ]
        else:
            out += [
                ("≥99.7% in band", m["grids_in_range_pct"] >= 99.7),
                ("0 splits", m["buildings_split"] == 0),
            ]
        if big:
            ratio = 2.0 if policy == "chiyang" else 1.5
            out += [
                (f"CPU ≤{ratio}× DP", m["cpu_ratio"] <= ratio),
                ("wall ≤5 s", m["wall_s"] <= 5.0),
                ("RSS ≤1 GB", m["rss_mb"] <= 1024),
            ]
    elif coincident or kind == "tiny_fifth":
        need = 95.0 if policy == "chiyang" else 99.0
        if kind == "tiny_fifth" and policy != "chiyang":
            need = 99.0
        out.append((f"≥{need:g}% in band", m["grids_in_range_pct"] >= need))
    elif kind in ("single_household", "small_compounds"):
        out.append(("≥95% in band", m["grids_in_range_pct"] >= 95.0))
    elif kind == "villa_field":
        out.append(("PP ≥0.6", m["mean_polsby_popper"] >= 0.6))
    if policy == "changchun":
        out.append(("0 splits", m["buildings_split"] == 0))
    return out


COLUMNS = (
    f"{'input':<22} {'grids':>6} {'ideal':>6} {'dev%':>6} {'band%':>6} {'DP band%':>8} "
    f"{'needl%':>6} {'multi%':>6} {'PP':>5} {'DP PP':>5} {'contig':>6} {'DP cont':>7} "
    f"{'split':>5} {'CPU s':>6} {'DP s':>5} {'ratio':>5} {'wall':>5} {'RSS':>5}  bars"
)


def _row(name: str, m: dict, verdicts) -> str:
    b = m["baseline"]
    failed = [v for v, ok in verdicts if not ok]
    verdict = "PASS" if not failed else "FAIL: " + ", ".join(failed)
    return (
        f"{name:<22} {m['grids']:>6} {m['ideal_grids']:>6} {m['grid_count_deviation_pct']:>6.2f} "
        f"{m['grids_in_range_pct']:>6.2f} {b['grids_in_range_pct']:>8.2f} "
        f"{m['needless_splits_pct']:>6.2f} {m['grids_multi_compound_pct']:>6.2f} "
        f"{m['mean_polsby_popper']:>5.3f} {b['mean_polsby_popper']:>5.3f} "
        f"{m['contiguous_pct']:>6.2f} {b['contiguous_pct']:>7.2f} {m['buildings_split']:>5} "
        f"{m['cpu_s']:>6.2f} {m['base_cpu_s']:>5.2f} {m['cpu_ratio']:>5.2f} "
        f"{m['wall_s']:>5.2f} {m['rss_mb']:>5.0f}  {verdict}"
    )


# --generators: the cases function of each
GENERATORS = {"citygen": "citygen_units", "patchwork": "patchwork_city", "blocks": "blocks_city"}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--baseline":
        return _baseline_main(*argv[1:4])
    parser = argparse.ArgumentParser(prog="python -m loudong.grids.division.bench")
    parser.add_argument("--seeds", default="1,2,3", help="seeds of each generator")
    parser.add_argument("--size", type=int, default=500_000, help="households per city")
    parser.add_argument("--policies", default="chiyang,changchun")
    parser.add_argument("--generators", default=",".join(GENERATORS), help=", ".join(GENERATORS))
    parser.add_argument("--cases", default="all", help="all, none, or names from cases.CASES")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each, best CPU kept")
    parser.add_argument("--keep", help="keep the generated files in this directory")
    parser.add_argument("--strict", action="store_true", help="exit 1 when any bar fails")
    args = parser.parse_args(argv)
    from . import cases

    root = Path(__file__).resolve().parents[3]
    policies = [p for p in args.policies.split(",") if p]
    seeds = [int(s) for s in args.seeds.split(",") if s]
    inputs: list[tuple[str, str, object]] = []  # (name, kind, builder)
    for gen in [g for g in args.generators.split(",") if g]:
        for s in seeds:
            build = GENERATORS[gen]
            inputs.append(
                (f"{gen}-{s}", "city", lambda s=s, build=build: getattr(cases, build)(args.size, s))
            )
    wanted = (
        list(cases.CASES)
        if args.cases == "all"
        else [c for c in args.cases.split(",") if c and c != "none"]
    )
    for name in wanted:
        inputs.append((name, name, cases.CASES[name][1]))
    failures = 0
    print(
        f"engine: {' '.join(_engine_cmd(root)[:2])}   cpus: {os.cpu_count()}   repeat: {args.repeat}"
    )
    print(
        "DP = this module's plain per-compound serpentine DP baseline (no repair), same input, same run"
    )
    with tempfile.TemporaryDirectory(prefix="loudong-bench-") as tmp:
        workdir = Path(args.keep) if args.keep else Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        built = {}
        for policy in policies:
            print(f"\n== {policy}")
            print(COLUMNS)
            for name, kind, build in inputs:
                units = built.get(name)
                if units is None:
                    units = built[name] = build()
                m = run_one(root, workdir, name, units, policy, args.repeat)
                verdicts = bars(kind, policy, m, m["households"] >= BIG_INPUT)
                failures += sum(1 for _v, ok in verdicts if not ok)
                print(_row(name, m, verdicts), flush=True)
                if kind == "over_99":
                    print(f"{'':<22} grids in the one community: {m['grids']} (> 99: warned)")
    return 1 if (args.strict and failures) else 0


if __name__ == "__main__":
    sys.exit(main())
