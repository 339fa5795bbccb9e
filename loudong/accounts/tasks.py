"""Periodic jobs of the accounts app (scheduled in ops/schedule.py, run by ``loudong worker``)."""

from django_tasks import task


@task()
def audit_checkpoint() -> None:
    """Every five minutes: verify the rows added since the anchor and move the anchor on.

    The same as ``loudong verify_audit --checkpoint`` but incremental (the anchored row is
    trusted once its HMAC still equals the anchor's). A broken or shortened chain fails the
    job — the worker's log says which row — and leaves the anchor where it was.
    """
    from loudong.accounts.audit import checkpoint
    from loudong.accounts.audit_report import remember

    result = checkpoint(since_anchor=True)
    remember(result, full=False)
    if not result.ok:
        raise RuntimeError(result.problem)


@task()
def audit_daily_report() -> None:
    """Once a day: the full verification and the day's figures, as a row in the log itself."""
    from loudong.accounts.audit_report import daily_report, record_report

    record_report(daily_report())
