"""The work-figures contract the evaluation reads (``fieldwork.figures``)."""

import datetime as dt

import time_machine

from loudong.fieldwork.actions.reports import submit_report
from loudong.fieldwork.actions.service import record_service
from loudong.fieldwork.actions.visits import record_visit
from loudong.fieldwork.figures import WorkFigures, work_figures, work_figures_for
from loudong.fieldwork.tests.helpers import FieldworkTestCase

CST = dt.timezone(dt.timedelta(hours=8))


class FiguresTestCase(FieldworkTestCase):
    def test_it_counts_the_records_of_the_appointment(self):
        with time_machine.travel(dt.datetime(2026, 3, 10, 9, 0, tzinfo=CST), tick=False):
            record_visit(
                acting_user=self.leader, date=dt.date(2026, 3, 2), households=self.homes[:2]
            )
            record_visit(
                acting_user=self.leader, date=dt.date(2026, 3, 9), households=self.homes[1:4]
            )
            record_service(
                acting_user=self.leader,
                date=dt.date(2026, 3, 3),
                category="mediation",
                content="调解",
            )
            on_time = self.report(then="solve", resolution="已处理")
            late = self.report(self.shequ_a, community=self.community_a, building=self.b1)
            self.move(late, "return", self.shequ_a, reason="楼栋长先处理")
        with time_machine.travel(dt.datetime(2026, 3, 20, 9, 0, tzinfo=CST), tick=False):
            self.move(self.fresh(late), "resolve", self.leader, resolution="迟办结")
        with time_machine.travel(dt.datetime(2026, 4, 2, 9, 0, tzinfo=CST), tick=False):
            submit_report(acting_user=self.leader, month=dt.date(2026, 3, 1))
        with time_machine.travel(dt.datetime(2026, 7, 1, 9, 0, tzinfo=CST), tick=False):
            # June's table is due on 5 July: five months are due on 1 July.
            figures = work_figures(
                appointment=self.appointment, start=dt.date(2026, 1, 1), end=dt.date(2026, 6, 30)
            )
        self.assertEqual(
            figures,
            WorkFigures(
                households=5,
                households_visited=4,
                visits=2,
                service_records=1,
                incidents_reported=2,
                incidents_on_time=1,
                reports_due=5,
                reports_submitted=1,
            ),
        )
        self.assertEqual(figures.coverage_pct, 80.0)
        del on_time

    def test_the_batch_gives_the_same_answers_in_a_fixed_number_of_queries(self):
        with time_machine.travel(dt.datetime(2026, 3, 10, 9, 0, tzinfo=CST), tick=False):
            record_visit(
                acting_user=self.leader, date=dt.date(2026, 3, 2), households=self.homes[:2]
            )
            record_visit(
                acting_user=self.leader2, date=dt.date(2026, 3, 2), households=self.homes2[:1]
            )
        start, end = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
        appointments = [self.appointment, self.appointment2]
        with self.assertNumQueries(7):
            batch = work_figures_for(appointments, start, end)
        for a in appointments:
            self.assertEqual(batch[a.pk], work_figures(appointment=a, start=start, end=end))
        self.assertEqual(batch[self.appointment2.pk].households_visited, 1)

    def test_days_outside_the_appointment_are_not_counted(self):
        with time_machine.travel(dt.datetime(2026, 3, 10, 9, 0, tzinfo=CST), tick=False):
            record_visit(
                acting_user=self.leader, date=dt.date(2026, 3, 2), households=self.homes[:2]
            )
        self.appointment.start = dt.date(2026, 3, 5)
        figures = work_figures(
            appointment=self.appointment, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31)
        )
        self.assertEqual((figures.visits, figures.households), (0, 5))
