"""Reading settings from the environment, with per-checkout development secrets."""

import base64
import json
import os
import secrets
from pathlib import Path


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def envlist(name: str, default: str) -> list[str]:
    value = os.environ.get(name, default)
    return [item.strip() for item in value.split(",") if item.strip()]


def envsecret(name: str, var_dir: Path, *, nbytes: int, keyed: bool = False) -> str:
    """The secret from the environment, else a stable development value for this checkout.

    Development values are generated once into ``var/dev-secrets.json`` so that data
    encrypted by one command can be read by the next. They are never used when the
    variable is set, and ``check --deploy`` flags the development SECRET_KEY.
    """
    value = os.environ.get(name)
    if value:
        return value
    import fcntl

    var_dir = Path(var_dir)
    var_dir.mkdir(parents=True, exist_ok=True)
    path = var_dir / "dev-secrets.json"
    # A lock file, so that two first runs at once agree on one value.
    with open(var_dir / ".dev-secrets.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stored = json.loads(path.read_text()) if path.exists() else {}
        if name not in stored:
            raw = base64.b64encode(secrets.token_bytes(nbytes)).decode()
            stored[name] = f"dev:{raw}" if keyed else raw
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(stored, indent=2))
            os.chmod(tmp, 0o600)
            tmp.replace(path)
    return stored[name]
