"""The finance office's .xlsx of a period, and the printable 签领表.

The .xlsx of a locked period is the same file byte for byte every time it is downloaded: it is
built only from the locked lines (with the payee snapshot taken at approval), the workbook's
dates are the approval's, and the zip entries carry a fixed timestamp. Its SHA-256 is stored
at approval (``Period.digest``) and shown beside the download, so the finance office can check
that what it pays is what the 街道 approved. Without the reveal capability the same layout is
written with ID and account numbers masked (its digest differs; it is not the approved file).
"""

import datetime as dt
import hashlib
import io
import re
import zipfile
from collections import OrderedDict
from decimal import Decimal

from loudong.lib.xlsx import safe_cell
from loudong.payroll.models import Line

HEADERS = [
    "序号",
    "姓名",
    "身份证号",
    "开户行",
    "银行账号",
    "岗位",
    "类别",
    "项目",
    "所属月份",
    "在岗天数",
    "金额（元）",
    "计算依据",
    "更正对象",
]
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def lines_of(period):
    """By payee name: the snapshot's once locked, so a later rename never reorders a locked file."""
    name = "payee_name" if period.is_locked else "person__name"
    return list(
        Line.objects.filter(period=period)
        .select_related("person", "post", "corrects__period")
        .order_by(name, "person_id", "post_id", "service_month", "kind", "id")
    )


def _payee(line, reveal: bool, live: dict):
    """(name, id number, bank, account): the approval snapshot, or the live record before it."""
    if line.payee_name:
        name, id_number, bank, account = (
            line.payee_name,
            line.payee_id_number,
            line.payee_bank,
            line.payee_account,
        )
    else:
        person = line.person
        bank_account = live.get(person.pk)
        name, id_number = person.name, person.id_number
        bank = bank_account.bank if bank_account else ""
        account = bank_account.account if bank_account else None
    show = (lambda v: v.reveal()) if reveal else (lambda v: v.masked)
    return name, show(id_number) if id_number else "", bank, show(account) if account else ""


def rows(period, *, reveal: bool, lines=None) -> list[list]:
    from loudong.payroll.models import BankAccount

    lines = lines_of(period) if lines is None else lines
    live = (
        {}
        if period.is_locked
        else {
            b.person_id: b
            for b in BankAccount.objects.filter(person_id__in={ln.person_id for ln in lines})
        }
    )
    out = []
    for i, line in enumerate(lines, 1):
        name, id_number, bank, account = _payee(line, reveal, live)
        corrects = ""
        if line.corrects_id:
            corrects = f"{line.corrects.period.month:%Y-%m} 期第 {line.corrects_id} 号明细"
        out.append(
            [
                i,
                name,
                id_number,
                bank,
                account,
                line.post.title,
                line.get_kind_display(),
                line.component_label,
                f"{line.service_month:%Y-%m}",
                line.days if line.days is not None else "",
                line.amount,
                line.basis,
                corrects,
            ]
        )
    return out


def person_totals(period, lines=None) -> list[tuple[str, Decimal, int]]:
    totals: OrderedDict[int, list] = OrderedDict()
    for line in lines_of(period) if lines is None else lines:
        row = totals.setdefault(
            line.person_id, [line.payee_name or line.person.name, Decimal(0), 0]
        )
        row[1] += line.amount
        row[2] += 1
    return [tuple(v) for v in totals.values()]


def workbook(period, *, reveal: bool) -> bytes:
    """The .xlsx bytes; deterministic for a locked period."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    stamp = period.approved_at or dt.datetime.combine(period.month, dt.time())
    stamp = stamp.replace(tzinfo=None, microsecond=0)
    book.properties.creator = "loudong"
    book.properties.lastModifiedBy = "loudong"
    book.properties.created = stamp
    book.properties.modified = stamp
    sheet = book.active
    sheet.title = "补贴明细"
    sheet.append([f"{period.community.name} {period.label}楼栋长工作补贴发放明细"])
    sheet.append(
        [
            f"状态：{period.get_status_display()}；方案：{period.profile_name} 第 {period.profile_version} 版"
        ]
    )
    sheet.append(HEADERS)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    total = Decimal(0)
    lines = lines_of(period)
    data = rows(period, reveal=reveal, lines=lines)
    for row in data:
        sheet.append([safe_cell(v) for v in row])
        sheet.cell(row=sheet.max_row, column=11).number_format = "0.00"
        total += row[10]
    sheet.append(["", "合计", "", "", "", "", "", "", "", "", total, f"{len(data)} 条", ""])
    sheet.cell(row=sheet.max_row, column=11).number_format = "0.00"
    sheet.freeze_panes = "A4"
    for column, width in zip(
        "ABCDEFGHIJKLM", (6, 10, 22, 18, 24, 26, 10, 10, 10, 8, 12, 60, 22), strict=True
    ):
        sheet.column_dimensions[column].width = width
    people = book.create_sheet("按人汇总")
    people.append(["姓名", "明细条数", "实发合计（元）"])
    for name, amount, count in person_totals(period, lines):
        people.append([safe_cell(name), count, amount])
        people.cell(row=people.max_row, column=3).number_format = "0.00"
    buffer = io.BytesIO()
    book.save(buffer)
    return _fixed_zip(buffer.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """The same entries with a fixed timestamp, so equal content gives equal bytes.

    openpyxl stamps ``modified`` with the time of saving; it is set back to ``created`` (the
    approval's time) here.
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = content.decode()
                created = re.search(r"<dcterms:created[^>]*>([^<]*)<", text)
                if created:
                    text = re.sub(
                        r"(<dcterms:modified[^>]*>)[^<]*(<)", rf"\g<1>{created.group(1)}\2", text
                    )
                content = text.encode()
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, content)
    return out.getvalue()


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def filename(period) -> str:
    return f"{period.community.name}-{period.month:%Y-%m}-补贴发放.xlsx"
