"""A big sheet parsed in two parts at once gives what one parse gives (``lib/sheets.py``).

The split is forced on small workbooks by lowering ``SPLIT_BYTES`` (and the head and chunk
sizes, so that the cut falls in a later chunk and tags cut by a chunk's end are met)."""

import contextlib
import datetime as dt
import io
import os
import re
import unittest
import zipfile
from pathlib import Path
from tempfile import TemporaryDirectory
from unittest import mock

from loudong.lib import sheets
from loudong.lib.sheets import SheetError, read_book


def _workbook(*, write_only=False, rows=400, merged=(), gap=0, lead=0) -> bytes:
    """A registry-like sheet: text, numbers, dates, booleans and empty cells; the last
    column is empty below row 150 (so the second part is narrower); ``gap`` empty rows in
    the middle; ``lead`` empty columns before the first row's cells."""
    from openpyxl import Workbook

    book = Workbook(write_only=write_only)
    sheet = book.create_sheet("居民登记") if write_only else book.active
    if not write_only:
        sheet.title = "居民登记"
    lead_cells = [None] * lead
    sheet.append([*lead_cells, "姓名", "楼栋", "户数", "出生日期", "在册", "备注"])
    for i in range(rows):
        if gap and i == rows // 2:
            for _ in range(gap):
                sheet.append([])
        sheet.append(
            [
                *lead_cells,
                f"居民{i}",
                f"{i % 7 + 1}号楼",
                i * 3 if i % 5 else None,
                dt.date(1950 + i % 50, i % 12 + 1, i % 28 + 1),
                bool(i % 2),
                '<row r="1"> &amp; 备注' if i < 150 else None,
            ]
        )
    other = book.create_sheet("楼栋")
    other.append(["小区", "楼栋"])
    other.append(["翠微小区", "1号楼"])
    if not write_only:
        for cells in merged:
            sheet.merge_cells(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rewritten(content: bytes, member: str, change, renamed=None) -> bytes:
    """The workbook with one member's XML changed by ``change(bytes) -> bytes``, and members
    renamed by ``renamed`` (old name → new name)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            name = (renamed or {}).get(info.filename, info.filename)
            target.writestr(name, change(data) if info.filename == member else data)
    return out.getvalue()


def _read(content, *, split: bool, name="表.xlsx"):
    """(name, rows, merged, col_offset, height) of every sheet, rows as lists."""
    limits = {"SPLIT_BYTES": 2000, "_HEAD": 600, "_CHUNK": 97, "_spare_core": lambda: True}
    with mock.patch.multiple(sheets, **limits) if split else contextlib.nullcontext():
        book = read_book(content, name)
        return [
            (s.name, [list(r) for r in s.rows], sorted(s.merged), s.col_offset, s.height)
            for s in book
        ]


class PartsTestCase(unittest.TestCase):
    def assertSameAsOneParse(self, content, *, parts=True, joined=True):
        """Read with the split forced, the same as one parse; ``parts``: a part was written;
        ``joined``: the rows came from the parts."""
        with (
            mock.patch.object(sheets, "_Part", wraps=sheets._Part) as part,
            mock.patch.object(sheets, "_joined", wraps=sheets._joined) as join,
        ):
            split = _read(content, split=True)
        self.assertEqual(split, _read(content, split=False))
        self.assertEqual((part.called, join.called), (parts, joined))
        return split

    def test_the_rows_are_those_of_one_parse(self):
        for write_only in (False, True):  # shared strings, inline strings
            with self.subTest(write_only=write_only):
                book = self.assertSameAsOneParse(_workbook(write_only=write_only))
                name, rows, _merged, offset, height = book[0]
                self.assertEqual((name, len(rows), offset, height), ("居民登记", 401, 0, 401))
                self.assertEqual(rows[400][0], "居民399")
                self.assertEqual(len({len(r) for r in rows}), 1)  # one width, as one parse
                self.assertEqual(book[1][1], [["小区", "楼栋"], ["翠微小区", "1号楼"]])

    def test_shared_strings_under_another_name(self):
        """A writer may name the shared strings as it likes; the workbook's relationships say."""
        content = _workbook()
        moved = {"xl/sharedStrings.xml": "xl/strings/table.xml"}
        content = _rewritten(content, "[Content_Types].xml", lambda x: x.replace(
            b"/xl/sharedStrings.xml", b"/xl/strings/table.xml"), moved)  # fmt: skip
        content = _rewritten(content, "xl/_rels/workbook.xml.rels", lambda x: x.replace(
            b"sharedStrings.xml", b"strings/table.xml"))  # fmt: skip
        self.assertNotIn("xl/sharedStrings.xml", zipfile.ZipFile(io.BytesIO(content)).namelist())
        _name, rows, *_ = self.assertSameAsOneParse(content)[0]
        self.assertEqual(rows[400][:2], ["居民399", "1号楼"])

    def test_merged_cells_across_the_cut_empty_rows_and_leading_columns(self):
        content = _workbook(merged=["B190:B230", "A3:A4"], gap=5, lead=2)
        _name, _rows, merged, offset, height = self.assertSameAsOneParse(content)[0]
        self.assertEqual(merged, [((2, 0), (3, 0)), ((189, 1), (229, 1))])
        self.assertEqual((offset, height), (2, 406))

    def test_a_path_as_well_as_bytes(self):
        content = _workbook()
        with TemporaryDirectory() as tmp:
            path = Path(tmp) / "表.xlsx"
            path.write_bytes(content)
            with mock.patch.multiple(
                sheets, SPLIT_BYTES=2000, _HEAD=600, _CHUNK=97, _spare_core=lambda: True
            ):
                rows = [list(r) for r in read_book(path, path.name)[0].rows]
        self.assertEqual(rows, _read(content, split=False)[0][1])

    def test_rows_without_numbers_or_out_of_order_are_read_in_one_parse(self):
        member = "xl/worksheets/sheet1.xml"
        unnumbered = _rewritten(_workbook(), member, lambda x: re.sub(rb' r="[A-Z]*\d+"', b"", x))
        self.assertEqual(len(_read(unnumbered, split=True)[0][1]), 401)
        self.assertSameAsOneParse(unnumbered, joined=False)

        def swap(xml):  # the last row first
            rows = re.findall(rb"<row .*?</row>", xml, re.S)
            return xml.replace(rows[-1], b"").replace(rows[0], rows[0] + rows[-1])

        self.assertSameAsOneParse(_rewritten(_workbook(), member, swap), joined=False)

    def test_a_prefixed_namespace_is_read_in_one_parse(self):
        def prefixed(xml):
            xml = re.sub(
                rb"<(/?)(worksheet|sheetData|row|c|v|is|t|f|dimension|sheetViews"
                rb"|sheetView|selection|sheetFormatPr|pageMargins|cols|col|sheetPr"
                rb"|outlinePr|pageSetUpPr|pane|mergeCells|mergeCell)\b",
                rb"<\1x:\2",
                xml,
            )
            return xml.replace(b"<x:worksheet xmlns=", b"<x:worksheet xmlns:x=")

        content = _rewritten(_workbook(), "xl/worksheets/sheet1.xml", prefixed)
        self.assertEqual(len(_read(content, split=False)[0][1]), 401)
        self.assertSameAsOneParse(content, parts=False, joined=False)

    def test_no_memory_file_reads_in_one_parse(self):
        content = _workbook()
        with mock.patch.object(sheets._Part, "__init__", side_effect=OSError(12, "No memory")):
            self.assertSameAsOneParse(content, joined=False)
        with mock.patch.object(sheets, "_memory_files", return_value=False):
            self.assertSameAsOneParse(content, parts=False, joined=False)

    def test_a_broken_sheet_says_so_as_one_parse_does(self):
        def broken(xml):  # a cell left open in the second half
            at = xml.index(b"<row", len(xml) * 3 // 4)
            return xml[:at] + b"<row><c><v>1" + xml[at:]

        content = _rewritten(_workbook(), "xl/worksheets/sheet1.xml", broken)
        messages = []
        for split in (True, False):
            with self.assertRaises(SheetError) as caught:
                _read(content, split=split)
            messages.append(str(caught.exception))
        self.assertEqual(messages[0], messages[1])
        self.assertIn("文件无法读取", messages[0])

    def test_the_parts_stay_in_memory_and_are_closed(self):
        opened = []
        real = os.memfd_create

        def memfd(name, flags):
            opened.append(real(name, flags))
            return opened[-1]

        with TemporaryDirectory() as tmp, mock.patch("tempfile.tempdir", tmp):
            with mock.patch.object(sheets.os, "memfd_create", side_effect=memfd):
                self.assertSameAsOneParse(_workbook())
            self.assertEqual(list(Path(tmp).iterdir()), [])  # nothing written on the disk
        self.assertEqual(len(opened), 2)
        for fd in opened:  # closed (its number may have been given to another file since)
            try:
                target = os.readlink(f"/proc/self/fd/{fd}")
            except OSError:
                continue
            self.assertNotIn("loudong-sheet", target)

    def test_a_small_sheet_is_one_parse(self):
        with mock.patch.object(sheets, "_Part") as part:
            read_book(_workbook(), "表.xlsx")
        part.assert_not_called()

    def test_busy_cores_or_one_core_read_in_one_parse(self):
        def stat(busy, idle):  # /proc/stat of two processors (ticks since the boot)
            return f"cpu  {busy} 0 0 {idle} 0 0 0 0 0 0\ncpu0 1\ncpu1 1\nintr 5\n".encode()

        with mock.patch.object(sheets.time, "sleep"):
            for affinity, idle, spare in ((2, 190, True), (2, 150, True), (2, 140, False),
                                          (2, 20, False), (1, 200, False)):  # fmt: skip
                with (
                    mock.patch.object(sheets.os, "sched_getaffinity", return_value=range(affinity)),
                    mock.patch("builtins.open", mock.mock_open()) as opened,
                ):  # 200 ticks pass, ``idle`` of them idle
                    opened.return_value.read.side_effect = [
                        stat(50, 70),
                        stat(250 - idle, 70 + idle),
                    ]
                    self.assertEqual(sheets._spare_core(), spare, (affinity, idle))
            # Half a second of this process's other threads (Django starting beside an early
            # read) is theirs to give back: 100 idle ticks of 200 and 50 of its own are 1.5.
            for own, spare in ((0.0, False), (0.5, True)):
                with (
                    mock.patch.object(sheets.os, "sched_getaffinity", return_value=range(2)),
                    mock.patch.object(sheets.os, "sysconf", return_value=100),
                    mock.patch.object(sheets.time, "process_time", side_effect=[1.0, 1.0 + own]),
                    mock.patch("builtins.open", mock.mock_open()) as opened,
                ):
                    opened.return_value.read.side_effect = [stat(50, 70), stat(150, 170)]
                    self.assertEqual(sheets._spare_core(), spare, own)
        with (
            mock.patch.multiple(sheets, SPLIT_BYTES=2000, _HEAD=600, _CHUNK=97),
            mock.patch.object(sheets, "_spare_core", return_value=False),
            mock.patch.object(sheets, "_Part") as part,
        ):
            read_book(_workbook(), "表.xlsx")
        part.assert_not_called()


def _rows(book):
    return [(s.name, [list(r) for r in s.rows]) for s in book]


class EarlyReadTestCase(unittest.TestCase):
    """``read_early``: the file the command line names is read while Django starts; the next
    ``read_book`` takes that read when it is of the same file, unchanged, and drops it else."""

    def setUp(self):
        self.tmp = TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.addCleanup(self.forget)
        self.path = Path(self.tmp.name) / "登记表.xlsx"
        self.path.write_bytes(_workbook(rows=30))

    def forget(self):
        if sheets._early is not None:
            sheets._early.thread.join()
            sheets._early = None

    def started(self, path) -> sheets._EarlyRead:
        sheets.read_early(str(path))
        early = sheets._early
        self.assertIsNotNone(early)
        early.thread.join()
        return early

    def test_the_next_read_of_the_file_takes_its_sheets(self):
        early = self.started(self.path)
        with mock.patch.object(sheets, "check_xlsx") as checked:
            book = read_book(self.path, self.path.name)
        checked.assert_not_called()  # nothing read a second time
        self.assertIs(book, early.sheets)
        self.assertIsNone(sheets._early)
        rows = _rows(book)
        self.assertEqual(rows, _rows(read_book(self.path.read_bytes(), "表.xlsx")))
        self.assertEqual(len(rows[0][1]), 31)

    def test_a_read_of_another_file_or_of_bytes_drops_it(self):
        other = Path(self.tmp.name) / "其他.xlsx"
        other.write_bytes(_workbook(rows=5))
        for data, name in ((other, other.name), (other.read_bytes(), other.name),
                           (self.path, "另一个名字.xlsx")):  # fmt: skip
            early = self.started(self.path)
            book = read_book(data, name)
            self.assertIsNot(book, early.sheets)
            self.assertIsNone(sheets._early)
            expected = 6 if name == other.name else 31
            self.assertEqual(len(_rows(book)[0][1]), expected)

    def test_a_file_changed_since_is_read_again(self):
        self.started(self.path)
        self.path.write_bytes(_workbook(rows=7))
        stat = self.path.stat()
        os.utime(self.path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
        self.assertEqual(len(_rows(read_book(self.path, self.path.name))[0][1]), 8)

    def test_its_errors_and_the_callers_limit_are_raised_by_the_read(self):
        self.path.write_bytes(b"PK\x03\x04 not a zip")
        self.started(self.path)
        with self.assertRaisesRegex(SheetError, "不是有效的 .xlsx 文件"):
            read_book(self.path, self.path.name)
        self.path.write_bytes(_workbook(rows=30))
        self.started(self.path)
        with self.assertRaisesRegex(SheetError, "文件过大"):
            read_book(self.path, self.path.name, max_bytes=100)
        self.assertIsNone(sheets._early)

    def test_rows_declared_or_bounded_before_the_parse_ends(self):
        self.started(self.path)
        self.assertEqual(sheets.early_rows(self.path, self.path.name), 31)  # A1:F31
        self.assertIsNone(sheets.early_rows(self.path, "别的.xlsx"))
        self.forget()
        bare = Path(self.tmp.name) / "无范围.xlsx"  # a write-only workbook declares none
        bare.write_bytes(_rewritten(_workbook(rows=30), "xl/worksheets/sheet1.xml",
                                    lambda xml: re.sub(rb"<dimension[^>]*>", b"", xml)))  # fmt: skip
        self.started(bare)
        bound = sheets.early_rows(bare, bare.name)
        with zipfile.ZipFile(bare) as archive:
            size = archive.getinfo("xl/worksheets/sheet1.xml").file_size
        self.assertEqual(bound, size // 40)
        self.assertGreater(bound, 31)
        self.forget()
        table = Path(self.tmp.name) / "表.csv"
        table.write_text("姓名,楼栋\n张三,1号楼\n", encoding="utf-8")
        self.started(table)
        self.assertIsNone(sheets.early_rows(table, table.name))
        self.assertEqual(_rows(read_book(table, table.name))[0][1][1], ["张三", "1号楼"])

    def test_no_read_begins_for_no_spreadsheet_or_no_file(self):
        for name in ("说明.docx", "不存在.xlsx"):
            sheets.read_early(str(Path(self.tmp.name) / name))
            self.assertIsNone(sheets._early)
        self.assertIsNone(sheets.early_rows(self.path, self.path.name))

    def test_the_command_line_names_the_file(self):
        from loudong import __main__ as cli

        for args, file in (
            ([str(self.path)], str(self.path)),
            (["-v", "2", "--dry-run", "f.xlsx", "--partial"], "f.xlsx"),
            (["--error-report", "报告.xlsx", "f.xlsx"], "f.xlsx"),
            (["--verbosity", "2", "--create-regions", "f.xlsx"], "f.xlsx"),
            (["--help", "f.xlsx"], None),
            (["--dry-run"], None),
        ):
            with mock.patch.object(sheets, "read_early") as early:
                cli._read_early(args)
            self.assertEqual([c.args[0] for c in early.call_args_list], [file] if file else [])
