"""The residents' QR channel: report from a notice board, follow the link, rate, reopen."""

import datetime as dt
import re

import time_machine
from django.core.cache import cache

from loudong.documents.models import BoardToken
from loudong.fieldwork.models import Incident, Rating, ResidentTicket
from loudong.fieldwork.tests.helpers import FieldworkTestCase, upload

MONDAY = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@time_machine.travel(MONDAY, tick=False)
class ResidentTestCase(FieldworkTestCase):
    def setUp(self):
        super().setUp()
        cache.clear()
        self.board = BoardToken.objects.create(
            kind="building", community=self.community_a, compound=self.compound_a, building=self.b1
        )

    def submit(self, **data):
        data.setdefault("category", "environment_garbage")
        data.setdefault("description", "楼下垃圾堆了三天")
        return self.client.post(f"/r/{self.board.token}/report/", data)

    def key_of(self, response) -> str:
        return re.search(r"/r/t/([^/]+)/", response["Location"]).group(1)

    def test_the_board_page_links_to_the_report_form(self):
        page = self.client.get(f"/r/{self.board.token}/")
        self.assertContains(page, f"/r/{self.board.token}/report/")

    def test_a_resident_reports_follows_and_rates(self):
        r = self.submit(phone="13912345678", photos=upload())
        self.assertEqual(r.status_code, 302)
        key = self.key_of(r)
        incident = Incident.objects.get()
        # The 楼栋长 of the building's grid holds it first, on the leader's 1-day clock.
        self.assertEqual(
            (incident.reporter_kind, incident.level, incident.status),
            ("resident", "building_leader", "new"),
        )
        self.assertEqual(incident.reporter_phone.reveal(), "13912345678")
        self.assertEqual(incident.photos.count(), 1)
        ticket = ResidentTicket.objects.get()
        self.assertNotEqual(ticket.key_hash, key)  # only the hash is stored
        page = self.client.get(f"/r/t/{key}/?new=1")
        self.assertContains(page, "已收到您反映的问题")
        self.assertContains(page, "待受理")
        # The leader accepts and replies; the resident sees the reply, nobody's name.
        self.move(incident, "accept", self.leader)
        self.move(incident, "reply", self.leader, text="已联系保洁，明天上午清运")
        self.move(incident, "resolve", self.leader, resolution="垃圾已清运")
        page = self.client.get(f"/r/t/{key}/")
        self.assertContains(page, "已联系保洁，明天上午清运")
        self.assertContains(page, "垃圾已清运")
        self.assertNotContains(page, "陈德明")
        self.assertNotContains(page, "13912345678")
        r = self.client.post(f"/r/t/{key}/rate/", {"grade": "satisfied", "comment": "很快"})
        self.assertEqual(r.status_code, 302)
        self.assertEqual(self.fresh(incident).status, "closed")
        r = self.client.post(f"/r/t/{key}/rate/", {"grade": "basic"})
        self.assertContains(r, "不能重复评价", status_code=400)
        self.assertEqual(Rating.objects.count(), 1)

    def test_unsatisfied_reopens_and_a_resident_reopens_within_the_window(self):
        key = self.key_of(self.submit())
        incident = Incident.objects.get()
        self.move(incident, "resolve", self.leader, resolution="已处理")
        self.client.post(f"/r/t/{key}/rate/", {"grade": "unsatisfied", "comment": "没处理"})
        incident = self.fresh(incident)
        self.assertEqual((incident.status, incident.level), ("reopened", "building_leader"))
        self.move(incident, "resolve", self.leader, resolution="再次处理")
        self.client.post(f"/r/t/{key}/rate/", {"grade": "basic"})
        self.assertEqual(self.fresh(incident).status, "closed")
        r = self.client.post(f"/r/t/{key}/reopen/", {"reason": "又堆满了"})
        self.assertEqual(r.status_code, 302)
        self.assertEqual(self.fresh(incident).status, "reopened")

    def test_an_unknown_or_expired_link_says_so_and_writes_nothing(self):
        page = self.client.get("/r/t/not-a-real-key/")
        self.assertContains(page, "查询链接无效", status_code=404)
        key = self.key_of(self.submit())
        ResidentTicket.objects.update(expires=MONDAY - dt.timedelta(days=1))
        page = self.client.get(f"/r/t/{key}/")
        self.assertContains(page, "查询链接已过期", status_code=410)
        r = self.client.post(f"/r/t/{key}/reopen/", {"reason": "x"})
        self.assertEqual(r.status_code, 410)
        self.assertEqual(Incident.objects.get().status, "new")

    def test_a_revoked_board_is_404(self):
        from django.utils import timezone

        BoardToken.objects.update(revoked=timezone.now())
        self.assertEqual(self.client.get(f"/r/{self.board.token}/report/").status_code, 404)
        self.assertEqual(self.submit().status_code, 404)

    def test_a_bad_report_writes_nothing(self):
        self.assertContains(self.submit(description=""), "问题描述", status_code=400)
        self.assertContains(self.submit(phone="电话号码"), "不是有效的手机号", status_code=400)
        self.assertContains(
            self.submit(photos=upload("a.jpg", b"GIF89a nonsense")), "照片：", status_code=400
        )
        self.assertFalse(Incident.objects.exists())

    def test_it_is_rate_limited_per_board(self):
        from loudong.lib import throttle

        statuses = [
            self.submit(description=f"第{i}次").status_code
            for i in range(throttle.RESIDENT_LIMIT + 1)
        ]
        self.assertEqual(statuses[-1], 429)
        self.assertEqual(Incident.objects.count(), throttle.RESIDENT_LIMIT)

    def test_a_merged_report_follows_the_incident_it_joined(self):
        key = self.key_of(self.submit())
        mine = Incident.objects.get()
        other = self.report(category="environment_garbage")
        self.move(mine, "accept", self.leader)
        self.move(self.fresh(mine), "escalate", self.leader, reason="需社区协调")
        self.move(self.fresh(mine), "merge", self.shequ_a, into=other.pk)
        self.move(
            other, "reply", self.shequ_a, text="已协调物业"
        ) if other.status == "accepted" else None
        page = self.client.get(f"/r/t/{key}/")
        self.assertContains(page, "已合并一并办理")
        self.assertContains(page, "环境卫生·垃圾清运")
