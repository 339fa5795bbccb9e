"""Background jobs of field work (django-tasks), enqueued by ``loudong worker`` on the schedule
of ``loudong/ops/schedule.py``."""

from django_tasks import task


@task()
def sweep_overdue() -> dict:
    """Every 5 minutes: the overdue sweep (``loudong escalate_overdue`` does the same by hand)."""
    from loudong.fieldwork.actions.incidents import escalate_overdue

    result = escalate_overdue()
    return {"escalated": result.escalated, "warned": result.warned, "closed": result.closed}


@task()
def send_outbox() -> dict:
    """Every minute: send due group-robot messages, retrying failures with back-off."""
    from loudong.fieldwork.notifications import send_outbox as send

    return send()


@task()
def rollup_incidents() -> dict:
    """Every night: the dashboards' monthly incident statistics (``loudong rollup_incidents``)."""
    from loudong.fieldwork.stats import rollup

    return rollup()
