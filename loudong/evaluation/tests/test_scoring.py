"""The 评议细则's arithmetic (scoring.py): plain unittest, no database, no Django."""

import subprocess
import sys
import unittest
from decimal import Decimal
from pathlib import Path

from loudong.evaluation import scoring
from loudong.evaluation.scoring import (
    Figures,
    GradeRule,
    MeetingTally,
    OptionRule,
    PartRule,
    QuestionRule,
    Rule,
    Tally,
)

QUESTIONS = (
    QuestionRule(
        "visits",
        "走访",
        1,
        (
            OptionRule("often", "经常", 100),
            OptionRule("sometimes", "偶尔", 70),
            OptionRule("never", "没有", 0),
        ),
    ),
    QuestionRule(
        "help",
        "帮助",
        1,
        (
            OptionRule("timely", "及时", 100),
            OptionRule("no", "没有", 0),
            OptionRule("none", "没有反映过", None),
        ),
    ),
    QuestionRule(
        "overall",
        "总体",
        2,
        (
            OptionRule("satisfied", "满意", 100),
            OptionRule("basic", "基本满意", 60),
            OptionRule("unsatisfied", "不满意", 0),
        ),
    ),
)
GRADES = (
    GradeRule("satisfied", "满意", 80, Decimal("1.00"), False),
    GradeRule("basic", "基本满意", 60, Decimal("0.50"), False),
    GradeRule("unsatisfied", "不满意", 0, Decimal("0.00"), True),
)


def rule(**changes) -> Rule:
    values = {
        "parts": (
            PartRule("attitude", "工作态度", 20),
            PartRule("work", "工作内容", 40),
            PartRule("satisfaction", "居民满意度", 40),
        ),
        "indicators": (
            PartRule("visit_coverage", "走访覆盖率", 40),
            PartRule("reports", "服务记录表", 30),
            PartRule("incidents_on_time", "及时", 20),
            PartRule("service_records", "服务记录", 10),
        ),
        "service_records_per_month": 2,
        "combine": "weighted",
        "questionnaire_weight": 60,
        "meeting_abstain_score": None,
        "questions": QUESTIONS,
        "grades": GRADES,
    }
    values.update(changes)
    return Rule(**values)


class WorkProposalTestCase(unittest.TestCase):
    def test_it_weighs_the_indicators_that_have_data(self):
        figures = Figures(
            households=80,
            households_visited=60,
            service_records=12,
            incidents_reported=4,
            incidents_on_time=3,
            reports_due=12,
            reports_submitted=9,
        )
        proposal = scoring.propose_work(figures, rule())
        # 75 × 40 + 75 × 30 + 75 × 20 + 50 × 10 = 7250 → 72.5
        self.assertEqual(proposal.score, Decimal("72.5"))
        self.assertIn("走访覆盖率 75%（走访 60/80 户，权重 40）", proposal.lines)

    def test_it_leaves_out_an_indicator_without_data_and_shares_its_weight(self):
        figures = Figures(households=10, households_visited=10, reports_due=12, reports_submitted=6)
        proposal = scoring.propose_work(figures, rule())
        # incidents: none reported → left out; service records 0/24 → 0
        # (100 × 40 + 50 × 30 + 0 × 10) / 80 = 68.75 → 68.8
        self.assertEqual(proposal.score, Decimal("68.8"))
        self.assertTrue(any("无数据不计" in line for line in proposal.lines))

    def test_it_proposes_nothing_without_any_record(self):
        self.assertIsNone(scoring.propose_work(Figures(), rule()).score)

    def test_it_caps_each_indicator_at_100(self):
        figures = Figures(
            households=5,
            households_visited=5,
            service_records=500,
            reports_due=1,
            reports_submitted=1,
        )
        self.assertEqual(scoring.propose_work(figures, rule()).score, Decimal("100.0"))


class SatisfactionTestCase(unittest.TestCase):
    def tally(self):
        t = Tally()
        t.add({"visits": "often", "help": "timely", "overall": "satisfied"}, 3)
        t.add({"visits": "never", "help": "none", "overall": "unsatisfied"}, 1)
        return t

    def test_the_questionnaire_is_the_weighted_mean_of_question_means(self):
        # visits 75, help 100 (3 scored, "没有反映过" not counted), overall 75 → (75 + 100 + 150)/4
        self.assertEqual(scoring.questionnaire_score(self.tally(), rule()), Decimal("81.3"))

    def test_paper_counts_add_like_answers(self):
        t = Tally()
        t.add_counts(
            4, {"visits": {"often": 3, "never": 1}, "overall": {"satisfied": 3, "unsatisfied": 1}}
        )
        self.assertEqual(t.answers, 4)
        self.assertEqual(scoring.questionnaire_score(t, rule()), Decimal("75.0"))

    def test_the_meeting_leaves_abstentions_out_by_default(self):
        meeting = MeetingTally(
            votes_for=8, votes_against=2, abstentions=10, households=30, attendance=20
        )
        self.assertEqual(scoring.meeting_score(meeting, rule()), Decimal("80.0"))
        self.assertEqual(
            scoring.meeting_score(meeting, rule(meeting_abstain_score=50)), Decimal("65.0")
        )

    def test_weighted_mixes_by_percentage(self):
        meeting = MeetingTally(votes_for=9, votes_against=1, households=12, attendance=10)
        result = scoring.satisfaction(self.tally(), meeting, rule())
        # 81.3 × 60% + 90 × 40% = 84.78 → 84.8
        self.assertEqual(result.score, Decimal("84.8"))
        self.assertIn("按比例合并", result.lines[-1])

    def test_pooled_counts_households_together(self):
        meeting = MeetingTally(votes_for=9, votes_against=1, households=12, attendance=10)
        result = scoring.satisfaction(self.tally(), meeting, rule(combine="pooled"))
        # (81.3 × 4 + 900) / 14 = 87.51 → 87.5
        self.assertEqual(result.score, Decimal("87.5"))

    def test_one_source_alone_counts_alone(self):
        result = scoring.satisfaction(Tally(), MeetingTally(votes_for=3, votes_against=1), rule())
        self.assertEqual(result.score, Decimal("75.0"))
        self.assertIsNone(scoring.satisfaction(Tally(), None, rule()).score)


class EvaluateTestCase(unittest.TestCase):
    def residents(self, score):
        return scoring.Satisfaction(Decimal(score), Decimal(score), None, ("问卷",))

    def test_it_sums_the_weighted_parts_and_grades(self):
        result = scoring.evaluate(
            attitude=90,
            work=Decimal("72.5"),
            work_note="按记录",
            residents=self.residents(85),
            rule=rule(),
        )
        # 18 + 29 + 34 = 81
        self.assertEqual(result.score, Decimal("81.0"))
        self.assertEqual(result.grade.label, "满意")
        self.assertEqual(result.grade.factor, Decimal("1.00"))
        self.assertIn("工作态度 90 分 × 20% = 18", result.explanation[0])
        self.assertIn("评为“满意”", result.explanation[-1])

    def test_the_thresholds_decide_the_grade(self):
        for score, label in ((80, "满意"), (79.9, "基本满意"), (60, "基本满意"), (59.9, "不满意")):
            grade = rule().grade_for(Decimal(str(score)))
            self.assertEqual(grade.label, label, score)

    def test_unsatisfied_calls_for_an_adjustment(self):
        result = scoring.evaluate(
            attitude=40, work=Decimal(30), work_note="", residents=self.residents(50), rule=rule()
        )
        self.assertTrue(result.grade.adjust_leader)
        self.assertIn("由社区居委会予以调整", result.explanation[-1])

    def test_it_refuses_a_missing_part_by_name(self):
        with self.assertRaisesRegex(scoring.CannotScore, "工作态度、居民满意度"):
            scoring.evaluate(
                attitude=None,
                work=Decimal(70),
                work_note="",
                residents=scoring.Satisfaction(None, None, None, ()),
                rule=rule(),
            )

    def test_a_post_without_households_is_scored_on_the_other_parts(self):
        nobody = scoring.Satisfaction(None, None, None, ())
        with self.assertRaises(scoring.CannotScore):
            scoring.evaluate(
                attitude=90, work=Decimal(60), work_note="", residents=nobody, rule=rule()
            )
        result = scoring.evaluate(
            attitude=90,
            work=Decimal(60),
            work_note="",
            residents=nobody,
            rule=rule(),
            no_households=True,
        )
        # 90 × 33.3% + 60 × 66.7% = 70
        self.assertEqual(result.score, Decimal("70.0"))
        self.assertIn("居民满意度不计", result.explanation[-2])

    def test_a_part_of_weight_zero_is_not_needed(self):
        parts = (
            PartRule("attitude", "工作态度", 0),
            PartRule("work", "工作内容", 50),
            PartRule("satisfaction", "居民满意度", 50),
        )
        result = scoring.evaluate(
            attitude=None,
            work=Decimal(70),
            work_note="",
            residents=self.residents(90),
            rule=rule(parts=parts),
        )
        self.assertEqual(result.score, Decimal("80.0"))


class NoDjangoTestCase(unittest.TestCase):
    def test_it_imports_without_loading_django(self):
        """STYLE.md item 9: the scoring stays Django-free."""
        code = (
            "import sys\n"
            "import loudong.evaluation.scoring, loudong.payroll.money\n"
            "bad = [m for m in sys.modules if m == 'django' or m.startswith('django.')]\n"
            "assert not bad, bad\n"
        )
        root = Path(__file__).resolve().parents[3]
        proc = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env={"PATH": "/usr/bin:/bin"},
            cwd=root,
        )
        self.assertEqual(proc.returncode, 0, proc.stderr)
