"""Shared set-up of the rotating 单元长, training, supplies and outsider tests: a 长春 街道 (the
cast's subdistrict switched to the changchun profile) with one unit of six households."""

import datetime as dt
import zoneinfo

import time_machine

from loudong.policy.actions import create_profile_version
from loudong.policy.models import PolicyProfile
from loudong.test import BaseTestCase, make_building, make_household, make_resident, make_unit

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
NAMES = ["赵一", "钱二", "孙三", "李四", "周五", "吴六"]


def at(year, month, day, hour=10) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=TZ)


def set_rule(name: str, path: str, value, user=None):
    """A new profile version (effective at once) with ``path`` set to ``value``."""
    data = PolicyProfile.current(name).data
    section, key = path.split(".")
    data = {**data, section: {**data[section], key: value}}
    # Effective from a day after both built-in versions, so every test date sees it.
    with time_machine.travel(dt.datetime(2021, 9, 1, tzinfo=TZ), tick=False):
        create_profile_version(name=name, data=data, note=f"测试：{path}", acting_user=user)


class DutyTestCase(BaseTestCase):
    profile = "changchun"

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.subdistrict.policy_name = cls.profile
        cls.subdistrict.save(update_fields=["policy_name"])
        cls.building = make_building(cls.compound_a, "3号楼")
        cls.unit = make_unit(cls.building, "2单元")
        cls.households = []
        for i, name in enumerate(NAMES):
            household = make_household(cls.compound_a, f"{i + 1}01", unit=cls.unit, floor=i + 1)
            make_resident(household, name, is_householder=True, phone="13912345678")
            cls.households.append(household)
        other_building = make_building(cls.compound_a, "9号楼")
        cls.other_unit = make_unit(other_building, "1单元")
        cls.other_household = make_household(cls.compound_a, "101", unit=cls.other_unit)


def make_leader(name, household, kind="building_leader", *, start=dt.date(2025, 1, 1), user=None):
    """A person holding a post serving ``household``'s building (or unit) since ``start``."""
    from loudong.roster.models import Appointment, Person, Post

    person = Person.objects.create(community=household.community, name=name, user=user)
    post = Post.objects.create(
        community=household.community,
        compound=household.compound,
        kind=kind,
        building=household.building,
        unit=household.unit if kind == "unit_leader" else None,
        title=f"{household.building}{'单元长' if kind == 'unit_leader' else '楼栋长'}",
    )
    Appointment.objects.create(person=person, post=post, community=household.community, start=start)
    return person
