"""Reading the spreadsheets people actually keep (.xlsx, .xls, .csv), defensively.

python-calamine reads .xlsx/.xls fast (about 60k rows/s) and never evaluates formulas
(a formula cell yields its cached value, or nothing). Before it sees a file we check:
its size, that an .xlsx is a sane zip (no zip bomb: total and per-member expansion
limits) and that no XML part declares a DTD or entities (billion laughs / XXE),
using defusedxml on the workbook part. CSV is UTF-8 (with or without BOM) or GBK.

Rows come out with Excel's own 1-based row numbers, whatever the sheet's used area. A file
may be given as bytes (uploads) or as a path (the command line): from a path calamine reads
the zip members straight from disk, which keeps a 50 MB workbook out of memory twice over.
python-calamine holds each sheet's cells (about 1 kB a 16-column row, in Rust) until the
Sheet's ``rows`` is dropped; ``iter_rows`` converts one row at a time.

A big sheet (its XML over ``SPLIT_BYTES``: 30,000–100,000 rows) is parsed as two parts at once:
python-calamine releases the GIL while it parses, and its parse is ~90 % of a bare read. The
sheet's XML is copied, inflated, into two workbooks split at a ``<row`` tag past the middle
(``_parsed_in_parts``), held in memory files (``memfd``: the registry's personal data never
reaches the disk in clear), and the rows come out as one sheet, the same lists in the same
order as from one parse. Anything unexpected (a namespace prefix, rows out of order or without
their numbers, no memory file on this system) reads the sheet in one parse as before, and so
does a machine whose cores are all busy (the split costs CPU to save wall time).

``read_early`` begins a read in a thread before its caller is ready for it (``loudong
import_registry FILE``, while Django starts); the next ``read_book`` takes it when it is of the
same file, unchanged, and drops it otherwise.
"""

from __future__ import annotations

import csv
import io
import os
import posixpath
import re
import shutil
import sys
import threading
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 2 * 1024 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed per member; real sheets are 5–20×
SPLIT_BYTES = 32 * 1024 * 1024  # a sheet's XML this big is parsed in two parts at once
_HEAD = 1024 * 1024  # where a sheet's <sheetData> must start for it to be split
_CHUNK = 4 * 1024 * 1024


class SheetError(ValueError):
    """The file cannot be read at all; the message is Chinese and says why."""


@dataclass
class Sheet:
    name: str
    rows: Iterable[list] = ()  # the i-th row yielded (from 0) is Excel row i + 1
    # Merged ranges as 0-based inclusive ((row0, col0), (row1, col1)).
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    # Column index of rows[i][0] (calamine trims empty leading columns).
    col_offset: int = 0
    # Number of rows (an upper bound for CSV), to size the work before reading.
    height: int | None = None


def kind_of(filename: str) -> str:
    suffix = Path(filename).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix == ".xls":
        return "xls"
    if suffix in (".csv", ".txt"):
        return "csv"
    raise SheetError(f"不支持的文件类型“{suffix or filename}”，请上传 .xlsx、.xls 或 .csv 文件")


def _zip(source: bytes | Path) -> zipfile.ZipFile:
    """The workbook as a zip archive, from its path or its content."""
    return zipfile.ZipFile(source if isinstance(source, Path) else io.BytesIO(source))


def check_xlsx(data: bytes | Path) -> None:
    """Refuse zip bombs and XML entity declarations before any parser runs."""
    try:
        archive = _zip(data)
    except (zipfile.BadZipFile, OSError):
        raise SheetError("文件不是有效的 .xlsx 文件（可能已损坏，或扩展名不符）") from None
    total = 0
    with archive:
        for info in archive.infolist():
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if total > MAX_UNCOMPRESSED_BYTES or (info.file_size > 1_000_000 and ratio > MAX_RATIO):
                raise SheetError("文件解压后异常巨大（疑似压缩炸弹），已拒绝")
        names = set(archive.namelist())
        if "xl/workbook.xml" not in names:
            raise SheetError("文件不是有效的 .xlsx 文件（缺少工作簿）")
        for name in names:
            if not name.endswith((".xml", ".rels")):
                continue
            with archive.open(name) as member:
                head = member.read(4096)
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise SheetError("文件包含不允许的 XML 实体声明，已拒绝")
        from defusedxml import DefusedXmlException
        from defusedxml.ElementTree import fromstring

        try:
            fromstring(archive.read("xl/workbook.xml"))
        except DefusedXmlException:
            raise SheetError("文件包含不允许的 XML 实体声明，已拒绝") from None
        except Exception:
            raise SheetError("文件不是有效的 .xlsx 文件（工作簿无法解析）") from None


def read_book(data: bytes | Path, filename: str, *, max_bytes: int = MAX_FILE_BYTES) -> list[Sheet]:
    """Every sheet of the file (a CSV is one sheet); ``data`` is the content or its path.
    A read of the same file begun by ``read_early`` is waited for and its sheets returned."""
    global _early
    early, _early = _early, None
    if early is not None:
        early.thread.join()
        if not early.reads(data, filename) or (early.sheets is None and early.error is None):
            early = None  # another file (its cells go now, before this one is read)
    return _read_book(data, filename, max_bytes, early)


def _read_book(data, filename, max_bytes, early=None) -> list[Sheet]:
    path = Path(data) if isinstance(data, str | Path) else None
    try:
        size = path.stat().st_size if path else len(data)
    except OSError as exc:
        raise SheetError(f"无法读取文件：{exc.strerror}") from None
    if size > max_bytes:
        raise SheetError(
            f"文件过大（{size / 1024 / 1024:.1f} MB），上限 {max_bytes / 1024 / 1024:.0f} MB"
        )
    if not size:
        raise SheetError("文件是空的")
    kind = kind_of(filename)
    if early is not None:
        if early.error is not None:
            raise early.error
        return early.sheets
    if kind == "csv":
        rows, height = _csv_rows(path.read_bytes() if path else data)
        return [Sheet(Path(filename).stem, rows, height=height)]
    if kind == "xlsx":
        check_xlsx(path or data)
    else:
        with path.open("rb") if path else io.BytesIO(data) as head:
            if head.read(4) != b"\xd0\xcf\x11\xe0":
                raise SheetError("文件不是有效的 .xls 文件（可能已损坏，或扩展名不符）")
    from python_calamine import CalamineWorkbook

    try:
        book = (
            CalamineWorkbook.from_path(str(path))
            if path
            else CalamineWorkbook.from_filelike(io.BytesIO(data))
        )
        sheets = []
        big = _big_sheets(path or data) if kind == "xlsx" else {}
        if big and not (_memory_files() and _spare_core()):
            big = {}
        for name in book.sheet_names:
            parts = _parsed_in_parts(path or data, name, big[name]) if name in big else None
            if parts:
                sheets.append(parts)
                continue
            sheet = book.get_sheet_by_name(name)
            merged = list(getattr(sheet, "merged_cell_ranges", None) or [])
            # iter_rows streams from row 1, but from the first used column.
            sheets.append(
                Sheet(
                    name,
                    sheet.iter_rows(),
                    merged,
                    sheet.start[1] if sheet.start else 0,
                    sheet.height,
                )
            )
        book.close()  # the loaded sheets stay; the zip (and a copy of the bytes) goes
        return sheets
    except SheetError:
        raise
    except Exception as exc:  # calamine raises its own types for broken files
        raise SheetError(
            f"文件无法读取（{type(exc).__name__}），请用 Excel 或 WPS 另存后重试"
        ) from None


class _EarlyRead:
    """A workbook read in a thread of its own from the moment the command line names it,
    while the program starts (``loudong import_registry``: Django's start-up takes ~0.8 s of
    one core, and the read's own start — the first part's XML inflated before its parse
    begins — ~0.8 s of the other). ``read_book`` of the same file, unchanged since, returns
    these sheets; a read of anything else drops them first."""

    def __init__(self, path: Path):
        self.path = path
        self.identity = _identity(path)
        self.sheets: list[Sheet] | None = None
        self.error: SheetError | None = None
        self.rows: int | None = None  # the first sheet's (``_declared_rows``)
        self.head_read = threading.Event()
        self.thread = threading.Thread(target=self._read, name="loudong-early-read", daemon=True)

    def _read(self) -> None:
        try:
            self.rows = _declared_rows(self.path)
        finally:
            self.head_read.set()
        try:  # the size limit is the caller's: read_book checks it before it takes these
            self.sheets = _read_book(self.path, self.path.name, sys.maxsize)
        except SheetError as exc:
            self.error = exc

    def reads(self, data, filename: str) -> bool:
        """Whether this is a read of ``data`` (a path) as ``filename``, the file unchanged."""
        return (
            isinstance(data, str | Path)
            and filename == self.path.name
            and self.identity is not None
            and _identity(Path(data)) == self.identity
        )


_early: _EarlyRead | None = None


def read_early(file: str) -> None:
    """Begin reading the spreadsheet ``file`` in the background; the next ``read_book``
    waits for it. Nothing happens when it is no spreadsheet file, or a read is under way."""
    global _early
    path = Path(file)
    try:
        kind_of(file)
    except SheetError:
        return
    if _early is None and path.is_file():
        _early = _EarlyRead(path)
        _early.thread.start()


def early_rows(data, filename: str) -> int | None:
    """About how many rows the first sheet of ``data`` has (declared, or an upper bound:
    ``_declared_rows``), when an early read reads it; known before its parse ends, so that the
    caller may prepare meanwhile. None otherwise."""
    early = _early
    if early is None or not early.reads(data, filename):
        return None
    early.head_read.wait()
    return early.rows


def _identity(path: Path) -> tuple | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


_DIMENSION_ROWS = re.compile(rb'<dimension\s+ref="[A-Z]{1,3}[0-9]+:[A-Z]{1,3}([0-9]{1,7})"')
_ROW_BYTES = 40  # the least XML a row takes: <row r="9"><c r="A9"><v>1</v></c></row>


def _declared_rows(path: Path) -> int | None:
    """The rows of the first sheet: the last row of its ``<dimension ref="A1:P490001"/>``
    (Excel, WPS and most libraries write one; nothing checks it against the cells), else at
    most its XML's size over the least a row takes; None for other files."""
    if kind_of(path.name) != "xlsx":
        return None
    try:
        check_xlsx(path)  # before any member is read: no bomb, no entities
        with _zip(path) as archive:
            members = _sheet_members(archive)
            if not members:
                return None
            size = archive.getinfo(members[0][1]).file_size
            with archive.open(members[0][1]) as src:
                head = src.read(4096)
    except (SheetError, OSError, KeyError, ValueError, zipfile.BadZipFile, NotImplementedError):
        return None
    match = _DIMENSION_ROWS.search(head)
    return int(match[1]) if match else size // _ROW_BYTES


def _big_sheets(source: bytes | Path) -> dict[str, str]:
    """Sheet name → its zip member, for the sheets whose XML is over ``SPLIT_BYTES``
    (the file passed ``check_xlsx``)."""
    with _zip(source) as archive:
        sizes = {i.filename: i.file_size for i in archive.infolist()}
        if not any(size > SPLIT_BYTES for size in sizes.values()):
            return {}
        members = _sheet_members(archive)
    return {name: member for name, member in members if sizes.get(member, 0) > SPLIT_BYTES}


def _sheet_members(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, zip member) in the workbook's order, from xl/workbook.xml and its
    relationships; empty when they cannot be read."""
    from defusedxml.ElementTree import fromstring

    try:
        rels = fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        book = fromstring(archive.read("xl/workbook.xml"))
    except (KeyError, SyntaxError):
        return []
    targets = {}
    for rel in rels.iter():
        target = rel.get("Target") or ""
        if rel.tag.endswith("Relationship") and rel.get("Id"):
            member = target[1:] if target.startswith("/") else posixpath.join("xl", target)
            targets[rel.get("Id")] = posixpath.normpath(member)
    out = []
    for sheet in book.iter():
        if sheet.tag.rpartition("}")[2] != "sheet":
            continue
        rid = next((v for k, v in sheet.attrib.items() if k.rpartition("}")[2] == "id"), None)
        member = targets.get(rid)
        if member and sheet.get("name"):
            out.append((sheet.get("name"), member))
    return out


# Members a part leaves out: the other sheets and what no cell value depends on. Everything
# else (names, relationships, styles for dates, shared strings under whatever name the
# workbook gives them) is copied into both parts.
_NOT_IN_PARTS = re.compile(
    r"xl/(worksheets|chartsheets|media|embeddings|pivotCache|pivotTables|printerSettings"
    r"|drawings|charts|externalLinks)/[^/]+|xl/calcChain\.xml"
)
_DIMENSION = re.compile(rb"<dimension\b[^>]*>")


class _Part:
    """One workbook in a memory file holding part of a sheet: the workbook's own small members
    (stored, not compressed: calamine then only parses), then the sheet's XML as written;
    calamine opens it by its ``/proc/self/fd`` path. Gone when closed here and by calamine."""

    def __init__(self, archive: zipfile.ZipFile, member: str):
        self.file = os.fdopen(os.memfd_create("loudong-sheet", os.MFD_CLOEXEC), "w+b")
        self.path = f"/proc/self/fd/{self.file.fileno()}"
        self._zip = zipfile.ZipFile(self.file, "w", zipfile.ZIP_STORED, allowZip64=True)
        for info in archive.infolist():
            if info.filename != member and not _NOT_IN_PARTS.fullmatch(info.filename):
                with archive.open(info) as src, self._zip.open(info.filename, "w") as dst:
                    shutil.copyfileobj(src, dst, _CHUNK)
        self._sheet = self._zip.open(member, "w", force_zip64=True)
        self.write = self._sheet.write

    def close(self) -> None:
        self._sheet.close()
        self._zip.close()
        self.file.flush()


class _Parsing:
    """calamine parses each part in a thread of its own; ``join`` waits for both."""

    def __init__(self, name: str):
        self.name = name
        self.sheets: dict[str, object] = {}
        self.errors: list[BaseException] = []
        self.threads: list[threading.Thread] = []

    def start(self, key: str, path: str) -> None:
        thread = threading.Thread(target=self._parse, args=(key, path), daemon=True)
        thread.start()
        self.threads.append(thread)

    def _parse(self, key: str, path: str) -> None:
        from python_calamine import CalamineError, CalamineWorkbook

        try:
            book = CalamineWorkbook.from_path(path)
            self.sheets[key] = book.get_sheet_by_name(self.name)
            book.close()
        except (CalamineError, OSError, ValueError) as exc:  # raised again by join()
            self.errors.append(exc)

    def join(self) -> None:
        for thread in self.threads:
            thread.join()
        if self.errors:
            raise self.errors[0]


def _parsed_in_parts(source: bytes | Path, name: str, member: str) -> Sheet | None:
    """The sheet ``name`` (XML ``member``) parsed as two parts at once, or None when its
    XML is not laid out as expected (then it is read in one parse)."""
    from python_calamine import CalamineError

    parsing, parts = _Parsing(name), []
    try:
        with (
            _zip(source) as archive,
            archive.open(member) as src,
        ):
            buf = src.read(_HEAD)
            at = buf.find(b"<sheetData>")
            if at < 0:
                return None
            at += len(b"<sheetData>")
            head = _DIMENSION.sub(b"", buf[:at])
            size = archive.getinfo(member).file_size
            # Part A ends at the first <row> tag after 55 % of the XML: its parse starts
            # once it is written, part B's only after B is written too (copying the whole
            # XML takes about a quarter of one parse), so both end together.
            target, written = size * 11 // 20, 0
            part = _Part(archive, member)
            parts.append(part)
            part.write(head)
            buf, cut = buf[at:], -1
            while True:
                end = buf.find(b"</sheetData")
                if written + len(buf) > target:
                    cut = _row_tag(buf, max(0, target - written))
                    if cut >= 0 and (end < 0 or cut < end):
                        break
                if end >= 0:  # the rows end before the middle (a sheet of something else)
                    return None
                more = src.read(_CHUNK)
                if not more:
                    return None
                part.write(buf[:-16])  # a tag cut by the chunk's end is searched again
                written += len(buf) - 16
                buf = buf[-16:] + more
            part.write(buf[:cut])
            part.write(b"</sheetData></worksheet>")
            part.close()
            parsing.start("a", part.path)
            part = _Part(archive, member)
            parts.append(part)
            part.write(head)
            part.write(buf[cut:])
            del buf
            while more := src.read(_CHUNK):
                part.write(more)
            part.close()
            parsing.start("b", part.path)
        parsing.join()
    except (CalamineError, OSError, ValueError, zipfile.BadZipFile, NotImplementedError,
            RuntimeError):  # fmt: skip
        # No memory for the parts, a member zipfile cannot inflate, a part calamine refuses:
        # one parse as before, which says what is wrong with the file, if anything.
        return None
    finally:
        for thread in parsing.threads:
            thread.join()
        for part in parts:
            part.file.close()
    a, b = parsing.sheets["a"], parsing.sheets["b"]
    if not a.start or not b.start:
        return None
    rows_a = a.start[0] + a.height  # iter_rows yields from row 1
    if b.start[0] < rows_a:  # rows out of order, or without their numbers
        return None
    offset = min(a.start[1], b.start[1])
    width = max(a.start[1] + a.width, b.start[1] + b.width) - offset
    merged = list(a.merged_cell_ranges or []) + list(b.merged_cell_ranges or [])
    height = b.start[0] + b.height - a.start[0]
    return Sheet(name, _joined([(a, 0), (b, rows_a)], offset, width), merged, offset, height)


def _spare_core() -> bool:
    """Whether another core is free for the second parse: the processors' idle time over a
    tenth of a second (``/proc/stat``) leaves at least one and a half idle besides this
    process's own. With the cores busy elsewhere the split costs wall time instead of saving
    it. (The load average would count this import's own work of the last minute.) The time
    this process's other threads ran meanwhile counts as idle: the work they do is this
    read's caller's, which waits for the read at the end (Django starting beside an early
    read)."""

    def times() -> tuple[int, int, int]:
        with open("/proc/stat", "rb") as stat:
            lines = stat.read().split(b"\n")
        ticks = [int(v) for v in lines[0].split()[1:9]]
        cpus = sum(1 for line in lines[1:] if line.startswith(b"cpu"))
        return ticks[3] + ticks[4], sum(ticks), cpus  # idle + iowait, all, processors

    if len(os.sched_getaffinity(0)) < 2:
        return False
    idle, total, cpus = times()
    own = time.process_time()  # this process's other threads (an early read's caller)
    time.sleep(0.1)
    idle2, total2, _ = times()
    own = (time.process_time() - own) * os.sysconf("SC_CLK_TCK")
    return total2 > total and (idle2 - idle + own) / (total2 - total) * cpus >= 1.5


def _memory_files() -> bool:
    """Whether this system has files that stay in memory (Linux's memfd)."""
    return hasattr(os, "memfd_create") and os.path.isdir("/proc/self/fd")


def _row_tag(buf: bytes, start: int) -> int:
    """Where the first ``<row`` start tag at or after ``start`` begins, or -1."""
    while (at := buf.find(b"<row", start)) >= 0 and at + 4 < len(buf):
        if buf[at + 4] in b" >/\t\r\n":
            return at
        start = at + 4
    return -1


def _joined(parts, offset: int, width: int) -> Iterator[list]:
    """The parts' rows as one sheet's: each part's after the rows that the parts before it
    held (its iter_rows yields empty rows up to its own first row), and each row as wide as
    one parse gives it (a part whose used columns start further right, or end further left,
    is padded with empty cells)."""
    while parts:
        sheet, skip = parts.pop(0)  # each part's cells are freed once its rows are out
        left = [""] * (sheet.start[1] - offset)
        right = [""] * (width - len(left) - sheet.width)
        rows = islice(sheet.iter_rows(), skip, None) if skip else sheet.iter_rows()
        if not left and not right:
            yield from rows
            continue
        for row in rows:
            if left:
                row[:0] = left
            row.extend(right)
            yield row


def _csv_rows(data: bytes) -> tuple[Iterator[list], int]:
    """Decodes eagerly (so encoding errors surface here), then reads lazily; with the number
    of lines."""
    if data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8", errors="replace")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                raise SheetError("CSV 文件编码无法识别，请保存为 UTF-8 或 GBK 编码") from None
    if "\x00" in text:
        raise SheetError("CSV 文件含有二进制内容，无法读取")
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return csv.reader(io.StringIO(text, newline=""), dialect), text.count("\n") + 1
