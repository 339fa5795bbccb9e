"""The ``loudong`` console command: ``django-admin`` preset with our settings.

``loudong divide`` is answered before Django is set up: the division engine needs
no database, and skipping Django's start-up keeps the whole process fast.
"""

import os
import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and argv[1] == "divide":
        from loudong.grids.division.cli import main as divide_main

        return divide_main(argv[2:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loudong.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
