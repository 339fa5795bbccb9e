"""Operations' own background jobs."""

from django_tasks import task


@task()
def append_line(path: str, label: str) -> None:
    """Append ``label`` to ``path`` — the two-node test counts how many times each job ran."""
    with open(path, "a", encoding="utf-8") as out:
        out.write(label + "\n")
