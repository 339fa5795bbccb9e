import contextlib
import csv
import gc
import io
import json
import os
import tempfile
import unittest

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loudong.grids.division.cli import IN_COLUMNS, OUT_COLUMNS, main

HEADER = ",".join(IN_COLUMNS)
GOOD_ROWS = [
    "杏花村社区,幸福小区,1号楼,1单元,14,6,0,0",
    "杏花村社区,幸福小区,1号楼,2单元,13,6,13,0",
    "杏花村社区,幸福小区,1号楼,3单元,13,6,26,0",
    "杏花村社区,幸福小区,2号楼,1单元,14,6,0,30",
    "杏花村社区,幸福小区,2号楼,2单元,13,6,13,30",
    "杏花村社区,幸福小区,2号楼,3单元,13,6,26,30",
    "杏花村社区,御景名都,1栋,1单元,130,30,80,0",
    "秋浦社区,滨江花园,1栋,1单元,40,18,900,0",
    "秋浦社区,滨江花园,1栋,2单元,40,18,913,0",
]


class CliTestCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        self.out = os.path.join(self.dir, "out.csv")
        self.report = os.path.join(self.dir, "report.json")

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, lines, name="units.csv", bom=False):
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
            fh.write("\n".join(lines) + "\n")
        return path

    def run_cli(self, *argv):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            status = main(list(argv))
        return status, err.getvalue()

    def test_it_writes_the_output_columns_and_every_household(self):
        path = self.write([HEADER, *GOOD_ROWS], bom=True)
        status, err = self.run_cli(
            "--policy", "chiyang", "--units", path, "--out", self.out, "--report", self.report
        )
        self.assertEqual(status, 0, err)
        with open(self.out, encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        self.assertEqual(rows[0], OUT_COLUMNS)
        totals = {}
        for r in rows[1:]:
            key = tuple(r[:4])
            totals[key] = totals.get(key, 0) + int(r[6])
        want = {tuple(line.split(",")[:4]): int(line.split(",")[4]) for line in GOOD_ROWS}
        self.assertEqual(totals, want)
        tower = [r for r in rows[1:] if r[1] == "御景名都"]
        self.assertGreater(len(tower), 1)  # 130 households: cut into floor ranges
        for r in rows[1:]:
            if r[1] == "幸福小区":
                self.assertEqual((r[4], r[5]), ("1", "6"))
        grids_by_community = {}
        for r in rows[1:]:
            grids_by_community.setdefault(r[7], set()).add(r[0])
        self.assertTrue(all(len(v) == 1 for v in grids_by_community.values()))
        with open(self.report, encoding="utf-8") as fh:
            report = json.load(fh)
        self.assertEqual(report["policy"]["name"], "chiyang")
        self.assertIn("grids_in_range_pct", report["summary"])
        for g in report["out_of_range"]:
            self.assertTrue(g["reason_zh"] and g["reason_en"])

    def test_it_leaves_the_garbage_collector_on(self):
        # the collector is off while dividing and writing, and back on when main() returns
        path = self.write([HEADER, *GOOD_ROWS])
        for argv in (("--units", path), ("--units", os.path.join(self.dir, "missing.csv"))):
            status, err = self.run_cli("--policy", "chiyang", *argv, "--out", self.out)
            self.assertIn(status, (0, 2), err)
            self.assertTrue(gc.isenabled())

    def test_it_accepts_a_policy_json_file(self):
        path = self.write([HEADER, *GOOD_ROWS])
        policy = os.path.join(self.dir, "profile.json")
        with open(policy, "w", encoding="utf-8") as fh:
            json.dump(
                {"name": "custom", "division": {"target": 100, "lower": 70, "upper": 130}}, fh
            )
        status, err = self.run_cli("--policy", policy, "--units", path, "--out", self.out)
        self.assertEqual(status, 0, err)

    def assert_rejected(self, lines, *needles, policy="chiyang", path=None):
        path = path or self.write(lines)
        status, err = self.run_cli(
            "--policy", policy, "--units", path, "--out", self.out, "--report", self.report
        )
        self.assertEqual(status, 2)
        self.assertFalse(os.path.exists(self.out))
        self.assertFalse(os.path.exists(self.report))
        self.assertEqual([f for f in os.listdir(self.dir) if f.startswith(".divide-")], [])
        for needle in needles:
            self.assertIn(needle, err)
        return err

    def test_it_rejects_a_missing_column(self):
        header = HEADER.replace(",floors", "")
        rows = [",".join(r.split(",")[:5] + r.split(",")[6:]) for r in GOOD_ROWS]
        self.assert_rejected([header, *rows], "缺少列", "floors", "第1行")

    def test_it_rejects_non_numeric_households(self):
        rows = list(GOOD_ROWS)
        rows[2] = "杏花村社区,幸福小区,1号楼,3单元,十三,6,26,0"
        self.assert_rejected([HEADER, *rows], "第4行", "households")

    def test_it_rejects_negative_households_and_floors(self):
        rows = list(GOOD_ROWS)
        rows[0] = "杏花村社区,幸福小区,1号楼,1单元,-1,6,0,0"
        self.assert_rejected([HEADER, *rows], "第2行", "households", "负数")
        rows = list(GOOD_ROWS)
        rows[1] = "杏花村社区,幸福小区,1号楼,2单元,13,-6,13,0"
        self.assert_rejected([HEADER, *rows], "第3行", "floors")

    def test_it_rejects_non_numeric_coordinates(self):
        rows = list(GOOD_ROWS)
        rows[4] = "杏花村社区,幸福小区,2号楼,2单元,13,6,东,30"
        self.assert_rejected([HEADER, *rows], "第6行", "“x”")
        rows[4] = "杏花村社区,幸福小区,2号楼,2单元,13,6,13,"
        self.assert_rejected([HEADER, *rows], "第6行", "“y”")

    def test_it_rejects_a_duplicate_unit(self):
        rows = [*GOOD_ROWS, GOOD_ROWS[3]]
        self.assert_rejected([HEADER, *rows], f"第{len(rows) + 1}行", "重复", "第5行")

    def test_it_rejects_an_unknown_policy(self):
        self.assert_rejected([HEADER, *GOOD_ROWS], "未知的划分方案", "chiyang", policy="nowhere")

    def test_it_rejects_an_unreadable_file(self):
        self.assert_rejected([], "无法读取", path=os.path.join(self.dir, "missing.csv"))
        binary = os.path.join(self.dir, "binary.csv")
        with open(binary, "wb") as fh:
            fh.write(b"\xff\xfe\x00\x81garbage\x00")
        self.assert_rejected([], "无法读取", path=binary)

    def test_it_rejects_an_empty_file(self):
        self.assert_rejected([""], "表头")

    def test_it_keeps_an_existing_output_when_input_is_bad(self):
        with open(self.out, "w", encoding="utf-8") as fh:
            fh.write("old")
        rows = [*GOOD_ROWS, GOOD_ROWS[0]]
        path = self.write([HEADER, *rows])
        status, _ = self.run_cli("--policy", "chiyang", "--units", path, "--out", self.out)
        self.assertEqual(status, 2)
        with open(self.out, encoding="utf-8") as fh:
            self.assertEqual(fh.read(), "old")

    def test_it_writes_only_the_header_for_no_units(self):
        path = self.write([HEADER])
        status, err = self.run_cli(
            "--policy", "changchun", "--units", path, "--out", self.out, "--report", self.report
        )
        self.assertEqual(status, 0, err)
        with open(self.out, encoding="utf-8") as fh:
            self.assertEqual(fh.read().strip(), ",".join(OUT_COLUMNS))


class ReaderTestCase(CliTestCase):
    """``loudong divide`` reads with ``read_units_fast`` (C); its errors are ``read_units``'s."""

    def test_it_rejects_floors_below_one(self):
        rows = list(GOOD_ROWS)
        rows[5] = "杏花村社区,幸福小区,2号楼,3单元,13,0,26,30"
        self.assert_rejected([HEADER, *rows], "第7行", "floors", "至少为 1")

    def test_it_rejects_one_coordinate_missing_or_not_finite(self):
        rows = list(GOOD_ROWS)
        rows[6] = "杏花村社区,御景名都,1栋,1单元,130,30,,0"
        self.assert_rejected([HEADER, *rows], "第8行", "“x”", "坐标")
        rows[6] = "杏花村社区,御景名都,1栋,1单元,130,30,80,inf"
        self.assert_rejected([HEADER, *rows], "第8行", "“y”", "有限")
        rows[6] = "杏花村社区,御景名都,1栋,1单元,130,30,1e400,0"
        self.assert_rejected([HEADER, *rows], "第8行", "“x”", "有限")

    def test_it_rejects_an_empty_name_and_a_short_row(self):
        rows = list(GOOD_ROWS)
        rows[3] = "杏花村社区,幸福小区, ,1单元,14,6,0,30"
        self.assert_rejected([HEADER, *rows], "第5行", "“building”", "不能为空")
        rows = list(GOOD_ROWS)
        rows[3] = "杏花村社区,幸福小区,2号楼,1单元,14"
        self.assert_rejected([HEADER, *rows], "第5行", "floors")

    def test_it_rejects_a_duplicate_after_stripping(self):
        rows = [*GOOD_ROWS, " 杏花村社区 ,幸福小区,1号楼,1单元\u3000,1,1,0,0"]
        self.assert_rejected([HEADER, *rows], f"第{len(rows) + 1}行", "重复", "第2行")

    def test_it_rejects_invalid_utf8_in_a_row(self):
        path = self.write([HEADER, *GOOD_ROWS])
        with open(path, "ab") as fh:
            fh.write("秋浦社区,滨江花园,2栋,1单元,4,6,0,0\n".encode()[:-12] + b"\xff,4,6,0,0\n")
        self.assert_rejected([], "不是 UTF-8", path=path)

    def test_it_reads_what_the_plain_reader_reads(self):
        from loudong.grids.division import _core
        from loudong.grids.division.cli import read_units, read_units_fast

        plain = [HEADER, *GOOD_ROWS]
        odd = [
            "y,x,floors,households,unit,building,compound,community,extra",
            "0,0, 14 ,\u300014,1单元,1号楼,幸福小区,杏花村社区,more",
            "",
            ",,,,,,,,",
            "30,13,6,13,2单元,1号楼,幸福小区,杏花村社区",
            '"30",26,6,13,3单元,"1号楼","幸福,小区",杏花村社区',
            ",,6,+13,4单元,1号楼,幸福小区,杏花村社区",
            "1_0.5,-0.0,007,1_3,5单元,1号楼,幸福小区,杏花村社区",
        ]
        for lines, fast in ((plain, True), (odd, False)):
            for newline in ("\n", "\r\n"):
                path = os.path.join(self.dir, "r.csv")
                with open(path, "w", encoding="utf-8-sig", newline="") as fh:
                    fh.write(newline.join(lines) + newline)
                units = read_units(path)
                got = read_units_fast(path)
                self.assertEqual(got, units)
                self.assertEqual(
                    [tuple(type(v) for v in (u.households, u.floors, u.x)) for u in got],
                    [tuple(type(v) for v in (u.households, u.floors, u.x)) for u in units],
                )
                with open(path, "rb") as fh:
                    data = fh.read()[3:]
                start = data.index(b"\n") + 1
                if fast:  # the plain file is parsed in C, not handed back to read_units
                    got = _core.read_units(
                        data, start, tuple(range(8)), 8, type(units[0]), tuple(IN_COLUMNS)
                    )
                    self.assertEqual(got, units)
        self.assertEqual(len(read_units(path)), 5)


TOKENS = [
    "",
    " ",
    "\u3000",
    "a",
    "幸福",
    "1号楼",
    "0",
    "7",
    "-3",
    "+4",
    "1_0",
    "007",
    "١٢",
    "2.5",
    "-0.0",
    "1e3",
    "1e400",
    "nan",
    "inf",
    ".",
    "\t9 ",
    "x,y",
    '"',
    "\r",
    "\xa0",
]


def _outcome(reader, path):
    from loudong.grids.division.cli import InputError

    try:
        return reader(path)
    except InputError as exc:
        return str(exc)


class ReaderPropertyTestCase(unittest.TestCase):
    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        st.lists(st.lists(st.sampled_from(TOKENS), min_size=0, max_size=9), min_size=0, max_size=8),
        st.booleans(),
        st.sampled_from(["\n", "\r\n"]),
    )
    def test_it_gives_the_plain_readers_units_or_error(self, rows, valid_prefix, newline):
        from loudong.grids.division.cli import read_units, read_units_fast

        lines = [HEADER, *(GOOD_ROWS if valid_prefix else [])]
        lines += [",".join(r) for r in rows]
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "u.csv")
            with open(path, "w", encoding="utf-8", newline="") as fh:
                fh.write(newline.join(lines) + newline)
            self.assertEqual(_outcome(read_units_fast, path), _outcome(read_units, path))

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        st.lists(
            st.tuples(
                *[st.sampled_from(["a", " b", "幸福\u3000", "1号楼", "c\t", "幸福", "", "\xa0"])]
                * 4,
                *[st.sampled_from(["0", "13", " 7", "007", "+2", "-1", "1_0", "x", ""])] * 2,
                *[st.sampled_from(["", "0", "-2.5", "1e3", " 4 ", "1_0.5", "inf", "y"])] * 2,
            ),
            max_size=12,
        ),
        st.sampled_from(["\n", "\r\n"]),
    )
    def test_it_gives_the_plain_readers_units_or_error_on_rows(self, rows, newline):
        from loudong.grids.division.cli import read_units, read_units_fast

        lines = [HEADER, *(",".join(r) for r in rows)]
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "u.csv")
            with open(path, "w", encoding="utf-8", newline="") as fh:
                fh.write(newline.join(lines) + newline)
            self.assertEqual(_outcome(read_units_fast, path), _outcome(read_units, path))


class WriterTestCase(unittest.TestCase):
    @settings(max_examples=200, deadline=None)
    @given(
        st.lists(
            st.tuples(
                *[st.sampled_from(["a", "幸福 小区", "1号楼", "x,y", 'q"', "r\r", "n\n", " "])] * 4,
                *[st.integers(min_value=0, max_value=10**20)] * 3,
                st.sampled_from(["社区-G001", "G,2"]),
            ),
            max_size=10,
        )
    )
    def test_it_writes_what_csv_writer_writes(self, rows):
        from loudong.grids.division.cli import _plain_rows, _write_rows
        from loudong.grids.division.models import Piece

        pieces = [Piece(*r) for r in rows]
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "o.csv")
            _write_rows(os.open(path, os.O_WRONLY | os.O_CREAT), pieces)
            with open(path, "rb") as fh:
                expected = fh.read()
        body = _plain_rows(pieces)
        plain = all(
            not any(c in s for c in ',"\r\n') for r in rows for s in r if isinstance(s, str)
        ) and all(n < 2**63 for r in rows for n in r[4:7])
        self.assertEqual(body is not None, plain)
        if body is not None:
            self.assertEqual((",".join(OUT_COLUMNS) + "\r\n").encode() + body, expected)
