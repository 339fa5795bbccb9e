"""A small field of work for the tests.

社区 A (秀山门社区): 翠微小区 with 1号楼 and 2号楼, one grid each (…01, …02), 6 households per
building (5 occupied, 1 vacant), grid posts a1 and a2. The cast's ``leader`` (loudongzhang)
holds a1 as 陈德明; ``leader2`` (another 楼栋长 of 社区 A) holds a2 as 王建国. 社区 B: one grid,
its post b1 held by ``leader_b``. Photos go to a temporary MEDIA_ROOT.
"""

import datetime as dt
import io
import shutil
import tempfile

from django.test import override_settings
from django.utils import timezone

from loudong.accounts.roles import Role
from loudong.fieldwork.models import Incident
from loudong.roster.tests.helpers import make_appointment, make_division, make_person, make_post
from loudong.territory.models import Household
from loudong.test import BaseTestCase, make_user

OBJECT_CODE = "000000"


def jpeg(size=(40, 30), colour=(200, 30, 30)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


def upload(name="photo.jpg", data=None, content_type="image/jpeg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, jpeg() if data is None else data, content_type=content_type)


class FieldworkTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.division_a = make_division(cls.community_a, cls.compound_a, cls.jiedao)
        cls.division_b = make_division(cls.community_b, cls.compound_b, cls.jiedao, n=1)
        cls.code_a1 = f"{OBJECT_CODE}{cls.community_a.code}01"
        cls.code_a2 = f"{OBJECT_CODE}{cls.community_a.code}02"
        cls.code_b1 = f"{OBJECT_CODE}{cls.community_b.code}01"
        cls.post_a1 = make_post(cls.community_a, cls.code_a1)
        cls.post_a2 = make_post(cls.community_a, cls.code_a2)
        cls.post_b1 = make_post(cls.community_b, cls.code_b1)
        for post in (cls.post_a1, cls.post_a2):
            post.compound = cls.compound_a
            post.save()
        cls.person = make_person(cls.community_a, "陈德明", user=cls.leader)
        cls.appointment = make_appointment(cls.person, cls.post_a1, start=dt.date(2022, 1, 1))
        cls.leader2 = make_user("leader2", Role.BUILDING_LEADER, cls.community_a)
        cls.person2 = make_person(cls.community_a, "王建国", user=cls.leader2)
        cls.appointment2 = make_appointment(cls.person2, cls.post_a2, start=dt.date(2022, 1, 1))
        cls.leader_b = make_user("leader_b", Role.BUILDING_LEADER, cls.community_b)
        cls.person_b = make_person(cls.community_b, "李海", user=cls.leader_b)
        make_appointment(cls.person_b, cls.post_b1, start=dt.date(2022, 1, 1))
        cls.b1 = cls.division_a.grids.get(number=1).pieces.get().building
        cls.b2 = cls.division_a.grids.get(number=2).pieces.get().building
        cls.bb = cls.division_b.grids.get().pieces.get().building
        cls.homes = list(Household.objects.filter(building=cls.b1, occupied=True).order_by("room"))
        cls.homes2 = list(Household.objects.filter(building=cls.b2, occupied=True).order_by("room"))
        cls.homes_b = list(
            Household.objects.filter(building=cls.bb, occupied=True).order_by("room")
        )

    def setUp(self):
        super().setUp()
        media = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, media, ignore_errors=True)
        override = override_settings(MEDIA_ROOT=media)
        override.enable()
        self.addCleanup(override.disable)

    def login(self, user):
        if user in (self.xitong, self.anquan, self.shenji):
            return self.login_admin(user)
        return super().login(user)

    def report(self, user=None, *, then="escalate", **fields):
        """An incident through the action (as the leader by default); returns it."""
        from loudong.fieldwork.actions.incidents import report_incident

        fields.setdefault("category", "safety_fire")
        fields.setdefault("severity", "normal")
        fields.setdefault("description", "楼道堆放杂物")
        if not any(k in fields for k in ("household", "building", "unit", "community")):
            fields["building"] = self.b1
        return report_incident(acting_user=user or self.leader, then=then, **fields).incident

    def move(self, incident, move, user, **fields):
        from loudong.fieldwork.actions.incidents import move_incident

        return move_incident(incident=incident, move=move, acting_user=user, **fields)

    def fresh(self, incident) -> Incident:
        return Incident.objects.get(pk=incident.pk)

    def now(self):
        return timezone.now()
