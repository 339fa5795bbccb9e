"""Backup and restore: the database, the media files and the audit anchor, in one directory.

``backup(out)`` writes

- ``manifest.json`` — when, which engine, the row count of every table, the media file count;
- ``database.sqlite3`` (SQLite's online backup API: a consistent copy while the app runs) or
  ``database.dump`` (PostgreSQL ``pg_dump --format=custom``);
- ``media/`` — uploaded files (sealed scans and photos stay sealed: the keys are not in the
  backup; keep ``LOUDONG_DATA_KEY``/``LOUDONG_INDEX_KEY``/``LOUDONG_AUDIT_KEY`` safe elsewhere);
- ``audit-anchor.json`` — the audit chain's head, checkpointed right after the backup's own audit
  row, so ``loudong verify_audit`` passes on the restored copy.

``restore(src)`` loads it into the database ``DATABASE_URL`` names — refused unless that database
is empty — writes no row of its own into the restored data, and checks every table's count
against the manifest.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

FORMAT = 1


class BackupError(RuntimeError):
    """Shown to the operator as is (Chinese)."""


def table_counts() -> dict[str, int]:
    names = sorted(connection.introspection.table_names())
    counts = {}
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(name)}")
            counts[name] = cursor.fetchone()[0]
    return counts


def _anchor_path() -> Path:
    return Path(settings.LOUDONG_AUDIT_ANCHOR)


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _pg_env() -> dict:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _pg_args() -> list[str]:
    db = settings.DATABASES["default"]
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    return args


def backup(out: Path, *, acting_user=None) -> dict:
    """Write a backup into ``out`` (created; must be empty); returns the manifest."""
    from loudong.accounts.audit import AuditAction, record

    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"备份目录 {out} 不是空的：请换一个目录")
    out.mkdir(parents=True, exist_ok=True)
    # The backup's own audit row is written first, so the copy contains it.
    with transaction.atomic():
        record(
            actor=acting_user,
            actor_username="backup" if acting_user is None else "",
            action=AuditAction.OPS_BACKUP,
            target_repr=f"备份到 {out.name}",
            new={"engine": connection.vendor},
        )
    verification = _checkpoint()
    counts = table_counts()
    if connection.vendor == "sqlite":
        _sqlite_backup(out / "database.sqlite3")
    elif connection.vendor == "postgresql":
        _pg_dump(out / "database.dump")
    else:
        raise BackupError(f"不支持的数据库：{connection.vendor}")
    media = _copy_media(_media_root(), out / "media")
    anchor = _anchor_path()
    if anchor.exists():
        shutil.copy2(anchor, out / "audit-anchor.json")
    manifest = {
        "format": FORMAT,
        "created": timezone.now().isoformat(),
        "engine": connection.vendor,
        "tables": counts,
        "media_files": media,
        "audit_anchor": anchor.exists(),
        "audit_chain_ok": bool(verification.ok),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    return manifest


def _checkpoint():
    """Record the chain's head (with the backup's own row) in the anchor file.

    A broken chain is not a reason to skip the backup — it is kept, and the manifest says so.
    """
    from loudong.accounts.audit import checkpoint

    return checkpoint()


def _sqlite_backup(dest: Path) -> None:
    connection.ensure_connection()
    target = sqlite3.connect(dest)
    try:
        connection.connection.backup(target)
    finally:
        target.close()


def _pg_dump(dest: Path) -> None:
    db = settings.DATABASES["default"]
    result = subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", "--file", str(dest), *_pg_args(), db["NAME"]],
        env=_pg_env(),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_dump 失败：{result.stderr.strip()[:500]}")


def _copy_media(src: Path, dest: Path) -> int:
    if not src.exists():
        dest.mkdir(parents=True, exist_ok=True)
        return 0
    shutil.copytree(src, dest, dirs_exist_ok=True)
    return sum(1 for p in dest.rglob("*") if p.is_file())


def database_is_empty() -> bool:
    """No table, or every table without rows."""
    return not any(table_counts().values())


def restore(src: Path) -> dict:
    """Restore ``src`` into the empty database of ``DATABASE_URL``; returns the manifest."""
    src = Path(src)
    manifest_path = src / "manifest.json"
    if not manifest_path.exists():
        raise BackupError(f"{src} 不是备份目录（缺少 manifest.json）")
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError("备份格式版本不符")
    if manifest["engine"] != connection.vendor:
        raise BackupError(
            f"备份来自 {manifest['engine']}，当前数据库是 {connection.vendor}：请恢复到同类数据库"
        )
    if not database_is_empty():
        raise BackupError("目标数据库不是空的：恢复只能写入空数据库，以免覆盖现有数据")
    if connection.vendor == "sqlite":
        _sqlite_restore(src / "database.sqlite3")
    else:
        _pg_restore(src / "database.dump")
    media = _media_root()
    if (src / "media").exists():
        shutil.copytree(src / "media", media, dirs_exist_ok=True)
    if (src / "audit-anchor.json").exists():
        _anchor_path().parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src / "audit-anchor.json", _anchor_path())
    counts = table_counts()
    differ = {
        name: (n, counts.get(name))
        for name, n in manifest["tables"].items()
        if counts.get(name) != n
    }
    if differ:
        raise BackupError(f"恢复后行数与备份不符：{differ}")
    return manifest


def _sqlite_restore(path: Path) -> None:
    connection.close()
    target = Path(settings.DATABASES["default"]["NAME"])
    source = sqlite3.connect(path)
    dest = sqlite3.connect(target)
    try:
        source.backup(dest)
    finally:
        source.close()
        dest.close()


def _pg_restore(path: Path) -> None:
    db = settings.DATABASES["default"]
    connection.close()
    result = subprocess.run(
        [
            "pg_restore",
            "--no-owner",
            "--exit-on-error",
            "--dbname",
            db["NAME"],
            *_pg_args(),
            str(path),
        ],
        env=_pg_env(),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore 失败：{result.stderr.strip()[:500]}")


def default_name(now: dt.datetime | None = None) -> str:
    return f"loudong-{(now or timezone.localtime()):%Y%m%d-%H%M%S}"


def nightly(root: Path | None = None, *, keep: int | None = None, now=None) -> tuple[Path, list]:
    """The scheduled backup: a new ``loudong-YYYYmmdd-HHMMSS`` directory under ``root``
    (``LOUDONG_BACKUP_DIR``), then the oldest complete backups beyond ``keep``
    (``LOUDONG_BACKUP_KEEP``) removed. Only directories this function names and that hold a
    manifest are ever removed, so an operator's own files under ``root`` are left alone.
    Returns the new directory and the removed ones."""
    root = Path(root or settings.LOUDONG_BACKUP_DIR)
    keep = settings.LOUDONG_BACKUP_KEEP if keep is None else keep
    if keep < 1:
        raise BackupError("至少要保留 1 份备份（LOUDONG_BACKUP_KEEP）")
    root.mkdir(parents=True, exist_ok=True)
    out = root / default_name(now)
    backup(out)
    done = sorted(
        d
        for d in root.iterdir()
        if d.is_dir() and d.name.startswith("loudong-") and (d / "manifest.json").exists()
    )
    removed = done[:-keep]
    for old in removed:
        shutil.rmtree(old)
    return out, removed
