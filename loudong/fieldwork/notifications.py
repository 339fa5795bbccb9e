"""In-app notices, and the outbox of messages to group-chat robots.

Escalations, overdue warnings and emergencies are told to the users who act at the level, as
:class:`~loudong.fieldwork.models.Notification` rows, in the same transaction as the move. Where
the place has a registered work group with a robot (``community.ChatGroup``: 企业微信 / 钉钉), a
message is queued as an :class:`~loudong.fieldwork.models.OutboxMessage` in that transaction
too; the background worker sends it (``send_outbox``), never the request: a slow or dead robot
never slows a leader's phone. Failed sends are retried with exponential back-off.

Robot messages carry no personal data: category, building, level, due date and the incident
number — not the description, parties or phones (a group has members outside the office).
"""

import datetime as dt
import json
import logging
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from loudong.fieldwork.models import Notification, OutboxMessage

logger = logging.getLogger(__name__)

BACKOFF_S = 60  # first retry after a minute, then 2, 4, 8 … minutes
MAX_BACKOFF_S = 3600
MAX_ATTEMPTS = 8
SEND_TIMEOUT_S = 5
CLAIM_S = 120
# Levels whose users the grid group reaches (楼栋长、单元长 group, 004 §三.10); the rest go to
# the community's group (网格长 group).
GRID_GROUP_LEVELS = ("unit_leader", "building_leader", "grid_head")


def notify(user_ids, *, kind, title, body="", url="", incident=None, now=None) -> int:
    """One in-app notice per user; returns how many."""
    now = now or timezone.now()
    rows = [
        Notification(
            user_id=uid,
            kind=kind,
            title=title[:120],
            body=body[:300],
            url=url[:200],
            incident=incident,
            created=now,
        )
        for uid in sorted(set(user_ids))
    ]
    Notification.objects.bulk_create(rows)
    return len(rows)


def groups_for(incident, levels) -> list:
    """Robot groups that should hear about the incident at these levels."""
    from loudong.community.models import ChatGroup

    q = Q(pk__in=[])
    if set(levels) & set(GRID_GROUP_LEVELS):
        if incident.grid_code:
            q |= Q(level=ChatGroup.Level.GRID, grid_code=incident.grid_code)
    if set(levels) - set(GRID_GROUP_LEVELS):
        q |= Q(level=ChatGroup.Level.COMMUNITY)
    groups = ChatGroup.objects.filter(
        q, community_id=incident.community_id, active=True, kind__in=ChatGroup.ROBOT_KINDS
    )
    return [g for g in groups if g.webhook]


def queue(groups, text: str, *, incident=None, now=None) -> int:
    now = now or timezone.now()
    OutboxMessage.objects.bulk_create(
        [
            OutboxMessage(group=g, incident=incident, text=text, next_attempt_at=now, created=now)
            for g in groups
        ]
    )
    return len(groups)


def robot_text(incident, headline: str) -> str:
    """A line for a group: no description, parties or phones."""
    due = timezone.localtime(incident.due).strftime("%m月%d日") if incident.due else ""
    severity = "" if incident.severity == "normal" else f"【{incident.get_severity_display()}】"
    parts = [
        f"{severity}{headline}",
        f"事件 #{incident.pk}：{incident.community.name}{incident.place}，{incident.category}",
        f"现由{incident.level_label}办理" + (f"，请于 {due} 前处理" if due else ""),
        "详情请登录楼栋长网格治理系统查看。",
    ]
    return "\n".join(parts)


def payload(group, text: str) -> bytes:
    """The robots of 企业微信 and 钉钉 take the same text message shape."""
    return json.dumps({"msgtype": "text", "text": {"content": text}}, ensure_ascii=False).encode()


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(BACKOFF_S * 2 ** max(attempts - 1, 0), MAX_BACKOFF_S))


def _claim(now, limit: int) -> list[int]:
    """Claim due messages (a short transaction); another worker skips claimed rows."""
    with transaction.atomic():
        ids = list(
            OutboxMessage.objects.filter(
                status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now
            )
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .order_by("next_attempt_at", "id")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            OutboxMessage.objects.filter(pk__in=ids).filter(
                Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
            ).update(claimed_until=now + dt.timedelta(seconds=CLAIM_S))
    return ids


def _post(url: str, body: bytes) -> str:
    """'' on success, else the reason (HTTP status, the robot's errcode, or the network error)."""
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json; charset=utf-8"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=SEND_TIMEOUT_S) as response:
            text = response.read(4096).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return f"网络错误：{exc}"[:300]
    try:
        answer = json.loads(text or "{}")
    except ValueError:
        return "机器人返回的不是 JSON"
    if isinstance(answer, dict) and answer.get("errcode", 0) != 0:
        return f"errcode {answer.get('errcode')}：{answer.get('errmsg', '')}"[:300]
    return ""


def send_outbox(now=None, limit: int = 200) -> dict:
    """Send due messages; returns counts ``{"sent", "retry", "dead"}``. Idempotent: a sent or
    claimed message is never sent again. Network calls happen outside any transaction."""
    from loudong.community.models import ChatGroup

    now = now or timezone.now()
    counts = {"sent": 0, "retry": 0, "dead": 0}
    for pk in _claim(now, limit):
        message = OutboxMessage.objects.select_related("group").get(pk=pk)
        group: ChatGroup = message.group
        url = group.webhook.reveal() if group.has_robot else ""
        if not group.has_robot:
            error = "工作群已停用或未设置机器人"
        elif urlsplit(url).hostname not in settings.LOUDONG_WEBHOOK_HOSTS:
            error = "机器人地址不在允许的范围（LOUDONG_WEBHOOK_HOSTS）"
        else:
            error = _post(url, payload(group, message.text))
        attempts = message.attempts + 1
        fields = {"attempts": attempts, "claimed_until": None, "last_error": error[:300]}
        if not error:
            fields.update(status=OutboxMessage.Status.SENT, sent_at=timezone.now())
            counts["sent"] += 1
        elif attempts >= MAX_ATTEMPTS or not group.has_robot or error.startswith("机器人地址"):
            fields.update(status=OutboxMessage.Status.DEAD)
            counts["dead"] += 1
            logger.warning("outbox message %s dead after %s attempts: %s", pk, attempts, error)
        else:
            fields.update(next_attempt_at=now + backoff(attempts))
            counts["retry"] += 1
        OutboxMessage.objects.filter(pk=pk).update(**fields)
    return counts


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
