"""Operations' own background jobs."""

from django.core.management import call_command
from django_tasks import task


@task()
def append_line(path: str, label: str) -> None:
    """Append ``label`` to ``path`` — the two-node test counts how many times each job ran."""
    with open(path, "a", encoding="utf-8") as out:
        out.write(label + "\n")


@task()
def prune_task_results() -> None:
    """Finished background-task rows older than ``LOUDONG_TASK_RESULT_DAYS`` days: they hold
    task arguments (an import's file name, a person's id) and would grow without end."""
    from django.conf import settings

    call_command(
        "prune_db_task_results",
        "--queue-name=*",
        f"--min-age-days={settings.LOUDONG_TASK_RESULT_DAYS}",
        verbosity=0,
    )
