"""The ``loudong`` console command: ``django-admin`` preset with our settings.

``loudong divide`` is answered before Django is set up: the division engine needs
no database, and skipping Django's start-up keeps the whole process fast.
``loudong import_registry FILE`` begins reading FILE while Django starts.
"""

import os
import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and argv[1] == "divide":
        from loudong.grids.division.cli import main as divide_main

        return divide_main(argv[2:])
    if len(argv) > 2 and argv[1] == "import_registry":
        _read_early(argv[2:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loudong.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)
    return 0


# Options of ``import_registry`` and Django's own that take a value: what follows is no file.
_VALUED = {"--error-report", "-v", "--verbosity", "--settings", "--pythonpath"}


def _read_early(args: list[str]) -> None:
    """Begin reading the registry the command line names while Django starts (~0.8 s of one
    core, which the read's start leaves free); the import then waits for it
    (``lib/sheets.read_early``)."""
    rest = iter(args)
    for arg in rest:
        if arg in ("-h", "--help"):
            return
        if arg in _VALUED:
            next(rest, None)
        elif not arg.startswith("-"):
            from loudong.lib.sheets import read_early

            read_early(arg)
            return


if __name__ == "__main__":
    sys.exit(main())
