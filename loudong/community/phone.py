"""What the 三长 mechanisms put on a leader's phone home (``fieldwork.hooks.phone_home_items``):
meetings invited to, decisions owned, ratings to fill, the supervision note form, the rota,
trainings, supplies and outsider registration — each one tap from home, opening a page whose
work is one or two taps further."""

from django.urls import reverse
from django.utils import timezone

from loudong.community.access import leader_compound_ids, person_of
from loudong.community.models import Decision, Meeting, MeetingInvitee
from loudong.fieldwork.access import leader_area
from loudong.fieldwork.hooks import PhoneItem


def meeting_items(user, today):
    from loudong.community.todos import ratings_to_answer

    person = person_of(user)
    if person is None:
        return []
    items = []
    upcoming = list(
        Meeting.objects.filter(
            invitees__person=person,
            status=Meeting.Status.PLANNED,
            starts__date__gte=today,
        )
        .order_by("starts")
        .distinct()[:5]
    )
    if upcoming:
        first = upcoming[0]
        items.append(
            PhoneItem(
                "协商会议",
                first.get_absolute_url() if len(upcoming) == 1 else reverse("community:meetings"),
                f"{timezone.localtime(first.starts):%m月%d日 %H:%M} {first.title}",
                len(upcoming),
            )
        )
    else:
        invited = MeetingInvitee.objects.filter(person=person).exists()
        items.append(
            PhoneItem(
                "协商会议",
                reverse("community:meetings"),
                "查看会议和决定事项" if invited else "召集或查看协商会议",
            )
        )
    mine = Decision.objects.filter(owner=person).exclude(status=Decision.Status.DONE)
    n = mine.count()
    if n:
        first = mine.select_related("meeting").order_by("due").first()
        items.append(
            PhoneItem(
                "我负责的决定事项",
                first.meeting.get_absolute_url() + f"#decision-{first.pk}",
                f"最近 {first.due:%m-%d} 前完成",
                n,
            )
        )
    rounds = list(ratings_to_answer(user, today)[:5])
    if rounds:
        items.append(
            PhoneItem("“三长”测评", rounds[0].get_absolute_url(), rounds[0].title, len(rounds))
        )
    if leader_compound_ids(user):
        items.append(
            PhoneItem("物业监督", reverse("community:note_new"), "记录物业、业委会履职情况")
        )
    return items


def rotation_items(user, today):
    """单元轮值: the rota of the units the leader serves, with handovers not yet closed."""
    from loudong.community import rotation as rota
    from loudong.community.models import Rotation
    from loudong.territory.models import Unit

    area = leader_area(user)
    if not area:
        return []
    rotations = list(
        Rotation.objects.filter(unit__in=Unit.objects.visible_to(user), active=True).select_related(
            "unit"
        )
    )
    if not rotations:
        return []
    waiting = (
        rota.awaiting_confirmation()
        .filter(rotation__in=rotations, month__lt=rota.month_of(today))
        .count()
    )
    current = rota.duty_for_unit(rotations[0].unit, today).current if len(rotations) == 1 else None
    detail = f"本月 {current.label}" if current else f"{len(rotations)} 个单元轮值"
    if waiting:
        detail = f"交接待确认，{detail}"
    return [
        PhoneItem(
            label="单元轮值",
            url=reverse("community:phone_rotations"),
            detail=detail,
            badge=waiting,
        )
    ]


def training_items(user, today):
    """我的培训: upcoming sessions the leader is invited to, and the history."""
    from loudong.community.models import TrainingInvitee

    area = leader_area(user)
    if not area:
        return []
    rows = TrainingInvitee.objects.filter(person=area.person)
    if not rows.exists():
        return []
    coming = rows.filter(session__date__gte=today).count()
    return [
        PhoneItem(
            label="我的培训",
            url=reverse("community:phone_trainings"),
            detail=f"{coming} 次待参加"
            if coming
            else f"已参加 {rows.filter(attended=True).count()} 次",
            badge=coming,
        )
    ]


def training_section(user, person):
    """培训经历 on the roster's person page (``roster.hooks.person_sections``)."""
    from loudong.community.training import history

    rows = []
    for r in history(person)[:20]:
        state = "已参加" if r.attended else ("待参加" if r.attended is None else "未出席")
        rows.append(f"{r.session.date:%Y-%m-%d} {r.session.topic}（{state}）")
    return [{"title": "培训经历", "rows": rows, "empty": "暂无培训记录"}]


def supplies_items(user, today):
    """我的防护物资: shown once the leader has received something."""
    from loudong.community.models import SupplyMovement

    area = leader_area(user)
    if not area:
        return []
    n = SupplyMovement.objects.filter(person=area.person, kind="issue").count()
    if not n:
        return []
    return [
        PhoneItem(
            label="防护物资",
            url=reverse("community:phone_supplies"),
            detail=f"已领取 {n} 次",
            badge=0,
        )
    ]


def outsider_items(user, today):
    """外来人员登记: while a community the leader serves has registration switched on."""
    from loudong.community.models import OutsiderRegistration

    area = leader_area(user)
    if (
        not area
        or not OutsiderRegistration.objects.filter(
            community_id__in=area.community_ids, ended_on__isnull=True
        ).exists()
    ):
        return []
    return [
        PhoneItem(
            label="外来人员登记",
            url=reverse("community:phone_outsider"),
            detail="疫情防控期间",
            badge=0,
        )
    ]
