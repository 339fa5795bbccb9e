"""The 评议细则 of a round as :class:`scoring.Rule`: its pinned profile plus its own questions."""

from loudong.evaluation.scoring import GradeRule, OptionRule, PartRule, QuestionRule, Rule


def question_rules(questions) -> tuple[QuestionRule, ...]:
    """From the round's ``Question`` rows (or the profile's questions, for a new round)."""
    out = []
    for q in questions:
        options = q.options if isinstance(q.options, list) else None
        if options is not None:  # a Question row: options are dicts
            opts = tuple(OptionRule(o["code"], o["label"], o["score"]) for o in options)
        else:  # a profile Question: options are Option dataclasses
            opts = tuple(OptionRule(o.code, o.label, o.score) for o in q.options)
        out.append(QuestionRule(q.code, q.text, q.weight, opts))
    return tuple(out)


def rule_for(profile, questions=None) -> Rule:
    """``profile`` is a ``policy.profile.Profile``; ``questions`` the round's rows (default: the
    profile's own questionnaire)."""
    e = profile.evaluation
    return Rule(
        parts=tuple(PartRule(p.code, p.label, p.weight) for p in e.parts),
        indicators=tuple(PartRule(p.code, p.label, p.weight) for p in e.work_indicators),
        service_records_per_month=e.service_records_per_month,
        combine=e.residents_combine,
        questionnaire_weight=e.questionnaire_weight,
        meeting_abstain_score=e.meeting_abstain_score,
        questions=question_rules(e.questionnaire if questions is None else questions),
        grades=tuple(
            GradeRule(g.code, g.label, g.min_score, g.factor, g.adjust_leader) for g in e.grades
        ),
    )


def round_rule(round_) -> Rule:
    return rule_for(round_.profile(), list(round_.questions.all()))
