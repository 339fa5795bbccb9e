"""A small registry for the grid tests (helpers stay here, not in loudong/test.py).

社区 A: 小区 翠微小区 with 1号楼 (north-west) and 2号楼 (north-east); 小区 南苑 with 3号楼
(south-west) and 4号楼 (south-east); each building 2 units × 40 occupied households
(+ 2 vacant ones per unit, never counted). 社区 B: 杏林苑 with one building of 70 households.
"""

from loudong.grids.models import Division
from loudong.territory.models import Household, Region
from loudong.test import BaseTestCase, make_building, make_region, make_unit

OBJECT_CODE = "000000"


def add_households(unit, n, *, vacant=0, start=0):
    rows = []
    for k in range(start, start + n + vacant):
        floor = k // 5 + 1
        rows.append(
            Household(
                community=unit.community,
                compound=unit.compound,
                building=unit.building,
                unit=unit,
                room=f"{floor}{k % 5 + 1:02d}",
                floor=floor,
                occupied=k < start + n,
                residence="permanent" if k < start + n else "vacant",
            )
        )
    Household.objects.bulk_create(rows)


def make_block(compound, number, x, y, per_unit=40):
    building = make_building(compound, number, x=x, y=y, floors=9)
    units = []
    for u in ("1单元", "2单元"):
        unit = make_unit(building, u)
        add_households(unit, per_unit, vacant=2)
        units.append(unit)
    return building, units


class GridTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.compound_a2 = make_region(Region.Level.COMPOUND, "南苑", cls.community_a)
        cls.b1, _ = make_block(cls.compound_a, "1号楼", 0, 500)
        cls.b2, _ = make_block(cls.compound_a, "2号楼", 400, 500)
        cls.b3, _ = make_block(cls.compound_a2, "3号楼", 0, 0)
        cls.b4, cls.b4_units = make_block(cls.compound_a2, "4号楼", 400, 0)
        cls.bb, _ = make_block(cls.compound_b, "1号楼", 0, 0, per_unit=35)

    def login(self, user):
        # The three admins need a verified second factor, or every page redirects to it.
        if user in (self.xitong, self.anquan, self.shenji):
            return self.login_admin(user)
        return super().login(user)

    def propose(self, community=None, user=None):
        community = community or self.community_a
        self.login(user or self.shequ_a)
        r = self.client.post(f"/grids/community/{community.pk}/propose/", {"note": ""})
        self.assertEqual(r.status_code, 302)
        return Division.objects.filter(community=community).latest("id")

    def freeze(
        self, division, user=None, date="2026-03-01", reason="经街道审定，个别网格户数可超出范围"
    ):
        self.login(user or self.shequ_a)
        r = self.client.post(
            f"/grids/divisions/{division.pk}/freeze/", {"effective_date": date, "reason": reason}
        )
        self.assertEqual(r.status_code, 302)
        division.refresh_from_db()
        return division
