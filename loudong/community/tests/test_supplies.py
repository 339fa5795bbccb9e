"""防护物资 (seed 004 §四.14): stock per community, issues to the 三长 refused beyond stock with
the row locked, what each leader received; only where ``insurance.protective_supplies``."""

import threading

import time_machine
from django.db import connection
from django.test import TransactionTestCase, skipUnlessDBFeature

from loudong.accounts.models import AuditEvent
from loudong.community import supplies
from loudong.community.models import SupplyItem, SupplyMovement
from loudong.community.tests.duty_helpers import DutyTestCase, at, make_leader, set_rule
from loudong.test import make_user


@time_machine.travel(at(2026, 2, 3), tick=False)
class SuppliesTestCase(DutyTestCase):
    def setUp(self):
        self.login(self.shequ_a)
        self.leader_user = make_user("leader_x", "building_leader", self.community_a)
        self.zhao = make_leader("赵楼长", self.households[0], user=self.leader_user)

    def receive(self, quantity=100, name="医用口罩"):
        return self.client.post(
            f"/community/communities/{self.community_a.pk}/supplies/receive/",
            {"name": name, "unit_label": "个", "quantity": quantity, "date": "2026-02-03"},
        )

    def issue(self, quantity, **data):
        item = SupplyItem.objects.get(name="医用口罩")
        data = {
            "item": item.pk,
            "person": self.zhao.pk,
            "quantity": quantity,
            "date": "2026-02-03",
            **data,
        }
        return self.client.post(
            f"/community/communities/{self.community_a.pk}/supplies/issue/", data
        )

    def test_stock_in_and_issue_to_a_leader_who_signs(self):
        self.assertEqual(self.receive(100).status_code, 302)
        r = self.issue(30, signed="on")
        self.assertEqual(r.status_code, 302)
        item = SupplyItem.objects.get()
        self.assertEqual(item.stock, 70)
        movement = SupplyMovement.objects.get(kind="issue")
        self.assertEqual(
            (movement.person, movement.signed, movement.stock_after), (self.zhao, True, 70)
        )
        page = self.client.get(f"/community/supplies/?community={self.community_a.pk}")
        self.assertContains(page, "医用口罩 30 个")
        self.assertEqual(AuditEvent.objects.filter(action="community.supply_issue").count(), 1)
        self.login(self.leader_user)
        self.assertContains(self.client.get("/community/m/supplies/"), "医用口罩 30 个")
        self.assertContains(self.client.get("/fieldwork/m/"), "防护物资")

    def test_supplies_beyond_stock_are_refused_and_nothing_written(self):
        self.receive(10)
        r = self.issue(11)
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, "医用口罩库存只有 10 个，不能发放 11 个", status_code=400)
        self.assertEqual(SupplyItem.objects.get().stock, 10)
        self.assertFalse(SupplyMovement.objects.filter(kind="issue").exists())
        self.assertFalse(AuditEvent.objects.filter(action="community.supply_issue").exists())

    def test_only_leaders_in_post_receive(self):
        from loudong.roster.models import Person

        self.receive(10)
        stranger = Person.objects.create(community=self.community_a, name="路人")
        with self.assertRaisesMessage(supplies.Refused, "路人 不是本社区在岗的“三长”"):
            supplies.issue(
                item=SupplyItem.objects.get(),
                person=stranger,
                quantity=1,
                date=at(2026, 2, 3).date(),
                acting_user=self.shequ_a,
            )

    def test_protective_supplies_false_refuses_issues(self):
        self.receive(10)
        set_rule("changchun", "insurance.protective_supplies", False)
        r = self.issue(1)
        self.assertContains(r, "未规定为“三长”配备防护物资", status_code=400)
        self.assertEqual(SupplyItem.objects.get().stock, 10)
        self.receive(10)
        self.assertEqual(SupplyItem.objects.get().stock, 10)

    def test_refusals(self):
        self.receive(10)
        for user in (self.minzheng, self.outsider, self.leader_user):
            self.login(user)
            self.assertEqual(self.client.get("/community/supplies/").status_code, 404)
            self.assertEqual(self.receive(5).status_code, 404)
        self.login(self.shequ_b)
        self.assertEqual(self.receive(5).status_code, 404)
        self.assertEqual(self.issue(1).status_code, 404)
        self.assertEqual(SupplyItem.objects.get().stock, 10)


@skipUnlessDBFeature("has_select_for_update")
class ConcurrentIssueTestCase(TransactionTestCase):
    """Two issues at once never take more than the stock (PostgreSQL: rows locked)."""

    def setUp(self):
        from django.core.management import call_command

        # A TransactionTestCase starts from a flushed database: load the built-in profiles.
        call_command("load_profiles", verbosity=0)

    def test_two_issues_at_once_take_at_most_the_stock(self):
        from loudong.community.tests.duty_helpers import make_leader
        from loudong.test import make_building, make_household, make_region, make_unit

        district = make_region("district", "朝阳区", code="220104")
        sub = make_region("subdistrict", "南湖街道", district, "220104005")
        sub.policy_name = "changchun"
        sub.save(update_fields=["policy_name"])
        community = make_region("community", "A社区", sub, "220104005001")
        compound = make_region("compound", "一小区", community)
        household = make_household(compound, "101", unit=make_unit(make_building(compound)))
        worker = make_user("w", "community_worker", community)
        person = make_leader("张", household)
        day = at(2026, 2, 3).date()
        supplies.receive(community=community, name="口罩", quantity=5, date=day, acting_user=worker)
        item = SupplyItem.objects.get()
        results = []
        barrier = threading.Barrier(2)

        def run():
            try:
                barrier.wait()
                supplies.issue(item=item, person=person, quantity=4, date=day, acting_user=worker)
                results.append("ok")
            except supplies.Refused:
                results.append("refused")
            finally:
                connection.close()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(sorted(results), ["ok", "refused"])
        self.assertEqual(SupplyItem.objects.get().stock, 1)
