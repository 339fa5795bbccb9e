"""Buttons on the leaders' phone home (``fieldwork.hooks.phone_home_items``), one per noun;
each is one tap from home and opens a page whose work is one or two taps further."""

from django.urls import reverse

from loudong.fieldwork.access import leader_area


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
        {
            "label": "单元轮值",
            "url": reverse("community:phone_rotations"),
            "detail": detail,
            "badge": waiting,
        }
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
        {
            "label": "我的培训",
            "url": reverse("community:phone_trainings"),
            "detail": f"{coming} 次待参加"
            if coming
            else f"已参加 {rows.filter(attended=True).count()} 次",
            "badge": coming,
        }
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
        {
            "label": "防护物资",
            "url": reverse("community:phone_supplies"),
            "detail": f"已领取 {n} 次",
            "badge": 0,
        }
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
        {
            "label": "外来人员登记",
            "url": reverse("community:phone_outsider"),
            "detail": "疫情防控期间",
            "badge": 0,
        }
    ]
