"""Evaluation API: ``GET /api/v1/evaluations`` and ``/api/v1/evaluations/{id}``.

Lists return the caller's scope (``community=CODE`` outside it is 404); a 楼栋长 gets only
their own evaluations, and the residents' part (``answers``, ``parts``) only for a post with at
least ``evaluation.leader_min_answers`` answers.
"""

import datetime as dt

from django.http import Http404
from ninja import Router, Schema
from ninja.pagination import paginate

from loudong.evaluation.actions.common import can_oversee
from loudong.evaluation.actions.surveys import progress
from loudong.evaluation.models import Evaluation
from loudong.lib.api import Pagination, Year
from loudong.territory.access import community_by_code

router = Router(tags=["年度评议"])


class ErrorOut(Schema):
    detail: str


class EvaluationOut(Schema):
    id: int
    year: int
    community: str
    person: int
    person_name: str
    post: int
    appointment: int
    status: str
    attitude_score: int | None
    work_score: str | None
    answers: int | None
    score: str | None
    grade: str
    grade_label: str
    factor: str | None
    adjust: bool
    adjusted_on: dt.date | None
    closed_on: dt.date | None
    explanation: list[str] | None

    @staticmethod
    def resolve_year(obj):
        return obj.round.year

    @staticmethod
    def resolve_community(obj):
        return obj.community.code

    @staticmethod
    def resolve_person(obj):
        return obj.person_id

    @staticmethod
    def resolve_person_name(obj):
        return obj.person.name

    @staticmethod
    def resolve_post(obj):
        return obj.post_id

    @staticmethod
    def resolve_appointment(obj):
        return obj.appointment_id

    @staticmethod
    def resolve_work_score(obj):
        return None if obj.work_score is None else str(obj.work_score)

    @staticmethod
    def resolve_score(obj):
        if obj.score is None or not getattr(obj, "show_details", False):
            return None
        return str(obj.score)

    @staticmethod
    def resolve_factor(obj):
        return None if obj.factor is None else str(obj.factor)

    @staticmethod
    def resolve_answers(obj):
        return getattr(obj, "shown_answers", None)

    @staticmethod
    def resolve_explanation(obj):
        return obj.explanation if getattr(obj, "show_details", False) else None


def _visible(request, community: str | None):
    """In scope; and for a user who only holds posts (a 楼栋长), only their own."""
    from django.db.models import Q

    from loudong.accounts.access import scope_for
    from loudong.accounts.roles import Cap

    user = request.user
    rows = Evaluation.objects.visible_to(user).select_related("round", "community", "person")
    if community:
        rows = rows.filter(community=community_by_code(user, community))
    oversee = set(scope_for(user, Cap.EDIT).community_ids) | set(
        scope_for(user, Cap.EXPORT).community_ids
    )
    return rows.filter(Q(community_id__in=sorted(oversee)) | Q(person__user=user))


def _dress(request, rows):
    """Workers see everything; a leader sees the residents' part only with enough answers."""
    rows = list(rows)
    answered = progress(e.pk for e in rows)
    for e in rows:
        n = answered[e.pk]["answered"]
        if can_oversee(request.user, e):
            e.shown_answers, e.show_details = n, True
        else:
            enough = n >= e.round.profile().evaluation.leader_min_answers
            e.shown_answers = n if enough else None
            e.show_details = enough and not e.is_open
    return rows


@router.get(
    "/evaluations",
    response={200: list[EvaluationOut], 404: ErrorOut, 422: ErrorOut},
)
@paginate(Pagination)
def list_evaluations(
    request, community: str | None = None, year: Year | None = None, status: str | None = None
):
    """Evaluations in your scope (404 for a community outside it; 422 for a non-numeric year).
    A 楼栋长 sees only their own."""
    rows = _visible(request, community)
    if year is not None:
        rows = rows.filter(round__year=year)
    if status:
        rows = rows.filter(status=status)
    return _LazyDress(request, rows.order_by("id"))


class _LazyDress:
    """A queryset wrapper whose page is dressed after pagination slices it."""

    def __init__(self, request, queryset):
        self.request, self.queryset = request, queryset

    def count(self):
        return self.queryset.count()

    def __len__(self):
        return self.count()

    def __getitem__(self, item):
        return _dress(self.request, self.queryset[item])


@router.get("/evaluations/{evaluation_id}", response={200: EvaluationOut, 404: ErrorOut})
def get_evaluation(request, evaluation_id: int):
    row = _visible(request, None).filter(pk=evaluation_id).first()
    if row is None:
        raise Http404
    return _dress(request, [row])[0]
