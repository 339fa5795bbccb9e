"""A small division in force for the roster tests.

社区 A: 翠微小区 with 1号楼 and 2号楼, one grid each (codes …01, …02), 6 households per
building (one vacant, never given a ballot link). 社区 B: 杏林苑 with one grid.
"""

import datetime as dt

from django.utils import timezone

from loudong.grids.models import Division, Grid, GridPiece
from loudong.roster.models import Appointment, Person, Post, Selection
from loudong.territory.models import Household
from loudong.test import BaseTestCase, make_building, make_id, make_unit

OBJECT_CODE = "000000"


def make_grid(division, building, number):
    community = division.community
    code = f"{OBJECT_CODE}{community.code}{number:02d}"
    grid = Grid.objects.create(
        division=division,
        community=community,
        number=number,
        sequence=number,
        code=code,
        households=5,
    )
    unit = make_unit(building)
    for k in range(6):
        Household.objects.create(
            community=community,
            compound=building.compound,
            building=building,
            unit=unit,
            room=f"{k + 1}01",
            floor=k + 1,
            residence="vacant" if k == 5 else "permanent",
        )
    GridPiece.objects.create(
        grid=grid, unit=unit, building=building, floor_from=1, floor_to=9, households=5, x=0, y=0
    )
    return grid


def make_division(community, compound, user, n=2):
    division = Division.objects.create(
        community=community,
        profile_name="chiyang",
        object_code=OBJECT_CODE,
        status="frozen",
        created_by=user,
        frozen_by=user,
        frozen_at=timezone.now(),
        effective_date=dt.date(2021, 9, 8),
    )
    for i in range(1, n + 1):
        make_grid(division, make_building(compound, f"{i}号楼"), i)
    return division


def make_person(community, name="陈德明", born=dt.date(1962, 3, 1), **fields):
    fields.setdefault("education", "senior")
    fields.setdefault("pool", "retired")
    return Person.objects.create(
        community=community,
        name=name,
        birth_date=born,
        id_number=make_id(born),
        phone="13912345678",
        **fields,
    )


def make_post(community, code, kind=Post.Kind.BUILDING_LEADER):
    return Post.objects.create(
        community=community, kind=kind, grid_code=code, title=f"网格{code[-2:]}楼栋长"
    )


def make_appointment(person, post, start=dt.date(2022, 1, 1), **fields):
    return Appointment.objects.create(
        person=person, post=post, community=post.community, start=start, **fields
    )


def make_selection(post, person, status="self_nomination", **fields):
    return Selection.objects.create(
        post=post,
        candidate=person,
        community=post.community,
        channel="self",
        status=status,
        profile_name="chiyang",
        **fields,
    )


class RosterTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # shequ_a is a 两委 member; shequ_b is not.
        cls.shequ_a.role_assignments.update(is_committee=True)
        cls.division_a = make_division(cls.community_a, cls.compound_a, cls.jiedao)
        cls.division_b = make_division(cls.community_b, cls.compound_b, cls.jiedao, n=1)
        cls.code_a1 = f"{OBJECT_CODE}{cls.community_a.code}01"
        cls.code_a2 = f"{OBJECT_CODE}{cls.community_a.code}02"
        cls.code_b1 = f"{OBJECT_CODE}{cls.community_b.code}01"
        cls.post_a1 = make_post(cls.community_a, cls.code_a1)
        cls.post_a2 = make_post(cls.community_a, cls.code_a2)
        cls.post_b1 = make_post(cls.community_b, cls.code_b1)
        cls.person_a = make_person(cls.community_a)
        cls.person_b = make_person(cls.community_b, "李海")

    def login(self, user):
        if user in (self.xitong, self.anquan, self.shenji):
            return self.login_admin(user)
        return super().login(user)
