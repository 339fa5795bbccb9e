"""The monthly 服务记录表: generated from the records, submitted, reviewed.

Seed 000 §三.5 工作定期报告制度: "楼栋长工作开展情况要及时填写服务记录表，并定期向社区报告，重大
情况及时报告". The table is generated from the month's visits, service records and incidents —
nothing is typed twice; the leader adds remarks (重大情况及其他说明) and submits it; the community
reviews it with a comment and sees who has not submitted. The month's report is due by the
profile's ``fieldwork.report_due_day`` of the next month.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone

from loudong.accounts.audit import AuditAction, record
from loudong.fieldwork.access import body_community_ids, leader_area
from loudong.fieldwork.actions.common import Refused
from loudong.fieldwork.models import (
    Incident,
    IncidentStage,
    MonthlyReport,
    ServiceRecord,
    Visit,
    VisitHousehold,
    month_start,
)
from loudong.policy.profile import LEADER_LEVELS, profile_for


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def month_end(month: dt.date) -> dt.date:
    return next_month(month) - dt.timedelta(days=1)


def parse_month(text: str) -> dt.date:
    """``2026-11`` → 2026-11-01; :class:`Refused` with the reason otherwise."""
    try:
        year, month = (int(p) for p in str(text).split("-"))
        return dt.date(year, month, 1)
    except (TypeError, ValueError):
        raise Refused("月份：请用“年-月”格式，如 2026-11") from None


def due_date(month: dt.date, profile) -> dt.date:
    return next_month(month).replace(day=profile.fieldwork.report_due_day)


def reporting_month(today: dt.date, profile) -> dt.date:
    """The month being reported now: last month until its due day, then this month."""
    this = month_start(today)
    previous = month_start(this - dt.timedelta(days=1))
    return previous if today <= due_date(previous, profile) else this


def leader_appointments(person, month: dt.date):
    from loudong.roster.models import Appointment

    end = month_end(month)
    return (
        Appointment.objects.filter(
            person=person, is_legacy=False, post__kind__in=LEADER_LEVELS, start__lte=end
        )
        .exclude(end__lt=month)
        .select_related("post", "community")
        .order_by("post__kind", "post__grid_code", "id")
    )


def generate(person, month: dt.date, *, today: dt.date | None = None) -> dict:
    """The 服务记录表 of ``person`` for ``month``, from the records (a JSON-able dict).

    A handful of queries: posts, households served, visits, service records, incidents.
    """
    today = today or timezone.localdate()
    start, end = month, month_end(month)
    appointments = list(leader_appointments(person, month))
    posts = [a.post for a in appointments]
    household_ids = set()
    for post in posts:
        household_ids |= set(post.households().values_list("pk", flat=True))
    visits = list(
        Visit.objects.filter(person=person, date__range=(start, end))
        .annotate(n=Count("visited"))
        .order_by("date", "id")
    )
    visited = set(
        VisitHousehold.objects.filter(person=person, date__range=(start, end)).values_list(
            "household_id", flat=True
        )
    )
    services = list(
        ServiceRecord.objects.filter(person=person, date__range=(start, end)).order_by("date", "id")
    )
    by_category = {}
    for service in services:
        by_category[service.category_label] = by_category.get(service.category_label, 0) + 1
    post_ids = [p.pk for p in posts]
    incident_ids = set(
        Incident.objects.filter(
            reporter_person=person, created__date__range=(start, end)
        ).values_list("pk", flat=True)
    ) | set(
        IncidentStage.objects.filter(
            person=person, post_id__in=post_ids, start__date__range=(start, end)
        ).values_list("incident_id", flat=True)
    )
    incidents = list(
        Incident.objects.filter(pk__in=incident_ids)
        .select_related("category__parent", "building__compound", "unit__building__compound")
        .order_by("created", "id")
    )
    profile = profile_for(person.community, on=end)
    cutoff = min(end, today)
    last = dict(
        VisitHousehold.objects.filter(household_id__in=household_ids, date__lte=cutoff)
        .values("household_id")
        .annotate(last=Max("date"))
        .values_list("household_id", "last")
    )
    limit = profile.fieldwork.not_visited_days
    not_visited = sum(1 for h in household_ids if h not in last or (cutoff - last[h]).days > limit)
    return {
        "person": person.name,
        "community": person.community.name,
        "month": month.strftime("%Y-%m"),
        "posts": [p.title for p in posts],
        "households": len(household_ids),
        "visited": len(visited & household_ids) if household_ids else len(visited),
        "visit_count": len(visits),
        "not_visited": not_visited,
        "not_visited_days": limit,
        "visits": [
            {
                "date": v.date.isoformat(),
                "households": v.n,
                "companions": v.companions,
                "notes": v.notes[:200],
            }
            for v in visits
        ],
        "service_count": len(services),
        "service_by_category": by_category,
        "services": [
            {
                "date": s.date.isoformat(),
                "category": s.category_label,
                "content": s.content[:300],
                "people_served": s.people_served,
            }
            for s in services
        ],
        "incident_count": len(incidents),
        "solved_on_spot": sum(1 for i in incidents if i.solved_on_spot),
        "incidents": [
            {
                "id": i.pk,
                "date": timezone.localtime(i.created).date().isoformat(),
                "category": str(i.category),
                "place": i.place,
                "severity": i.get_severity_display(),
                "status": i.get_status_display(),
                "solved_on_spot": i.solved_on_spot,
            }
            for i in incidents
        ],
    }


def submit_report(
    *, acting_user, month: dt.date, remarks: str = "", today: dt.date | None = None, request=None
) -> MonthlyReport:
    """The leader submits the month's 服务记录表 (content frozen as generated now)."""
    area = leader_area(acting_user)
    if area.person is None:
        raise PermissionDenied("只有楼栋长（单元长、网格长）本人可以报送服务记录表")
    today = today or timezone.localdate()
    month = month_start(month)
    if month > month_start(today):
        raise Refused("月份：不能报送以后月份的服务记录表")
    if not leader_appointments(area.person, month).exists():
        raise Refused(f"月份：您 {month:%Y年%m月} 不在任，无须报送")
    remarks = (remarks or "").strip()
    if len(remarks) > 2000:
        raise Refused("重大情况及其他说明：最多 2000 字")
    content = generate(area.person, month, today=today)
    try:
        with transaction.atomic():
            report = MonthlyReport.objects.create(
                community=area.person.community,
                person=area.person,
                month=month,
                content=content,
                remarks=remarks,
                submitted_by=acting_user,
            )
            record(
                actor=acting_user,
                action=AuditAction.FIELDWORK_REPORT_SUBMIT,
                target=report,
                new={
                    "month": content["month"],
                    "visits": content["visit_count"],
                    "services": content["service_count"],
                    "incidents": content["incident_count"],
                },
                request=request,
            )
    except IntegrityError:
        raise Refused(f"{month:%Y年%m月}的服务记录表已报送过") from None
    _tell_reviewers(report)
    return report


def _tell_reviewers(report):
    from loudong.accounts.roles import Role
    from loudong.fieldwork import notifications
    from loudong.fieldwork.ladder import _role_users
    from loudong.fieldwork.models import Notification

    notifications.notify(
        _role_users(Role.COMMUNITY_WORKER, [report.community_id]),
        kind=Notification.Kind.REPORT,
        title=f"{report.person.name}报送了{report.month:%Y年%m月}服务记录表",
        url=report.get_absolute_url(),
    )


@transaction.atomic
def review_report(
    *, report: MonthlyReport, comment: str, acting_user, request=None
) -> MonthlyReport:
    if report.community_id not in body_community_ids(acting_user):
        raise PermissionDenied("只有本社区的社区工作者可以审阅服务记录表")
    if report.status == MonthlyReport.Status.REVIEWED:
        raise Refused("该服务记录表已审阅")
    comment = (comment or "").strip()
    if not comment:
        raise Refused("审阅意见：请填写")
    if len(comment) > 1000:
        raise Refused("审阅意见：最多 1000 字")
    report.status = MonthlyReport.Status.REVIEWED
    report.review_comment = comment
    report.reviewed_by = acting_user
    report.reviewed_at = timezone.now()
    report.save(update_fields=["status", "review_comment", "reviewed_by", "reviewed_at"])
    record(
        actor=acting_user,
        action=AuditAction.FIELDWORK_REPORT_REVIEW,
        target=report,
        new={"status": report.status},
        request=request,
    )
    from loudong.fieldwork import notifications
    from loudong.fieldwork.models import Notification

    if report.person.user_id:
        notifications.notify(
            [report.person.user_id],
            kind=Notification.Kind.REPORT,
            title=f"社区已审阅您{report.month:%Y年%m月}的服务记录表",
            body=comment[:300],
            url=report.get_absolute_url(),
        )
    return report


def submissions(community, month: dt.date):
    """(submitted reports, leaders in post that month without one) for a community."""
    from loudong.roster.models import Appointment, Person

    end = month_end(month)
    in_post = (
        Appointment.objects.filter(
            community=community, is_legacy=False, post__kind__in=LEADER_LEVELS, start__lte=end
        )
        .exclude(end__lt=month)
        .values_list("person_id", flat=True)
    )
    reports = list(
        MonthlyReport.objects.filter(community=community, month=month)
        .select_related("person", "reviewed_by")
        .order_by("person__name")
    )
    done = {r.person_id for r in reports}
    missing = list(Person.objects.filter(pk__in=set(in_post) - done).order_by("name", "id"))
    return reports, missing
