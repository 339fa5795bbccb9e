"""The scheduler half of ``loudong worker``: enqueue due periodic jobs exactly once."""

import datetime as dt
import importlib
import logging
import socket

from django.db import transaction
from django.utils import timezone

from loudong.ops.models import ScheduledJob, WorkerHeartbeat
from loudong.ops.schedule import SCHEDULE, Job

logger = logging.getLogger(__name__)
STALE_AFTER = dt.timedelta(minutes=5)


def resolve(path: str):
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def claim(job: Job, now) -> bool:
    """True for exactly one caller per due run, whichever node or process asks."""
    ScheduledJob.objects.get_or_create(name=job.name)
    cutoff = now - dt.timedelta(seconds=job.every_s)
    with transaction.atomic():
        won = (
            ScheduledJob.objects.filter(name=job.name)
            .filter(models_q_due(cutoff))
            .update(last_enqueued=now)
        )
    return bool(won)


def models_q_due(cutoff):
    from django.db.models import Q

    return Q(last_enqueued__isnull=True) | Q(last_enqueued__lte=cutoff)


def enqueue_due(now=None, schedule=None) -> list[str]:
    """Enqueue every job that is due and that this caller claimed; returns their names."""
    now = now or timezone.now()
    started = []
    for job in schedule if schedule is not None else SCHEDULE:
        if claim(job, now):
            resolve(job.task).enqueue()
            started.append(job.name)
            logger.info("scheduled %s", job.name)
    return started


def beat(worker_id: str, now=None) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id[:64],
        defaults={"host": socket.gethostname()[:200], "beat": now or timezone.now()},
    )


def worker_state(now=None) -> str:
    """``ok`` when some worker beat within the last five minutes, else ``stale``."""
    now = now or timezone.now()
    recent = WorkerHeartbeat.objects.filter(beat__gte=now - STALE_AFTER).exists()
    return "ok" if recent else "stale"
