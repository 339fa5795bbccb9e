"""The incident statistics: the nightly roll-up gives the same figures as counting live, the
dashboard reads it, and the median resolution time falls in the right bucket."""

import datetime as dt
import json
import re
from collections import Counter

import time_machine
from django.core.management import call_command

from loudong.fieldwork import stats
from loudong.fieldwork.models import Incident, IncidentMonth, Rating
from loudong.fieldwork.tests.helpers import FieldworkTestCase

NOW = dt.datetime(2026, 3, 16, 9, tzinfo=dt.UTC)


def specs(response) -> dict:
    block = re.search(
        r'<script id="report-specs" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return {s["key"]: s for s in json.loads(block.group(1))}


@time_machine.travel(NOW, tick=False)
class StatsTestCase(FieldworkTestCase):
    def setUp(self):
        super().setUp()
        # January: three incidents resolved after 0.5, 2.5 and 12 days; one rated 满意.
        for days, created in ((0.5, 5), (2.5, 10), (12, 12)):
            i = self.report(description=f"一月 {days}")
            made = dt.datetime(2026, 1, created, 8, tzinfo=dt.UTC)
            Incident.objects.filter(pk=i.pk).update(
                created=made,
                status="closed",
                resolved_at=made + dt.timedelta(days=days),
                closed_at=made + dt.timedelta(days=days),
            )
        Rating.objects.create(incident=i, round=0, grade="satisfied", by_kind="leader")
        # March (the current month): one open.
        self.report(description="三月")

    def test_the_rollup_equals_the_live_count(self):
        ids = [self.community_a.pk]
        live = stats.aggregate(Incident.objects.filter(community_id__in=ids))
        out = stats.rollup()
        # Through yesterday: March so far is rolled up too; today's incident is counted live.
        self.assertEqual((out["through"], out["live_from"]), ("2026-03-01", "2026-03-16"))
        self.assertEqual(IncidentMonth.objects.count(), 1)  # January, one category
        from_rollup = stats.monthly(ids, dt.date(2026, 1, 1), dt.date(2026, 3, 31))
        self.assertEqual(from_rollup, live)
        january = stats.totals(live, lambda k: k[1])[dt.date(2026, 1, 1)]
        self.assertEqual((january.registered, january.resolved, january.satisfied), (3, 3, 1))
        self.assertEqual(january.median_days(), "≤ 3")
        # A change to an old month shows after the next roll-up, not before.
        Incident.objects.filter(description="一月 12").update(
            resolved_at=None, status="in_progress"
        )
        stale = stats.monthly(ids, dt.date(2026, 1, 1), dt.date(2026, 1, 31))
        self.assertEqual(stats.totals(stale, lambda k: k[1])[dt.date(2026, 1, 1)].resolved, 3)
        call_command("rollup_incidents", verbosity=0)
        fresh = stats.monthly(ids, dt.date(2026, 1, 1), dt.date(2026, 1, 31))
        self.assertEqual(stats.totals(fresh, lambda k: k[1])[dt.date(2026, 1, 1)].resolved, 2)

    def test_the_current_month_is_rolled_up_through_yesterday_and_today_added_live(self):
        ids = [self.community_a.pk]
        made = dt.datetime(2026, 3, 3, 8, tzinfo=dt.UTC)
        early = self.report(description="三月三日")
        Incident.objects.filter(pk=early.pk).update(created=made)
        stats.rollup()
        march = IncidentMonth.objects.filter(month=dt.date(2026, 3, 1))
        self.assertEqual(sum(m.registered for m in march), 1)  # the 3rd; not today's
        self.report(description="今天又一件")
        since, until = dt.date(2026, 1, 1), dt.date(2026, 3, 31)
        live = stats.aggregate(Incident.objects.filter(community_id__in=ids))
        self.assertEqual(stats.monthly(ids, since, until), live)
        sums = stats.summary(ids, since, until, by=(1,))
        self.assertEqual(sums[1][dt.date(2026, 3, 1)].registered, 3)
        self.assertEqual(stats.registered(ids, since, until), {self.community_a.pk: 6})
        # The next night (the 17th) the 16th is rolled up as well; the figures do not change.
        with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
            self.assertEqual(stats.rollup()["live_from"], "2026-03-17")
            self.assertEqual(stats.monthly(ids, since, until), live)
            self.assertEqual(stats.registered(ids, since, until), {self.community_a.pk: 6})

    def test_the_dashboard_reads_rollup_and_live_months_together(self):
        stats.rollup()
        self.login(self.shequ_a)
        r = self.client.get("/reports/incidents/?since=2026-01-01&until=2026-03-31")
        self.assertEqual(r.status_code, 200)
        months = specs(r)["by-month"]
        self.assertEqual(months["categories"], ["2026-01", "2026-03"])
        self.assertEqual(months["series"][0]["data"], [3, 1])
        category = specs(r)["by-category"]
        self.assertEqual(category["series"][0]["data"], [4])  # 事件数
        self.assertIn("category=", category["drill"][0])
        level = specs(r)["open-by-level"]
        self.assertEqual(level["categories"], ["社区"])
        self.assertEqual(level["series"][0]["data"], [1])
        # A grid filter counts that grid's incidents live.
        r = self.client.get(f"/reports/incidents/?grid={self.code_a2}")
        self.assertEqual(specs(r)["by-category"]["categories"], [])

    def test_the_bureau_sees_the_same_dashboard_suppressed(self):
        stats.rollup()
        self.login(self.minzheng)
        r = self.client.get("/reports/incidents/?since=2026-01-01&until=2026-03-31")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(specs(r)["by-category"]["drill"], [])
        self.assertIsNone(specs(r)["by-category"]["series"][0]["data"][0])  # 4 < 5

    def test_the_summary_sums_equal_the_totals_of_the_months(self):
        stats.rollup()
        self.report(description="三月又一件", severity="urgent")
        ids = [self.community_a.pk, self.community_b.pk]
        since, until = dt.date(2026, 1, 1), dt.date(2026, 3, 31)
        figures = stats.monthly(ids, since, until)
        sums = stats.summary(ids, since, until, by=(0, 1, 2, 3), medians=(0, 1, 2, 3))
        for d in (0, 1, 2, 3):
            self.assertEqual(dict(sums[d]), dict(stats.totals(figures, lambda k, d=d: k[d])))
        self.assertEqual(sums[1][dt.date(2026, 3, 1)].registered, 2)
        by_community = {c: f.registered for c, f in sums[0].items()}
        self.assertEqual(stats.registered(ids, since, until), by_community)

    def test_the_subdistricts_tables_follow_incidents_opened_and_closed(self):
        stats.rollup()
        opened = self.report(description="新登记")
        self.move(opened, "accept", self.shequ_a)
        march = Incident.objects.get(description="三月")
        self.move(march, "resolve", self.shequ_a, resolution="已处理")
        self.login(self.jiedao)
        r = self.client.get("/reports/incidents/?since=2026-01-01&until=2026-03-31")
        community = specs(r)["by-community"]
        registered = dict(zip(community["categories"], community["series"][0]["data"], strict=True))
        live = Incident.objects.exclude(status="merged").filter(community=self.community_a)
        self.assertEqual(registered["秀山门社区"], live.count())
        resolved = dict(zip(community["categories"], community["series"][1]["data"], strict=True))
        self.assertEqual(resolved["秀山门社区"], live.filter(resolved_at__isnull=False).count())
        status = specs(r)["open-by-status"]
        open_now = {
            Incident.Status(s).label: n
            for s, n in Counter(
                Incident.objects.filter(status__in=Incident.OPEN).values_list("status", flat=True)
            ).items()
        }
        self.assertEqual(
            dict(zip(status["categories"], status["series"][0]["data"], strict=True)), open_now
        )
