"""Synthetic residents for a citygen city, written as a registry .xlsx (the import template).

``loudong.lib.citygen`` gives the places (社区 → 小区 → 楼栋 → 单元 → 户, occupied or vacant);
this adds people: a householder and family members with Chinese names, relations that fit
their ages, checksum-valid 身份证号 from the Chizhou county codes, and phones. Same
``(households, seed)`` → the same file. Django-free, so the benchmark can call it anywhere.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from pathlib import Path

from loudong.lib import citygen
from loudong.lib.idnumber import make_id_number

# 贵池区, 东至县, 石台县, 青阳县: people registered here come from the whole prefecture.
COUNTIES = ["341702", "341702", "341702", "341721", "341722", "341723"]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚"
    "邵万钱严覃武戴莫孔向汤"
)
GIVEN_MALE = "伟强磊军洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林欢阳建国志海峰文"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀燕玲桂英华红梅琳莉萍婷雪慧颖倩洁琴云兰凤珍玉晶佳欣怡"
MOBILE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "156",
    "157",
    "158",
    "159",
    "177",
    "180",
    "181",
    "182",
    "183",
    "186",
    "187",
    "188",
    "189",
    "199",
]
HEADERS = ["街道", *[
    "社区", "小区", "楼栋", "单元", "房号", "户主姓名", "姓名", "与户主关系", "身份证号", "性别",
    "出生日期", "联系电话", "居住类型", "政治面貌", "备注",
]]  # fmt: skip
BUILDING_HEADERS = ["社区", "小区", "楼栋", "层数", "经度", "纬度"]
TODAY = dt.date(2026, 6, 30)
RESIDENTS_PER_HOUSEHOLD = 2.45  # mean of the family sizes drawn below; the bench uses it


# A 长春-like city for the 长春 demo: 朝阳区, 南关区, 宽城区, 绿园区; landlines 0431.
CHANGCHUN_COUNTIES = ["220104", "220104", "220102", "220103", "220106"]


class People:
    def __init__(self, seed: int, counties=None, area_code: str = "0566"):
        self.rng = random.Random(seed * 7919 + 17)
        self.sequence = defaultdict(int)
        self.counties = counties or COUNTIES
        self.area_code = area_code

    def name(self, surname: str | None, sex: str) -> str:
        rng = self.rng
        pool = GIVEN_MALE if sex == "M" else GIVEN_FEMALE
        given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.7 else "")
        return (surname or rng.choice(SURNAMES)) + given

    def id_number(self, born: dt.date, sex: str) -> str:
        county = self.rng.choice(self.counties)
        key = (county, born, sex)
        n = self.sequence[key]
        self.sequence[key] = n + 1
        if n >= 500:  # 500 people of one sex born the same day in one county: next day
            return self.id_number(born + dt.timedelta(days=1), sex)
        return make_id_number(county, born, 2 * n + (1 if sex == "M" else 0))

    def born(self, age_from: int, age_to: int) -> dt.date:
        age = self.rng.randint(age_from, age_to)
        return TODAY - dt.timedelta(days=age * 365 + self.rng.randint(0, 364))

    def phone(self) -> str:
        rng = self.rng
        if rng.random() < 0.04:
            return f"{self.area_code}-{rng.randint(2000000, 8999999)}"
        return rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99999999):08d}"

    def family(self) -> list[tuple]:
        """(name, relation, id, sex, born, phone, political) rows; the householder first."""
        rng = self.rng
        sex = "M" if rng.random() < 0.62 else "F"
        born = self.born(24, 88)
        age = (TODAY - born).days // 365
        surname = rng.choice(SURNAMES)
        members = [(self.name(surname, sex), "本人", sex, born, self.phone())]
        size = rng.choices([1, 2, 3, 4, 5], [0.18, 0.36, 0.26, 0.14, 0.06])[0]
        if size >= 2:
            spouse_sex = "F" if sex == "M" else "M"
            spouse_born = born + dt.timedelta(days=rng.randint(-1500, 1500))
            if (TODAY - spouse_born).days < 20 * 365:
                spouse_born = TODAY - dt.timedelta(days=20 * 365 + 30)
            members.append(
                (
                    self.name(None, spouse_sex),
                    "配偶",
                    spouse_sex,
                    spouse_born,
                    self.phone() if rng.random() < 0.8 else "",
                )
            )
        for _ in range(size - 2):
            if age >= 50 and rng.random() < 0.3:
                child_sex = rng.choice("MF")
                relation = "孙子" if child_sex == "M" else "孙女"
                child_born = born + dt.timedelta(days=rng.randint(45, 60) * 365)
            else:
                child_sex = rng.choice("MF")
                relation = "子" if child_sex == "M" else "女"
                child_born = born + dt.timedelta(days=rng.randint(22, 35) * 365)
            if child_born >= TODAY:
                child_born = TODAY - dt.timedelta(days=rng.randint(30, 3000))
            child_age = (TODAY - child_born).days // 365
            members.append(
                (
                    self.name(surname, child_sex),
                    relation,
                    child_sex,
                    child_born,
                    self.phone() if child_age >= 16 and rng.random() < 0.7 else "",
                )
            )
        rows = []
        for name, relation, member_sex, member_born, phone in members:
            member_age = (TODAY - member_born).days // 365
            roll = rng.random()
            if 14 <= member_age <= 28 and roll < 0.35:
                political = "共青团员"
            elif member_age >= 18 and roll < 0.09:
                political = "中共党员"
            else:
                political = "群众"
            rows.append(
                (
                    name,
                    relation,
                    self.id_number(member_born, member_sex),
                    member_sex,
                    member_born,
                    phone,
                    political,
                )
            )
        return rows


def registry_rows(city: citygen.City, seed: int, counties=None, area_code: str = "0566"):
    """Rows of the registry's first sheet, in order (vacant homes as 空置 rows)."""
    people = People(seed, counties, area_code)
    rng = random.Random(seed * 31 + 7)
    for community, compound, building, unit, home in city.homes():
        place = [city.name, community.name, compound.name, building.label, unit.label, home.room]
        if not home.occupied:
            yield [*place, "", "", "", "", "", "", "", "空置", "", ""]
            continue
        roll = rng.random()
        residence = "常住" if roll < 0.88 else ("流动" if roll < 0.94 else "出租")
        family = people.family()
        householder = family[0][0]
        for name, relation, id_number, sex, born, phone, political in family:
            yield [
                *place,
                householder,
                name,
                relation,
                id_number,
                "男" if sex == "M" else "女",
                born.strftime("%Y-%m-%d"),
                phone,
                residence,
                political,
                "",
            ]


def building_rows(city: citygen.City):
    for community, compound, building in city.buildings():
        yield [
            community.name,
            compound.name,
            building.label,
            building.floors,
            building.lon,
            building.lat,
        ]


def write_registry(
    city: citygen.City, path: Path, seed: int, counties=None, area_code: str = "0566"
) -> int:
    """Write the registry .xlsx; returns the number of resident rows."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("居民登记")
    sheet.freeze_panes = "A2"
    sheet.append(HEADERS)
    residents = 0
    for row in registry_rows(city, seed, counties, area_code):
        residents += bool(row[7])
        sheet.append(row)
    buildings = book.create_sheet("楼栋")
    buildings.append(BUILDING_HEADERS)
    for row in building_rows(city):
        buildings.append(row)
    book.save(path)
    return residents


def generate(households: int, seed: int, out: Path) -> dict:
    """Write ``registry.xlsx`` and ``units.csv`` into ``out``; return what was written."""
    out.mkdir(parents=True, exist_ok=True)
    city = citygen.generate_city(households, seed)
    registry = out / "registry.xlsx"
    units = out / "units.csv"
    residents = write_registry(city, registry, seed)
    citygen.write_units_csv(city, str(units))
    return {"city": city, "registry": registry, "units": units, "residents": residents}
