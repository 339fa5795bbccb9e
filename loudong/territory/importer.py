"""Importing a registry sheet (PRODUCT.md "Registry template"): check everything, then write.

Three passes over the rows, none of which keeps a Python object per cell:

1. *Read and check each row* (``Importer._read``). Rows stream from python-calamine one at a
   time; each is normalised (full-width digits, spaces, "3号楼" / "3栋" / "3#", dates as
   serials or text) and checked on its own, every problem collected as (Excel row, column,
   reason). A good row is kept compactly (:class:`_Rows`): its person fields as one packed
   text line, its home as a number, the blind index of its 身份证号 as 16 raw bytes — about
   100 bytes a resident, so the process stays near the size of calamine's own copy of the
   sheet, which is freed before the database work starts. A row whose cells as read hash
   to a current resident's ``source_hash`` skips these checks (they passed on the same
   cells before); its blind index comes from the database in pass 2.
2. *Check across rows and against the database* (``_check_across``): duplicates in the
   file, 街道 / 社区 and the uploader's scope, vacant homes that also list residents, and
   people already current at another address. Residents already in the database are found
   by the blind index of their ID and compared by a keyed content hash
   (``Resident.row_hash``, HMAC under a key derived from the index key, so it cannot be
   used to confirm a guessed ID number); an unchanged row costs one hash, no decryption.
3. *Write* (``_plan``, then ``_write``), only when there is nothing to report (or with
   ``partial``, for the good rows) and the plan finds something to write (an unchanged
   re-import opens no transaction), in one transaction: new households and residents with
   PostgreSQL's binary ``COPY`` or SQLite ``executemany`` (on a second thread, ``_Writer``,
   its foreign keys checked once at the end: ``_KeysCheckedOnce``); changed
   residents with an UPDATE each. Into an empty table the secondary indexes are dropped and
   rebuilt afterwards, inside the same transaction, on both databases (building an index
   once from all keys is several times cheaper than keeping it up to date row by row for
   random blind-index values).

Re-importing the same file changes nothing: residents are keyed on the blind index of their
身份证号, households on (单元, 房号), buildings on (小区, normalised 楼栋 number). A failed or
dry run writes only its audit row.

Personal values never reach a report: the ID and phone columns are masked by what the
header *means* after synonym matching (公民身份号码 → 身份证号), and any other cell or message
has ID- and mobile-like digit runs masked too (:func:`scrub`).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import sqlite3
import tempfile
import time
import unicodedata
from array import array
from collections import defaultdict
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from itertools import chain, compress, repeat
from operator import eq, itemgetter, mul
from pathlib import Path
from typing import NamedTuple
from unicodedata import is_normalized

from django.db import IntegrityError, connection, transaction

from loudong.lib import crypto
from loudong.lib.idnumber import CHECK_CHARS, PROVINCE_CODES, IDNumberError, validate_id_number
from loudong.lib.masking import mask_id_number, mask_phone
from loudong.lib.phones import PhoneError, normalize_phone
from loudong.lib.sheets import Sheet, SheetError, early_rows, read_book
from loudong.territory import sealing
from loudong.territory.models import (
    Building,
    Household,
    Region,
    Resident,
    Unit,
    is_party_status,
    number_key,
)

TEMPLATE_HEADERS = [
    "社区", "小区", "楼栋", "单元", "房号", "户主姓名", "姓名", "与户主关系", "身份证号", "性别",
    "出生日期", "联系电话", "居住类型", "政治面貌", "备注",
]  # fmt: skip
ALL_HEADERS = ["街道", *TEMPLATE_HEADERS]
BUILDING_SHEET = "楼栋"
BUILDING_HEADERS = ["社区", "小区", "楼栋", "层数", "经度", "纬度"]
SYNONYMS = {
    "街道名称": "街道", "社区名称": "社区", "所属社区": "社区", "小区名称": "小区", "楼号": "楼栋",
    "楼栋号": "楼栋", "幢号": "楼栋", "单元号": "单元", "门牌号": "房号", "室号": "房号", "户号": "房号",
    "户主": "户主姓名", "居民姓名": "姓名", "与户主的关系": "与户主关系", "关系": "与户主关系",
    "身份证号码": "身份证号", "公民身份号码": "身份证号", "证件号码": "身份证号", "身份证": "身份证号",
    "电话": "联系电话", "手机": "联系电话", "手机号": "联系电话", "手机号码": "联系电话",
    "联系方式": "联系电话", "电话号码": "联系电话", "出生年月日": "出生日期", "出生年月": "出生日期",
    "居住状态": "居住类型", "人员类型": "居住类型", "居住情况": "居住类型", "备注说明": "备注",
}  # fmt: skip
REQUIRED_COLUMNS = ["社区", "小区", "楼栋", "房号", "姓名", "身份证号"]
CARRY_DOWN = ("街道", "社区", "小区", "楼栋")
HOUSEHOLDER_RELATIONS = {"本人", "户主"}
SEXES = {"男": "M", "男性": "M", "M": "M", "女": "F", "女性": "F", "F": "F"}
RESIDENCES = {
    "常住": Household.Residence.PERMANENT, "户籍": Household.Residence.PERMANENT,
    "常住人口": Household.Residence.PERMANENT, "自住": Household.Residence.PERMANENT,
    "流动": Household.Residence.FLOATING, "流动人口": Household.Residence.FLOATING,
    "暂住": Household.Residence.FLOATING, "出租": Household.Residence.RENTED,
    "租住": Household.Residence.RENTED, "空置": Household.Residence.VACANT,
    "空房": Household.Residence.VACANT, "空户": Household.Residence.VACANT,
}  # fmt: skip
POLITICAL_STATUSES = ["中共党员", "中共预备党员", "共青团员", "民主党派", "无党派人士", "群众"]
RELATIONS = ["本人", "配偶", "子", "女", "儿媳", "女婿", "孙子", "孙女", "父亲", "母亲", "兄弟姐妹",
             "租户", "其他"]  # fmt: skip
MAX_LENGTHS = {"姓名": 50, "与户主关系": 20, "政治面貌": 20, "备注": 200, "小区": 100,
               "社区": 100, "街道": 100, "楼栋": 40, "单元": 40, "房号": 20}  # fmt: skip
# Bad rows whose cells (masked) are kept for the error report; every bad row is still listed.
MAX_BAD_ROWS_KEPT = 20_000
# From this many rows the helper process is worth its start (~0.2 s), and dropping and
# rebuilding a table's indexes beats keeping them up to date.
HELPER_ROWS = 20_000
REBUILD_ROWS = 20_000
NUMERIC_ID_REASON = (
    "身份证号列须设为文本格式（该单元格是数字，后几位已丢失），请将该列设为文本后重新填写"
)
# Said when the person is current in a community the uploader may not see: neither that
# community nor the fact that the number is registered elsewhere is revealed (issue 9).
NOT_HERE_REASON = "该居民无法在此导入，请联系街道核实"
EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_RE = re.compile(r"^(\d{4})\s*[.\-/年]\s*(\d{1,2})\s*[.\-/月]\s*(\d{1,2})\s*日?(?:\s.*)?$")
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SPACES = re.compile(r"\s+")

# Residence as one byte per row, in this order.
_RESIDENCE_CODES = list(Household.Residence.values)
_VACANT = _RESIDENCE_CODES.index(Household.Residence.VACANT)
_PERMANENT = _RESIDENCE_CODES.index(Household.Residence.PERMANENT)
# Row flags. _SKIPPED: the row's cells are those of a current resident (source hash), so
# its per-row checks were not run again and its fields are the database's.
_PERSON, _GIVEN, _HOUSEHOLDER, _SKIPPED = 1, 2, 4, 8
# Row status after the database check. _REHASH: same fields, new hashes to store.
_NEW, _UNCHANGED, _REHASH, _CHANGED, _BAD = 0, 1, 2, 3, 4


def _table(test) -> bytes:
    """A bytes.translate table: 1 for the byte values that pass ``test``, 0 for the others."""
    return bytes(1 if test(b) else 0 for b in range(256))


_GOOD = _table(lambda state: state != _BAD)  # over the status bytes
_PERSON_FLAG = _table(lambda f: f & _PERSON)  # over the flag bytes
_GIVEN_FLAG = _table(lambda f: f & _GIVEN)
_HOUSEHOLDER_FLAG = _table(lambda f: f & _HOUSEHOLDER)


_SKIPPED_FLAG = _table(lambda f: f & _SKIPPED)
_CHECKED_PERSON = _table(lambda f: f & (_PERSON | _SKIPPED) == _PERSON)
_ZERO = _table(lambda b: b == 0)  # 0/1 bytes negated
_UNCHANGED_BYTE = bytes([0, _UNCHANGED, *range(2, 256)])  # a 1 becomes _UNCHANGED
_HOUSEHOLDER_BIT = bytes([0, *[_HOUSEHOLDER] * 255])  # a true byte becomes the flag


def _or(a: bytes, b: bytes) -> bytes:
    """Byte-wise OR of two equally long byte strings whose set bits never overlap."""
    return (int.from_bytes(a, "little") | int.from_bytes(b, "little")).to_bytes(len(a), "little")


def _and(a: bytes, b: bytes) -> bytes:
    """Byte-wise AND of two equally long strings of 0/1 bytes, in C (one big integer each)."""
    return (int.from_bytes(a, "little") & int.from_bytes(b, "little")).to_bytes(len(a), "little")


def _first_of(keys, values) -> dict:
    """{key: its first value} over two parallel iterables (a dict keeps the last: reversed)."""
    return dict(zip(reversed(list(keys)), reversed(list(values)), strict=True))


# The source hashes of current residents are loaded before the read (one scan, ~130 bytes a
# resident while calamine holds the sheet) only when the file is not tiny beside them.
KNOWN_PER_ROW = 8
_LOOKUP_CHUNK = 4000  # ids per IN (...) query; SQLite ≥ 3.32 allows 32766 parameters
_HOUSEHOLD_COLUMNS = ["id", "community_id", "compound_id", "building_id", "unit_id", "room",
                      "floor", "residence", "occupied"]  # fmt: skip
_RESIDENT_COLUMNS = [
    "community_id", "compound_id", "household_id", "name", "relation", "is_householder",
    "id_number", "id_number_index", "id_number_last4", "phone", "phone_index", "phone_last4",
    "sex", "birth_date", "political_status", "is_party_member", "notes", "moved_out",
    "moved_out_on", "row_hash", "source_hash",
]  # fmt: skip


@dataclass
class RowError:
    line: int  # Excel's row number; 0 for a problem of the whole file
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"第{self.line}行 " if self.line else ""
        return f"{where}{self.column}：{self.reason}" if self.column else f"{where}{self.reason}"


@dataclass
class Report:
    filename: str = ""
    header_line: int = 0
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    created: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    created_count: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add_created(self, kind: str, name: str) -> None:
        self.created_count[kind] += 1
        if len(self.created[kind]) < 200:
            self.created[kind].append(name)

    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    bad_rows: dict[int, list] = field(default_factory=dict)  # line → cells, masked
    header: list[str] = field(default_factory=list)
    dry_run: bool = False
    partial: bool = False
    written: bool = False
    seconds: float = 0.0
    # Rows refused because the person is current where the uploader may not look (audited).
    hidden_conflicts: int = 0
    # Step → (wall seconds, CPU seconds of this process), for the benchmark and -v 2.
    timings: dict[str, tuple[float, float]] = field(default_factory=dict)

    def timed(self, step: str):
        return _Timer(self.timings, step)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_lines(self) -> list[int]:
        return sorted({e.line for e in self.errors if e.line})

    def file_error(self, reason: str) -> None:
        self.errors.append(RowError(0, "", scrub(reason)))

    def summary_lines(self) -> list[str]:
        """Human summary; never contains a row number (those belong to bad rows only)."""
        labels = [
            ("subdistrict", "街道"),
            ("community", "社区"),
            ("compound", "小区"),
            ("building", "楼栋"),
            ("unit", "单元"),
            ("household", "户"),
        ]
        lines = []
        verb = "将新建" if self.dry_run or not self.written else "新建"
        for key, label in labels:
            names = self.created.get(key) or []
            total = self.created_count.get(key, 0)
            if total:
                shown = "、".join(names[:20]) + (f" 等 {total} 个" if total > 20 else "")
                lines.append(f"{verb}{label} {total} 个：{shown}")
        c = self.counts
        lines.append(
            f"居民：新增 {c['new']} 人，更新 {c['updated']} 人，未变 {c['unchanged']} 人；"
            f"户：新增 {c['households_new']}，更新 {c['households_updated']}"
        )
        return lines

    def as_json(self, limit: int = 2000) -> dict:
        """For storing on an ImportJob; bad rows were masked when they were kept."""
        return {
            "filename": scrub(self.filename),
            "rows": self.rows,
            "ok": self.ok,
            "dry_run": self.dry_run,
            "partial": self.partial,
            "written": self.written,
            "errors": [[e.line, e.column, e.reason] for e in self.errors[:limit]],
            "error_count": len(self.errors),
            "bad_line_count": len(self.bad_lines),
            "notices": self.notices,
            "created": dict(self.created_count),
            "counts": dict(self.counts),
            "summary": self.summary_lines(),
            "header": self.header,
            "bad_rows": {str(k): v for k, v in list(self.bad_rows.items())[:limit]},
            "seconds": round(self.seconds, 1),
        }


# -- masking ---------------------------------------------------------------------------------

# An 18-character ID (or the old 15 digits) and a mobile, also when written with spaces or
# dashes, +86, or full-width digits (scrub() sees the NFKC form).
_ID_LIKE = re.compile(r"(?<![0-9])(?:[0-9][\s-]?){17}[0-9Xx](?![0-9])|(?<![0-9])[0-9]{15}(?![0-9])")
_MOBILE_LIKE = re.compile(r"(?<![0-9])(?:\+?86[\s-]?)?1[3-9][0-9](?:[\s-]?[0-9]){8}(?![0-9])")


_ELEVEN_DIGITS = re.compile(r"(?:\d\D{0,4}){11}")


def scrub(text) -> str:
    """Text with every ID- or mobile-like run of digits masked (3 + 4 kept, as on screen)."""
    if text is None:
        return ""
    text = str(text)
    if len(text) < 11 or not _ELEVEN_DIGITS.search(text):
        return text
    text = unicodedata.normalize("NFKC", text)
    text = _ID_LIKE.sub(lambda m: mask_id_number(re.sub(r"[\s-]", "", m.group())), text)
    return _MOBILE_LIKE.sub(lambda m: mask_phone(re.sub(r"\D", "", m.group())[-11:]), text)


def mask_cells(meaning: dict[int, str], cells) -> list[str]:
    """A row's cells for a report: 身份证号 and 联系电话 by the column's meaning, the rest scrubbed."""
    out = []
    for index, value in enumerate(cells):
        text = "" if value is None else str(value)
        kind = meaning.get(index)
        if kind == "身份证号":
            text = mask_id_number(compact(text))
        elif kind == "联系电话":
            text = mask_phone(clean(text))
        else:
            text = scrub(text)
        out.append(text)
    return out


# -- cell normalisation ------------------------------------------------------------------------


def clean(value) -> str:
    """Text of a cell: NFKC (full-width → half-width), trimmed, inner runs of space collapsed.

    The result never contains a tab or a newline (the row packing relies on it).
    """
    if value is None or value == "":
        return ""
    if value.__class__ is str and len(value) <= 24:
        return _clean_cached(value)
    return _clean(value)


def _clean(value) -> str:
    if isinstance(value, float):
        value = int(value) if value.is_integer() else value
    if isinstance(value, dt.datetime):
        value = value.date()
    text = str(value)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    text = text.strip()
    if " " in text or "\t" in text or "\n" in text or "\r" in text:
        text = _SPACES.sub(" ", text)
    return text


@functools.lru_cache(maxsize=65536)
def _clean_cached(value: str) -> str:
    return _clean(value)


def compact(value) -> str:
    """Like clean() but without any space: names, codes, numbers."""
    text = clean(value)
    return text.replace(" ", "") if " " in text else text


def header_name(value) -> str:
    text = compact(value).replace("*", "").replace("＊", "")
    text = re.sub(r"[（(].*?[）)]", "", text)
    return SYNONYMS.get(text, text)


@functools.lru_cache(maxsize=65536)
def _key(label: str) -> str:
    return number_key(label)


def _is_compact(value) -> bool:
    """Whether a cell is its own compact() already: text with no space or other white space
    (str.isprintable() refuses every white space but " "), in NFKC form."""
    return (
        value.__class__ is str
        and value.isprintable()
        and " " not in value
        and is_normalized("NFKC", value)
    )


def building_label(text: str) -> str:
    """What residents say ("3号楼", "3#"), without spaces."""
    return compact(text)


def room_label(text: str) -> str:
    text = compact(text)
    if text.endswith("室"):
        text = text[:-1]
    return text


@functools.lru_cache(maxsize=65536)  # room numbers repeat across buildings: 101, 102 …
def floor_of(room: str) -> int | None:
    digits = room.rsplit("-", 1)[-1]
    if digits.isdigit() and len(digits) >= 3:
        return int(digits[:-2])
    return None


def parse_date(value) -> dt.date:
    """Excel dates, serial numbers, 19580302, 1958.03.02, 1958-3-2, 1958/3/2, 1958年3月2日."""
    if value.__class__ is str and len(value) == 10 and value[4] == "-":
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = int(value)
        if 19000101 <= number <= 21001231:
            return dt.date(number // 10000, number // 100 % 100, number % 100)
        if 1 <= number < 80000:
            return EXCEL_EPOCH + dt.timedelta(days=number)
        raise ValueError
    text = compact(value) if not isinstance(value, str) or " " not in value else clean(value)
    match = _DATE_RE.match(text) or _COMPACT_DATE_RE.match(text.replace(" ", ""))
    if not match:
        raise ValueError
    return dt.date(*(int(g) for g in match.groups()))


_PROVINCES = frozenset(PROVINCE_CODES)


def id_check_char(first17: str) -> str:
    """GB 11643's check character for 17 ASCII digits, computed in C.

    The weights are 2^(17-i) mod 11, and 13 ≡ 2 (mod 11), so Σ dᵢ·wᵢ ≡ 2·int(first17, 13):
    one int() call instead of seventeen multiplications (the caller has checked the digits).
    """
    return CHECK_CHARS[int(first17, 13) * 2 % 11]


# -- reading ---------------------------------------------------------------------------------


@dataclass
class Layout:
    header_line: int
    columns: dict[str, int]  # template name → index in the row
    header: list[str]

    @property
    def meaning(self) -> dict[int, str]:
        """Index in the row → template name, after synonyms (what masking goes by)."""
        return {index: name for name, index in self.columns.items()}


def find_header(rows, report: Report, scan: int = 30):
    """Consume rows until the header; return (layout, iterator of the remaining rows)."""
    iterator = iter(rows)
    for index, row in enumerate(iterator):
        if index >= scan:
            break
        names = [header_name(c) for c in row]
        hits = [n for n in names if n in ALL_HEADERS]
        if len(set(hits)) >= 4 and ("姓名" in hits or "身份证号" in hits):
            columns: dict[str, int] = {}
            ignored = []
            for i, name in enumerate(names):
                if name in ALL_HEADERS and name not in columns:
                    columns[name] = i
                elif name:
                    ignored.append(scrub(compact(row[i])))
            if ignored:
                report.notices.append("以下列不在模板中，已忽略：" + "、".join(ignored))
            missing = [c for c in REQUIRED_COLUMNS if c not in columns]
            if missing:
                raise SheetError("表头缺少必填列：" + "、".join(missing))
            return Layout(index + 1, columns, [scrub(compact(c)) for c in row]), iterator
    raise SheetError("找不到表头行：前 30 行中没有包含“社区、小区、楼栋、房号、姓名、身份证号”的行")


class _Rows:
    """The rows that passed the per-row checks, kept compactly.

    Per row: Excel line, home index, flags, residence code (arrays) and the 16 raw bytes of
    the ID's blind index; the person fields (name, relation, householder flag, ID, sex,
    birth date, phone, political status, notes) as one tab-separated line, 4,096 lines to a
    UTF-8 chunk. clean() never leaves a tab or newline in a value, so the packing is safe.
    Homes are (place, room); places are (街道, 社区, 小区, 楼栋 label and key, 单元 label and key).
    """

    CHUNK = 4096

    def __init__(self):
        self.line = array("l")
        self.home = array("l")
        self.flags = bytearray()
        self.residence = bytearray()
        self.digest = bytearray()
        self.chunks: list[bytes] = []
        self.row_hash = bytearray()  # 16 bytes a row: Resident.row_hash of the person
        self.source = bytearray()  # 16 bytes a row: Resident.source_hash (its cells as read)
        self.known_at = array("l")  # per row: its resident in _Known, or -1 (not skipped)
        # Per row, for skipped rows only (0 elsewhere): the resident and their household.
        self.known_pk = array("q")
        self.known_household = array("q")
        # Per chunk, from the helper: sealed ahead, or b""; or their (offset, length) in
        # tokens_file (_TokensFile.read).
        self.tokens: list[bytes | tuple[int, int]] = []
        self.tokens_file: _TokensFile | None = None
        self.staged: list[int] = []  # per chunk: how many of its rows were staged (_Stage)
        self.staged_in: list[str] = []  # per chunk: the schema they were staged in, or ""
        self.places: list[tuple] = []
        self.place_index: dict[tuple, int] = {}
        self.home_place = array("l")
        self.home_room: list[str] = []
        self.home_index: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.line)

    def chunk(self, number: int) -> list[str]:
        return self.chunks[number].decode().split("\n")

    def place_of(self, place: tuple) -> int:
        p = self.place_index.get(place)
        if p is None:
            p = self.place_index[place] = len(self.places)
            self.places.append(place)
        return p

    def home_of(self, p: int, room: str) -> int:
        key = f"{p}\t{room}"
        h = self.home_index.get(key)
        if h is None:
            h = self.home_index[key] = len(self.home_room)
            self.home_place.append(p)
            self.home_room.append(room)
        return h


# -- the importer ----------------------------------------------------------------------------


class Importer:
    """One run over one file. ``user`` None means the command line (the whole database)."""

    def __init__(
        self,
        *,
        dry_run=False,
        partial=False,
        create_regions=False,
        user=None,
        progress=None,
        max_bytes=None,
    ):
        self.dry_run = dry_run
        self.partial = partial
        self.create_regions = create_regions
        self.user = user
        self.progress = progress or (lambda stage, done, total: None)
        self.max_bytes = max_bytes
        self.report = Report(dry_run=dry_run, partial=partial)
        self.subdistricts: dict = {}

    # ---- entry point
    def run(self, data: bytes | Path, filename: str) -> Report:
        """``data`` is the file's content, or its path (cheaper: calamine reads from disk)."""
        import gc

        # What is alive before the run (Django, every module: ~10⁵ objects) is left out of
        # the run's garbage collections: each full one, and the two in _release_memory,
        # would otherwise scan it all again (~0.2 s each). Thawed at the end, so that a
        # worker process running many imports keeps collecting normally.
        gc.freeze()
        self.stage = None  # (_read: SQLite's staged rows of a big file, _Stage)
        self.tokens = None  # (_read: where the helper's tokens go when none is staged)
        try:
            return self._run(data, filename)
        finally:
            gc.unfreeze()
            if self.stage is not None:
                self.stage.remove()
            if self.tokens is not None:
                self.tokens.remove()

    def _run(self, data: bytes | Path, filename: str) -> Report:
        started = time.monotonic()
        report = self.report
        report.filename = scrub(Path(filename).name)
        kwargs = {"max_bytes": self.max_bytes} if self.max_bytes else {}
        rows = None
        try:
            # A read begun before Django started (the command line's file) says about how
            # many rows it will give: the current residents' hashes are read while its parse
            # goes on — or after it, when the sheet turns out to be big enough after all.
            rows_about = early_rows(data, filename)
            if rows_about is not None:
                with report.timed("读取现有居民的原样哈希"):
                    self.known = _Known.load(rows_about, positions=False)
            with report.timed("读取（calamine）"):
                sheets = read_book(data, filename, **kwargs)
            with report.timed("读取现有居民的原样哈希"):
                if rows_about is None or not self.known.pk:
                    self.known = _Known.load(sheets[0].height or 0)
                else:
                    self.known.make_positions()
            with report.timed("逐行校验"):
                rows = self._read(sheets)
                for sheet in sheets:  # free calamine's copy of the cells before the database
                    sheet.rows = ()
                del sheets
                _release_memory()
            self._check_across(rows)
        except SheetError as exc:
            report.file_error(str(exc))
            rows = None
        if rows is not None and self.good_rows and (report.ok or self.partial):
            self.progress("写入数据库", 0, 1)
            try:
                with report.timed("写入：比对结果"):
                    work = self._plan(rows)
                if work:
                    with report.timed("写入"):
                        self._write(rows)
                elif self.dry_run:
                    raise _DryRun
                report.written = True
            except _DryRun:
                pass
            except IntegrityError:
                report.file_error("写入时与他人同时进行的修改冲突，未写入任何数据，请重新导入")
        del rows
        for name in (
            "status",
            "existing",
            "households",
            "home_code",
            "row_home",
            "homes_written",
            "new_homes",
            "home_of",
            "home_keys",
            "home_household",
            "known",
        ):
            self.__dict__.pop(name, None)
        _release_memory()
        missing = [line for line, cells in report.bad_rows.items() if not cells]
        if missing:  # after the rows are gone: this reads the file a second time
            self._fill_bad_rows(data, filename, set(missing))
        report.seconds = time.monotonic() - started
        self.audit()
        return report

    def _error(self, line, column, reason):
        self.report.errors.append(RowError(line, column, scrub(reason)))

    # ---- pass 1: read and check each row
    def _read(self, sheets: list[Sheet]) -> _Rows:
        report = self.report
        main = sheets[0]
        layout, rows = find_header(main.rows, report)
        report.header_line = layout.header_line
        report.header = layout.header
        self.meaning = layout.meaning
        self.building_info = self._read_building_sheet(sheets)
        known = self.known  # (read before, by _run)
        big = (main.height or 0) > HELPER_ROWS
        self.stage = _Stage.create() if big else None
        self.tokens = _TokensFile.create() if big and self.stage is None else None
        helper = _Helper(big, self.stage, self.tokens.path if self.tokens else "")
        try:
            out = self._read_rows(rows, layout, self._merged_down(main, layout), helper, known)
            known.position = {}  # freed with calamine's copy; _skipped needs the arrays only
            out.tokens_file = self.tokens
            for digests, hashes, tokens, staged, schema in helper.results(out.chunks):
                out.digest += digests
                out.row_hash += hashes
                out.tokens.append(tokens)
                out.staged.append(staged)
                out.staged_in.append(schema)
        finally:
            helper.close()
        if not report.rows:
            report.file_error("文件中没有数据行（表头下方是空的）")
        self.progress("校验数据", report.rows, report.rows)
        return out

    def _read_rows(
        self, rows, layout: Layout, merged: set, helper: _Helper, known: _Known
    ) -> _Rows:
        """The per-row checks: the hot loop of an import (about 10 µs a row), hence the
        local names, the caches of cleaned cell values and the fast paths for clean cells.

        A row whose person cells hash (``SourceHash``, ~1 µs) to a current resident's
        ``source_hash`` skips them: the same cells passed the same checks when they were
        imported. Its address is still read (homes and carried-down cells are cross-row),
        and its ID's blind index comes from the database after the read (``_skipped``)."""
        report = self.report
        col = layout.columns
        indexes = [col.get(name, -1) for name in ALL_HEADERS]  # -1: an empty cell appended
        pick = itemgetter(*indexes)
        width = max(col.values()) + 1
        out = _Rows()
        err = self._error
        errors = report.errors
        seal_ahead = None  # decided on the first chunk: are most of its people new?
        today = dt.date.today()
        births: dict[str, tuple | None] = {}
        small: dict = {}  # cleaned values of the low-cardinality columns
        sexes: dict = {}  # cleaned 性别 → "M", "F" or "" (not a sex)
        home_index, home_room = out.home_index, out.home_room
        texts: dict = {}  # compacted values of address and name cells
        residence_of = {k: _RESIDENCE_CODES.index(v) for k, v in RESIDENCES.items()}
        last = [""] * len(ALL_HEADERS)
        last_sub = last_com = last_cpd = last_bld = last_unit = last_room = last_holder = ""
        holder_key = ""  # compact(holder) of the row, kept while the 户主姓名 cell repeats
        last_place = None
        first = True
        place = home = 0
        place_errors: list = []
        address_errors: list = []
        line = layout.header_line
        count = 0
        add_line, add_home, add_flags = out.line.append, out.home.append, out.flags.append
        add_residence = out.residence.append
        add_source = out.source.extend
        add_known = out.known_at.append
        source_of = _source_hash().digest
        find = known.position.get
        no_digest, skipped = sealing.NO_DIGEST, sealing.SKIPPED
        packed_rows = []

        def flush(last=False):
            nonlocal seal_ahead
            chunk = "\n".join(packed_rows).encode()
            start = len(out.chunks) * _Rows.CHUNK
            out.chunks.append(chunk)
            packed_rows.clear()
            if seal_ahead is None and not last:
                seal_ahead = _mostly_new(chunk)
            at = None
            if helper.stages:  # what the staged rows need besides their packed lines
                end = len(out.line)
                at = (
                    start,
                    out.home[start:end].tobytes(),
                    bytes(out.source[16 * start : 16 * end]),
                )
            helper.submit(chunk, bool(seal_ahead), at)

        self.progress("校验数据", 0, 0)
        for row in rows:
            line += 1
            if not any(row):
                continue
            if len(row) < width:
                row = [*row, *[""] * (width - len(row))]
            row.append("")
            values = pick(row)
            if merged:
                values = list(values)
                for k, i in enumerate(indexes):
                    if i >= 0 and values[k] in ("", None) and (line, i) in merged:
                        values[k] = last[k]
                last = values
            (sub, com, cpd, bld, unit, room, holder, name, rel, idn, sex, born, phone, res, pol,
             notes) = values  # fmt: skip
            if sub == "":
                sub = last_sub
            if com == "":
                com = last_com
            if cpd == "":
                cpd = last_cpd
            if bld == "":
                bld = last_bld
            # 户主姓名 repeats on each member's row: compacted once per household, not per row.
            last_holder_key = holder_key
            if holder != last_holder:
                holder_key = holder
                if not _is_compact(holder):
                    holder_key = compact(holder) if holder != "" else ""
            # Members listed under their householder often leave 单元/房号 blank.
            if room == "" and (holder == "" or holder_key == last_holder_key):
                unit = unit or last_unit
                room = last_room
            count += 1
            if count % 20000 == 0:
                report.rows = count
                self.progress("校验数据", count, 0)
            errors_before = len(errors)
            if (
                room != last_room
                or bld != last_bld
                or unit != last_unit
                or cpd != last_cpd
                or com != last_com
                or sub != last_sub
                or first
            ):
                first = False
                address = (sub, com, cpd, bld, unit)
                if address != last_place:
                    last_place = address
                    place, place_errors = self._place(out, address, texts)
                room_text = texts.get(room) or _remember(texts, room, compact(room))
                address_errors = place_errors
                if len(room_text) > 20:
                    address_errors = [
                        *address_errors,
                        ("房号", f"内容过长（{len(room_text)} 字，最多 20 字）"),
                    ]
                elif not room_text:
                    address_errors = [*address_errors, ("房号", "房号为空")]
                if room_text.endswith("室"):
                    room_text = room_text[:-1]
                key = f"{place}\t{room_text}"  # _Rows.home_of, in line
                home = home_index.get(key)
                if home is None:
                    home = home_index[key] = len(home_room)
                    out.home_place.append(place)
                    home_room.append(room_text)
            last_sub, last_com, last_cpd, last_bld, last_unit, last_room = (
                sub, com, cpd, bld, unit, room
            )  # fmt: skip
            last_holder = holder
            for column, reason in address_errors:
                err(line, column, reason)
            # -- the person: cells as a current resident's need no check again
            source = no_digest
            if name != "":
                source = source_of(values[6:])  # 户主姓名 … 备注, as read (after merges)
                k = find(source, -1)
                if k >= 0:
                    residence = _PERMANENT
                    flags = _PERSON | _SKIPPED  # the householder flag: from the database
                    if res != "":
                        residence = residence_of.get(small.get(res) or _small(small, res))
                        flags |= _GIVEN
                    if residence is not None:  # (it is: the same cell passed before)
                        if len(errors) > errors_before:  # a bad address
                            if len(report.bad_rows) < MAX_BAD_ROWS_KEPT:
                                report.bad_rows[line] = mask_cells(self.meaning, row[:-1])
                            continue
                        add_line(line)
                        add_home(home)
                        add_flags(flags)
                        add_residence(residence)
                        add_source(source)
                        add_known(k)
                        packed_rows.append(skipped)
                        if len(packed_rows) == _Rows.CHUNK:
                            flush()
                        continue
            if not (  # _is_compact, in line
                name.__class__ is str
                and name.isprintable()
                and " " not in name
                and is_normalized("NFKC", name)
            ):
                name = compact(name)  # else it is its own compact() already
            if len(name) > 50:
                err(line, "姓名", f"内容过长（{len(name)} 字，最多 50 字）")
            rel = small.get(rel) or _small(small, rel)
            if len(rel) > 20:
                err(line, "与户主关系", f"内容过长（{len(rel)} 字，最多 20 字）")
            pol = small.get(pol) or _small(small, pol)
            if len(pol) > 20:
                err(line, "政治面貌", f"内容过长（{len(pol)} 字，最多 20 字）")
            if notes != "":
                notes = clean(notes)
                if len(notes) > 200:
                    err(line, "备注", f"内容过长（{len(notes)} 字，最多 200 字）")
            residence = _PERMANENT
            residence_text = ""
            if res != "":
                residence_text = small.get(res) or _small(small, res)
                residence = residence_of.get(residence_text)
                if residence is None:
                    err(
                        line,
                        "居住类型",
                        f"“{residence_text}”不是有效的居住类型（可填：常住、流动、出租、空置）",
                    )
                    residence = _PERMANENT
            vacant = residence == _VACANT
            number = ""
            sex_code = ""
            birth = ""
            phone_text = ""
            if vacant and not name and idn in ("", None):
                pass  # an empty home: a household row without residents
            else:
                if not name:
                    err(
                        line,
                        "姓名",
                        "姓名为空" + ("" if vacant else "（空置户请在居住类型填“空置”）"),
                    )
                elif vacant:
                    err(line, "居住类型", "填写了居民，居住类型不能为“空置”")
                id_born = None
                if idn.__class__ is str and len(idn) == 18 and idn.isascii() and idn[:17].isdigit():
                    number = idn if idn[17] != "x" else idn.upper()
                    id_born = births.get(number[6:14], False)
                    if id_born is False:
                        id_born = births[number[6:14]] = _id_birth(number[6:14], today)
                    if (
                        id_born is None
                        or id_check_char(number[:17]) != number[17]
                        or (number[:2] not in _PROVINCES and number[0] != "9")
                    ):
                        number = ""
                if number:
                    pass
                elif isinstance(idn, int | float) and not isinstance(idn, bool):
                    err(line, "身份证号", NUMERIC_ID_REASON)
                else:
                    try:
                        number = validate_id_number(clean(idn), today)
                    except IDNumberError as exc:
                        err(line, "身份证号", str(exc))
                        number = ""
                    else:
                        id_born = _id_birth(number[6:14], today)
                sex_text = ""
                if sex != "":
                    sex_text = small.get(sex) or _small(small, sex)
                    sex_code = sexes.get(sex_text)
                    if sex_code is None:
                        sex_code = sexes[sex_text] = SEXES.get(sex_text.upper(), "")
                    if not sex_code:
                        err(line, "性别", f"“{sex_text}”不是有效的性别（可填：男、女）")
                born_date = None
                if born == "" or (number and id_born and born == id_born[1]):
                    pass  # empty, or the ID's own date as ISO text: nothing more to check
                else:
                    try:
                        born_date = parse_date(born)
                    except (ValueError, OverflowError):
                        err(
                            line,
                            "出生日期",
                            f"“{clean(born)}”不是有效日期（可写 1958-03-02、"
                            "1958.03.02 或 1958年3月2日）",
                        )
                if number and id_born:
                    id_sex = "M" if number[16] in "13579" else "F"
                    if sex_code and sex_code != id_sex:
                        err(
                            line,
                            "性别",
                            f"性别“{sex_text}”与身份证号不符（身份证号显示为"
                            f"{'男' if id_sex == 'M' else '女'}）",
                        )
                    if born_date and born_date != id_born[0]:
                        err(
                            line,
                            "出生日期",
                            f"出生日期 {born_date:%Y-%m-%d} 与身份证号中的 "
                            f"{id_born[0]:%Y-%m-%d} 不符",
                        )
                    sex_code = sex_code or id_sex
                    birth = id_born[1]
                elif born_date:
                    birth = born_date.isoformat()
                if phone != "":
                    if (
                        phone.__class__ is str
                        and len(phone) == 11
                        and phone[0] == "1"
                        and phone[1] in "3456789"
                        and phone.isascii()
                        and phone.isdecimal()
                    ):  # is_mobile (^1[3-9][0-9]{9}$), without the regex; others normalised
                        phone_text = phone  # the common case, already normal
                    else:
                        if isinstance(phone, float) and phone.is_integer():
                            phone = int(phone)
                        text = clean(phone)
                        try:
                            phone_text = normalize_phone(text)
                        except PhoneError as exc:
                            reason = str(exc)
                            if text:
                                reason = reason.replace(text, mask_phone(text))
                            err(line, "联系电话", reason)
            if len(errors) > errors_before:
                if len(report.bad_rows) < MAX_BAD_ROWS_KEPT:
                    report.bad_rows[line] = mask_cells(self.meaning, row[:-1])
                continue
            flags = _GIVEN if residence_text else 0
            if name:
                flags |= _PERSON
                householder = rel in HOUSEHOLDER_RELATIONS or (
                    holder != "" and (name == holder or name == holder_key)
                )
                if householder:
                    flags |= _HOUSEHOLDER
                packed = (
                    f"{name}\t{rel}\t{'1' if householder else ''}\t{number}\t{sex_code}\t"
                    f"{birth}\t{phone_text}\t{pol}\t{notes}"
                )
            else:
                packed = ""
            add_line(line)
            add_home(home)
            add_flags(flags)
            add_residence(residence)
            add_source(source)
            add_known(-1)
            packed_rows.append(packed)
            if len(packed_rows) == _Rows.CHUNK:
                flush()
        if packed_rows:
            flush(last=True)
        report.rows = count
        return out

    def _place(self, out: _Rows, address: tuple, texts: dict):
        """(place index, [(column, reason)]) for a row's raw 街道…单元 cells.

        ``texts`` remembers the compacted form of each raw value seen (addresses repeat).
        """
        problems = []
        sub, com, cpd, bld, unit = (
            texts.get(value) or _remember(texts, value, compact(value)) for value in address
        )
        for name, text in (("街道", sub), ("社区", com), ("小区", cpd), ("楼栋", bld),
                           ("单元", unit)):  # fmt: skip
            if len(text) > MAX_LENGTHS[name]:
                problems.append((name, f"内容过长（{len(text)} 字，最多 {MAX_LENGTHS[name]} 字）"))
            elif not text and name not in ("街道", "单元"):
                problems.append((name, f"{name}为空"))
        return out.place_of((sub, com, cpd, bld, _key(bld), unit, _key(unit))), problems

    def _merged_down(self, sheet: Sheet, layout: Layout) -> set:
        """(Excel row, column index) cells covered by a vertical merge, below its first cell."""
        covered = set()
        for (r0, c0), (r1, c1) in sheet.merged:
            for c in range(c0 - sheet.col_offset, c1 - sheet.col_offset + 1):
                for r in range(r0 + 1, r1 + 1):
                    covered.add((r + 1, c))
        return covered

    def _read_building_sheet(self, sheets) -> dict:
        """(社区, 小区, building key) → (floors, lon, lat) from the optional 楼栋 sheet."""
        info = {}
        sheet = next((s for s in sheets[1:] if compact(s.name) == BUILDING_SHEET), None)
        if sheet is None:
            return info
        rows = iter(sheet.rows)
        header = None
        for index, row in enumerate(rows):
            names = [header_name(c) for c in row]
            if "楼栋" in names and "小区" in names:
                header = {n: i for i, n in enumerate(names) if n}
                gcj = any("GCJ" in compact(c).upper() for c in row)
                break
            if index > 10:
                break
        if header is None:
            self.report.notices.append(
                "“楼栋”工作表没有表头（社区、小区、楼栋、层数、经度、纬度），已忽略"
            )
            return info
        if gcj:
            self.report.notices.append("“楼栋”工作表的坐标为 GCJ-02，已转换为 WGS-84")

        def get(row, name):
            i = header.get(name)
            return row[i] if i is not None and i < len(row) else ""

        last = {}
        for row in rows:
            values = {n: get(row, n) for n in BUILDING_HEADERS}
            for n in ("社区", "小区"):
                values[n] = compact(values[n]) or last.get(n, "")
            last = values
            if not compact(values["楼栋"]):
                continue
            floors = lon = lat = None
            try:
                floors = int(float(clean(values["层数"]))) if clean(values["层数"]) else None
                if clean(values["经度"]) and clean(values["纬度"]):
                    lon, lat = float(clean(values["经度"])), float(clean(values["纬度"]))
                    if not (73 <= lon <= 136 and 3 <= lat <= 54):
                        lon = lat = None
                    elif gcj:
                        lon, lat = gcj02_to_wgs84(lon, lat)
            except ValueError:
                continue
            key = (community_key(values["社区"]), values["小区"], number_key(values["楼栋"]))
            info[key] = (floors if floors and 0 < floors < 200 else None, lon, lat)
        return info

    # ---- pass 2: across rows and against the database
    def _check_across(self, rows: _Rows) -> None:
        n = len(rows)
        self.status = bytearray(n)
        self.existing = array("q", bytes(8 * n))  # resident id where one is current
        with self.report.timed("未变行：读取已有记录"):
            self._skipped(rows)
        with self.report.timed("跨行与地址校验"):
            self._duplicates(rows)
            self._regions(rows)
            self._load_structure()
            self._resolve_homes(rows)
            self._vacant_conflicts(rows)
        with self.report.timed("与数据库比对"):
            self._residents(rows)
        self.good_rows = n - self.status.count(_BAD)
        bad_rows = self.report.bad_rows
        for i in range(n):
            if self.status[i] == _BAD and len(bad_rows) < MAX_BAD_ROWS_KEPT:
                bad_rows.setdefault(rows.line[i], [])

    def _skipped(self, rows: _Rows) -> None:
        """The blind index and householder flag of each skipped row, and which resident and
        household it is, from the current resident with its source hash (``_Known``, read
        before the file). Every cross-row check then sees these rows as it sees checked ones.
        """
        known, self.known = self.known, None
        n = len(rows)
        rows.known_pk = array("q", bytes(8 * n))
        rows.known_household = array("q", bytes(8 * n))
        if not known.pk:
            return
        # In C, no statement a row: each array is indexed by known_at through map(), where
        # -1 (a checked row) reads the zero appended at the end of each.
        known_at = rows.known_at
        pk = known.pk + array("q", [0])
        household = known.household + array("q", [0])
        rows.known_pk = array("q", map(pk.__getitem__, known_at))
        rows.known_household = array("q", map(household.__getitem__, known_at))
        index = known.index + sealing.NO_DIGEST
        slices = [index[at : at + 16] for at in range(0, len(index), 16)]
        # The helper gave zeros for the skipped rows, and these are zeros for the others.
        rows.digest = bytearray(_or(rows.digest, b"".join(map(slices.__getitem__, known_at))))
        householder = (known.householder + b"\0").translate(_HOUSEHOLDER_BIT)
        rows.flags = bytearray(_or(rows.flags, bytes(map(householder.__getitem__, known_at))))

    def _bad(self, rows, i, column, reason):
        self._error(rows.line[i], column, reason)
        self.status[i] = _BAD

    def _duplicates(self, rows: _Rows) -> None:
        digests = rows.digest.hex()
        persons = len(rows) - sum(rows.flags.count(f) for f in (0, _GIVEN, _HOUSEHOLDER, 6))
        distinct = len({digests[k : k + 32] for k in range(0, len(digests), 32)})
        if distinct == persons + (persons < len(rows)):  # (+ the empty index of vacant rows)
            return
        seen: dict[bytes, int] = {}
        digest = memoryview(rows.digest)
        flags = rows.flags
        for i in range(len(rows)):
            if flags[i] & _PERSON:
                line = rows.line[i]
                first = seen.setdefault(bytes(digest[16 * i : 16 * i + 16]), line)
                if first != line:
                    self._bad(
                        rows, i, "身份证号", f"身份证号在本文件中重复（首次出现于行号 {first}）"
                    )

    def _regions(self, rows: _Rows) -> None:
        """街道 and 社区 of every row: found, to be created, or an error (with the column)."""
        from loudong.accounts.access import scope_for
        from loudong.accounts.roles import Cap

        self.communities = {}  # (subdistrict name, community text) → Region or None (to create)
        all_subdistricts = list(Region.objects.filter(level=Region.Level.SUBDISTRICT))
        by_name = {s.name: s for s in all_subdistricts}
        edit_scope = scope_for(self.user, Cap.EDIT) if self.user is not None else None
        outcome: dict[tuple, tuple] = {}  # (街道 text, 社区 text) → (column, error) or key

        def resolve(sub_text, community_text):
            if not sub_text:
                if len(all_subdistricts) == 1:
                    sub_text = all_subdistricts[0].name
                elif not all_subdistricts and self.create_regions:
                    return ("街道", "数据库中还没有街道，请在“街道”列填写街道名称")
                else:
                    return (
                        "街道",
                        "数据库中有多个街道，请在“街道”列填写街道名称"
                        if all_subdistricts
                        else "数据库中还没有街道（可使用 --create-regions 创建）",
                    )
            sub = by_name.get(sub_text)
            if sub is None:
                if not self.create_regions:
                    return ("街道", f"街道“{sub_text}”不存在（可使用 --create-regions 创建）")
                if edit_scope is not None and not self._may_create_top():
                    return ("街道", f"街道“{sub_text}”不存在，您无权新建街道")
            found = self._find_community(sub, community_text, edit_scope)
            if isinstance(found, str):
                return ("社区", found)
            return (sub_text, sub, found.name if found is not None else community_text, found)

        place_outcome = []
        for place in rows.places:
            key = place[:2]
            if key not in outcome:
                outcome[key] = resolve(*key)
            place_outcome.append(outcome[key])
        self.place_region = place_outcome
        status = self.status
        home_place = rows.home_place
        if _BAD not in status and all(len(result) == 4 for result in place_outcome):
            for result in place_outcome:  # nothing to report: per place, not per row
                self._note_region(*result)
            return
        for i, h in enumerate(rows.home):
            if status[i] == _BAD:
                continue
            result = place_outcome[home_place[h]]
            if len(result) == 2:
                self._bad(rows, i, *result)
                continue
            self._note_region(*result)

    def _note_region(self, sub_name, sub, community_name, community) -> None:
        report = self.report
        if sub is None and sub_name not in self.subdistricts:
            report.add_created("subdistrict", sub_name)
        self.subdistricts.setdefault(sub_name, sub)
        if (sub_name, community_name) not in self.communities:
            if community is None:
                report.add_created("community", community_name)
            self.communities[(sub_name, community_name)] = community

    def _may_create_top(self) -> bool:
        from loudong.accounts.access import scope_for
        from loudong.accounts.roles import Cap

        scope = scope_for(self.user, Cap.EDIT)
        return any(p.count("/") <= 3 for p in scope.paths)  # subdistrict level or above

    def _find_community(self, sub, name, edit_scope):
        """The community Region, None to create it, or an error message."""
        if sub is not None:
            match = None
            if re.fullmatch(r"\d{12}", name):
                match = Region.objects.filter(
                    level=Region.Level.COMMUNITY, code=name, parent=sub
                ).first()
            match = (
                match
                or Region.objects.filter(
                    level=Region.Level.COMMUNITY, parent=sub, name__in=[name, name + "社区"]
                )
                .order_by("name")
                .first()
            )
            if match is not None:
                if edit_scope is not None and match.pk not in edit_scope.community_ids:
                    return f"社区“{name}”不在您的管辖范围内"
                return match
        if not self.create_regions:
            return f"社区“{name}”不存在（可使用 --create-regions 创建）"
        if edit_scope is not None and not self._may_create_top():
            return f"社区“{name}”不存在，只有街道管理员可以新建社区"
        if re.fullmatch(r"\d+", name):
            return f"社区“{name}”不存在，按代码新建社区时须填写社区名称"
        return None

    def _load_structure(self):
        """Existing compounds, buildings, units and households of the communities involved,
        as ids and the few fields the import compares: no model objects (~27,000 at 500k
        residents, with each building's compound and community, cost ~0.5 s to build)."""
        communities = [c for c in self.communities.values() if c is not None]
        community_ids = [c.pk for c in communities]
        self.community_name = {c.pk: c.name for c in communities}  # community id → name
        self.compounds = {}  # (community id, name) → compound id
        self.compound_of = {}  # compound id → (community id, name)
        for pk, parent_id, name in Region.objects.filter(
            level=Region.Level.COMPOUND, parent_id__in=community_ids
        ).values_list("id", "parent_id", "name"):
            self.compounds[(parent_id, name)] = pk
            self.compound_of[pk] = (parent_id, name)
        # (compound id, number key) → [id, number, floors, lon, lat]
        self.buildings = {
            (compound_id, key): [pk, number, floors, lon, lat]
            for pk, compound_id, key, number, floors, lon, lat in Building.objects.filter(
                community_id__in=community_ids
            ).values_list("id", "compound_id", "number_key", "number", "floors", "lon", "lat")
        }
        # (building id, number key) → (id, number)
        self.units = {
            (building_id, key): (pk, number)
            for pk, building_id, key, number in Unit.objects.filter(
                community_id__in=community_ids
            ).values_list("id", "building_id", "number_key", "number")
        }
        self.household_id = {}  # (unit id, room) → household id
        self.household_code = {}  # (unit id, room) → its 居住类型 as a code (255: unknown)
        code_of = {code: k for k, code in enumerate(_RESIDENCE_CODES)}.get
        with connection.cursor() as cursor:
            for start in range(0, len(community_ids), 500):
                part = community_ids[start : start + 500]
                cursor.execute(
                    "SELECT unit_id, room, id, residence FROM territory_household "
                    f"WHERE community_id IN ({', '.join(['%s'] * len(part))})",
                    part,
                )
                found = cursor.fetchall()
                if found:
                    unit_ids, rooms, pks, residences = zip(*found, strict=True)
                    keys = list(zip(unit_ids, rooms, strict=True))
                    self.household_id.update(zip(keys, pks, strict=True))
                    codes = map(code_of, residences, repeat(255))
                    self.household_code.update(zip(keys, codes, strict=True))

    def _resolve_homes(self, rows: _Rows) -> None:
        """Each home of the file → one *canonical* home (two spellings of a 社区, or an empty
        街道 cell, can name the same place) with its household id (0 while it is new) and
        that household's 居住类型 (its code; 255 while it is new)."""
        places = {}  # canonical place key → index
        self.place_of = array("l")  # file place → canonical place (-1: the region is bad)
        self.place_keys = []  # canonical place → (sub name, community name, compound, …)
        self.place_unit = []  # canonical place → unit id or None
        for place, region in zip(rows.places, self.place_region, strict=True):
            if len(region) == 2:
                self.place_of.append(-1)
                continue
            sub_name, _, community_name, community = region
            key = (sub_name, community_name, *place[2:])
            c = places.get(key)
            if c is None:
                c = places[key] = len(self.place_keys)
                self.place_keys.append(key)
                unit_id = None
                if community is not None:
                    compound_id = self.compounds.get((community.pk, key[2]))
                    building = compound_id and self.buildings.get((compound_id, key[4]))
                    unit = building and self.units.get((building[0], key[6]))
                    unit_id = unit[0] if unit else None
                self.place_unit.append(unit_id)
            self.place_of.append(c)
        household_id, household_code = self.household_id, self.household_code
        place_of = self.place_of
        if -1 not in place_of and len(set(place_of)) == len(place_of):
            # Every file place is its own canonical place (the usual case), so every file home
            # its own canonical home: the same mapping, built in C (map, zip, dict.get).
            self.home_of = array("l", range(len(rows.home_room)))
            places = array("l", map(place_of.__getitem__, rows.home_place))
            self.home_keys = list(zip(places, rows.home_room, strict=True))
            units = map(self.place_unit.__getitem__, places)
            keys = list(zip(units, rows.home_room, strict=True))  # (None, room): no unit yet
            self.home_household = array("q", map(household_id.get, keys, repeat(0)))
            self.home_residence = bytearray(map(household_code.get, keys, repeat(255)))
        else:
            homes = {}
            self.home_of = array("l")  # file home → canonical home
            self.home_keys = []  # canonical home → (canonical place, room)
            self.home_household = array("q")  # canonical home → household id or 0
            self.home_residence = bytearray()  # canonical home → its household's code, or 255
            for p, room in zip(rows.home_place, rows.home_room, strict=True):
                c = place_of[p]
                key = (c, room)
                ch = homes.get(key)
                if ch is None:
                    ch = homes[key] = len(self.home_keys)
                    self.home_keys.append(key)
                    unit = (self.place_unit[c] if c >= 0 else None, room)
                    self.home_household.append(household_id.get(unit, 0))
                    self.home_residence.append(household_code.get(unit, 255))
                self.home_of.append(ch)
        del self.household_id, self.household_code  # (in home_household / _residence now)
        self.row_home = array("l", map(self.home_of.__getitem__, rows.home))  # canonical, a row

    def _vacant_conflicts(self, rows: _Rows) -> None:
        good, person = self.status.translate(_GOOD), rows.flags.translate(_PERSON_FLAG)
        row_home = self.row_home
        people = set(compress(row_home, _and(good, person)))  # homes with a good person row
        for i in compress(range(len(rows)), _and(good, person.translate(_ZERO))):
            if row_home[i] in people:
                self._bad(rows, i, "居住类型", "该户在文件中登记了居民，不能同时标为“空置”")

    def _residents(self, rows: _Rows) -> None:
        """Match each person on the ID's blind index: new, unchanged, changed, or elsewhere."""
        from loudong.accounts.access import scope_for
        from loudong.accounts.roles import Cap

        view_scope = scope_for(self.user, Cap.VIEW) if self.user is not None else None
        status, flags, existing = self.status, rows.flags, self.existing
        elsewhere = []  # (row, household id)
        stale = {}  # resident id → row, where the stored hash differs
        n = len(rows)
        good = status.translate(_GOOD)
        # The checked ones; skipped rows were matched by _skipped.
        persons = list(compress(range(n), _and(good, flags.translate(_CHECKED_PERSON))))
        # Few to match (a re-import with some rows changed): look them up by blind index;
        # many: one scan of the file's communities, one string compared per resident.
        current, others = self._current_residents() if len(persons) > 20_000 else ({}, True)
        # Hex of all blind indexes and hashes at once: slicing text is cheaper than hex() per
        # row.
        indexes, hashes, sources = rows.digest.hex(), rows.row_hash.hex(), rows.source.hex()
        home, home_of, household = rows.home, self.home_of, self.home_household
        known_pk, known_household = rows.known_pk, rows.known_household
        # Skipped rows: unchanged where the resident's household is the row's home, else a
        # move. In C (map, compress, big-integer OR): ~0.15 s less at 500k rows than a loop.
        skipped = _and(good, flags.translate(_SKIPPED_FLAG))
        same = bytes(map(eq, known_household, map(household.__getitem__, self.row_home)))
        stays = _and(skipped, same)
        status[:] = _or(status, stays.translate(_UNCHANGED_BYTE))  # (their status was 0)
        existing[:] = array("q", map(mul, known_pk, stays))  # (0 for every other row)
        for i in compress(range(n), _and(skipped, same.translate(_ZERO))):
            elsewhere.append((i, known_household[i]))
        wanted = {}  # blind index → row, for the details (new, changed, or elsewhere)
        for i in persons:
            at = 32 * i
            index = indexes[at : at + 32]
            known = current.get(index)
            if known is None:
                if others:
                    wanted[index] = i
            elif known == (
                f"{hashes[at : at + 32]}|{sources[at : at + 32]}|{household[home_of[home[i]]]}"
            ):
                status[i] = _UNCHANGED
            else:
                wanted[index] = i
        del persons
        keys = list(wanted)
        lookup = _lookup_sql()
        with connection.cursor() as cursor:
            for at in range(0, len(keys), _LOOKUP_CHUNK):
                cursor.execute(*lookup(keys[at : at + _LOOKUP_CHUNK]))
                for index, pk, household_id, _, stored, source in cursor.fetchall():
                    i = wanted[index]
                    if household_id != household[home_of[home[i]]]:
                        elsewhere.append((i, household_id))
                        continue
                    existing[i] = pk
                    if stored == hashes[32 * i : 32 * i + 32]:
                        same = source == sources[32 * i : 32 * i + 32]
                        status[i] = _UNCHANGED if same else _REHASH
                    else:
                        stale[pk] = i
        del current
        if elsewhere:
            homes = Household.objects.select_related(
                "community", "unit__building__compound"
            ).in_bulk({h for _, h in elsewhere})
            for i, household_id in elsewhere:
                if view_scope is None or homes[household_id].community_id in (
                    view_scope.community_ids
                ):
                    home = homes[household_id]
                    self._bad(
                        rows,
                        i,
                        "身份证号",
                        f"该居民已在其他住址登记（{home.community.name}{home}），"
                        "请先办理迁出再导入",
                    )
                else:
                    self.report.hidden_conflicts += 1
                    self._bad(rows, i, "身份证号", NOT_HERE_REASON)
        if stale:
            self._compare_stale(rows, stale)

    def _current_residents(self) -> tuple[dict, bool]:
        """Blind index → "row hash|source hash|household id" of the current residents of the file's
        communities (one scan, the comparison done on one string), and whether current
        residents exist elsewhere too (then the file's other people are looked up)."""
        community_ids = [c.pk for c in self.communities.values() if c is not None]
        current = {}
        with connection.cursor() as cursor:
            for at in range(0, len(community_ids), 500):
                part = community_ids[at : at + 500]
                cursor.execute(
                    "SELECT id_number_index, "
                    "row_hash || '|' || source_hash || '|' || CAST(household_id AS TEXT) "
                    "FROM territory_resident WHERE moved_out = %s AND "
                    f"community_id IN ({', '.join(['%s'] * len(part))})",
                    [False, *part],
                )
                current.update(cursor.fetchall())
            cursor.execute("SELECT COUNT(*) FROM territory_resident WHERE moved_out = %s", [False])
            others = cursor.fetchone()[0] > len(current)
        return current, others

    def _compare_stale(self, rows: _Rows, stale: dict) -> None:
        """Rows whose stored hash differs (changed, edited on a page, or imported before
        hashes): compare the fields; equal ones only get the new hash (``_REHASH``)."""
        phone_index = _hmac("phone").hex
        by_chunk = defaultdict(list)
        for pk, i in stale.items():
            by_chunk[i // rows.CHUNK].append((pk, i))
        fields = "id name relation is_householder sex birth_date phone_index political_status notes"
        with connection.cursor() as cursor:
            for number, items in by_chunk.items():
                packed = rows.chunk(number)
                current = {}
                for at in range(0, len(items), _LOOKUP_CHUNK):
                    part = [pk for pk, _ in items[at : at + _LOOKUP_CHUNK]]
                    cursor.execute(
                        f"SELECT {', '.join(fields.split())} FROM territory_resident "
                        f"WHERE id IN ({', '.join(['%s'] * len(part))})",
                        part,
                    )
                    for row in cursor.fetchall():
                        current[row[0]] = row[1:]
                for pk, i in items:
                    name, rel, holder, _, sex, birth, phone, pol, notes = packed[
                        i - number * rows.CHUNK
                    ].split("\t")
                    db = current[pk]
                    same = (
                        db[0] == name
                        and db[1] == rel
                        and bool(db[2]) == bool(holder)
                        and db[3] == sex
                        and str(db[4] or "") == birth
                        and db[5] == (phone_index(phone) if phone else "")
                        and (crypto.decrypt(db[6], "text") if db[6] else "") == pol
                        and db[7] == notes
                    )
                    self.status[i] = _REHASH if same else _CHANGED

    def _fill_bad_rows(self, data, filename, lines):
        """The cells of rows found bad by cross-row checks (a second, rare pass), masked."""
        try:
            sheet = read_book(
                data, filename, **({"max_bytes": self.max_bytes} if self.max_bytes else {})
            )[0]
        except SheetError:
            return
        meaning = getattr(self, "meaning", {})
        last = max(lines)
        for index, row in enumerate(sheet.rows):
            if index + 1 in lines:
                self.report.bad_rows[index + 1] = mask_cells(meaning, row)
            if index + 1 >= last:
                break

    # ---- pass 3: write
    def _plan(self, rows: _Rows) -> bool:
        """What the write has to do, worked out before any transaction; False when nothing
        (an unchanged re-import: no transaction, no write phase at all).

        Per-row work here is C-level passes over the row arrays (``compress``, ``map``,
        ``dict``) rather than a Python statement a row: ~0.5 s less at 500k rows."""
        good = self.status.translate(_GOOD)  # 1 a good row, 0 a bad one
        flags = rows.flags
        canon = self.row_home
        # Canonical places and homes with at least one good row, in file order (file homes
        # and places are numbered in the order they first appear, so the first good row of
        # each comes first).
        self.homes_written = list(dict.fromkeys(compress(canon, good)))
        home_keys = self.home_keys
        self.places_written = list(dict.fromkeys(home_keys[ch][0] for ch in self.homes_written))
        # 居住类型 of each home: the last row of its householder that gives one, else the first
        # row that gives one, else its first row's (a vacant home's good rows all say 空置:
        # one listing a person beside them makes them bad).
        residence = rows.residence
        given = _and(good, flags.translate(_GIVEN_FLAG))
        holder = _and(given, flags.translate(_HOUSEHOLDER_FLAG))
        codes = _first_of(compress(canon, good), compress(residence, good))
        first_given = _first_of(compress(canon, given), compress(residence, given))
        codes.update(first_given)
        codes.update(zip(compress(canon, holder), compress(residence, holder), strict=True))
        self.home_code = codes
        household, current = self.home_household, self.home_residence
        self.new_homes = [ch for ch in self.homes_written if not household[ch]]
        updates = defaultdict(list)  # code → household ids whose 居住类型 the file changes
        for ch in first_given:
            if household[ch] and current[ch] != codes[ch]:
                updates[codes[ch]].append(household[ch])
        self.home_updates = updates
        counts = self.report.counts
        counts["households_new"] = len(self.new_homes)
        counts["households_updated"] = sum(len(v) for v in updates.values())
        person_status = bytes(compress(self.status, _and(good, flags.translate(_PERSON_FLAG))))
        counts["unchanged"] = person_status.count(_UNCHANGED) + person_status.count(_REHASH)
        counts["updated"] = person_status.count(_CHANGED)
        counts["new"] = person_status.count(_NEW)
        self.building_changes = self._building_changes()
        return bool(
            None in self.subdistricts.values()
            or None in self.communities.values()
            or any(self.place_unit[c] is None for c in self.places_written)
            or self.new_homes
            or updates
            or self.building_changes
            or len(person_status) != counts["unchanged"]
            or person_status.count(_REHASH)
        )

    def _write(self, rows: _Rows) -> None:
        """All or nothing; a dry run does the same work and rolls it back."""
        big = self.report.counts["new"] > REBUILD_ROWS or len(self.new_homes) > REBUILD_ROWS
        stage = self.stage if self.stage is not None and any(rows.staged) else None
        with (
            stage.attached() if stage else nullcontext(),
            _KeysCheckedOnce(big) as keys,
            _SqliteCache() as cache,
            transaction.atomic(),
        ):
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:  # for the index rebuilds
                    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
                    if big:  # (only a big load rebuilds indexes)
                        _fit_parallel_builds(cursor)
            timed = self.report.timed
            self.progress("写入数据库", 0, 4)
            with timed("写入：小区、楼栋、单元"):
                self._write_regions()
                self._write_buildings()
            # Into empty tables, indexes are dropped now and rebuilt by the writer after the
            # rows; the household ids are reserved now: no other query while it works.
            big = len(self.new_homes) > REBUILD_ROWS
            household_indexes = _drop_indexes(Household) if big else []
            resident_indexes = (
                _drop_indexes(Resident) if self.report.counts["new"] > REBUILD_ROWS else []
            )
            if resident_indexes:
                cache.load()
            household_ids = _reserve_ids(Household, len(self.new_homes))
            household = self.home_household  # each new home's id, before any row is written
            for ch, pk in zip(self.new_homes, household_ids, strict=True):
                household[ch] = pk
            writer = _Writer()
            try:
                segments = self._copy_staged(rows, writer)
                self.progress("写入数据库", 1, 4)
                with timed("写入：户"):
                    # (made ahead while SQLite copies the residents queued before them)
                    ahead = not segments
                    self._write_households(writer, household_ids, household_indexes, ahead)
                self.progress("写入数据库", 2, 4)
                with timed("写入：居民"):
                    self._write_residents(rows, writer, resident_indexes, segments)
            finally:
                writer.close(quiet=True)  # before a rollback too: the connection is ours again
            if keys.off:  # (SQLite: the keys the load left unchecked)
                with timed("写入：外键检查"):
                    keys.check()
            self.progress("写入数据库", 4, 4)
            if self.dry_run:
                raise _DryRun

    def _write_regions(self) -> None:
        report = self.report
        district = Region.objects.filter(level=Region.Level.DISTRICT).order_by("pk").first()
        for name, sub in list(self.subdistricts.items()):
            if sub is None:
                self.subdistricts[name] = Region.objects.create(
                    level=Region.Level.SUBDISTRICT, name=name, parent=district
                )
        for (sub_name, name), community in list(self.communities.items()):
            if community is None:
                community = self.communities[(sub_name, name)] = Region.objects.create(
                    level=Region.Level.COMMUNITY, name=name, parent=self.subdistricts[sub_name]
                )
                self.community_name[community.pk] = community.name
        new = []
        for c in self.places_written:
            sub_name, community_name, compound_name = self.place_keys[c][:3]
            community = self.communities[(sub_name, community_name)]
            key = (community.pk, compound_name)
            if key not in self.compounds:
                self.compounds[key] = 0  # (its id below)
                new.append((community, compound_name))
                report.add_created("compound", f"{community.name}{compound_name}")
        ids = _reserve_ids(Region, len(new))
        for (community, name), pk in zip(new, ids, strict=True):
            self.compounds[(community.pk, name)] = pk
            self.compound_of[pk] = (community.pk, name)
        _insert_new(
            Region,
            ["level", "name", "parent_id", "path"],
            ids,
            [
                (Region.Level.COMPOUND, name, community.pk, f"{community.path}{pk}/")
                for (community, name), pk in zip(new, ids, strict=True)
            ],
        )

    def _building_info(self, compound_id: int, key: str):
        """(floors, lon, lat) of a building from the 楼栋 sheet, or None."""
        compound = self.compound_of.get(compound_id)  # (None: a compound of another community)
        if compound is None:
            return None
        community_id, compound_name = compound
        return self.building_info.get(
            (community_key(self.community_name[community_id]), compound_name, key)
        )

    def _building_changes(self) -> list[tuple[int, int | None, float | None, float | None]]:
        """Existing buildings whose 层数 or position the 楼栋 sheet changes: (id, floors, lon,
        lat), None where the sheet leaves the value as it is."""
        if not self.building_info:
            return []
        changes = []
        for (compound_id, key), (pk, _, floors, lon, lat) in self.buildings.items():
            info = self._building_info(compound_id, key)
            if info is None:
                continue
            new_floors, new_lon, new_lat = info
            new_floors = new_floors if new_floors and new_floors != floors else None
            if new_lon is None or (new_lon, new_lat) == (lon, lat):
                new_lon = new_lat = None
            if new_floors or new_lon is not None:
                changes.append((pk, new_floors, new_lon, new_lat))
        return changes

    def _write_buildings(self) -> None:
        report = self.report
        new_buildings = {}  # (compound id, key) → [number, highest floor, community id]
        max_floor = defaultdict(int)  # canonical place of a new building → its highest floor
        fresh = set()  # canonical places whose building is new (none on a re-import)
        for c in self.places_written:
            sub_name, community_name, compound_name, _label, key = self.place_keys[c][:5]
            community = self.communities[(sub_name, community_name)]
            if (self.compounds[(community.pk, compound_name)], key) not in self.buildings:
                fresh.add(c)
        if fresh:
            for ch in self.homes_written:
                c, room = self.home_keys[ch]
                if c in fresh:
                    max_floor[c] = max(max_floor[c], floor_of(room) or 0)
        for c in self.places_written:
            if c not in fresh:
                continue
            sub_name, community_name, compound_name, label, key = self.place_keys[c][:5]
            community = self.communities[(sub_name, community_name)]
            building_key = (self.compounds[(community.pk, compound_name)], key)
            entry = new_buildings.get(building_key)
            if entry is None:
                entry = new_buildings[building_key] = [label, 0, community.pk]
                report.add_created("building", f"{compound_name}{label}")
            entry[1] = max(entry[1], max_floor[c])
        changes = self.building_changes
        if changes:
            updates = [(f, building_kind(f), pk) for pk, f, _, _ in changes if f]
            moves = [(lon, lat, *project(lon, lat), pk) for pk, _, lon, lat in changes if lon]
            with connection.cursor() as cursor:
                if updates:
                    cursor.executemany(
                        "UPDATE territory_building SET floors = %s, kind = %s WHERE id = %s",
                        updates,
                    )
                if moves:
                    cursor.executemany(
                        "UPDATE territory_building SET lon = %s, lat = %s, x = %s, y = %s "
                        "WHERE id = %s",
                        moves,
                    )
            report.counts["buildings_updated"] = len(changes)
        # A building added to a registry that already had buildings is dated (Attachment 2's
        # 楼栋数 "as of" a day); the first registry's buildings have no date: there all along.
        listed = set(
            Building.objects.filter(
                community_id__in={community_id for _, _, community_id in new_buildings.values()}
            ).values_list("community_id", flat=True)
        )
        from django.utils import timezone

        today = timezone.localdate()
        ids = _reserve_ids(Building, len(new_buildings))
        values = []
        for ((compound_id, key), (label, highest, community_id)), pk in zip(
            new_buildings.items(), ids, strict=True
        ):
            info = self._building_info(compound_id, key) if self.building_info else None
            floors, lon, lat = info or (None, None, None)
            floors = floors or highest or None
            x, y = project(lon, lat) if lon is not None else (None, None)
            values.append(
                (
                    community_id,
                    compound_id,
                    label,
                    key,
                    floors,
                    building_kind(floors) if floors else Building.Kind.OTHER,
                    x,
                    y,
                    lon,
                    lat,
                    today if community_id in listed else None,
                )
            )
            self.buildings[(compound_id, key)] = [pk, label, floors, lon, lat]
        _insert_new(
            Building,
            ["community_id", "compound_id", "number", "number_key", "floors", "kind", "x", "y",
             "lon", "lat", "listed_from"],
            ids,
            values,
        )  # fmt: skip
        new_units = {}  # (building id, key) → (community id, compound id, number, floors)
        self.place_ids = {}  # canonical place → (community, compound, building, unit) ids
        for c in self.places_written:
            sub_name, community_name, compound_name, _, key, label, unit_key = self.place_keys[c]
            community = self.communities[(sub_name, community_name)]
            compound_id = self.compounds[(community.pk, compound_name)]
            building_id, number, floors = self.buildings[(compound_id, key)][:3]
            unit_ref = (building_id, unit_key)
            if unit_ref not in self.units and unit_ref not in new_units:
                new_units[unit_ref] = (community.pk, compound_id, label, floors)
                report.add_created("unit", f"{compound_name}{number}{label}")
        ids = _reserve_ids(Unit, len(new_units))
        _insert_new(
            Unit,
            ["community_id", "compound_id", "building_id", "number", "number_key", "floors"],
            ids,
            [
                (community_id, compound_id, building_id, label, unit_key, floors)
                for ((building_id, unit_key), (community_id, compound_id, label, floors)) in (
                    new_units.items()
                )
            ],
        )
        for (unit_ref, (_, _, label, _)), pk in zip(new_units.items(), ids, strict=True):
            self.units[unit_ref] = (pk, label)
        for c in self.places_written:
            sub_name, community_name, compound_name, _, key, _, unit_key = self.place_keys[c]
            community = self.communities[(sub_name, community_name)]
            compound_id = self.compounds[(community.pk, compound_name)]
            building_id, number = self.buildings[(compound_id, key)][:2]
            unit_id, unit_number = self.units[(building_id, unit_key)]
            label = f"{compound_name}{number}{unit_number}"
            self.place_ids[c] = (community.pk, compound_id, building_id, unit_id, label)

    def _write_households(
        self, writer: _Writer, ids: list[int], rebuild: list[str], ahead: bool = False
    ) -> None:
        report = self.report
        new, codes = self.new_homes, self.home_code
        home_keys, place_ids = self.home_keys, self.place_ids
        for ch in new[:200]:  # the names listed; the count is all of them
            c, room = home_keys[ch]
            report.created["household"].append(f"{place_ids[c][4]}{room}")
        report.created_count["household"] += len(new)

        def values():
            for ch, pk in zip(new, ids, strict=True):
                c, room = home_keys[ch]
                code = codes[ch]
                yield (
                    pk,
                    *place_ids[c][:4],
                    room,
                    floor_of(room),
                    _RESIDENCE_CODES[code],
                    code != _VACANT,
                )

        writer.insert(Household, _HOUSEHOLD_COLUMNS, values(), ahead=ahead)
        writer.run(rebuild)
        if self.home_updates:
            writer.wait()
        for code, pks in self.home_updates.items():
            for at in range(0, len(pks), 900):
                Household.objects.filter(pk__in=pks[at : at + 900]).update(
                    residence=_RESIDENCE_CODES[code], occupied=code != _VACANT
                )

    def _copy_staged(self, rows: _Rows, writer: _Writer) -> list:
        """The residents' runs of chunks (``_segments``) still to write. Staged rows (SQLite,
        a first import) need only their household's id, not its row (the keys are checked
        once at the end, _KeysCheckedOnce): when every run is staged they are all queued
        here, before the households, so that SQLite copies them while this thread makes the
        households' rows, and none is left."""
        segments = self._segments(rows)
        if not any(schema for schema, _ in segments):
            return segments
        household, home_keys, place_ids = self.home_household, self.home_keys, self.place_ids
        no_place = (0, 0)
        self.stage.begin(
            writer,
            [household[ch] << 32 | home_keys[ch][0] for ch in self.home_of],  # file homes
            [
                ids[0] << 32 | ids[1]
                for ids in map(place_ids.get, range(len(self.place_keys)), repeat(no_place))
            ],
        )
        if not all(schema for schema, _ in segments):
            return segments
        for schema, what in segments:
            self.stage.copy(writer, schema, *what)
        self.stage.end(writer)
        return []

    def _write_residents(
        self, rows: _Rows, writer: _Writer, rebuild: list[str], segments: list
    ) -> None:
        status, flags, home_of = self.status, rows.flags, self.home_of
        n = len(rows)
        party = {}  # political status → is_party_status (a handful of distinct values)
        sealer = _sealer()
        seal = sealer.seal
        row_hashes = rows.row_hash
        phone_index = _hmac("phone").hex
        id_last4 = _Cached(_hmac("id_number:last4").hex)
        phone_last4 = _Cached(_hmac("phone:last4").hex)
        digest = rows.digest
        changed = []
        rehash = []
        home_household = self.home_household
        place_ids = self.place_ids
        home_keys = self.home_keys

        digests_hex, hashes_hex = digest.hex(), row_hashes.hex()  # sliced per row below
        row_home = rows.home
        sources_hex = rows.source.hex()
        regions = {}  # canonical place → (community id, compound id)
        dates = _Dates(binary=connection.vendor == "postgresql")  # packed birth → column value

        def new_rows(numbers):
            last_home, home_ids = -1, ()  # the last row's home, its (community, compound,
            # household) ids
            for number in numbers:
                start = number * rows.CHUNK
                end = min(start + rows.CHUNK, n)
                todo = [
                    i
                    for i in range(start, end)
                    if status[i] in (_NEW, _CHANGED, _REHASH) and flags[i] & _PERSON
                ]
                if not todo:
                    continue
                packed = rows.chunk(number)
                sealed = rows.tokens[number]
                if sealed.__class__ is tuple:
                    sealed = rows.tokens_file.read(*sealed)
                sealed = sealed.decode().split("\n") if sealed else None
                for i in todo:
                    state = status[i]
                    at = 32 * i
                    source = sources_hex[at : at + 32]
                    hashed = hashes_hex[at : at + 32]
                    if state == _NEW and sealed is not None:  # sealed by the helper
                        # The common case (a first import): one tuple a row from the
                        # home's three ids, the packed fields and the helper's tokens.
                        h = row_home[i]
                        if h != last_home:  # a home's rows are consecutive: once a home
                            last_home = h
                            ch = home_of[h]
                            home_ids = (*place_ids[home_keys[ch][0]][:2], home_household[ch])
                        name, rel, holder, id_number, sex, birth, phone, pol, notes = packed[
                            i - start
                        ].split("\t")
                        id_token, id_tail, phone_token, phone_hash, phone_tail, pol_token = sealed[
                            i - start
                        ].split("\t")
                        party_member = party.get(pol)
                        if party_member is None:
                            party_member = party[pol] = is_party_status(pol)
                        yield (
                            *home_ids, name, rel, holder == "1", id_token, digests_hex[at : at + 32],
                            id_tail, phone_token, phone_hash, phone_tail, sex, dates[birth],
                            pol_token, party_member, notes, False, None, hashed, source,
                        )  # fmt: skip
                        continue
                    line = packed[i - start]
                    if state == _REHASH:
                        rehash.append((hashed, source, self.existing[i]))
                        continue
                    name, rel, holder, id_number, sex, birth, phone, pol, notes = line.split("\t")
                    ch = home_of[rows.home[i]]
                    household_id = home_household[ch]
                    pol_token = seal(pol, b"text") if pol else ""  # party membership: sensitive
                    id_token = seal(id_number, b"id_number")
                    id_tail = id_last4(id_number[-4:])  # validated: 17 digits + digit/X
                    phone_values = (
                        (
                            seal(phone, b"phone"),
                            phone_index(phone),
                            # normalised phones are digits and dashes (protected.digits_tail)
                            phone_last4(phone.replace("-", "")[-4:]),
                        )
                        if phone
                        else ("", "", "")
                    )
                    if state == _CHANGED:
                        changed.append(
                            (
                                name,
                                rel,
                                bool(holder),
                                sex,
                                birth or None,
                                pol_token,
                                is_party_status(pol),
                                notes,
                                *phone_values,
                                hashed,
                                source,
                                self.existing[i],
                            )
                        )
                        continue
                    c = home_keys[ch][0]
                    ids = regions.get(c)
                    if ids is None:
                        ids = regions[c] = place_ids[c][:2]
                    yield (
                        *ids,
                        household_id,
                        name,
                        rel,
                        bool(holder),
                        id_token,
                        digests_hex[32 * i : 32 * i + 32],
                        id_tail,
                        *phone_values,
                        sex,
                        dates[birth],
                        pol_token,
                        party.get(pol)
                        if pol in party
                        else party.setdefault(pol, is_party_status(pol)),
                        notes,
                        False,
                        None,
                        hashed,
                        source,
                    )

        for schema, what in segments:  # (what _copy_staged left)
            if schema:  # (first, last) rows staged there
                self.stage.copy(writer, schema, *what)
            else:  # chunk numbers
                writer.insert(Resident, _RESIDENT_COLUMNS, new_rows(what))
        if any(schema for schema, _ in segments):
            self.stage.end(writer)
        # SQLite: what the writer has left (the rebuild, the last batches); elsewhere the
        # rebuild itself.
        with self.report.timed("写入：重建居民索引"):
            writer.run(rebuild)
            writer.close()
        with connection.cursor() as cursor:
            if changed:
                cursor.executemany(
                    "UPDATE territory_resident SET name = %s, relation = %s, "
                    "is_householder = %s, sex = %s, birth_date = %s, political_status = %s, "
                    "is_party_member = %s, notes = %s, phone = %s, phone_index = %s, "
                    "phone_last4 = %s, "
                    "row_hash = %s, source_hash = %s WHERE id = %s",
                    changed,
                )
            if rehash:
                cursor.executemany(
                    "UPDATE territory_resident SET row_hash = %s, source_hash = %s WHERE id = %s",
                    rehash,
                )

    def _segments(self, rows: _Rows) -> list[tuple[str, tuple | list]]:
        """The chunks' residents in file order, in runs: ``(schema, (first, last))`` rows
        staged in ``schema`` (chunks whose every person is new and staged: a first
        import's), ``("", [chunk numbers])`` those made here."""
        staged = rows.staged if self.stage is not None else ()  # (attached by _write if any)
        if not any(staged):
            return [("", range(len(rows.chunks)))]
        status, flags, n, size = self.status, rows.flags, len(rows), rows.CHUNK
        out = []
        for number, (count, schema) in enumerate(zip(staged, rows.staged_in, strict=True)):
            start, end = number * size, min(number * size + size, n)
            people = [i for i in range(start, end) if flags[i] & _PERSON]
            if not (count and count == len(people) and all(status[i] == _NEW for i in people)):
                schema = ""
            if out and out[-1][0] == schema:  # the run goes on
                if schema:
                    out[-1] = (schema, (out[-1][1][0], end - 1))
                else:
                    out[-1][1].append(number)
            else:
                out.append((schema, (start, end - 1) if schema else [number]))
        return out

    # ---- audit
    def audit(self):
        from loudong.accounts.audit import record

        report = self.report
        action = "registry.import"
        if self.dry_run:
            action = "registry.import_dry_run"
        elif not report.written:
            action = "registry.import_failed"
        sub = next((s for s in self.subdistricts.values() if s is not None), None)
        new = {
            "file": report.filename,
            "rows": report.rows,
            "bad_rows": len(report.bad_lines),
            "partial": self.partial,
            "create_regions": self.create_regions,
            "created": dict(report.created_count),
            "counts": dict(report.counts),
        }
        if report.hidden_conflicts:
            # A worker probing whether numbers are registered elsewhere shows up here.
            new["refused_registered_elsewhere"] = report.hidden_conflicts
        with transaction.atomic():
            record(
                actor=self.user,
                action=action,
                region=sub,
                actor_username="命令行" if self.user is None else "",
                target_repr=f"导入 {report.filename}",
                new=new,
            )


class _DryRun(Exception):
    pass


class _Timer:
    def __init__(self, timings: dict, step: str):
        self.timings, self.step = timings, step

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def __exit__(self, *exc):
        wall, cpu = self.timings.get(self.step, (0.0, 0.0))
        self.timings[self.step] = (
            wall + time.perf_counter() - self.wall,
            cpu + time.process_time() - self.cpu,
        )


def _remember(cache: dict, value, text: str) -> str:
    if len(cache) > 200_000:
        cache.clear()
    cache[value] = text
    return text


def _small(cache: dict, value) -> str:
    """clean() of a value from a column with few distinct values, remembered."""
    text = clean(value)
    if len(cache) > 50_000:
        cache.clear()
    cache[value] = text
    return text


def _id_birth(digits: str, today: dt.date):
    """(date, ISO text) of an ID's YYYYMMDD, or None when it is no real, plausible date."""
    try:
        born = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None
    if born > today or born.year < 1880:
        return None
    return born, born.isoformat()


def _hmac(purpose: str) -> sealing.Hmac:
    """crypto.keyed_hash for one purpose, faster (sealing.Hmac)."""
    from django.conf import settings

    return sealing.Hmac(crypto._derived_key(settings.LOUDONG_INDEX_KEY, purpose))


def _source_hash() -> sealing.SourceHash:
    """Resident.source_hash of a row's cells (sealing.SourceHash), under its derived key."""
    from django.conf import settings

    return sealing.SourceHash(crypto._derived_key(settings.LOUDONG_INDEX_KEY, "row:source"))


def _sealer() -> sealing.Sealer:
    """crypto.encrypt for many values (sealing.Sealer): the current key, looked up once."""
    kid, keys = crypto.keyring()
    return sealing.Sealer(kid, keys[kid])


def _helper_keys() -> tuple:
    from django.conf import settings

    kid, keys = crypto.keyring()
    purposes = ("id_number", "id_number:last4", "phone", "phone:last4", "row:resident")
    index_keys = {p: crypto._derived_key(settings.LOUDONG_INDEX_KEY, p) for p in purposes}
    return kid, keys[kid], index_keys


class _Pending(NamedTuple):
    future: Future
    seal: bool
    at: tuple | None


class _Helper:
    """Blind indexes and row hashes of each chunk of rows and, when most rows are new, their
    encryption — and on SQLite, for a first import, the resident rows themselves (_Stage) —
    on the second core while this one reads on: a spawned process that is given the keys and
    nothing else (no database connection, so it is the same on SQLite and PostgreSQL).
    Small files, or where no process can be started: the blind indexes in line, here.
    """

    def __init__(self, big: bool, stage: _Stage | None = None, tokens: str = ""):
        self._pool = None
        self._results = []
        self._big = big  # the process is started with the first chunk that has work
        self._started_here = False
        self._stage = stage
        self._tokens = tokens  # the file the helper's tokens go to (_TokensFile), or ""
        self.stages = stage is not None  # whether submit wants each chunk's ``at``

    def _start(self) -> None:
        self._big = False
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        try:
            self._pool = ProcessPoolExecutor(
                1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=sealing.start,
                initargs=(*_helper_keys(), self._stage.path if self._stage else "", self._tokens),
            )
        except (OSError, ValueError):  # pragma: no cover - no processes here
            self._pool = None

    def submit(self, packed: bytes, seal: bool, at: tuple | None = None) -> None:
        """``at``: what the helper needs to stage the chunk's rows (sealing.seal_rows)."""
        if b"\t" not in packed:  # vacant homes and unchanged rows only: nothing to compute
            rows = packed.count(b"\n") + 1
            self._results.append((bytes(16 * rows), bytes(16 * rows), b"", 0))
            return
        if self._big:
            self._start()
        if self._pool is None:
            self._results.append(self._inline(packed, False, None))
        else:
            future = self._pool.submit(sealing.seal_rows, packed, seal, at)
            self._results.append(_Pending(future, seal, at))

    def results(self, chunks: list[bytes]) -> list[tuple[bytes, bytes, bytes | tuple, int, str]]:
        """(digests, row hashes, tokens, rows staged, the stage's schema) per chunk, in order;
        the tokens as bytes, or as their (offset, length) in the tokens file.

        Chunks the helper has not started yet are done here, in line (and staged in this
        process's own file), so that both cores finish together; so is everything if the
        helper died.
        """
        out = list(self._results)
        queued = [k for k, result in enumerate(out) if result.__class__ is _Pending]
        here = set()  # chunks done here
        for k in reversed(queued):  # the helper works from the front: take from the back
            if out[k].future.cancel():
                out[k] = self._inline(chunks[k], out[k].seal, out[k].at)
                here.add(k)
        helper_died = False
        for k in queued:
            if out[k].__class__ is _Pending:
                try:
                    out[k] = out[k].future.result()
                except (BrokenProcessPool, OSError, EOFError):  # the helper died: redo it here
                    out[k] = self._inline(chunks[k], out[k].seal, None)
                    helper_died = True  # what it staged may be incomplete: none of it is used
        self.close()
        schemas = ("", _Stage.SCHEMA, _Stage.SCHEMA_HERE)
        return [
            (*result[:3], 0, "")
            if not result[3] or (helper_died and k not in here)
            else (*result[:4], schemas[1 + (k in here)])
            for k, result in enumerate(out)
        ]

    def _inline(self, packed: bytes, seal: bool, at: tuple | None):
        if not self._started_here:
            sealing.start(*_helper_keys(), self._stage.path_here if self._stage else "")
            self._started_here = True
        return sealing.seal_rows(packed, seal, at)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
        if self._started_here:
            sealing.stop()
            self._started_here = False


class _Known:
    """The current residents' source hashes, each with what a skipped row needs of its
    resident: blind index, id, household, householder flag (arrays, in scan order, ~33 bytes
    a resident) and a dict from the hash to the position (~100 bytes a resident: 50 MB at
    500k, allocated after calamine's parse, whose transient buffers make the peak). A lookup
    is one dict probe; bisecting sorted arrays instead costs ~4× as much a row.

    Read in one scan, streamed (``chunked_cursor``) so that neither client holds the whole
    result; only when there are at most KNOWN_PER_ROW current residents per row of the file
    (a small upload checks its rows rather than read a whole city's hashes). Residents without
    a row hash or source hash (edited on a page, imported before) are not in it.
    """

    def __init__(self):
        self.position: dict[bytes, int] = {}
        self.sources = bytearray()  # 16 bytes a resident, until make_positions()
        self.index = bytearray()
        self.pk = array("q")
        self.household = array("q")
        self.householder = bytearray()

    @classmethod
    def load(cls, height: int, positions: bool = True) -> _Known:
        """``positions``: the dict made now; else by ``make_positions`` — a load beside
        calamine's parse keeps its ~70 MB out of the parse's transient peak that way."""
        known = cls()
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM territory_resident WHERE moved_out = %s", [False])
            current = cursor.fetchone()[0]
        if not current or current > KNOWN_PER_ROW * max(height, 1):
            return known
        fromhex = bytes.fromhex
        with connection.chunked_cursor() as cursor:
            cursor.execute(
                "SELECT source_hash, id_number_index, id, household_id, is_householder "
                "FROM territory_resident WHERE moved_out = %s AND source_hash <> '' AND "
                "row_hash <> ''",
                [False],
            )
            # Column by column, each in one C-level call (map, join, extend): a loop of five
            # statements a resident cost ~1 µs each.
            while batch := cursor.fetchmany(10_000):
                sources, indexes, pks, households, householders = zip(*batch, strict=True)
                known.sources += fromhex("".join(sources))
                known.index += fromhex("".join(indexes))
                known.pk.extend(pks)
                known.household.extend(households)
                known.householder.extend(map(bool, householders))
        if positions:
            known.make_positions()
        return known

    def make_positions(self) -> None:
        sources, self.sources = self.sources, bytearray()
        view, n = memoryview(sources), len(sources) // 16
        keys = map(bytes, (view[16 * k : 16 * k + 16] for k in range(n)))
        self.position = dict(zip(keys, range(n), strict=True))

    def find(self, source: bytes) -> int:
        """Position of the resident with this source hash, or -1."""
        return self.position.get(source, -1)


class _Cached:
    """A keyed hash of few distinct values (the last four digits): computed once each."""

    def __init__(self, function):
        self._function = function
        self._values = {}

    def __call__(self, value: str) -> str:
        result = self._values.get(value)
        if result is None:
            result = self._values[value] = self._function(value)
        return result


class _Dates(dict):
    """A packed birth date ("1958-03-02" or "") → the value the bulk insert writes: None for
    "", else the text itself (SQLite stores dates as ISO text) or, for PostgreSQL's binary
    COPY, a ``date`` (its binary format has no text form of a date). Each distinct date is
    converted once: at 500k residents there are ~30,000."""

    def __init__(self, binary: bool):
        super().__init__({"": None})
        self._binary = binary

    def __missing__(self, text: str):
        value = self[text] = dt.date.fromisoformat(text) if self._binary else text
        return value


def _mostly_new(chunk: bytes) -> bool:
    """Whether fewer than half the people of a chunk are current residents already (then
    the helper encrypts every row ahead; on a re-import it would be wasted work)."""
    sealing.start(*_helper_keys())
    digests = sealing.seal_rows(chunk, False)[0]
    keys = {digests[k : k + 16].hex() for k in range(0, len(digests), 16)}
    keys.discard(sealing.NO_DIGEST.hex())
    if not keys:
        return False
    lookup = _lookup_sql()
    with connection.cursor() as cursor:
        cursor.execute(*lookup(sorted(keys)))
        return len(cursor.fetchall()) * 2 < len(keys)


def _lookup_sql():
    """Current residents by blind index: (index, id, household, community, row hash, source
    hash)."""
    base = (
        "SELECT id_number_index, id, household_id, community_id, row_hash, source_hash "
        "FROM territory_resident WHERE moved_out = %s AND id_number_index "
    )
    if connection.vendor == "postgresql":
        return lambda keys: (base + "= ANY(%s)", [False, keys])
    return lambda keys: (base + f"IN ({', '.join(['%s'] * len(keys))})", [False, *keys])


def _release_memory() -> None:
    """Hand memory freed by calamine back to the system, so that the peak stays the read's."""
    import gc

    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def _reserve_ids(model, count: int) -> list[int]:
    """Primary keys for rows about to be inserted (inside the writing transaction).

    PostgreSQL: drawn from the table's sequence, named once (``pg_get_serial_sequence`` in
    the drawing query runs once a row: 0.5–0.7 s for 234k households, against 0.1 s); the
    values come back as their least and greatest — when no other session drew in between
    they are consecutive, and the range is the list — or, when one did, as an array.
    SQLite: after the largest ever used (AUTOINCREMENT's sqlite_sequence); the transaction
    holds the write lock.
    """
    if not count:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            (sequence,) = cursor.fetchone()
            cursor.execute(
                "SELECT min(v), max(v), CASE WHEN max(v) - min(v) + 1 = count(*) THEN NULL "
                "ELSE array_agg(v ORDER BY v) END "
                "FROM (SELECT nextval(%s::regclass) AS v FROM generate_series(1, %s)) AS drawn",
                [sequence, count],
            )
            low, high, drawn = cursor.fetchone()
            return drawn if drawn is not None else list(range(low, high + 1))
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')
        top = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(top, row[0] if row else 0) + 1
        return list(range(start, start + count))


def _insert_new(model, names: list[str], ids: list[int], rows: list[tuple]) -> None:
    """New rows of ``model`` without model instances: ``rows`` give the fields ``names``
    (attnames) in that order, with the reserved ``ids``; every other concrete field gets its
    default (taken from one unsaved instance), so that a field added to the model later is
    written too."""
    if not rows:
        return
    meta = model._meta
    template = model()
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    given = {name: k for k, name in enumerate(names)}
    unknown = set(names) - {f.attname for f in fields}
    if unknown:
        raise ValueError(f"{model.__name__} has no field {sorted(unknown)}")
    picks = [(given.get(f.attname, -1), getattr(template, f.attname)) for f in fields]
    columns = ["id", *(f.column for f in fields)]
    _insert(
        model,
        columns,
        (
            [pk, *(row[k] if k >= 0 else default for k, default in picks)]
            for pk, row in zip(ids, rows, strict=True)
        ),
    )


def _drop_indexes(model) -> list[str]:
    """An empty table about to get a big load: drop its secondary indexes (and, on
    PostgreSQL, its foreign keys), and return the SQL that puts them back.

    Building an index once from all the keys is several times cheaper than keeping it up to
    date row by row for random blind-index values; re-adding a foreign key checks all rows
    in one join instead of a trigger per row (PostgreSQL; SQLite checks deferred keys with a
    counter, cheaply). Both databases run this DDL inside the transaction, so a failed or
    dry run rolls the drop back too; PostgreSQL keeps the table locked until the commit.
    Primary keys and unique constraints stay, and on SQLite the indexes led by a foreign key.
    """
    table = model._meta.db_table
    qn = connection.ops.quote_name
    after = []
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {qn(table)} LIMIT 1")
        if cursor.fetchone():
            return []
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND "
                "tbl_name = %s AND sql IS NOT NULL",
                [table],
            )
            # An index led by a foreign key stays: the rows go in in file order, as their
            # parents got their ids, so its keys arrive ascending and SQLite appends them
            # beside its inserts (the GIL released) for less than a rebuild's scan of the
            # table after them. PostgreSQL's COPY is slower by as much with them: dropped.
            keys = {f.column for f in model._meta.concrete_fields if f.is_relation}
            indexes = []
            for name, sql in cursor.fetchall():
                cursor.execute(f"PRAGMA index_info({qn(name)})")
                if min(cursor.fetchall())[2] not in keys:
                    indexes.append((name, sql))
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass "
                "AND NOT x.indisprimary AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
                [table],
            )
            indexes = cursor.fetchall()
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f'",
                [table],
            )
            keys = cursor.fetchall()
            # Dropping a key alters the referenced table too, which must have no pending
            # (deferred) checks of its own rows written earlier in this transaction.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for name, definition in keys:
                cursor.execute(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}")
                after.append(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            return []
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {qn(name)}")
        rebuild = [sql for _, sql in indexes]
        if rebuild and connection.vendor == "sqlite":
            # Each rebuild sorts all its keys: with worker threads (``PRAGMA threads``, the
            # cores beside this one) SQLite sorts the runs at once and merges them.
            cursor.execute("PRAGMA threads")
            (before,) = cursor.fetchone()
            workers = len(os.sched_getaffinity(0)) - 1
            rebuild = [f"PRAGMA threads = {workers}", *rebuild, f"PRAGMA threads = {before}"]
    return rebuild + after


def _fit_parallel_builds(cursor) -> None:
    """PostgreSQL on this machine (a socket or loopback connection) shares its cores with
    the import: its parallel index builds get at most one worker a core beside the leader,
    for the transaction. With more participants than cores they wait for each other: the
    resident rebuild of a first import, 2 cores, two workers 3.4–5.4 s, one 3.2–4.2 s (the
    territory README, seventh pass). A server elsewhere keeps its own setting."""
    cursor.execute(
        "SELECT inet_server_addr() IS NULL OR host(inet_server_addr()) IN ('127.0.0.1', '::1'), "
        "current_setting('max_parallel_maintenance_workers')::int"
    )
    local, workers = cursor.fetchone()
    fit = len(os.sched_getaffinity(0)) - 1
    if local and workers > fit:
        cursor.execute(
            "SELECT set_config('max_parallel_maintenance_workers', %s, true)", [str(fit)]
        )


def _run(statements: list[str]) -> None:
    """Put dropped indexes and keys back. PostgreSQL refuses DDL on a table with pending
    (deferred) foreign-key checks, so those few (from the rows of other tables) run first."""
    if not statements:
        return
    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgresql:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for sql in statements:
            cursor.execute(sql)
        if postgresql:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


class _SqliteCache:
    """SQLite's page cache for a write, restored afterwards (the connection may serve other
    work). Rows inserted into kept indexes touch their pages at random (blind indexes):
    256 MB. A load into emptied tables (``_drop_indexes``; ``load()``) does better with
    SQLite's default, 2 MB: the rebuilds' sorts then write sorted runs to temporary files
    (beside the database: settings' ``SQLITE_TMPDIR``) and merge them, 1.6–1.8 s for the
    resident's six against 2.7–3.2 s sorted in memory, and pages go to the WAL while the rows
    are made instead of all at the commit (1.5–1.8 against 2.2–2.3 s). First import of 507k
    residents, instrumented, alternating: the write 8.8–10.6 s against 10.4–11.3 s; 16–64 MB
    fell between; in-memory temporary files (``temp_store``) lost the sorts' gain."""

    LOAD_KIB = 2000
    WRITE_KIB = 262144

    def __enter__(self) -> _SqliteCache:
        self._before = None
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size")
                (self._before,) = cursor.fetchone()
            self._set(-self.WRITE_KIB)
        return self

    def load(self) -> None:
        if self._before is not None:
            self._set(-self.LOAD_KIB)

    def _set(self, size: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(size)}")

    def __exit__(self, *exc) -> None:
        if self._before is not None and connection.connection is not None:
            self._set(self._before)


class _KeysCheckedOnce:
    """SQLite, a big load: foreign keys not looked up for each inserted row, but checked
    once for all rows (``PRAGMA foreign_key_check``, through Django's ``check_constraints``)
    before the transaction ends — what PostgreSQL gets from dropping the resident table's
    keys and adding them back after the load (``_drop_indexes``). A violation is an
    IntegrityError inside the transaction, which then rolls back: nothing is written.

    SQLite only turns its key checks off outside a transaction (Django's
    ``disable_constraint_checking`` says whether it did); inside one (a test case) they
    stay on and SQLite checks at the commit as always. They are turned on again on the way
    out, whatever happened.
    """

    TABLES = ("territory_region", "territory_building", "territory_unit",
              "territory_household", "territory_resident")  # fmt: skip

    def __init__(self, big: bool):
        self._wanted = big and connection.vendor == "sqlite"
        self.off = False

    def __enter__(self) -> _KeysCheckedOnce:
        if self._wanted and not connection.in_atomic_block:
            self.off = connection.disable_constraint_checking()
        return self

    def check(self) -> None:
        if self.off:
            connection.check_constraints(table_names=list(self.TABLES))

    def __exit__(self, *exc) -> None:
        if self.off:
            connection.enable_constraint_checking()
            self.off = False


def _scratch_file(suffix: str) -> tuple[int, str]:
    """A file of one run (mode 0600, ``tempfile.mkstemp``) where docs/deploy.md says an
    import's scratch files are: ``SQLITE_TMPDIR`` when it is set, else the system's
    temporary directory."""
    return tempfile.mkstemp(
        prefix="loudong-import-", suffix=suffix, dir=os.environ.get("SQLITE_TMPDIR")
    )


class _Stage:
    """SQLite: the resident rows of a first import, made and written by the helper process
    while this one checks (``sealing.seal_rows``) — and those of the chunks this process
    took back at the end, by this one — in two scratch databases beside the registry's
    (``SQLITE_TMPDIR``; readable by this user only, removed at the end of the run). The
    write attaches them — outside any transaction, which SQLite requires — and copies
    their rows with an ``INSERT … SELECT`` a run of chunks, their home's ids joined in; so
    the values are not bound one by one on a thread that holds the GIL. Not made inside an
    outer transaction (nothing could attach it) or on PostgreSQL, whose server process
    takes the binary COPY beside its client already.
    """

    SCHEMA, SCHEMA_HERE = "ld_stage", "ld_stage_here"

    def __init__(self, path: str, path_here: str):
        self.path, self.path_here = path, path_here

    @classmethod
    def create(cls) -> _Stage | None:
        if connection.vendor != "sqlite" or connection.in_atomic_block:
            return None
        stage = cls("", "")
        try:
            for name in ("path", "path_here"):
                fd, path = _scratch_file(".stage")
                os.close(fd)
                setattr(stage, name, path)
                db = sqlite3.connect(path)
                try:
                    db.execute(sealing.STAGE_TABLE)
                    db.commit()
                finally:
                    db.close()
        except (OSError, sqlite3.Error):  # no room or no directory: the rows are made here
            stage.remove()
            return None
        return stage

    @contextmanager
    def attached(self):
        with connection.cursor() as cursor:
            cursor.execute(f"ATTACH DATABASE %s AS {self.SCHEMA}", [self.path])
            cursor.execute(f"ATTACH DATABASE %s AS {self.SCHEMA_HERE}", [self.path_here])
        try:
            yield self
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"DETACH DATABASE {self.SCHEMA}")
                cursor.execute(f"DETACH DATABASE {self.SCHEMA_HERE}")

    def begin(self, writer: _Writer, homes: list[int], places: list[int]) -> None:
        """Queue two small tables for the copies' joins, each built by SQLite from one JSON
        array of integers: per file home its household id and canonical place (``homes``:
        ``household << 32 | place``), per canonical place its community and compound ids
        (``places``: ``community << 32 | compound``)."""
        for table, key, high, low, values in (
            ("ld_home", "home", "household_id", "place", homes),
            ("ld_place", "place", "community_id", "compound_id", places),
        ):
            writer.execute(
                f"CREATE TEMP TABLE {table} ({key} INTEGER PRIMARY KEY, {high} INTEGER, "
                f"{low} INTEGER)",
                (),
            )
            writer.execute(
                f"INSERT INTO temp.{table} SELECT key, value >> 32, value & 4294967295 "
                "FROM json_each(?)",
                ("[" + ",".join(map(str, values)) + "]",),
            )

    def copy(self, writer: _Writer, schema: str, first: int, last: int) -> None:
        """Queue the copy of the rows ``first`` … ``last`` (row indexes) staged in
        ``schema``, in file order — the resident ids follow it, as on the other path — with
        their home's community, compound and household."""
        writer.execute(
            f"INSERT INTO {Resident._meta.db_table} ({', '.join(_RESIDENT_COLUMNS)}) "
            f"SELECT {', '.join(self._VALUES[c] for c in _RESIDENT_COLUMNS)} "
            f"FROM {schema}.stage s JOIN temp.ld_home m ON m.home = s.home "
            "JOIN temp.ld_place p ON p.place = m.place "
            "WHERE s.i BETWEEN ? AND ? ORDER BY s.i",
            (first, last),
        )

    # Each resident column from a staged row (sealing.STAGE_TABLE), its home and its place.
    _VALUES = {
        "community_id": "p.community_id",
        "compound_id": "p.compound_id",
        "household_id": "m.household_id",
        "is_householder": "s.flags & 1",
        "is_party_member": "s.flags >> 1",
        "moved_out": "0",
        "moved_out_on": "NULL",
        **{c: f"substr(s.hashes, {1 + 32 * k}, 32)" for k, c in enumerate(sealing.STAGED_HASHES)},
        **{c: f"s.{c}" for c in ("name", "relation", "sex", "birth_date", "notes", "id_number",
                                 "phone", "political_status")},
    }  # fmt: skip

    def end(self, writer: _Writer) -> None:
        writer.execute("DROP TABLE temp.ld_home", ())
        writer.execute("DROP TABLE temp.ld_place", ())

    def remove(self) -> None:
        for path in (self.path, self.path_here):
            if path:
                Path(path).unlink(missing_ok=True)


class _TokensFile:
    """Where the helper process appends the tokens it makes when no rows are staged
    (PostgreSQL; ``sealing.seal_rows``): through the pipe instead, ~1 MB a chunk read by
    a thread of this process that waits for the GIL on every 64 KB, they had kept the
    helper waiting for about half of its chunks. Read back a chunk at a time by the write,
    so that they are never all in memory; AES-GCM tokens and keyed hashes only (nothing in
    clear), readable by this user only, in ``SQLITE_TMPDIR`` when it is set (else the
    system's temporary directory), removed at the end of the run."""

    def __init__(self, fd: int, path: str):
        self.fd, self.path = fd, path

    @classmethod
    def create(cls) -> _TokensFile | None:
        try:
            fd, path = _scratch_file(".tokens")
        except OSError:  # no room or no directory: the tokens come through the pipe
            return None
        return cls(fd, path)

    def read(self, offset: int, length: int) -> bytes:
        data = os.pread(self.fd, length, offset)
        if len(data) != length:  # pragma: no cover - the file cut short under us
            raise OSError(f"{self.path}: {len(data)} of {length} bytes")
        return data

    def remove(self) -> None:
        os.close(self.fd)
        with suppress(FileNotFoundError):
            os.unlink(self.path)


class _Writer:
    """The bulk statements of a write (inserts, index rebuilds). On SQLite they run on a
    second thread: the sqlite3 module releases the GIL while SQLite inserts, sorts and builds
    indexes, so that work runs on the second core (the helper process has finished by then)
    while this thread makes the next rows. One thread at a time uses the connection: batches
    go through a short queue, and ``wait`` / ``close`` take it back before any other query;
    an error there is raised here as Django's (IntegrityError …). Elsewhere — PostgreSQL's
    COPY, whose server process already works beside the client — everything runs in line.
    """

    def __init__(self):
        self._thread = None
        self._error = None
        if connection.vendor == "sqlite":
            import queue
            import threading

            connection.ensure_connection()
            self._queue = queue.Queue(maxsize=2)
            self._thread = threading.Thread(
                target=self._work, args=(connection.connection,), daemon=True
            )
            self._thread.start()

    def _work(self, raw) -> None:
        cursor = raw.cursor()
        try:
            while (item := self._queue.get()) is not None:
                sql, batch = item
                if self._error is None:  # after an error the rest is only drained
                    try:
                        if batch is None:
                            cursor.execute(sql)
                        else:
                            _execute(cursor, sql, batch)
                    except BaseException as exc:  # raised in the importer's thread
                        self._error = exc
                self._queue.task_done()
            self._queue.task_done()
        finally:
            cursor.close()

    def insert(self, model, columns, rows, batch=5000, ahead=False) -> None:
        """``ahead``: every batch made before the first is queued — when the thread has
        other work queued before them, this one makes them meanwhile instead of waiting."""
        if self._thread is None:
            _insert(model, columns, rows, batch)
            return
        statements = _MultiRowInsert(model._meta.db_table, columns, "?")
        if ahead:
            rows = list(rows)
            items = [
                item
                for at in range(0, len(rows), batch)
                for item in statements.batches(rows[at : at + batch])
            ]
            del rows
            for item in items:
                self._queue.put(item)
            return
        buffer = []
        for row in rows:
            buffer.append(row)
            if len(buffer) >= batch:
                for item in statements.batches(buffer):
                    self._queue.put(item)
                buffer = []
        if buffer:
            for item in statements.batches(buffer):
                self._queue.put(item)

    def execute(self, sql: str, params: tuple) -> None:
        """One statement (SQLite's placeholders), on the writer's thread."""
        self._queue.put((sql, params))

    def run(self, statements: list[str]) -> None:
        """Put dropped indexes back (``_run``)."""
        if self._thread is None:
            _run(statements)
            return
        for sql in statements:
            self._queue.put((sql, None))

    def wait(self) -> None:
        """Until the queued statements are done; raises their error."""
        if self._thread is not None:
            self._queue.join()
        self._raise()

    def close(self, quiet: bool = False) -> None:
        """Until everything is done; raises its error unless ``quiet`` (an error of this
        thread is on its way already)."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        if not quiet:
            self._raise()

    def _raise(self) -> None:
        error, self._error = self._error, None
        if error is not None:
            with connection.wrap_database_errors:
                raise error


def _insert(model, columns, rows, batch=5000):
    """Bulk insert without model instances: binary COPY on PostgreSQL, executemany on
    SQLite."""
    table = model._meta.db_table
    qn = connection.ops.quote_name
    names = ", ".join(qn(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Binary COPY: the client packs ints, booleans, dates and text without formatting
            # them as text (about a third of the client's CPU for the same rows), and the
            # server parses no text. Each value must be of its column's type (dates as
            # ``date``: _Dates); the columns' types come from the catalogue, by oid.
            cursor.execute(
                "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass "
                "AND attnum > 0 AND NOT attisdropped",
                [table],
            )
            types = dict(cursor.fetchall())
            copy_sql = f"COPY {qn(table)} ({names}) FROM STDIN (FORMAT BINARY)"
            with connection.wrap_database_errors, cursor.cursor.copy(copy_sql) as copy:
                copy.set_types([types[c] for c in columns])
                for row in rows:
                    copy.write_row(row)
            return
        statements = _MultiRowInsert(table, columns, "%s")
        buffer = []
        for row in rows:
            buffer.append(row)
            if len(buffer) >= batch:
                for sql, params in statements.batches(buffer):
                    _execute(cursor, sql, params)
                buffer = []
        if buffer:
            for sql, params in statements.batches(buffer):
                _execute(cursor, sql, params)


def _execute(cursor, sql, params) -> None:
    """One statement (parameters a tuple) or many (a list of them), as _MultiRowInsert gives."""
    if params.__class__ is tuple:
        cursor.execute(sql, params)
    else:
        cursor.executemany(sql, params)


class _MultiRowInsert:
    """SQLite's bulk INSERT as statements of ROWS rows each (``VALUES (…), (…), …``), run by
    ``executemany``: each execution of a statement has a fixed cost (binding, opening the
    table, AUTOINCREMENT's sqlite_sequence read and write) that one row a statement pays for
    every row. Measured on 507,457 resident rows into an empty table: 6.6–6.8 s CPU one row
    a statement, 5.2 s twenty. Plain SQL that PostgreSQL runs too; there, COPY does the bulk.
    """

    ROWS = 20  # × 21 resident columns: far below SQLite's 32,766 parameters (999 before 3.32)

    def __init__(self, table: str, columns, marker: str):
        qn = connection.ops.quote_name
        self._head = f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) VALUES "
        self._one = f"({', '.join([marker] * len(columns))})"
        self._width = len(columns)
        self._full = self._sql(self.ROWS)

    def _sql(self, rows: int) -> str:
        return self._head + ", ".join([self._one] * rows)

    def batches(self, rows: list) -> list[tuple[str, list | tuple]]:
        """(SQL, parameters) to run for ``rows``: one ``executemany`` of full statements,
        then one statement (parameters as a tuple) for the rest."""
        flat = list(chain.from_iterable(rows))
        step = self.ROWS * self._width
        full = len(rows) // self.ROWS * step
        out = []
        if full:
            out.append((self._full, [flat[at : at + step] for at in range(0, full, step)]))
        if full < len(flat):
            out.append((self._sql(len(rows) % self.ROWS), tuple(flat[full:])))
        return out


def community_key(name: str) -> str:
    name = compact(name)
    return name[:-2] if name.endswith("社区") else name


def building_kind(floors: int) -> str:
    if floors <= 3:
        return Building.Kind.VILLA
    if floors <= 7:
        return Building.Kind.WALKUP
    if floors <= 18:
        return Building.Kind.MIDRISE
    return Building.Kind.TOWER


def project(lon: float, lat: float) -> tuple[float, float]:
    """Metres east/north of the whole-degree corner south-west of the point.

    Anchored at whole degrees so that every import of the same city agrees; distances
    inside one subdistrict are what division needs, and those are right to < 0.1 %.
    """
    import math

    lon0, lat0 = math.floor(lon), math.floor(lat)
    x = (lon - lon0) * 111320.0 * math.cos(math.radians(lat))
    y = (lat - lat0) * 110540.0
    return round(x, 1), round(y, 1)


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """Inverse of the GCJ-02 offset (one fixed-point step: error < 1 m in China)."""
    import math

    a, ee = 6378245.0, 0.00669342162296594323

    def offset(lon, lat):
        x, y = lon - 105.0, lat - 35.0
        dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
        dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
        dlat += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
        dlon += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
        dlat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2 / 3
        dlon += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2 / 3
        dlat += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2 / 3
        dlon += (
            (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2 / 3
        )
        rad = lat / 180.0 * math.pi
        magic = 1 - ee * math.sin(rad) ** 2
        sqrt_magic = math.sqrt(magic)
        dlat = (dlat * 180.0) / ((a * (1 - ee)) / (magic * sqrt_magic) * math.pi)
        dlon = (dlon * 180.0) / (a / sqrt_magic * math.cos(rad) * math.pi)
        return dlon, dlat

    dlon, dlat = offset(lon, lat)
    return round(lon - dlon, 7), round(lat - dlat, 7)


def import_registry(data: bytes | Path, filename: str, **options) -> Report:
    importer = Importer(**options)
    try:
        return importer.run(data, filename)
    except _DryRun:  # pragma: no cover - run() handles it
        return importer.report


def error_workbook(header: list[str], bad_rows: dict, errors: list) -> bytes:
    """The bad rows (masked) with 行号 and 错误 columns first (formula-safe).

    Every cell and reason is scrubbed once more, so that a report stored before masking
    went by the columns' meaning cannot hand out a full ID or phone either.
    """
    from loudong.lib.xlsx import workbook_bytes

    by_line = defaultdict(list)
    for line, column, reason in errors:
        by_line[int(line)].append(scrub(f"{column}：{reason}" if column else reason))
    rows = [
        [
            line if line else "",
            "；".join(reasons),
            *(scrub(c) for c in (bad_rows.get(line) or bad_rows.get(str(line)) or [])),
        ]
        for line, reasons in sorted(by_line.items())
    ]
    return workbook_bytes([("错误报告", ["行号", "错误", *header], rows)])


def report_errors(report: Report) -> list:
    return [[e.line, e.column, e.reason] for e in report.errors]
