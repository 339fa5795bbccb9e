"""The audit chain's anchor: its verified head, kept outside the database.

The keyed chain (``AuditEvent.compute_hash``) catches an edited row, and an edit followed by
recomputing every later hash, because recomputing needs ``LOUDONG_AUDIT_KEY``. It cannot
catch the *last* rows being deleted: what remains is still a valid chain. So a checkpoint
records the head — row count, last ``seq`` and its HMAC, and the first row's HMAC (which
names the chain) — in a file outside the database (``LOUDONG_AUDIT_ANCHOR``). Later
verifications fail when the chain is shorter than the anchor or differs at the anchored row.

The file is written atomically (temporary file + rename, under a lock), never moves
backwards, and is what ``loudong backup`` copies beside the database. Keep a copy off the
database host too (the worker checkpoints every five minutes; ship the file with the logs).
"""

import datetime as dt
import fcntl
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

FORMAT = 1


class AnchorError(Exception):
    """An anchor file that cannot be read as one (its text names the file and why)."""


@dataclass(frozen=True)
class Anchor:
    rows: int  # rows in the chain when it was checkpointed (= last seq: seq has no gaps)
    seq: int  # the anchored row
    hmac: str  # that row's HMAC
    first_hmac: str  # row 1's HMAC: which chain this anchor belongs to
    checkpointed_at: str  # ISO date-time

    @property
    def at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.checkpointed_at)


def path() -> Path:
    return Path(settings.LOUDONG_AUDIT_ANCHOR)


def read(anchor_path: Path | None = None) -> Anchor | None:
    """The anchor, or None when no checkpoint was made yet (no file)."""
    anchor_path = Path(anchor_path or path())
    try:
        data = json.loads(anchor_path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise AnchorError(f"审计锚点文件 {anchor_path} 无法读取：{exc}") from None
    try:
        if data.get("format") != FORMAT:
            raise ValueError(f"未知格式 {data.get('format')!r}")
        return Anchor(
            rows=int(data["rows"]),
            seq=int(data["seq"]),
            hmac=str(data["hmac"]),
            first_hmac=str(data["first_hmac"]),
            checkpointed_at=str(data["checkpointed_at"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise AnchorError(f"审计锚点文件 {anchor_path} 内容不完整：{exc}") from None


def write(*, rows: int, seq: int, hmac: str, first_hmac: str, anchor_path=None) -> Anchor:
    anchor_path = Path(anchor_path or path())
    anchor_path.parent.mkdir(parents=True, exist_ok=True)
    anchor = Anchor(
        rows=rows,
        seq=seq,
        hmac=hmac,
        first_hmac=first_hmac,
        checkpointed_at=timezone.now().isoformat(timespec="seconds"),
    )
    tmp = anchor_path.with_name(anchor_path.name + ".tmp")
    tmp.write_text(json.dumps({"format": FORMAT, **asdict(anchor)}, indent=2) + "\n")
    os.chmod(tmp, 0o600)
    tmp.replace(anchor_path)
    return anchor


class locked:
    """An exclusive lock beside the anchor, so that two checkpoints never interleave."""

    def __init__(self, anchor_path=None):
        self.lock_path = Path(anchor_path or path()).with_suffix(".lock")

    def __enter__(self):
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = open(self.lock_path, "w")  # held until __exit__
        fcntl.flock(self.handle, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()
