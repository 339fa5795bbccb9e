"""Payroll and insurance API (PRODUCT.md "Stable interfaces", Money).

``GET /api/v1/payroll/lines?community=CODE&month=YYYY-MM`` → the lines of that month's period:
``person`` and ``post`` (the ids of ``/api/v1/appointments``), ``kind`` (monthly, year_end,
allowance, reward, correction), ``amount`` (a decimal string in yuan to the fen),
``period_locked``. Year-end lines sit in the December period of the evaluated year.
``GET /api/v1/payroll/periods`` and ``GET /api/v1/insurance/policies`` list periods (with
totals) and policies. Errors: 400 a malformed ``month``; 403 a role in scope that may not see
lines (区民政局 sees period totals only); 404 a community outside your scope; 422 a parameter
of the wrong type.
"""

import datetime as dt

from django.db.models import Count, Q, Sum
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from loudong.accounts.access import scope_for
from loudong.accounts.roles import Cap
from loudong.lib.api import Pagination, Year
from loudong.payroll.models import InsurancePolicy, Line, Period
from loudong.territory.access import community_by_code

router = Router(tags=["补贴与保险"])


class ErrorOut(Schema):
    detail: str


def _month(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(f"{value}-01")
    except ValueError:
        raise HttpError(400, "month 的格式应为 YYYY-MM（如 2026-11）") from None


def _community(request, code):
    return community_by_code(request.user, code) if code else None


class LineOut(Schema):
    id: int
    community: str
    month: str
    person: int
    person_name: str
    post: int
    appointment: int
    kind: str
    component: str
    service_month: str
    days: int | None
    amount: str
    basis: str
    corrects: int | None
    period_locked: bool

    @staticmethod
    def resolve_community(obj):
        return obj.community.code

    @staticmethod
    def resolve_month(obj):
        return f"{obj.period.month:%Y-%m}"

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
    def resolve_service_month(obj):
        return f"{obj.service_month:%Y-%m}"

    @staticmethod
    def resolve_amount(obj):
        return f"{obj.amount:.2f}"

    @staticmethod
    def resolve_corrects(obj):
        return obj.corrects_id

    @staticmethod
    def resolve_period_locked(obj):
        return obj.period.status == Period.Status.LOCKED


@router.get(
    "/payroll/lines",
    response={200: list[LineOut], 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
@paginate(Pagination)
def list_lines(request, community: str | None = None, month: str | None = None):
    """Payroll lines in your scope: a 社区工作者 or 街道管理员 sees every line of their communities, a
    楼栋长 only their own; 区民政局 gets 403 (period totals are at ``/payroll/periods``)."""
    user = request.user
    first = _month(month)
    place = _community(request, community)
    lines_scope = set(scope_for(user, Cap.EDIT).community_ids) | set(
        scope_for(user, Cap.APPROVE).community_ids
    )
    person = getattr(user, "person", None)
    if place is not None and place.pk not in lines_scope and person is None:
        raise HttpError(403, "补贴明细只对社区和街道开放；区民政局请查看发放期合计")
    if not lines_scope and person is None:
        raise HttpError(403, "补贴明细只对社区和街道开放；区民政局请查看发放期合计")
    rows = Line.objects.visible_to(user).filter(
        Q(community_id__in=sorted(lines_scope)) | Q(person=person)
        if person
        else Q(community_id__in=sorted(lines_scope))
    )
    if place is not None:
        rows = rows.filter(community=place)
    if first is not None:
        rows = rows.filter(period__month=first)
    return rows.select_related("community", "period", "person").order_by("period__month", "id")


class PeriodOut(Schema):
    id: int
    community: str
    month: str
    status: str
    profile: str
    lines: int
    total: str
    control_total: str | None
    approved_at: dt.datetime | None
    digest: str
    period_locked: bool

    @staticmethod
    def resolve_community(obj):
        return obj.community.code

    @staticmethod
    def resolve_month(obj):
        return f"{obj.month:%Y-%m}"

    @staticmethod
    def resolve_profile(obj):
        return f"{obj.profile_name}@{obj.profile_version}"

    @staticmethod
    def resolve_lines(obj):
        return obj.n

    @staticmethod
    def resolve_total(obj):
        return f"{obj.total or 0:.2f}"

    @staticmethod
    def resolve_control_total(obj):
        return None if obj.control_total is None else f"{obj.control_total:.2f}"

    @staticmethod
    def resolve_period_locked(obj):
        return obj.status == Period.Status.LOCKED


@router.get(
    "/payroll/periods",
    response={200: list[PeriodOut], 400: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
@paginate(Pagination)
def list_periods(
    request, community: str | None = None, month: str | None = None, year: Year | None = None
):
    """Periods in your scope with their totals (区民政局 included)."""
    first = _month(month)
    rows = Period.objects.visible_to(request.user)
    place = _community(request, community)
    if place is not None:
        rows = rows.filter(community=place)
    if first is not None:
        rows = rows.filter(month=first)
    if year is not None:
        rows = rows.filter(month__year=year)
    return (
        rows.select_related("community")
        .annotate(n=Count("lines"), total=Sum("lines__amount"))
        .order_by("month", "community_id")
    )


class PolicyOut(Schema):
    id: int
    community: str
    insurer: str
    number: str
    start: dt.date
    end: dt.date
    premium: str
    named: bool
    insured: list[int]

    @staticmethod
    def resolve_community(obj):
        return obj.community.code

    @staticmethod
    def resolve_premium(obj):
        return f"{obj.premium:.2f}"

    @staticmethod
    def resolve_insured(obj):
        return [i.person_id for i in obj.insured.all()]


@router.get("/insurance/policies", response={200: list[PolicyOut], 404: ErrorOut, 422: ErrorOut})
@paginate(Pagination)
def list_policies(request, community: str | None = None, on: dt.date | None = None):
    """Accident insurance policies in your scope; ``on=YYYY-MM-DD`` keeps those in force that day.
    ``insured`` lists the persons on a named policy (a blanket policy covers whoever is in post)."""
    rows = InsurancePolicy.objects.visible_to(request.user)
    place = _community(request, community)
    if place is not None:
        rows = rows.filter(community=place)
    if on is not None:
        rows = rows.filter(start__lte=on, end__gte=on)
    return rows.select_related("community").prefetch_related("insured").order_by("start", "id")
