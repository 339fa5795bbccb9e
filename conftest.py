import os

import pytest


def pytest_configure(config):
    from django.conf import settings

    # Tests create many users: a fast hasher keeps the suite quick. Production keeps PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _database_label() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        conf = connection.settings_dict
        return f"PostgreSQL at {conf['HOST']}:{conf['PORT']}"
    return f"SQLite {connection.Database.sqlite_version}"


def pytest_report_header(config):
    return f"database: {_database_label()}"


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    terminalreporter.write_line(f"database: {_database_label()}")


@pytest.fixture(autouse=True)
def _own_audit_anchor(tmp_path, settings):
    """Each test has its own audit anchor file, never the demo's var/audit-anchor.json: the
    database rolls back between tests, a file would not."""
    settings.LOUDONG_AUDIT_ANCHOR = tmp_path / "audit-anchor.json"
