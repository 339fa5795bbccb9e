"""The residents' questionnaire: slips with tokens, online answers, paper tallies.

One slip per occupied household of the post's area, delivered to the door; the notice board's QR
code only explains the round. One answer per household: the token is spent inside the
transaction that stores the answer, with both rows locked, so a second answer is refused. The
answer names neither the token nor the household and keeps only the day; the token keeps only
*that* it was used (LimeSurvey's anonymised token surveys: answers unlinkable to tokens).
"""

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from loudong.accounts.audit import AuditAction, record
from loudong.evaluation.actions.common import Refused, require_edit
from loudong.evaluation.models import Answer, Evaluation, PaperBatch, SurveyToken, new_key

SLIP_DAYS = 60


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass
class Slip:
    household: object
    slip_no: int
    key: str


def issue_slips(*, evaluation, acting_user, days: int = SLIP_DAYS, now=None, request=None):
    """A slip (token) for every occupied household of the post's area that has not answered.

    Slips not yet used are replaced (a reprint voids the old ones); a household keeps its slip
    number. Only hashes are stored: the keys are returned once, to print.
    """
    require_edit(acting_user, evaluation, "生成评议问卷回执", request)
    if not evaluation.round.profile().evaluation.uses_questionnaire:
        raise Refused("本方案的评议方式不含问卷调查")
    households = list(
        evaluation.post.households()
        .select_related("building", "unit", "compound")
        .order_by("building_id", "unit_id", "floor", "room", "id")
    )
    if not households:
        raise Refused("该岗位范围内没有实际居住的住户")
    now = now or timezone.now()
    expires = now + dt.timedelta(days=days)
    with transaction.atomic():
        evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        if not evaluation.is_open:
            raise Refused("该评议已经评定，不能再发放问卷")
        tokens = SurveyToken.objects.filter(evaluation=evaluation)
        used = set(tokens.filter(used=True).values_list("household_id", flat=True))
        numbers = dict(tokens.values_list("household_id", "slip_no"))
        tokens.filter(used=False).delete()
        next_no = (max(numbers.values()) if numbers else 0) + 1
        slips, rows = [], []
        for household in households:
            if household.pk in used:
                continue
            number = numbers.get(household.pk)
            if number is None:
                number, next_no = next_no, next_no + 1
            key = new_key()
            rows.append(
                SurveyToken(
                    evaluation=evaluation,
                    household=household,
                    slip_no=number,
                    key_hash=hash_key(key),
                    expires=expires,
                )
            )
            slips.append(Slip(household, number, key))
        SurveyToken.objects.bulk_create(rows)
        record(
            actor=acting_user,
            action=AuditAction.EVALUATION_TOKENS,
            target=evaluation,
            new={"tokens": len(rows), "expires": expires},
            request=request,
        )
    return slips


class SurveyError(Exception):
    """Shown to the resident as it is; ``status`` is the page's HTTP status."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


INVALID = "链接无效，请核对回执上的二维码或链接，或向社区索取新的回执。"


def token_for(key: str) -> SurveyToken:
    if not key or len(key) > 64:
        raise SurveyError(INVALID, 404)
    token = (
        SurveyToken.objects.select_related("evaluation__round", "evaluation__post")
        .filter(key_hash=hash_key(key))
        .first()
    )
    if token is None:
        raise SurveyError(INVALID, 404)
    return token


def check_open(token: SurveyToken) -> None:
    evaluation = token.evaluation
    if not evaluation.is_open:
        raise SurveyError("本次评议已经结束，不能再提交问卷。感谢您的关心！", 410)
    if token.expires <= timezone.now():
        raise SurveyError("回执已过期，请向社区索取新的回执。", 410)
    if token.used:
        raise SurveyError("本户已经提交过评议问卷，每户只能提交一次。", 409)


def clean_choices(questions, choices: dict[str, str]) -> dict[str, str]:
    """Every question answered with one of its options; else a refusal naming the question."""
    clean = {}
    for i, question in enumerate(questions, 1):
        value = choices.get(question.code, "")
        if value not in question.option_codes():
            raise SurveyError(f"请回答第 {i} 题：{question.text}")
        clean[question.code] = value
    return clean


def answer(*, key: str, choices: dict[str, str], today: dt.date | None = None) -> Answer:
    """Store one household's answers and spend its token, atomically.

    Refused (nothing written): an unknown or expired key; an evaluation already graded (the
    round closed); a household that has answered; a question left out or an unknown option.
    """
    token = token_for(key)
    check_open(token)
    questions = list(token.evaluation.round.questions.all())
    clean = clean_choices(questions, choices)
    today = today or timezone.localdate()
    with transaction.atomic():
        evaluation = Evaluation.objects.select_for_update().get(pk=token.evaluation_id)
        token = SurveyToken.objects.select_for_update().get(pk=token.pk)
        token.evaluation = evaluation
        check_open(token)
        token.used = True
        token.save(update_fields=["used"])
        return Answer.objects.create(evaluation=evaluation, day=today, choices=clean)


def parse_slips(text: str) -> list[int]:
    """``"1, 2, 5-8"`` → ``[1, 2, 5, 6, 7, 8]``; a bad piece is refused by name."""
    numbers: list[int] = []
    for piece in re.split(r"[，,、;；\s]+", (text or "").strip()):
        if not piece:
            continue
        match = re.fullmatch(r"(\d{1,5})(?:[-－~至](\d{1,5}))?", piece)
        if not match:
            raise Refused(f"回执编号“{piece}”无法识别：请填写数字，如 1, 2, 5-8")
        low = int(match.group(1))
        high = int(match.group(2) or low)
        if high < low or high - low > 2000:
            raise Refused(f"回执编号范围“{piece}”不正确")
        numbers.extend(range(low, high + 1))
    if len(set(numbers)) != len(numbers):
        raise Refused("回执编号有重复")
    return numbers


def record_paper(
    *,
    evaluation,
    slips: list[int],
    counts: dict[str, dict[str, int]],
    acting_user,
    today=None,
    request=None,
) -> PaperBatch:
    """Paper questionnaires handed back on their slips, entered as tallies.

    ``slips`` are the returned slips' numbers (one form each), spent here so that the household
    cannot also answer online; ``counts`` the number of forms choosing each option of each
    question (a question may be left blank on paper). Refused (nothing written): an unknown or
    already used slip, a count above the number of forms, an unknown option.
    """
    require_edit(acting_user, evaluation, "录入纸质问卷", request)
    today = today or timezone.localdate()
    forms = len(slips)
    if not forms:
        raise Refused("请填写收回的回执编号（每份纸质问卷一个编号）")
    questions = list(evaluation.round.questions.all())
    clean: dict[str, dict[str, int]] = {}
    for i, question in enumerate(questions, 1):
        row = {}
        for option, n in (counts.get(question.code) or {}).items():
            if option not in question.option_codes():
                raise Refused(f"第 {i} 题没有选项“{option}”")
            if n is None or n < 0:
                raise Refused(f"第 {i} 题的份数不能为负数")
            if n:
                row[option] = n
        if sum(row.values()) > forms:
            raise Refused(f"第 {i} 题各选项合计 {sum(row.values())} 份，多于收回的 {forms} 份")
        clean[question.code] = row
    with transaction.atomic():
        evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        if not evaluation.is_open:
            raise Refused("该评议已经评定，不能再录入问卷")
        tokens = {
            t.slip_no: t
            for t in SurveyToken.objects.select_for_update().filter(
                evaluation=evaluation, slip_no__in=slips
            )
        }
        unknown = sorted(set(slips) - set(tokens))
        if unknown:
            raise Refused("没有这些回执编号：" + "、".join(map(str, unknown[:20])))
        spent = sorted(n for n, t in tokens.items() if t.used)
        if spent:
            raise Refused(
                "以下回执已经作答（在线或纸质），不能重复录入：" + "、".join(map(str, spent[:20]))
            )
        SurveyToken.objects.filter(pk__in=[t.pk for t in tokens.values()]).update(used=True)
        batch = PaperBatch.objects.create(
            evaluation=evaluation,
            forms=forms,
            counts=clean,
            entered_by=acting_user,
            entered_on=today,
        )
        record(
            actor=acting_user,
            action=AuditAction.EVALUATION_PAPER,
            target=evaluation,
            new={"forms": forms},
            request=request,
        )
    return batch


def progress(evaluation_ids) -> dict[int, dict]:
    """Slips issued and households answered (online + paper) per evaluation, three queries."""
    from django.db.models import Count, Sum

    ids = list(evaluation_ids)
    out = {pk: {"issued": 0, "answered": 0, "online": 0, "paper": 0} for pk in ids}
    for row in (
        SurveyToken.objects.filter(evaluation_id__in=ids)
        .values("evaluation_id")
        .annotate(n=Count("id"))
    ):
        out[row["evaluation_id"]]["issued"] = row["n"]
    for row in (
        Answer.objects.filter(evaluation_id__in=ids).values("evaluation_id").annotate(n=Count("id"))
    ):
        out[row["evaluation_id"]]["online"] = row["n"]
    for row in (
        PaperBatch.objects.filter(evaluation_id__in=ids)
        .values("evaluation_id")
        .annotate(n=Sum("forms"))
    ):
        out[row["evaluation_id"]]["paper"] = row["n"]
    for row in out.values():
        row["answered"] = row["online"] + row["paper"]
    return out
