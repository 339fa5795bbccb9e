"""Importing a registry sheet (PRODUCT.md "Registry template"): validate all, then write all.

Two phases. *Check* reads every row, normalises it (full-width digits, spaces, "3号楼" /
"3栋" / "3#", dates as serials or text) and validates it against the file and the
database, collecting every problem as (Excel row, column, reason). *Write* happens only
when there is nothing to report (or with ``partial``, for the good rows), inside one
transaction, with bulk inserts: 500k residents in well under a minute.

Re-importing the same file changes nothing: residents are keyed on the blind index of
their 身份证号, households on (单元, 房号), buildings on (小区, normalised 楼栋 number).
A failed or dry run writes only its audit row.
"""

from __future__ import annotations

import datetime as dt
import functools
import hmac
import operator
import re
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.db import IntegrityError, connection, transaction

from loudong.lib import crypto
from loudong.lib.idnumber import (
    CHECK_CHARS,
    PROVINCE_CODES,
    WEIGHTS,
    IDNumberError,
    birth_date,
    sex_of,
    validate_id_number,
)
from loudong.lib.masking import mask_id_number, mask_phone
from loudong.lib.phones import PhoneError, normalize_phone
from loudong.lib.sheets import Sheet, SheetError, read_book
from loudong.territory.models import (
    Building,
    Household,
    Region,
    Resident,
    Unit,
    is_party_status,
    number_key,
)


def _plain(value):
    """A stored value as compared with the sheet's (政治面貌 is a sealed Protected value)."""
    return value.reveal() if hasattr(value, "reveal") else value


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
NUMERIC_ID_REASON = (
    "身份证号列须设为文本格式（该单元格是数字，后几位已丢失），请将该列设为文本后重新填写"
)
EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_RE = re.compile(r"^(\d{4})\s*[.\-/年]\s*(\d{1,2})\s*[.\-/月]\s*(\d{1,2})\s*日?(?:\s.*)?$")
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SPACES = re.compile(r"\s+")


@dataclass
class RowError:
    line: int  # Excel's row number; 0 for a problem of the whole file
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"第{self.line}行 " if self.line else ""
        return f"{where}{self.column}：{self.reason}" if self.column else f"{where}{self.reason}"


@dataclass(slots=True)
class Record:
    line: int
    subdistrict: str
    community: str
    compound: str
    building: str
    unit: str
    room: str
    householder: str
    name: str
    relation: str
    id_number: str
    sex: str
    birth: dt.date | None
    phone: str
    residence: str
    residence_given: bool
    political_status: str
    notes: str
    building_key: str = ""
    unit_key: str = ""
    household_key: tuple = ()
    community_id: int = 0
    compound_id: int = 0
    seq: int = 0  # position among the rows that passed check_row (for the sealing pool)

    @property
    def is_householder(self) -> bool:
        return self.relation in HOUSEHOLDER_RELATIONS or (
            bool(self.householder) and self.name == self.householder
        )

    @property
    def address(self):
        return (
            self.subdistrict,
            self.community,
            self.compound,
            self.building_key,
            self.unit_key,
            self.room,
        )


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
    bad_rows: dict[int, list] = field(default_factory=dict)  # line → raw cells
    header: list[str] = field(default_factory=list)
    dry_run: bool = False
    partial: bool = False
    written: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_lines(self) -> list[int]:
        return sorted({e.line for e in self.errors if e.line})

    def file_error(self, reason: str) -> None:
        self.errors.append(RowError(0, "", reason))

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
        """For storing on an ImportJob; personal values in bad rows are masked."""
        return {
            "filename": self.filename,
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
            "bad_rows": {
                str(k): _mask_row(self.header, v) for k, v in list(self.bad_rows.items())[:limit]
            },
            "seconds": round(self.seconds, 1),
        }


def _mask_row(header, cells):
    out = []
    for name, value in zip(header, cells, strict=False):
        text = "" if value is None else str(value)
        if name == "身份证号":
            text = mask_id_number(clean(text))
        elif name == "联系电话":
            text = mask_phone(text)
        out.append(text)
    return out


# -- cell normalisation ------------------------------------------------------------------------


def clean(value) -> str:
    """Text of a cell: NFKC (full-width → half-width), trimmed, inner runs of space collapsed."""
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
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return _SPACES.sub(" ", text) if " " in text or "\t" in text or "\n" in text else text


def compact(value) -> str:
    """Like clean() but without any space: names, codes, numbers."""
    text = clean(value)
    return text.replace(" ", "") if " " in text else text


def header_name(value) -> str:
    text = compact(value).replace("*", "").replace("＊", "")
    text = re.sub(r"[（(].*?[）)]", "", text)
    return SYNONYMS.get(text, text)


_MOBILE = re.compile(r"1[3-9]\d{9}")
_SEPARATOR = "\x1f"
_NO_SPACE = frozenset(("社区", "小区", "楼栋", "单元", "房号", "姓名", "户主姓名", "街道"))
_ID_TODAY = dt.date.today()


def _texts(cells: dict) -> dict:
    """clean() of every cell but 身份证号, with one NFKC call for the whole row."""
    raw = []
    for value in cells.values():
        if value.__class__ is not str:
            value = "" if value is None else _clean(value)
        raw.append(value.replace(_SEPARATOR, " "))
    joined = _SEPARATOR.join(raw)
    if not joined.isascii():
        joined = unicodedata.normalize("NFKC", joined)
    text = {}
    for name, part in zip(cells, joined.split(_SEPARATOR), strict=True):
        part = part.strip()
        if part and (" " in part or "\t" in part or "\n" in part):
            part = part.replace(" ", "") if name in _NO_SPACE else _SPACES.sub(" ", part)
        text[name] = part
    return text


_PROVINCES = frozenset(PROVINCE_CODES)
_WEIGHTS = tuple(WEIGHTS)


def _valid_id_fast(value) -> str | None:
    """The common case (a clean, valid 18-character number) without building messages.

    None means "not sure": lib.idnumber.validate_id_number then gives the exact reason.
    """
    if value.__class__ is not str or len(value) != 18:
        return None
    number = value.upper()
    if not number[:17].isdigit() or number[:2] not in _PROVINCES:
        return None
    total = sum(map(operator.mul, map(int, number[:17]), _WEIGHTS))
    if CHECK_CHARS[total % 11] != number[17]:
        return None
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None
    if born > _ID_TODAY or born.year < 1880:
        return None
    return number


@functools.lru_cache(maxsize=65536)
def _key(label: str) -> str:
    return number_key(label)


@functools.lru_cache(maxsize=65536)
def _clean_cached(value: str) -> str:
    return _clean(value)


def building_label(text: str) -> str:
    """Keep what residents say, but tidy '3 #' and '3#楼' into '3#' / '3号楼'."""
    text = compact(text)
    return text


def room_label(text: str) -> str:
    text = compact(text)
    if text.endswith("室"):
        text = text[:-1]
    return text


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


# -- reading ---------------------------------------------------------------------------------


@dataclass
class Layout:
    header_line: int
    columns: dict[str, int]  # template name → index in the row
    header: list[str]


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
                    ignored.append(compact(row[i]))
            if ignored:
                report.notices.append("以下列不在模板中，已忽略：" + "、".join(ignored))
            missing = [c for c in REQUIRED_COLUMNS if c not in columns]
            if missing:
                raise SheetError("表头缺少必填列：" + "、".join(missing))
            return Layout(index + 1, columns, [compact(c) for c in row]), iterator
    raise SheetError("找不到表头行：前 30 行中没有包含“社区、小区、楼栋、房号、姓名、身份证号”的行")


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
        self._sealing = []  # futures of _seal_chunk, in record order
        self._pool = None

    # ---- entry point
    def run(self, data: bytes, filename: str) -> Report:
        started = time.monotonic()
        report = self.report
        report.filename = Path(filename).name
        try:
            kwargs = {"max_bytes": self.max_bytes} if self.max_bytes else {}
            sheets = read_book(data, filename, **kwargs)
            records = self.check(sheets)
            for sheet in sheets:  # free calamine's copy of the cells before writing
                sheet.rows = ()
            del sheets
        except SheetError as exc:
            report.file_error(str(exc))
            records = []
        missing = [line for line, cells in report.bad_rows.items() if not cells]
        if missing:
            self._fill_bad_rows(data, filename, set(missing))
        if records and (report.ok or self.partial):
            self.progress("写入数据库", 0, 1)
            try:
                self.write(records)
                report.written = True
            except _DryRun:
                pass
            except IntegrityError:
                report.file_error("写入时与他人同时进行的修改冲突，未写入任何数据，请重新导入")
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
        report.seconds = time.monotonic() - started
        self.audit()
        return report

    # ---- phase 1: check
    def check(self, sheets: list[Sheet]) -> list[Record]:
        report = self.report
        main = sheets[0]
        layout, rows = find_header(main.rows, report)
        report.header_line = layout.header_line
        report.header = layout.header
        merged = self._merged_down(main, layout)
        self.building_info = self._read_building_sheet(sheets)
        records = []
        col = layout.columns
        indexes = [col.get(name) for name in ALL_HEADERS]
        carry = [k for k, name in enumerate(ALL_HEADERS) if name in CARRY_DOWN]
        unit_at, room_at, householder_at = (
            ALL_HEADERS.index(n) for n in ("单元", "房号", "户主姓名")
        )
        width = max(i for i in indexes if i is not None) + 1
        last = [""] * len(ALL_HEADERS)
        self.progress("校验数据", 0, 0)
        for offset, row in enumerate(rows):
            line = layout.header_line + 1 + offset
            if not any(row):
                continue
            if len(row) < width:
                row = [*row, *[""] * (width - len(row))]
            values = [row[i] if i is not None else "" for i in indexes]
            for k in carry:
                if values[k] == "" or values[k] is None:
                    values[k] = last[k]
            if merged:
                for k, i in enumerate(indexes):
                    if (
                        i is not None
                        and (values[k] == "" or values[k] is None)
                        and ((line, i) in merged)
                    ):
                        values[k] = last[k]
            # Members listed under their householder often leave 单元/房号 blank.
            if values[room_at] in ("", None) and compact(values[householder_at]) in (
                "",
                compact(last[householder_at]),
            ):
                values[unit_at] = values[unit_at] or last[unit_at]
                values[room_at] = last[room_at]
            last = values
            cells = dict(zip(ALL_HEADERS, values, strict=True))
            report.rows += 1
            record = self.check_row(line, cells)
            if record is None:
                report.bad_rows[line] = list(row)
            else:
                record.seq = len(records)
                records.append(record)
                if len(records) % SEAL_CHUNK == 0:
                    self._seal_ahead(records[-SEAL_CHUNK:])
            if report.rows % 20000 == 0:
                self.progress("校验数据", report.rows, 0)
        if not report.rows:
            report.file_error("文件中没有数据行（表头下方是空的）")
        if self._sealing:
            self._seal_ahead(records[len(records) - len(records) % SEAL_CHUNK :])
        records = self.check_against(records)
        self.progress("校验数据", report.rows, report.rows)
        return records

    def _merged_down(self, sheet: Sheet, layout: Layout) -> set:
        """(Excel row, column index) cells covered by a vertical merge, below its first cell."""
        covered = set()
        for (r0, c0), (r1, c1) in sheet.merged:
            for c in range(c0 - sheet.col_offset, c1 - sheet.col_offset + 1):
                for r in range(r0 + 1, r1 + 1):
                    covered.add((r + 1, c))
        return covered

    def _error(self, line, column, reason):
        self.report.errors.append(RowError(line, column, reason))

    def check_row(self, line: int, cells: dict) -> Record | None:
        errors_before = len(self.report.errors)
        err = self._error
        text = _texts(cells)
        for name, limit in MAX_LENGTHS.items():
            if len(text[name]) > limit:
                err(line, name, f"内容过长（{len(text[name])} 字，最多 {limit} 字）")
        for name in ("社区", "小区", "楼栋", "房号"):
            if not text[name]:
                err(line, name, f"{name}为空")
        residence_text = text["居住类型"]
        residence = Household.Residence.PERMANENT
        if residence_text:
            residence = RESIDENCES.get(residence_text)
            if residence is None:
                err(
                    line,
                    "居住类型",
                    f"“{residence_text}”不是有效的居住类型（可填：常住、流动、出租、空置）",
                )
                residence = Household.Residence.PERMANENT
        vacant = residence == Household.Residence.VACANT
        raw_id = cells["身份证号"]
        id_number = ""
        sex = ""
        born = None
        phone = ""
        name = text["姓名"]
        if vacant and not name and raw_id in ("", None):
            pass  # an empty home: a household row without residents
        else:
            if not name:
                err(line, "姓名", "姓名为空" + ("" if vacant else "（空置户请在居住类型填“空置”）"))
            elif vacant:
                err(line, "居住类型", "填写了居民，居住类型不能为“空置”")
            if isinstance(raw_id, int | float) and not isinstance(raw_id, bool):
                err(line, "身份证号", NUMERIC_ID_REASON)
            else:
                id_number = _valid_id_fast(raw_id)
                if id_number is None:
                    try:
                        id_number = validate_id_number(clean(raw_id))
                    except IDNumberError as exc:
                        err(line, "身份证号", str(exc))
                        id_number = ""
            sex_text = text["性别"]
            if sex_text:
                sex = SEXES.get(sex_text.upper(), "")
                if not sex:
                    err(line, "性别", f"“{sex_text}”不是有效的性别（可填：男、女）")
            if cells["出生日期"] not in ("", None):
                try:
                    born = parse_date(cells["出生日期"])
                except (ValueError, OverflowError):
                    err(
                        line,
                        "出生日期",
                        f"“{text['出生日期']}”不是有效日期（可写 1958-03-02、"
                        "1958.03.02 或 1958年3月2日）",
                    )
            if id_number:
                id_sex, id_born = sex_of(id_number), birth_date(id_number)
                if sex and sex != id_sex:
                    err(
                        line,
                        "性别",
                        f"性别“{text['性别']}”与身份证号不符（身份证号显示为"
                        f"{'男' if id_sex == 'M' else '女'}）",
                    )
                if born and born != id_born:
                    err(
                        line,
                        "出生日期",
                        f"出生日期 {born:%Y-%m-%d} 与身份证号中的 {id_born:%Y-%m-%d} 不符",
                    )
                sex, born = sex or id_sex, born or id_born
            raw_phone = cells["联系电话"]
            if isinstance(raw_phone, float):
                raw_phone = int(raw_phone) if raw_phone.is_integer() else raw_phone
            try:
                if raw_phone.__class__ is str and len(raw_phone) == 11 and _MOBILE.match(raw_phone):
                    phone = raw_phone  # the common case, already normal
                else:
                    phone = normalize_phone(clean(raw_phone))
            except PhoneError as exc:
                err(line, "联系电话", str(exc))
        if len(self.report.errors) > errors_before:
            return None
        return Record(
            line=line,
            subdistrict=text["街道"],
            community=text["社区"],
            compound=text["小区"],
            building=building_label(text["楼栋"]),
            unit=compact(text["单元"]),
            room=room_label(text["房号"]),
            householder=text["户主姓名"],
            name=name,
            relation=text["与户主关系"],
            id_number=id_number,
            sex=sex,
            birth=born,
            phone=phone,
            residence=residence,
            residence_given=bool(residence_text),
            political_status=text["政治面貌"],
            notes=text["备注"],
            building_key=_key(text["楼栋"]),
            unit_key=_key(text["单元"]),
        )

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

    # ---- cross-row and database checks
    def check_against(self, records: list[Record]) -> list[Record]:
        from loudong.accounts.access import scope_for
        from loudong.accounts.roles import Cap

        report = self.report
        err = self._error
        bad = set()
        # 1. duplicates in the file
        seen: dict[str, int] = {}
        for r in records:
            if not r.id_number:
                continue
            first = seen.setdefault(r.id_number, r.line)
            if first != r.line:
                err(r.line, "身份证号", f"身份证号在本文件中重复（首次出现于行号 {first}）")
                bad.add(r.line)
        # 2. regions
        self.subdistricts = {}  # name → Region or None (to create)
        self.communities = {}  # (subdistrict name, name) → Region or None
        all_subdistricts = list(Region.objects.filter(level=Region.Level.SUBDISTRICT))
        by_name = {s.name: s for s in all_subdistricts}
        edit_scope = scope_for(self.user, Cap.EDIT) if self.user is not None else None
        community_cache: dict[tuple, Region | str | None] = {}
        for r in records:
            if r.line in bad:
                continue
            if not r.subdistrict:
                if len(all_subdistricts) == 1:
                    r.subdistrict = all_subdistricts[0].name
                elif not all_subdistricts and self.create_regions:
                    err(r.line, "街道", "数据库中还没有街道，请在“街道”列填写街道名称")
                    bad.add(r.line)
                    continue
                else:
                    err(
                        r.line,
                        "街道",
                        "数据库中有多个街道，请在“街道”列填写街道名称"
                        if all_subdistricts
                        else "数据库中还没有街道（可使用 --create-regions 创建）",
                    )
                    bad.add(r.line)
                    continue
            sub = by_name.get(r.subdistrict)
            if sub is None:
                if not self.create_regions:
                    err(
                        r.line,
                        "街道",
                        f"街道“{r.subdistrict}”不存在（可使用 --create-regions 创建）",
                    )
                    bad.add(r.line)
                    continue
                if edit_scope is not None and not self._may_create_top():
                    err(r.line, "街道", f"街道“{r.subdistrict}”不存在，您无权新建街道")
                    bad.add(r.line)
                    continue
                if r.subdistrict not in self.subdistricts:
                    report.add_created("subdistrict", r.subdistrict)
                self.subdistricts[r.subdistrict] = None
            else:
                self.subdistricts[r.subdistrict] = sub
            key = (r.subdistrict, r.community)
            if key not in community_cache:
                community_cache[key] = self._find_community(sub, r.community, edit_scope)
            found = community_cache[key]
            if isinstance(found, str):
                err(r.line, "社区", found)
                bad.add(r.line)
                continue
            if found is not None:
                r.community = found.name
            elif key not in self.communities:
                report.add_created("community", r.community)
            self.communities[(r.subdistrict, r.community)] = found
        records = [r for r in records if r.line not in bad]
        # 3. the structure below communities, and households
        self._load_structure(records)
        # 4. residents against the database
        self._check_residents(records, bad)
        records = [r for r in records if r.line not in bad]
        for line in bad:
            report.bad_rows.setdefault(line, [])
        return records

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

    def _load_structure(self, records):
        """Existing compounds, buildings, units and households of the communities involved."""
        community_ids = [c.pk for c in self.communities.values() if c is not None]
        self.compounds = {
            (c.parent_id, c.name): c
            for c in Region.objects.filter(
                level=Region.Level.COMPOUND, parent_id__in=community_ids
            ).select_related("parent")
        }
        self.buildings = {
            (b.compound_id, b.number_key): b
            for b in Building.objects.filter(community_id__in=community_ids).select_related(
                "compound__parent"
            )
        }
        self.units = {
            (u.building_id, u.number_key): u
            for u in Unit.objects.filter(community_id__in=community_ids)
        }
        self.households = {
            (unit_id, room): (pk, residence, floor)
            for unit_id, room, pk, residence, floor in Household.objects.filter(
                community_id__in=community_ids
            ).values_list("unit_id", "room", "id", "residence", "floor")
        }

    def _address_ids(self, r: Record):
        """(community, compound, building, unit, household) ids where they exist, else None."""
        community = self.communities.get((r.subdistrict, r.community))
        if community is None:
            return None, None, None, None, None
        compound = self.compounds.get((community.pk, r.compound))
        if compound is None:
            return community.pk, None, None, None, None
        building = self.buildings.get((compound.pk, r.building_key))
        if building is None:
            return community.pk, compound.pk, None, None, None
        unit = self.units.get((building.pk, r.unit_key))
        if unit is None:
            return community.pk, compound.pk, building.pk, None, None
        household = self.households.get((unit.pk, r.room))
        return (
            community.pk,
            compound.pk,
            building.pk,
            unit.pk,
            household[0] if household else None,
        )

    def _check_residents(self, records, bad):
        from loudong.accounts.access import scope_for
        from loudong.accounts.roles import Cap

        err = self._error
        index_of = {}
        keyed = _hasher("id_number")
        for r in records:
            if r.id_number:
                index_of[r.line] = keyed(r.id_number)
        self.index_of = index_of
        indexes = list(index_of.values())
        existing = {}
        fields = (
            "id_number_index",
            "id",
            "household_id",
            "community_id",
            "name",
            "relation",
            "is_householder",
            "sex",
            "birth_date",
            "phone_index",
            "political_status",
            "is_party_member",
            "notes",
        )
        chunk = 5000  # SQLite ≥ 3.32 allows 32766 parameters
        for start in range(0, len(indexes), chunk):
            for row in Resident.objects.filter(
                moved_out=False, id_number_index__in=indexes[start : start + chunk]
            ).values_list(*fields):
                existing[row[0]] = dict(zip(fields, row, strict=True))
        self.existing = existing
        view_scope = scope_for(self.user, Cap.VIEW) if self.user is not None else None
        # Households: a vacant row conflicts with residents of the same home.
        homes = defaultdict(list)
        for r in records:
            homes[r.address].append(r)
        for rows in homes.values():
            people = [r for r in rows if r.name]
            if people and len(people) < len(rows):
                for r in rows:
                    if not r.name:
                        err(r.line, "居住类型", "该户在文件中登记了居民，不能同时标为“空置”")
                        bad.add(r.line)
        for r in records:
            index = index_of.get(r.line)
            if index is None or index not in existing:
                continue
            current = existing[index]
            household_id = self._address_ids(r)[4]
            if household_id != current["household_id"]:
                in_scope = view_scope is None or current["community_id"] in view_scope.community_ids
                where = ""
                if in_scope:
                    home = Household.objects.select_related("unit__building__compound").get(
                        pk=current["household_id"]
                    )
                    where = f"（{home}）"
                err(
                    r.line,
                    "身份证号",
                    f"该居民已在{'其他住址' if in_scope else '其他社区'}登记"
                    f"{where}，请先办理迁出再导入",
                )
                bad.add(r.line)

    def _seal_ahead(self, chunk):
        """Encrypt and index a chunk on the other core while this one keeps validating.

        Only for big files (the first chunk starts the pool); a fork of this process
        holds the keys already and never touches the database.
        """
        if not chunk:
            return
        if self._pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            try:
                context = multiprocessing.get_context("fork")
            except ValueError:
                return
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
        self._sealing.append(
            self._pool.submit(_seal_chunk, [(r.id_number, r.phone) for r in chunk])
        )

    def _sealed(self):
        """seq → (id token, id last4, phone token, phone index, phone last4), or None."""
        if not self._sealing:
            return None
        sealed = []
        for future in self._sealing:
            sealed.extend(future.result())
        self._pool.shutdown()
        self._pool = None
        self._sealing = []
        return sealed

    def _fill_bad_rows(self, data, filename, lines):
        """The raw cells of rows found bad by cross-row checks (a second, rare pass)."""
        try:
            sheet = read_book(
                data, filename, **({"max_bytes": self.max_bytes} if self.max_bytes else {})
            )[0]
        except SheetError:
            return
        last = max(lines)
        for index, row in enumerate(sheet.rows):
            if index + 1 in lines:
                self.report.bad_rows[index + 1] = list(row)
            if index + 1 >= last:
                break

    # ---- phase 2: write
    def write(self, records: list[Record]) -> None:
        """All or nothing; a dry run does the same work and rolls it back."""
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:  # index pages of random blind indexes
                cursor.execute("PRAGMA cache_size = -262144")
        with transaction.atomic():
            self._write_regions(records)
            self._write_buildings(records)
            new_homes = self._write_households(records)
            self._write_residents(records, new_homes)
            if self.dry_run:
                raise _DryRun

    def _write_regions(self, records):
        report = self.report
        district = Region.objects.filter(level=Region.Level.DISTRICT).order_by("pk").first()
        for name, sub in list(self.subdistricts.items()):
            if sub is None:
                self.subdistricts[name] = Region.objects.create(
                    level=Region.Level.SUBDISTRICT, name=name, parent=district
                )
        for (sub_name, name), community in list(self.communities.items()):
            if community is None:
                self.communities[(sub_name, name)] = Region.objects.create(
                    level=Region.Level.COMMUNITY, name=name, parent=self.subdistricts[sub_name]
                )
        for r in records:
            community = self.communities[(r.subdistrict, r.community)]
            key = (community.pk, r.compound)
            if key not in self.compounds:
                self.compounds[key] = Region.objects.create(
                    level=Region.Level.COMPOUND, name=r.compound, parent=community
                )
                report.add_created("compound", f"{community.name}{r.compound}")

    def _write_buildings(self, records):
        report = self.report
        new_buildings = {}
        max_floor = defaultdict(int)
        for r in records:
            community = self.communities[(r.subdistrict, r.community)]
            compound = self.compounds[(community.pk, r.compound)]
            key = (compound.pk, r.building_key)
            floor = floor_of(r.room) or 0
            max_floor[key] = max(max_floor[key], floor)
            if key not in self.buildings and key not in new_buildings:
                new_buildings[key] = Building(
                    community=community, compound=compound, number=r.building, number_key=key[1]
                )
                report.add_created("building", f"{compound.name}{r.building}")
        changed = []
        for (compound_id, key), building in {**self.buildings, **new_buildings}.items():
            compound = building.compound
            info = (
                self.building_info.get((community_key(compound.parent.name), compound.name, key))
                if self.building_info
                else None
            )
            floors, lon, lat = info or (None, None, None)
            if building.pk is None:
                floors = floors or max_floor.get((compound_id, key)) or None
            before = (building.floors, building.lon, building.lat)
            if floors:
                building.floors = floors
                building.kind = building_kind(floors)
            if lon is not None:
                building.lon, building.lat = lon, lat
                building.x, building.y = project(lon, lat)
            if building.pk is not None and before != (building.floors, building.lon, building.lat):
                changed.append(building)
        if changed:
            Building.objects.bulk_update(
                changed, ["floors", "kind", "lon", "lat", "x", "y"], batch_size=500
            )
            report.counts["buildings_updated"] = len(changed)
        created = Building.objects.bulk_create(list(new_buildings.values()), batch_size=500)
        for b in created:
            self.buildings[(b.compound_id, b.number_key)] = b
        new_units = {}
        for r in records:
            community = self.communities[(r.subdistrict, r.community)]
            compound = self.compounds[(community.pk, r.compound)]
            building = self.buildings[(compound.pk, r.building_key)]
            key = (building.pk, r.unit_key)
            if key not in self.units and key not in new_units:
                new_units[key] = Unit(
                    community=community,
                    compound=compound,
                    building=building,
                    number=r.unit,
                    number_key=key[1],
                    floors=building.floors,
                )
                report.add_created("unit", f"{building}{r.unit}")
        for u in Unit.objects.bulk_create(list(new_units.values()), batch_size=500):
            self.units[(u.building_id, u.number_key)] = u

    def _write_households(self, records):
        report = self.report
        wanted = {}  # (unit_id, room) → [community, compound, building, unit, room, floor, residence]
        labels = {}
        given = set()
        places = {}
        for r in records:
            place_key = (r.subdistrict, r.community, r.compound, r.building_key, r.unit_key)
            place = places.get(place_key)
            if place is None:
                community = self.communities[(r.subdistrict, r.community)]
                compound = self.compounds[(community.pk, r.compound)]
                building = self.buildings[(compound.pk, r.building_key)]
                unit = self.units[(building.pk, r.unit_key)]
                place = places[place_key] = (community, compound, building, unit, unit.pk)
            community, compound, building, unit, unit_id = place
            key = (unit_id, r.room)
            r.household_key = key
            r.community_id, r.compound_id = community.pk, compound.pk
            entry = wanted.get(key)
            if entry is None:
                entry = wanted[key] = [
                    community.pk,
                    compound.pk,
                    building.pk,
                    unit.pk,
                    r.room,
                    floor_of(r.room),
                    r.residence,
                ]
                labels[key] = f"{compound.name}{building.number}{unit.number}{r.room}"
            # The householder's row (or the first row that says so) sets 居住类型.
            if r.residence_given and (key not in given or r.is_householder):
                entry[6] = r.residence
                given.add(key)
            if not r.name:
                entry[6] = Household.Residence.VACANT
        new_rows, updates = [], []
        for key, entry in wanted.items():
            current = self.households.get(key)
            if current is None:
                new_rows.append(entry)
                report.add_created("household", labels[key])
            elif key in given and current[1] != entry[6]:
                updates.append((current[0], entry[6]))
        report.counts["households_new"] = len(new_rows)
        report.counts["households_updated"] = len(updates)
        vacant = Household.Residence.VACANT
        _insert(
            Household,
            [
                "community_id",
                "compound_id",
                "building_id",
                "unit_id",
                "room",
                "floor",
                "residence",
                "occupied",
            ],
            ([*e, e[6] != vacant] for e in new_rows),
        )
        for residence in {r for _, r in updates}:
            Household.objects.filter(pk__in=[pk for pk, r in updates if r == residence]).update(
                residence=residence, occupied=residence != vacant
            )
        if new_rows:
            units = sorted({e[3] for e in new_rows})
            for start in range(0, len(units), 900):
                for unit_id, room, pk in Household.objects.filter(
                    unit_id__in=units[start : start + 900]
                ).values_list("unit_id", "room", "id"):
                    self.households.setdefault((unit_id, room), (pk, None, None))
        return new_rows

    def _write_residents(self, records, new_homes):
        report = self.report
        changed = []
        date_value = connection.ops.adapt_datefield_value
        id_last4 = _hasher("id_number:last4")
        phone_hash = _hasher("phone")
        phone_last4 = _hasher("phone:last4")
        encrypt = crypto.encrypt
        counts = report.counts
        sealed = self._sealed()

        def new_rows():
            for r in records:
                if not r.name:
                    continue
                household_id = self.households[r.household_key][0]
                index = self.index_of[r.line]
                seal = sealed[r.seq] if sealed is not None else None
                phone_index = (seal[3] if seal else phone_hash(r.phone)) if r.phone else ""
                current = self.existing.get(index)
                if current is None:
                    counts["new"] += 1
                    if seal is not None:
                        yield (
                            r.community_id,
                            r.compound_id,
                            household_id,
                            r.name,
                            r.relation,
                            r.is_householder,
                            seal[0],
                            index,
                            seal[1],
                            seal[2],
                            phone_index,
                            seal[4],
                            r.sex,
                            date_value(r.birth),
                            encrypt(r.political_status, "text") if r.political_status else "",
                            is_party_status(r.political_status),
                            r.notes,
                            False,
                            None,
                        )
                        continue
                    yield (
                        r.community_id,
                        r.compound_id,
                        household_id,
                        r.name,
                        r.relation,
                        r.is_householder,
                        encrypt(r.id_number, "id_number"),
                        index,
                        id_last4(r.id_number[-4:]),  # validated: 17 digits + digit/X
                        encrypt(r.phone, "phone") if r.phone else "",
                        phone_index,
                        # normalised phones are digits and dashes (lib.protected.digits_tail)
                        phone_last4(r.phone.replace("-", "")[-4:]) if r.phone else "",
                        r.sex,
                        date_value(r.birth),
                        encrypt(r.political_status, "text") if r.political_status else "",
                        is_party_status(r.political_status),
                        r.notes,
                        False,
                        None,
                    )
                    continue
                values = {
                    "household_id": household_id,
                    "name": r.name,
                    "relation": r.relation,
                    "is_householder": r.is_householder,
                    "sex": r.sex,
                    "birth_date": r.birth,
                    "political_status": r.political_status,
                    "is_party_member": is_party_status(r.political_status),
                    "notes": r.notes,
                }
                if all(_plain(current[k]) == v for k, v in values.items()) and (
                    current["phone_index"] == phone_index
                ):
                    counts["unchanged"] += 1
                else:
                    changed.append((current["id"], values, r.phone))

        counts["new"] = counts["unchanged"] = 0
        rebuild = _drop_indexes_if_empty(Resident) if len(records) > 100_000 else []
        _insert(
            Resident,
            [
                "community_id",
                "compound_id",
                "household_id",
                "name",
                "relation",
                "is_householder",
                "id_number",
                "id_number_index",
                "id_number_last4",
                "phone",
                "phone_index",
                "phone_last4",
                "sex",
                "birth_date",
                "political_status",
                "is_party_member",
                "notes",
                "moved_out",
                "moved_out_on",
            ],
            new_rows(),
        )
        if rebuild:
            with connection.cursor() as cursor:
                for sql in rebuild:
                    cursor.execute(sql)
        counts["updated"] = len(changed)
        if changed:
            from loudong.lib.protected import sync_indexes

            by_id = Resident.objects.in_bulk([pk for pk, _, _ in changed])
            objs = []
            for pk, values, phone in changed:
                obj = by_id[pk]
                for k, v in values.items():
                    setattr(obj, k, v)
                obj.phone = phone
                sync_indexes(obj)
                objs.append(obj)
            Resident.objects.bulk_update(
                objs, [*values.keys(), "phone", "phone_index", "phone_last4"], batch_size=500
            )

    # ---- audit
    def audit(self):
        from loudong.accounts.audit import record

        report = self.report
        action = "registry.import"
        if self.dry_run:
            action = "registry.import_dry_run"
        elif not report.written:
            action = "registry.import_failed"
        sub = next((s for s in getattr(self, "subdistricts", {}).values() if s is not None), None)
        with transaction.atomic():
            record(
                actor=self.user,
                action=action,
                region=sub,
                actor_username="命令行" if self.user is None else "",
                target_repr=f"导入 {report.filename}",
                new={
                    "file": report.filename,
                    "rows": report.rows,
                    "bad_rows": len(report.bad_lines),
                    "partial": self.partial,
                    "create_regions": self.create_regions,
                    "created": dict(report.created_count),
                    "counts": dict(report.counts),
                },
            )


class _DryRun(Exception):
    pass


SEAL_CHUNK = 25000


def _seal_chunk(items):
    """(id_number, phone) pairs → (id token, id last4, phone token, phone index, phone last4)."""
    id_last4 = _hasher("id_number:last4")
    phone_hash = _hasher("phone")
    phone_last4 = _hasher("phone:last4")
    encrypt = crypto.encrypt
    out = []
    for id_number, phone in items:
        if not id_number:
            out.append(None)
            continue
        out.append(
            (
                encrypt(id_number, "id_number"),
                id_last4(id_number[-4:]),
                encrypt(phone, "phone") if phone else "",
                phone_hash(phone) if phone else "",
                phone_last4(phone.replace("-", "")[-4:]) if phone else "",
            )
        )
    return out


def _hasher(purpose: str):
    """crypto.keyed_hash for one purpose, with the derived key looked up once (same output)."""
    from django.conf import settings

    key = crypto._derived_key(settings.LOUDONG_INDEX_KEY, purpose)
    digest = hmac.digest

    def keyed(value: str) -> str:
        return digest(key, value.encode(), "sha256").hex()[:32]

    return keyed


def _drop_indexes_if_empty(model) -> list[str]:
    """SQLite, empty table, big import: drop its indexes and return the SQL to rebuild them.

    Building an index once from sorted keys is several times cheaper than keeping five
    indexes of random blind-index values up to date row by row. DDL is transactional in
    SQLite, so a failed import rolls the drop back too.
    """
    if connection.vendor != "sqlite" or model.objects.exists():
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND "
            "tbl_name = %s AND sql IS NOT NULL",
            [table],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    return [sql for _, sql in indexes]


def _insert(model, columns, rows, batch=2000):
    """executemany INSERT: the ORM's per-object overhead dominates at 500k rows."""
    table = model._meta.db_table
    qn = connection.ops.quote_name
    sql = (
        f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) VALUES "
        f"({', '.join(['%s'] * len(columns))})"
    )
    buffer = []
    with connection.cursor() as cursor:
        for row in rows:
            buffer.append(row)
            if len(buffer) >= batch:
                cursor.executemany(sql, buffer)
                buffer = []
        if buffer:
            cursor.executemany(sql, buffer)


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


def import_registry(data: bytes, filename: str, **options) -> Report:
    importer = Importer(**options)
    try:
        return importer.run(data, filename)
    except _DryRun:  # pragma: no cover - run() handles it
        return importer.report


def error_workbook(header: list[str], bad_rows: dict, errors: list) -> bytes:
    """The bad rows as they were, with 行号 and 错误 columns first (formula-safe)."""
    from loudong.lib.xlsx import workbook_bytes

    by_line = defaultdict(list)
    for line, column, reason in errors:
        by_line[int(line)].append(f"{column}：{reason}" if column else reason)
    rows = [
        [
            line if line else "",
            "；".join(reasons),
            *(bad_rows.get(line) or bad_rows.get(str(line)) or []),
        ]
        for line, reasons in sorted(by_line.items())
    ]
    return workbook_bytes([("错误报告", ["行号", "错误", *header], rows)])


def report_errors(report: Report) -> list:
    return [[e.line, e.column, e.reason] for e in report.errors]
