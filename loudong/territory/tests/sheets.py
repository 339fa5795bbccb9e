"""Small registry sheets built in memory for the tests."""

import io

from loudong.territory.importer import TEMPLATE_HEADERS
from loudong.test import make_id


def person(
    name="王秀英",
    *,
    community="秀山门社区",
    compound="翠微小区",
    building="1号楼",
    unit="1单元",
    room="101",
    householder=None,
    relation="本人",
    id_number=None,
    sex="",
    born="",
    phone="13912345678",
    residence="常住",
    political="群众",
    notes="",
):
    return [
        community,
        compound,
        building,
        unit,
        room,
        householder or name,
        name,
        relation,
        id_number or make_id(),
        sex,
        born,
        phone,
        residence,
        political,
        notes,
    ]


def xlsx_bytes(rows, *, header=TEMPLATE_HEADERS, title_rows=(), merges=(), extra_sheets=()):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "居民登记"
    for title in title_rows:
        sheet.append(title)
    sheet.append(list(header))
    for row in rows:
        sheet.append(row)
    for merge in merges:
        sheet.merge_cells(merge)
    for title, sheet_rows in extra_sheets:
        extra = book.create_sheet(title)
        for row in sheet_rows:
            extra.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows, *, header=TEMPLATE_HEADERS, encoding="utf-8-sig"):
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode(encoding)
