"""Background jobs (django-tasks): the daily insurance renewal reminders (ops/schedule.py)."""

from django_tasks import task


@task()
def remind_insurance() -> int:
    from loudong.payroll.actions.insurance import remind_renewals

    return len(remind_renewals())
