"""BaseTestCase with the fixed cast of users, and plain make_* helpers.

The cast (STYLE.md item 11): ``jiedao`` subdistrict admin of 池阳街道; ``shequ_a`` and
``shequ_b`` community workers of 社区 A and B; ``dangwei_a`` a community worker of A who is a
member of its party organisation (does 社区党组织审查); ``leader`` a 楼栋长 in A; ``minzheng``
the district civil-affairs viewer; ``outsider`` with no role; and the three admins
``xitong``, ``anquan``, ``shenji`` (TOTP enrolled; use :meth:`login_admin`).
"""

import datetime as dt
import itertools

from django.test import TestCase
from django_otp.plugins.otp_totp.models import TOTPDevice

from loudong.accounts.models import RoleAssignment, User
from loudong.accounts.roles import Role
from loudong.lib.idnumber import make_id_number
from loudong.territory.models import Building, Household, Region, Resident, Unit

PASSWORD = "Cast-pass-2026"
_seq = itertools.count(1)


def make_region(level, name, parent=None, code="") -> Region:
    return Region.objects.create(level=level, name=name, parent=parent, code=code)


def make_user(username, role=None, region=None, **fields) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, **fields)
    if role:
        RoleAssignment.objects.create(user=user, role=role, region=region)
    return user


def make_building(compound, number="1号楼", **fields) -> Building:
    return Building.objects.create(
        community=compound.parent, compound=compound, number=number, **fields
    )


def make_unit(building, number="1单元", **fields) -> Unit:
    return Unit.objects.create(
        community=building.community,
        compound=building.compound,
        building=building,
        number=number,
        **fields,
    )


def make_household(compound, room=None, *, unit=None, **fields) -> Household:
    if unit is None:
        building = make_building(compound, f"{next(_seq)}号楼")
        unit = make_unit(building)
    return Household.objects.create(
        community=unit.community,
        compound=unit.compound,
        building=unit.building,
        unit=unit,
        room=room or f"{next(_seq)}01",
        **fields,
    )


def make_id(born=dt.date(1960, 5, 4), region6="341702") -> str:
    return make_id_number(region6, born, next(_seq) % 1000)


def make_resident(household, name="张三", **fields) -> Resident:
    fields.setdefault("id_number", make_id())
    return Resident.objects.create(
        community=household.community,
        compound=household.compound,
        household=household,
        name=name,
        **fields,
    )


def serve(user, *households, kind="building_leader"):
    """Make ``user`` (a 楼栋长 …) hold a post serving the buildings of ``households``: the
    registry they may see (accounts.access). Returns the person."""
    from loudong.roster.models import Appointment, Person, Post

    first = households[0]
    person = Person.objects.filter(user=user).first() or Person.objects.create(
        community=first.community, name=user.full_name or user.username, user=user
    )
    for household in households:
        post = Post.objects.create(
            community=household.community,
            compound=household.compound,
            kind=kind,
            building=household.building,
            unit=household.unit if kind == "unit_leader" else None,
            title=f"{household.building}{'单元长' if kind == 'unit_leader' else '楼栋长'}",
        )
        Appointment.objects.create(
            person=person, post=post, community=household.community, start=dt.date(2025, 1, 1)
        )
    return person


class BaseTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district = make_region(Region.Level.DISTRICT, "贵池区", code="341702")
        cls.subdistrict = make_region(
            Region.Level.SUBDISTRICT, "池阳街道", cls.district, "341702001"
        )
        cls.community_a = make_region(
            Region.Level.COMMUNITY, "秀山门社区", cls.subdistrict, "341702001001"
        )
        cls.community_b = make_region(
            Region.Level.COMMUNITY, "杏花村社区", cls.subdistrict, "341702001002"
        )
        cls.compound_a = make_region(Region.Level.COMPOUND, "翠微小区", cls.community_a)
        cls.compound_b = make_region(Region.Level.COMPOUND, "杏林苑", cls.community_b)

        cls.jiedao = make_user("jiedao", Role.SUBDISTRICT_ADMIN, cls.subdistrict)
        cls.shequ_a = make_user("shequ_a", Role.COMMUNITY_WORKER, cls.community_a)
        cls.shequ_b = make_user("shequ_b", Role.COMMUNITY_WORKER, cls.community_b)
        cls.dangwei_a = make_user("dangwei_a", Role.COMMUNITY_WORKER, cls.community_a)
        cls.dangwei_a.role_assignments.update(is_party_org=True, is_committee=True)
        cls.leader = make_user("loudongzhang", Role.BUILDING_LEADER, cls.community_a)
        cls.minzheng = make_user("minzheng", Role.CIVIL_AFFAIRS, cls.district)
        cls.outsider = make_user("outsider")
        cls.xitong = make_user("xitong", Role.SYSTEM_ADMIN)
        cls.anquan = make_user("anquan", Role.SECURITY_ADMIN)
        cls.shenji = make_user("shenji", Role.AUDIT_ADMIN)

    def login(self, user):
        self.client.force_login(user)

    def login_admin(self, user):
        """Log in one of the three admins with a verified second factor."""
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, defaults={"name": "测试验证器", "confirmed": True}
        )
        self.client.force_login(user)
        session = self.client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
        return device
