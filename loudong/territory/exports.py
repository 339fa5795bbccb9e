"""The registry template (downloadable) and exports in the same layout.

Row 1 is a note, row 2 the headers (the importer finds the header wherever it is);
身份证号 and 联系电话 columns are text-formatted, and 性别 / 与户主关系 / 居住类型 / 政治面貌
have drop-down lists. Text starting with = + - @ is escaped (lib.xlsx.safe_cell).
"""

import io

from loudong.accounts.access import Disclosure
from loudong.lib.xlsx import safe_cell
from loudong.territory.importer import (
    ALL_HEADERS,
    BUILDING_HEADERS,
    POLITICAL_STATUSES,
    RELATIONS,
)
from loudong.territory.models import Household, Resident

NOTE = (
    "填表说明：第 2 行为表头，请勿修改；从第 3 行起每行一名居民，同户成员房号相同，户主的与户主关系填“本人”。"
    "身份证号、联系电话两列已设为文本格式（请勿改为数字，否则末几位会丢失）。"
    "空置房屋可只填地址并在居住类型填“空置”。街道列可留空（系统中只有一个街道时）。"
    "“楼栋”工作表可填写楼栋层数和经纬度（WGS-84）。"
)
TEXT_COLUMNS = ("身份证号", "联系电话", "房号", "单元", "楼栋")
LISTS = {
    "性别": ["男", "女"],
    "居住类型": ["常住", "流动", "出租", "空置"],
    "政治面貌": POLITICAL_STATUSES,
    "与户主关系": RELATIONS,
}


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def template_workbook(rows: int = 2000) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = "居民登记"
    sheet.append([NOTE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(ALL_HEADERS))
    sheet["A1"].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.row_dimensions[1].height = 60
    sheet.append(ALL_HEADERS)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A3"
    for index, name in enumerate(ALL_HEADERS):
        letter = _letter(index)
        sheet.column_dimensions[letter].width = 21 if name == "身份证号" else 12
        if name in TEXT_COLUMNS:
            for row in range(3, rows + 3):
                sheet[f"{letter}{row}"].number_format = "@"
        if name in LISTS:
            validation = DataValidation(
                type="list",
                formula1='"' + ",".join(LISTS[name]) + '"',
                allow_blank=True,
                showErrorMessage=name != "与户主关系",
            )
            validation.error = f"请从列表中选择{name}"
            sheet.add_data_validation(validation)
            validation.add(f"{letter}3:{letter}{rows + 2}")
    buildings = book.create_sheet("楼栋")
    buildings.append(BUILDING_HEADERS)
    for cell in buildings[1]:
        cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_rows(residents, *, reveal: bool):
    """Template rows for the residents given (the caller filters scope and moved-out)."""
    residents = residents.select_related(
        "household__unit", "household__building", "compound", "community__parent"
    ).order_by("household_id", "-is_householder", "id")
    household_ids = residents.values("household_id")
    householders = dict(
        Resident.objects.filter(
            household_id__in=household_ids, is_householder=True, moved_out=False
        ).values_list("household_id", "name")
    )
    labels = dict(Household.Residence.choices)
    # Without reveal: no ID digit and an age band, never a birth date (accounts.access).
    hidden = Disclosure(full=False)
    sexes = {"M": "男", "F": "女"}
    for r in residents.iterator(chunk_size=2000):
        h = r.household
        yield [
            r.community.parent.name if r.community.parent_id else "",
            r.community.name,
            r.compound.name,
            h.building.number,
            h.unit.number,
            h.room,
            householders.get(h.pk, ""),
            r.name,
            r.relation,
            r.id_number.reveal() if reveal else hidden.id_number(r.id_number),
            sexes.get(r.sex, ""),
            (r.birth_date.isoformat() if reveal else hidden.birth(r.birth_date))
            if r.birth_date
            else "",
            r.phone.reveal() if reveal else r.phone.masked,
            labels.get(h.residence, ""),
            r.political_status.reveal() if reveal else r.political_status.masked,
            r.notes,
        ]


def export_workbook(residents, *, reveal: bool) -> tuple[bytes, int]:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("居民登记")
    sheet.append(
        [
            NOTE
            if reveal
            else "本表个人信息已脱敏（身份证号、联系电话、政治面貌；出生日期以年龄段代替），不能直接用于导入。"
        ]
    )
    sheet.append(ALL_HEADERS)
    count = 0
    for row in export_rows(residents, reveal=reveal):
        sheet.append([safe_cell(v) for v in row])
        count += 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), count
