"""Households visited per community on the dashboards come from month masks kept when a visit
is recorded: for every kind of period (whole months, months cut at either end, one day, two
years, across two five-year blocks) they equal COUNT(DISTINCT household) over the visits."""

import datetime as dt
import json
import re

import time_machine
from django.core.management import call_command

from loudong.fieldwork import stats
from loudong.fieldwork.models import VisitHousehold, VisitMonths
from loudong.fieldwork.tests.helpers import FieldworkTestCase

TODAY = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))

PERIODS = [
    ("", ""),  # this year so far
    ("2026-01-16", "2026-11-23"),  # January cut after a visit in it
    ("2026-01-10", "2026-03-05"),  # both ends cut, visits outside both
    ("2026-03-10", "2026-03-10"),  # one day
    ("2026-03-11", "2026-03-31"),  # the rest of a month, nothing left in it
    ("2025-01-01", "2026-12-31"),  # two years
    ("2024-12-15", "2029-12-14"),  # five years across two blocks (2020–24, 2025–29)
]


def table(response, key) -> dict:
    block = re.search(
        r'<script id="report-specs" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    spec = {s["key"]: s for s in json.loads(block.group(1))}[key]
    return dict(zip(spec["categories"], spec["series"][0]["data"], strict=True))


@time_machine.travel(TODAY, tick=False)
class VisitFiguresTestCase(FieldworkTestCase):
    def visit(self, user, day, households, key):
        self.login(user)
        r = self.client.post(
            "/fieldwork/m/visit/",
            {"date": day, "households": [h.pk for h in households], "idempotency_key": key},
        )
        self.assertEqual(r.status_code, 302, r.content[:300])

    def setUp(self):
        super().setUp()
        h = self.homes
        self.visit(self.leader, "2024-12-20", [h[3]], "v0")
        self.visit(self.leader, "2026-01-15", [h[0], h[1]], "v1")
        self.visit(self.leader, "2026-03-10", [h[0]], "v2")
        self.visit(self.leader, "2026-11-20", [h[2], h[1]], "v3")
        self.visit(self.leader2, "2026-03-02", self.homes2[:2], "v4")
        self.visit(self.leader_b, "2025-12-31", self.homes_b[:3], "v5")
        self.visit(self.leader_b, "2026-01-02", self.homes_b[:1], "v6")

    def live(self, since, until) -> dict:
        out = {}
        for community in (self.community_a, self.community_b):
            n = (
                VisitHousehold.objects.filter(community=community, date__range=(since, until))
                .values("household_id")
                .distinct()
                .count()
            )
            out[community.name] = n or None
        return out

    def test_the_subdistricts_table_equals_the_visits_for_every_kind_of_period(self):
        for since, until in PERIODS:
            self.login(self.jiedao)
            r = self.client.get("/reports/visits/", {"since": since, "until": until})
            self.assertEqual(r.status_code, 200)
            got = table(r, "by-community")
            want = self.live(since or "2026-01-01", until or "2026-11-23")
            self.assertEqual({k: v or None for k, v in got.items()}, want, f"{since}–{until}")

    def test_the_overview_counts_the_same(self):
        self.login(self.minzheng)
        r = self.client.get("/reports/overview/", {"since": "2025-01-01", "until": "2026-12-31"})
        self.assertEqual(r.status_code, 200)
        want = sum(v or 0 for v in self.live("2025-01-01", "2026-12-31").values())
        self.assertEqual(want, 8)
        rows = r.context["tables"][0].rows
        column = r.context["tables"][0].headers().index("走访户数")
        self.assertEqual(rows[0][column], want)

    def test_the_masks_kept_on_change_equal_a_rebuild(self):
        kept = set(
            VisitMonths.objects.values_list("household_id", "community_id", "block", "months")
        )
        call_command("rebuild_visit_months", verbosity=0)
        rebuilt = set(
            VisitMonths.objects.values_list("household_id", "community_id", "block", "months")
        )
        self.assertEqual(kept, rebuilt)
        jan_mar = (1 << (126 * 12 % 60)) | (1 << (126 * 12 % 60 + 2))  # 2026-01 and 2026-03
        self.assertIn((self.homes[0].pk, self.community_a.pk, 126 * 12 // 60, jan_mar), kept)

    def test_a_visit_corrected_away_is_rebuilt_for_its_households(self):
        # A visit's households changed behind the dashboards' back (a future correction path
        # calls the rebuild for the households it touched).
        VisitHousehold.objects.filter(date=dt.date(2026, 3, 10)).delete()
        stats.rebuild_visit_months([self.homes[0].pk])
        self.login(self.jiedao)
        r = self.client.get("/reports/visits/", {"since": "2026-03-01", "until": "2026-03-31"})
        self.assertEqual(table(r, "by-community"), {"秀山门社区": 2, "杏花村社区": 0})
        self.assertEqual(self.live("2026-03-01", "2026-03-31")["秀山门社区"], 2)
