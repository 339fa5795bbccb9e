"""Field work's to-dos: incidents held at the user's level (overdue first), 服务记录表 to review
or still missing after the due day, registry changes found on visits."""

import datetime as dt
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from loudong.accounts.roles import Role
from loudong.fieldwork.actions import reports as report_actions
from loudong.fieldwork.models import ChangeRequest, Incident, MonthlyReport, month_start
from loudong.policy.profile import profile_for
from loudong.territory.models import Region
from loudong.workbench.registry import Row, community_ids, todo


def _subdistrict_community_ids(user) -> list[int]:
    paths = [
        a.region.path
        for a in user.active_roles()
        if a.role == Role.SUBDISTRICT_ADMIN and a.region_id
    ]
    if not paths:
        return []
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(path__startswith=path)
    return list(Region.objects.filter(q, level=Region.Level.COMMUNITY).values_list("pk", flat=True))


def _late(today):
    return Q(paused_since__isnull=True, due__lte=timezone.now())


def _incident_row(i, today) -> Row:
    now = timezone.now()
    late = i.paused_since is None and i.due is not None and i.due <= now
    due = timezone.localtime(i.due) if i.due else None
    return Row(
        title=f"{i.category} · {i.place}",
        url=i.get_absolute_url(),
        detail=(
            f"{i.get_status_display()}，{i.get_severity_display()}"
            + (f"，时限 {due:%m-%d %H:%M}" if due else "")
            + ("，已超期" if late else "")
        ),
        due=i.due,
        overdue=late or i.severity == Incident.Severity.URGENT,
    )


def _queue(**params):
    return lambda user: reverse("fieldwork:index") + "?" + urlencode(params)


def _open(ids, q):
    return (
        Incident.objects.filter(q, community_id__in=ids, status__in=Incident.OPEN)
        .select_related(
            "category__parent", "building__compound", "unit__building__compound", "compound"
        )
        .order_by("due", "pk")
    )


@todo(
    key="incidents-community",
    label="社区待办事件",
    section="fieldwork",
    row=_incident_row,
    order=10,
    overdue=_late,
    hint="楼栋长上报、居民反映到社区的事件：受理、办结或上报街道",
    list_url=_queue(level="community"),
)
def incidents_community(user, today):
    return _open(community_ids(user), Q(level="community"))


@todo(
    key="incidents-subdistrict",
    label="街道待办事件",
    section="fieldwork",
    row=_incident_row,
    order=10,
    overdue=_late,
    hint="社区上报到街道的事件",
    list_url=_queue(level="subdistrict"),
)
def incidents_subdistrict(user, today):
    return _open(_subdistrict_community_ids(user), Q(level="subdistrict"))


@todo(
    key="incidents-urgent",
    label="紧急事件（同时报街道）",
    section="fieldwork",
    row=_incident_row,
    order=5,
    overdue=lambda today: Q(),
    hint="社区正在办理的紧急事件：街道可同时督办、协调",
    list_url=_queue(level="community", severity="urgent"),
)
def incidents_urgent(user, today):
    urgent = Q(severity=Incident.Severity.URGENT, level="community")
    return _open(_subdistrict_community_ids(user), urgent)


def _report_row(r, today) -> Row:
    return Row(
        title=f"{r.person.name} {r.month:%Y 年 %-m 月}服务记录表",
        url=r.get_absolute_url(),
        detail=f"{timezone.localtime(r.submitted_at):%m-%d} 报送，待审阅",
        due=r.submitted_at,
    )


@todo(
    key="service-reports",
    label="待审阅的服务记录表",
    section="fieldwork",
    row=_report_row,
    order=20,
    list_url=lambda user: reverse("fieldwork:reports"),
)
def service_reports(user, today):
    return (
        MonthlyReport.objects.filter(
            community_id__in=community_ids(user), status=MonthlyReport.Status.SUBMITTED
        )
        .select_related("person")
        .order_by("month", "submitted_at", "pk")
    )


def _missing_row(item, today) -> Row:
    community, person, month = item
    return Row(
        title=f"{person.name}（{community.name}）",
        url=reverse("fieldwork:reports")
        + "?"
        + urlencode({"community": community.pk, "month": f"{month:%Y-%m}"}),
        detail=f"{month:%Y 年 %-m 月}服务记录表未报送",
        overdue=True,
    )


@todo(
    key="service-reports-missing",
    label="逾期未报送服务记录表",
    section="fieldwork",
    row=_missing_row,
    order=25,
    hint="上月的服务记录表已过报送期限：提醒楼栋长报送",
)
def service_reports_missing(user, today):
    out = []
    for community in Region.objects.filter(pk__in=community_ids(user)).order_by("code"):
        profile = profile_for(community, on=today)
        previous = month_start(month_start(today) - dt.timedelta(days=1))
        if today <= report_actions.due_date(previous, profile):
            continue
        _done, missing = report_actions.submissions(community, previous)
        out += [(community, person, previous) for person in missing]
    return out


def _change_row(c, today) -> Row:
    return Row(
        title=str(c.household),
        url=reverse("fieldwork:changes"),
        detail=f"{timezone.localtime(c.created):%m-%d} 走访发现，待核实更新台账",
        due=c.created,
    )


@todo(
    key="change-requests",
    label="走访发现的台账变更",
    section="fieldwork",
    row=_change_row,
    order=30,
    list_url=lambda user: reverse("fieldwork:changes"),
)
def change_requests(user, today):
    return (
        ChangeRequest.objects.filter(
            community_id__in=community_ids(user), status=ChangeRequest.Status.PENDING
        )
        .select_related("household__unit__building__compound")
        .order_by("created", "pk")
    )
