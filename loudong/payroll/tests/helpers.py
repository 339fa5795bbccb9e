"""Payroll test helpers: run a month through prepare → submit → approve, close a year's round."""

import datetime as dt
from decimal import Decimal

from loudong.evaluation.actions import rounds, surveys
from loudong.evaluation.tests.helpers import MoneyTestCase, appoint, patch_work, sign
from loudong.fieldwork.figures import WorkFigures
from loudong.payroll.actions import periods
from loudong.payroll.models import Line, Period

GOOD = WorkFigures(5, 5, 20, 24, 2, 2, 12, 12)
ANSWERS = {"visits": "often", "help": "timely", "publicity": "timely", "overall": "satisfied"}
BAD = {"visits": "never", "help": "no", "publicity": "no", "overall": "unsatisfied"}


def month(y, m) -> dt.date:
    return dt.date(y, m, 1)


class PayrollTestCase(MoneyTestCase):
    def prepare(self, when: dt.date, community=None, user=None):
        period, _ = periods.prepare_period(
            community=community or self.community_a,
            month=when,
            acting_user=user or self.shequ_a,
            today=max(when, dt.date(2026, 12, 1)),
        )
        return period

    def lock(self, when: dt.date, community=None) -> Period:
        period = self.prepare(when, community)
        periods.submit_period(period=period, acting_user=self.shequ_a)
        return periods.approve_period(period=period, acting_user=self.jiedao)

    def close_year(self, year: int, grades=None, community=None):
        """Open and close ``year``'s round; ``grades`` maps person → "bad" for 不满意."""
        grades = grades or {}
        round_ = rounds.open_round(
            community=community or self.community_a,
            year=year,
            acting_user=self.shequ_a,
            today=dt.date(year, 12, 1),
        )
        for evaluation in round_.evaluations.all():
            bad = grades.get(evaluation.person_id) == "bad"
            evaluation.attitude_score = 30 if bad else 95
            evaluation.save(update_fields=["attitude_score"])
            for slip in surveys.issue_slips(evaluation=evaluation, acting_user=self.shequ_a):
                surveys.answer(key=slip.key, choices=BAD if bad else ANSWERS)
        with patch_work(
            side_effect=lambda appointment, start, end: (
                WorkFigures(5, 0, 0, 0, 0, 0, 12, 0)
                if grades.get(appointment.person_id) == "bad"
                else GOOD
            ),
        ):
            return rounds.close_round(
                round=round_, acting_user=self.shequ_a, today=dt.date(year, 12, 5)
            )

    def paid(self, person=None, appointment=None, locked_only=True) -> Decimal:
        lines = Line.objects.all()
        if locked_only:
            lines = lines.filter(period__status="locked")
        if person is not None:
            lines = lines.filter(person=person)
        if appointment is not None:
            lines = lines.filter(appointment=appointment)
        return sum((ln.amount for ln in lines), Decimal("0.00"))


__all__ = ["PayrollTestCase", "appoint", "month", "sign"]
