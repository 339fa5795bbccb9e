import datetime as dt
import shutil
import tempfile

from django.test import override_settings

from loudong.roster.models import Appointment, Person, Post
from loudong.test import BaseTestCase, make_building, make_household, make_id, make_unit

ID_NUMBER = make_id(dt.date(1962, 3, 15))
PHONE = "13912345678"
ADDRESS = "翠微小区3号楼2单元501室"


def make_person(community, name="王建国", **fields) -> Person:
    fields.setdefault("id_number", make_id(dt.date(1965, 1, 1)))
    fields.setdefault("phone", "13800001111")
    fields.setdefault("sex", "M")
    fields.setdefault("birth_date", dt.date(1965, 1, 1))
    return Person.objects.create(community=community, name=name, **fields)


def make_post(
    community, compound=None, title="翠微小区3号楼楼栋长", kind="building_leader", **fields
) -> Post:
    return Post.objects.create(
        kind=kind, community=community, compound=compound, title=title, **fields
    )


def make_appointment(person, post, start=dt.date(2026, 1, 1), **fields) -> Appointment:
    return Appointment.objects.create(
        person=person,
        post=post,
        community=post.community,
        compound=post.compound,
        start=start,
        **fields,
    )


class DocumentsTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.community_a.leader_name = "李主任"
        cls.community_a.office_phone = "0566-2021234"
        cls.community_a.save()
        cls.community_b.office_phone = "0566-2029999"
        cls.community_b.save()
        cls.building = make_building(cls.compound_a, "3号楼")
        cls.unit = make_unit(cls.building, "2单元")
        for room in ("101", "102", "201"):
            make_household(cls.compound_a, room, unit=cls.unit)
        make_household(cls.compound_a, "202", unit=cls.unit, residence="vacant")
        cls.person = make_person(
            cls.community_a,
            "王建国",
            id_number=ID_NUMBER,
            phone=PHONE,
            address=ADDRESS,
            compound=cls.compound_a,
        )
        cls.post = make_post(cls.community_a, cls.compound_a, building=cls.building)
        cls.appointment = make_appointment(cls.person, cls.post, term_end=dt.date(2028, 12, 31))

    def setUp(self):
        super().setUp()
        media = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, media, ignore_errors=True)
        override = override_settings(MEDIA_ROOT=media)
        override.enable()
        self.addCleanup(override.disable)
