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
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 2 * 1024 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed per member; real sheets are 5–20×


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


def check_xlsx(data: bytes | Path) -> None:
    """Refuse zip bombs and XML entity declarations before any parser runs."""
    try:
        archive = zipfile.ZipFile(data if isinstance(data, Path) else io.BytesIO(data))
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
    """Every sheet of the file (a CSV is one sheet); ``data`` is the content or its path."""
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
        for name in book.sheet_names:
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
