"""Masking that cannot be reversed (issue 9 item 2).

The attack: a masked ID (first 3 + last 4) beside the full birth date leaves 3 unknown digits,
and the checksum ~91 candidates; the exact-ID search then confirms the right one (67 searches in
3.8 s as 区民政局, no audit row, no throttle).

The test gathers everything each role that may not reveal (区民政局, 楼栋长, 单元长, 网格长) can
read about one resident — pages, API, exports, filing lists — and counts the valid ID numbers
(GB 11643 checksum, a real birth date) that fit it, assuming the attacker knows digits 1–6 (the
subdistrict has few area codes). At least 1,000 must remain.
"""

import datetime as dt
import io
import json
import re

import time_machine
from django.core.cache import cache
from django.test import override_settings

from loudong.accounts.models import AuditEvent, RoleAssignment
from loudong.accounts.roles import Role
from loudong.lib.idnumber import check_digit, make_id_number
from loudong.roster.models import Person
from loudong.test import BaseTestCase, make_household, make_resident, make_user, serve

BORN = dt.date(1958, 7, 23)
NUMBER = make_id_number("341702", BORN, 417)
# The clock stands still: the age shown must be the age the test computes.
NOW = dt.datetime(2026, 6, 15, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))
TODAY = NOW.date()
EARLIEST = dt.date(1900, 1, 1)


def _xlsx_text(content: bytes) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(
        " ".join("" if v is None else str(v) for v in row)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
    )


def _text(response) -> str:
    kind = response.get("Content-Type", "")
    if "spreadsheetml" in kind:
        return _xlsx_text(response.content)
    if "json" in kind:
        return json.dumps(json.loads(response.content), ensure_ascii=False)
    return response.content.decode()


def _age(born, day):
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def candidates(seen: str, number: str = NUMBER, born: dt.date = BORN) -> int:
    """Valid IDs agreeing with digits 1–6 and with whatever of ``number`` shows in ``seen``."""
    formats = {
        born.isoformat(),
        f"{born:%Y%m%d}",
        f"{born:%Y/%m/%d}",
        f"{born.year}年{born.month}月{born.day}日",
        f"{born.year}年{born.month:02d}月{born.day:02d}日",
    }
    if any(f in seen for f in formats) or number in seen:
        dates = [born]
    else:
        age = _age(born, TODAY)
        band = re.search(r"(\d+)–(\d+) 岁", seen)
        if re.search(rf"(?<![\d–]){age}\s*(周岁|岁)", seen):
            low, high = age, age
        elif band:
            low, high = int(band.group(1)), int(band.group(2))
        else:
            low, high = 0, 200
        dates = []
        day = EARLIEST
        while day <= TODAY:
            if low <= _age(day, TODAY) <= high:
                dates.append(day)
            day += dt.timedelta(days=1)
    tail = re.search(rf"{number[:3]}\*+({number[-4:]})", seen)
    count = 0
    for day in dates:
        first14 = number[:6] + f"{day:%Y%m%d}"
        if tail:
            first17 = first14 + number[14:17]
            count += check_digit(first17) == number[17]
        else:
            count += 1000  # digits 15–17 unknown; the checksum follows from them
    return count


@time_machine.travel(NOW, tick=False)
class MaskingTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.home = make_household(cls.compound_a, "501")
        cls.resident = make_resident(
            cls.home,
            "王秀英",
            id_number=NUMBER,
            phone="13955667788",
            birth_date=BORN,
            sex="F",
            political_status="中共党员",
            is_party_member=True,
        )
        cls.person = Person.objects.create(
            community=cls.community_a,
            name="王秀英",
            resident=cls.resident,
            birth_date=BORN,
            id_number=NUMBER,
            phone="13955667788",
        )
        serve(cls.leader, cls.home)
        cls.unit_leader = make_user("danyuanzhang", Role.UNIT_LEADER, cls.community_a)
        serve(cls.unit_leader, cls.home, kind="unit_leader")
        cls.grid_head = make_user("wanggezhang", Role.GRID_HEAD, cls.community_a)
        serve(cls.grid_head, cls.home, kind="grid_head")
        from loudong.roster.models import Appointment, Post

        # The resident's person holds two posts too (兼任): both filing lists name them.
        for _ in range(2):
            other = make_household(cls.compound_a)
            post = Post.objects.create(
                community=cls.community_a,
                compound=cls.compound_a,
                kind="building_leader",
                building=other.building,
                title=f"{other.building}楼栋长",
            )
            Appointment.objects.create(
                person=cls.person,
                post=post,
                community=cls.community_a,
                start=dt.date(2025, 1, 1),
                is_concurrent=True,
                concurrent_reason="配备难",
            )

    def seen_by(self, user) -> str:
        self.login(user)
        urls = [
            f"/territory/households/{self.home.pk}/",
            f"/territory/residents/{self.resident.pk}/",
            f"/territory/residents/{self.resident.pk}/history/",
            "/territory/households/",
            "/territory/search/?q=王秀",
            f"/territory/search/?q={NUMBER}",
            "/territory/search/?q=13955667788",
            f"/territory/search/?q={NUMBER[-4:]}",
            "/territory/export.xlsx",
            f"/api/v1/residents?household={self.home.pk}",
            f"/api/v1/residents/{self.resident.pk}",
            "/api/v1/residents",
            "/api/v1/persons",
            f"/roster/persons/{self.person.pk}/",
            "/roster/persons/",
            "/documents/filings/adjusted-concurrent.xlsx",
            "/documents/filings/leaders.xlsx",
        ]
        seen = []
        for url in urls:
            response = self.client.get(url)
            self.assertLess(response.status_code, 500, url)
            if response.status_code == 200:
                seen.append(_text(response))
        return "\n".join(seen)

    def test_no_role_that_may_not_reveal_narrows_the_id_below_1000(self):
        for user in (self.minzheng, self.leader, self.unit_leader, self.grid_head):
            seen = self.seen_by(user)
            self.assertNotIn(NUMBER, seen, user.username)
            self.assertNotIn("13955667788", seen, user.username)
            self.assertNotIn("中共党员", seen, user.username)
            self.assertGreaterEqual(candidates(seen), 1000, user.username)

    def test_the_count_does_catch_a_revealing_view(self):
        """The yardstick works: a community worker sees masked ID and birth date (and may reveal)."""
        self.assertLess(candidates(self.seen_by(self.shequ_a)), 1000)

    def test_leaders_see_no_id_digit_and_an_age_band(self):
        self.login(self.leader)
        r = self.client.get(f"/territory/residents/{self.resident.pk}/")
        self.assertContains(r, "已登记（不显示）")
        self.assertContains(r, f"{_age(BORN, TODAY) // 10 * 10}–")
        self.assertNotContains(r, NUMBER[-4:])
        data = json.loads(self.client.get(f"/api/v1/residents/{self.resident.pk}").content)
        self.assertEqual(data["id_number"], "*" * 18)
        self.assertEqual(data["political_status"], "****")
        self.assertTrue(data["age_band"].endswith("岁"))

    def test_the_persons_api_gives_no_birth_date_to_civil_affairs(self):
        self.login(self.minzheng)
        items = json.loads(self.client.get("/api/v1/persons").content)["items"]
        mine = next(i for i in items if i["id"] == self.person.pk)
        self.assertIsNone(mine["birth_date"])
        self.assertTrue(mine["age_band"])
        self.login(self.shequ_a)
        items = json.loads(self.client.get("/api/v1/persons").content)["items"]
        mine = next(i for i in items if i["id"] == self.person.pk)
        self.assertEqual(mine["birth_date"], BORN.isoformat())


class NumberSearchTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.home = make_household(cls.compound_a, "501")
        cls.resident = make_resident(cls.home, "王秀英", id_number=NUMBER, phone="13955667788")

    def setUp(self):
        cache.clear()

    def test_roles_that_may_not_reveal_get_no_number_search(self):
        serve(self.leader, self.home)
        self.login(self.leader)
        for q in (NUMBER, "13955667788", NUMBER[-4:]):
            r = self.client.get("/territory/search/", {"q": q})
            self.assertContains(r, "不能按身份证号或电话查找", status_code=403)
            self.assertNotContains(r, "王秀英", status_code=403)
        r = self.client.get("/territory/search/", {"q": "王秀"})
        self.assertContains(r, "王秀英")

    def test_a_hit_is_audited_without_the_number(self):
        self.login(self.shequ_a)
        r = self.client.get("/territory/search/", {"q": NUMBER})
        self.assertContains(r, "王秀英")
        event = AuditEvent.objects.get(action="personal_data.search")
        self.assertEqual(event.new["residents"], [self.resident.pk])
        self.assertNotIn(NUMBER, json.dumps(event.new) + event.target_repr)
        self.client.get("/territory/search/", {"q": "13900000000"})  # a miss: not audited
        self.assertEqual(AuditEvent.objects.filter(action="personal_data.search").count(), 1)

    @override_settings(LOUDONG_NUMBER_SEARCH_LIMIT=5)
    def test_number_searches_are_rate_limited_per_user(self):
        self.login(self.shequ_a)
        for i in range(5):
            r = self.client.get("/territory/search/", {"q": f"1390000000{i}"})
            self.assertEqual(r.status_code, 200)
        r = self.client.get("/territory/search/", {"q": NUMBER})
        self.assertContains(r, "过于频繁", status_code=429)
        self.assertNotContains(r, "王秀英", status_code=429)
        self.client.get("/territory/search/", {"q": NUMBER})
        self.assertEqual(
            AuditEvent.objects.filter(action="personal_data.search_throttled").count(), 1
        )
        # Names still work, and another user is not held up.
        self.assertEqual(self.client.get("/territory/search/", {"q": "王"}).status_code, 200)
        self.login(self.jiedao)
        self.assertContains(self.client.get("/territory/search/", {"q": NUMBER}), "王秀英")

    def test_party_membership_is_sealed_and_counted(self):
        from django.db import connection

        from loudong.territory.models import Resident

        self.login(self.shequ_a)
        self.client.post(
            f"/territory/residents/{self.resident.pk}/edit/",
            {"name": "王秀英", "political_status": "中共党员"},
        )
        resident = Resident.objects.get(pk=self.resident.pk)
        self.assertTrue(resident.is_party_member)
        self.assertEqual(resident.political_status.reveal(), "中共党员")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT political_status FROM territory_resident WHERE id = %s", [resident.pk]
            )
            self.assertNotIn("党员", cursor.fetchone()[0])
        r = self.client.get(f"/territory/residents/{resident.pk}/")
        self.assertNotContains(r, "中共党员")
        r = self.client.post(
            f"/territory/residents/{resident.pk}/reveal/", {"reason": "核实党员信息"}
        )
        self.assertContains(r, "中共党员")


class RoleAssignmentGuardTestCase(BaseTestCase):
    def test_grid_head_role_is_a_post_holder(self):
        user = make_user("wanggezhang2")
        RoleAssignment.objects.create(user=user, role=Role.GRID_HEAD, region=self.community_a)
        self.login(user)
        self.assertEqual(self.client.get("/territory/households/").status_code, 404)
