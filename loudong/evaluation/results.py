"""Gathering an evaluation's inputs from the database and scoring them (``scoring.py``).

The leader's work is read ONLY through ``fieldwork.figures.work_figures_for`` (the contract with the
field-work capability): counted over the days of the evaluated year the appointment was in force.
Residents' answers, paper tallies and linked meeting questions are fetched for many evaluations
at once (three queries), so closing a round of thousands stays fast.
"""

import datetime as dt
from dataclasses import dataclass

from loudong.evaluation import scoring
from loudong.evaluation.models import Answer, MeetingLink, PaperBatch
from loudong.fieldwork.figures import work_figures_for


def year_window(appointment, year: int, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The days of ``year`` the appointment was in force (up to today for the running year)."""
    start = max(appointment.start, dt.date(year, 1, 1))
    end = dt.date(year, 12, 31)
    if appointment.end is not None:
        end = min(end, appointment.end)
    if today is not None:
        end = min(end, today)
    return start, max(start, end)


def figures_for(evaluation, today: dt.date | None = None) -> scoring.Figures:
    start, end = year_window(evaluation.appointment, evaluation.round.year, today)
    appointment = evaluation.appointment
    return scoring.Figures.of(work_figures_for([appointment], start, end)[appointment.pk])


def figures_for_many(evaluations, year: int) -> dict[int, scoring.Figures]:
    """``figures_for`` of a whole round at once: field work's batched form (a few queries,
    however many posts), each appointment counted over its own days of ``year``."""
    evaluations = list(evaluations)
    batched = work_figures_for(
        [e.appointment for e in evaluations], dt.date(year, 1, 1), dt.date(year, 12, 31)
    )
    return {e.pk: scoring.Figures.of(batched[e.appointment_id]) for e in evaluations}


@dataclass
class Residents:
    tally: scoring.Tally
    meeting: scoring.MeetingTally | None


def residents_for(evaluation_ids) -> dict[int, Residents]:
    """Answers, paper batches and meeting tallies of each evaluation, in three queries."""
    ids = list(evaluation_ids)
    out = {pk: Residents(scoring.Tally(), None) for pk in ids}
    for start in range(0, len(ids), 900):  # stay under SQLite's variable limit
        chunk = ids[start : start + 900]
        for evaluation_id, choices in Answer.objects.filter(evaluation_id__in=chunk).values_list(
            "evaluation_id", "choices"
        ):
            out[evaluation_id].tally.add(choices)
        for evaluation_id, forms, counts in PaperBatch.objects.filter(
            evaluation_id__in=chunk
        ).values_list("evaluation_id", "forms", "counts"):
            out[evaluation_id].tally.add_counts(forms, counts)
        for row in MeetingLink.objects.filter(evaluation_id__in=chunk).values_list(
            "evaluation_id",
            "question__votes_for",
            "question__votes_against",
            "question__abstentions",
            "question__meeting__households",
            "question__meeting__attendance",
        ):
            tally = scoring.MeetingTally(*row[1:])
            here = out[row[0]]
            here.meeting = tally if here.meeting is None else here.meeting + tally
    return out


@dataclass
class Outcome:
    figures: scoring.Figures
    proposal: scoring.Proposal
    work: object  # Decimal | None: the score that counts
    work_note: str
    residents: scoring.Satisfaction
    answers: int
    result: scoring.Result | None
    missing: str  # why it cannot be scored yet ("" when it can)


def outcome(evaluation, rule, figures, residents: Residents) -> Outcome:
    """Score an evaluation from its inputs; ``missing`` says what is lacking when it cannot."""
    proposal = scoring.propose_work(figures, rule)
    if evaluation.work_score is not None:
        work = evaluation.work_score
        note = f"按工作记录建议 {scoring.fmt(proposal.score)} 分，社区评定 {scoring.fmt(work)} 分"
        if evaluation.work_reason:
            note += f"：{evaluation.work_reason}"
    else:
        work = proposal.score
        note = "按工作记录：" + "；".join(proposal.lines)
    satisfaction = scoring.satisfaction(residents.tally, residents.meeting, rule)
    try:
        result = scoring.evaluate(
            attitude=evaluation.attitude_score,
            work=work,
            work_note=note,
            residents=satisfaction,
            rule=rule,
            no_households=figures.households == 0,
        )
        missing = ""
    except scoring.CannotScore as exc:
        result, missing = None, str(exc)
    return Outcome(
        figures, proposal, work, note, satisfaction, residents.tally.answers, result, missing
    )


def write_result(evaluation, out: Outcome, today: dt.date) -> None:
    """Set the result fields (the caller saves); only for a scorable outcome."""
    result = out.result
    evaluation.status = evaluation.Status.CLOSED
    evaluation.figures = {k: getattr(out.figures, k) for k in scoring.Figures.__dataclass_fields__}
    evaluation.work_proposed = out.proposal.score
    evaluation.answers = out.answers
    evaluation.score = result.score
    evaluation.parts = {k: str(v) for k, v in result.parts.items()}
    evaluation.grade = result.grade.code
    evaluation.grade_label = result.grade.label
    evaluation.factor = result.grade.factor
    evaluation.adjust = result.grade.adjust_leader
    evaluation.explanation = list(result.explanation)
    evaluation.closed_on = today


RESULT_FIELDS = [
    "status",
    "figures",
    "work_proposed",
    "answers",
    "score",
    "parts",
    "grade",
    "grade_label",
    "factor",
    "adjust",
    "explanation",
    "closed_on",
]
