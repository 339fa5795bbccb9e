"""What the 三长 mechanisms put on a leader's phone home (``fieldwork.hooks.phone_items``):
meetings invited to, decisions owned, ratings to fill, and the supervision note form."""

from django.urls import reverse
from django.utils import timezone

from loudong.community.access import leader_compound_ids, person_of
from loudong.community.models import Decision, Meeting, MeetingInvitee


def meeting_items(user, today):
    from loudong.community.todos import ratings_to_answer
    from loudong.fieldwork.hooks import PhoneItem

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
