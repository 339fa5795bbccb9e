"""Reading in-app notices (通知). Not audited: a notice is the user's own mailbox."""

from django.utils import timezone

from loudong.fieldwork.models import Notification


def mark_read(*, acting_user, ids=None, now=None) -> int:
    """Mark the user's notices read (all unread ones when ``ids`` is None); returns how many."""
    notices = Notification.objects.filter(user=acting_user, read_at__isnull=True)
    if ids is not None:
        notices = notices.filter(pk__in=list(ids))
    return notices.update(read_at=now or timezone.now())
