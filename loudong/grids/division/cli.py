"""``loudong divide --policy NAME --units IN.csv --out OUT.csv [--report R.json]``.

Needs no database and no Django: the ``loudong`` console script calls ``main(argv)`` (argv after
the word "divide") before Django is set up. On any input error it prints a Chinese message
naming the CSV line and column to stderr, exits with status 2 and writes no file (outputs are
written to temporary files and renamed only at the end).
"""

from __future__ import annotations

import argparse
import csv
import gc
import os
import sys
import time

IN_COLUMNS = ["community", "compound", "building", "unit", "households", "floors", "x", "y"]
OUT_COLUMNS = [
    "community",
    "compound",
    "building",
    "unit",
    "floor_from",
    "floor_to",
    "households",
    "grid",
]
PROGRESS_THRESHOLD = 20_000  # households; above this (or on a terminal) progress goes to stderr


class InputError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse exits with 2 as well, but in English
        raise InputError(f"参数错误：{message}")


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = _Parser(prog="loudong divide", description="按方案把单元划分为网格（不需要数据库）")
    parser.add_argument(
        "--policy", required=True, help="方案名（chiyang / changchun）或方案 JSON 文件路径"
    )
    parser.add_argument("--units", required=True, help="输入单元 CSV：" + ",".join(IN_COLUMNS))
    parser.add_argument("--out", required=True, help="输出 CSV：" + ",".join(OUT_COLUMNS))
    parser.add_argument("--report", help="报告 JSON（汇总指标与每个超出区间网格的原因）")
    parser.add_argument("--quiet", action="store_true", help="不显示进度")
    return parser.parse_args(argv)


def _load_policy(name: str):
    from .models import Policy, get_policy

    if name.lower().endswith(".json") or os.sep in name:
        import json

        try:
            with open(name, encoding="utf-8-sig") as fh:
                data = json.load(fh)
        except (OSError, ValueError) as exc:
            raise InputError(f"无法读取方案文件 {name}：{exc}") from None
        try:
            return Policy.from_dict(data)
        except (ValueError, TypeError) as exc:
            raise InputError(f"方案文件 {name} 无效：{exc}") from None
    try:
        return get_policy(name)
    except ValueError as exc:
        raise InputError(str(exc)) from None


def read_units(path: str):
    """Parse and validate the units CSV; raise InputError naming line and column."""
    from .models import Unit

    try:
        fh = open(path, encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputError(f"无法读取文件 {path}：{exc.strerror or exc}") from None
    units = []
    seen: dict[tuple, int] = {}
    try:
        with fh:
            reader = csv.reader(fh)
            try:
                header = next(reader)
            except StopIteration:
                raise InputError(f"{path} 是空文件，缺少表头：{','.join(IN_COLUMNS)}") from None
            header = [h.strip() for h in header]
            missing = [c for c in IN_COLUMNS if c not in header]
            if missing:
                raise InputError(
                    f"{path} 第1行（表头）缺少列：{', '.join(missing)}"
                    f"（需要：{','.join(IN_COLUMNS)}）"
                )
            idx = [header.index(c) for c in IN_COLUMNS]
            width = max(idx) + 1
            for row in reader:
                line = reader.line_num
                if not row or all(not c.strip() for c in row):
                    continue
                if len(row) < width:
                    row = row + [""] * (width - len(row))
                comm, comp, bld, unit, hh, fl, x, y = (row[i].strip() for i in idx)
                for col, val in zip(IN_COLUMNS[:4], (comm, comp, bld, unit), strict=True):
                    if not val:
                        raise InputError(f"{path} 第{line}行，列“{col}”：不能为空")
                households = _int(path, line, "households", hh, "户数")
                floors = _int(path, line, "floors", fl, "层数")
                if floors < 1:
                    raise InputError(
                        f"{path} 第{line}行，列“floors”：层数必须至少为 1，实际为“{fl}”"
                    )
                if not x and not y:
                    fx = fy = None  # no position: placed by building / compound (engine)
                else:
                    fx = _float(path, line, "x", x)
                    fy = _float(path, line, "y", y)
                key = (comm, comp, bld, unit)
                if key in seen:
                    raise InputError(
                        f"{path} 第{line}行，列“unit”：单元重复（与第{seen[key]}行相同："
                        f"{comm}/{comp}/{bld}/{unit}）"
                    )
                seen[key] = line
                units.append(Unit(comm, comp, bld, unit, households, floors, fx, fy))
    except UnicodeDecodeError:
        raise InputError(f"无法读取文件 {path}：不是 UTF-8 编码的 CSV") from None
    except csv.Error as exc:
        raise InputError(f"无法读取文件 {path}：CSV 格式错误（{exc}）") from None
    except OSError as exc:
        raise InputError(f"无法读取文件 {path}：{exc.strerror or exc}") from None
    return units


def read_units_fast(path: str):
    """``read_units`` in C (``_core.read_units``) for a plain file; the same units or errors.

    The C loop parses only what it can parse exactly as ``read_units`` does (no quotes, lines
    ending in LF or CRLF, every row valid); anything else — a bad row, a duplicate, a quote, a
    file it cannot open — goes to ``read_units``, which reads the file again and gives the
    error with its line and column. The benchmark's DP baseline reads with ``read_units``.
    """
    try:
        from . import _core
    except ImportError:  # pragma: no cover - no C compiler where it was installed
        return read_units(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return read_units(path)
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0  # utf-8-sig
    end = data.find(b"\n", start)
    if end < 0 or b'"' in data or b"\0" in data:
        return read_units(path)
    try:
        data.decode("utf-8")  # invalid UTF-8 anywhere is refused, as the text file does
    except UnicodeDecodeError:
        return read_units(path)
    line = data[start:end]
    if line.endswith(b"\r"):
        line = line[:-1]
    if b"\r" in line:
        return read_units(path)
    header = [h.strip() for h in line.decode("utf-8").split(",")]
    if any(c not in header for c in IN_COLUMNS):
        return read_units(path)
    idx = tuple(header.index(c) for c in IN_COLUMNS)
    from .models import Unit

    units = _core.read_units(data, end + 1, idx, max(idx) + 1, Unit, tuple(IN_COLUMNS))
    return read_units(path) if units is None else units


def _int(path, line, col, val, label) -> int:
    try:
        n = int(val)
    except ValueError:
        raise InputError(
            f"{path} 第{line}行，列“{col}”：{label}必须是非负整数，实际为“{val}”"
        ) from None
    if n < 0:
        raise InputError(f"{path} 第{line}行，列“{col}”：{label}不能为负数，实际为“{val}”")
    return n


def _float(path, line, col, val) -> float:
    try:
        f = float(val)
    except ValueError:
        raise InputError(
            f"{path} 第{line}行，列“{col}”：坐标必须是数字（米），实际为“{val}”"
        ) from None
    if f != f or f in (float("inf"), float("-inf")):
        raise InputError(f"{path} 第{line}行，列“{col}”：坐标必须是有限的数字，实际为“{val}”")
    return f


def _plain_rows(pieces) -> bytes | None:
    """The output's rows as ``csv.writer`` writes them, in C (``_core.write_rows``); None when
    a name needs quoting (a comma, a quote, a line break) or the module is not built."""
    try:
        from . import _core
    except ImportError:  # pragma: no cover - no C compiler where it was installed
        return None
    return _core.write_rows(pieces, tuple(OUT_COLUMNS))


def _write_rows(fd: int, pieces) -> None:
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        write_pieces(fh, pieces)


def write_pieces(fh, pieces) -> None:
    """The output CSV (``OUT_COLUMNS``) of ``pieces`` with ``csv.writer``, on a text file."""
    writer = csv.writer(fh)
    writer.writerow(OUT_COLUMNS)
    writer.writerows(
        (
            p.community,
            p.compound,
            p.building,
            p.unit,
            p.floor_from,
            p.floor_to,
            p.households,
            p.grid,
        )
        for p in pieces
    )


def _temp_beside(path: str, suffix: str):
    directory = os.path.dirname(os.path.abspath(path)) or "."
    # tempfile.mkstemp's exclusive creation, without importing tempfile (and shutil, random)
    for n in range(10_000):
        tmp = os.path.join(directory, f".divide-{os.getpid()}-{n}{suffix}")
        try:
            return os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"{directory}: no free name for a temporary file")


def main(argv: list[str]) -> int:
    """Run ``loudong divide``; returns the exit status (0 ok, 2 bad input).

    The cyclic garbage collector is off from the end of reading to the end of writing, and
    back as it was on return (``_run``'s objects are freed by then, so turning it on costs
    nothing): switched on right after ``divide()``, it would first sweep every object the
    division left in its youngest generation, which reference counting frees anyway — 0.4 s
    of CPU at 500k households when the division ran in this process (one core), a few
    hundredths when two workers did. Reading runs as in any Python program.
    """
    enabled = gc.isenabled()
    try:
        return _run(argv)
    finally:
        if enabled:
            gc.enable()


def _run(argv: list[str]) -> int:
    started = time.monotonic()
    temps: list[str] = []
    try:
        args = _parse_args(argv)
        policy = _load_policy(args.policy)
        units = read_units_fast(args.units)
        gc.disable()  # until main() returns (see there); divide() finds it off and leaves it
        total = sum(u.households for u in units)
        show = not args.quiet and (total > PROGRESS_THRESHOLD or sys.stderr.isatty())
        if show:
            print(
                f"读取 {len(units)} 个单元、{total} 户（{time.monotonic() - started:.1f} 秒）",
                file=sys.stderr,
            )

        def progress(done, count, name):
            if show and (done == count or done % max(1, count // 10) == 0):
                print(f"  已划分 {done}/{count} 个社区（{name}）", file=sys.stderr)

        from .engine import DivisionError, divide

        try:
            # read_units has refused duplicate units, negative households and floors below 1
            division = divide(
                units, policy, progress=progress, with_metrics=bool(args.report), validated=True
            )
        except DivisionError as exc:
            raise InputError(str(exc)) from None
        for path in [args.out] + ([args.report] if args.report else []):
            if os.path.isdir(path):
                raise InputError(f"无法写入 {path}：这是一个目录")
        try:
            body = _plain_rows(division.pieces)
            fd, tmp_out = _temp_beside(args.out, ".csv")
            temps.append(tmp_out)
            if body is not None:
                with os.fdopen(fd, "wb") as fh:
                    fh.write((",".join(OUT_COLUMNS) + "\r\n").encode() + body)
            else:
                _write_rows(fd, division.pieces)
            tmp_report = None
            if args.report:
                fd, tmp_report = _temp_beside(args.report, ".json")
                temps.append(tmp_report)
                import json

                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    json.dump(division.report(), fh, ensure_ascii=False, indent=1)
            os.replace(tmp_out, args.out)
            temps.remove(tmp_out)
            if tmp_report:
                os.replace(tmp_report, args.report)
                temps.remove(tmp_report)
        except OSError as exc:
            raise InputError(
                f"无法写入输出文件：{exc.strerror or exc}（{exc.filename or ''}）"
            ) from None
        if show:
            bad = sum(1 for g in division.grids if not g.in_range)
            print(
                f"完成：{len(division.grids)} 个网格，{bad} 个超出区间，"
                f"用时 {time.monotonic() - started:.1f} 秒",
                file=sys.stderr,
            )
        return 0
    except InputError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    finally:
        for tmp in temps:
            try:
                os.unlink(tmp)
            except OSError:
                pass


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
