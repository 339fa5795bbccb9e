"""Background jobs of the community app (django-tasks), enqueued by ``loudong worker`` on the
schedule of ``loudong/ops/schedule.py``."""

from django_tasks import task


@task()
def rotation_sweep() -> dict:
    """Daily: rota months begin and end, turn and handover reminders (``loudong rotation_sweep``)."""
    from loudong.community.rotation import sweep

    result = sweep()
    return {"started": result.started, "closed": result.closed, "reminded": result.reminded}


@task()
def purge_outsiders() -> int:
    """Daily: delete outsider records past their retention period (``loudong purge_outsiders``)."""
    from loudong.community.outsiders import purge

    return purge()
