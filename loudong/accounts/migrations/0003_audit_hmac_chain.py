"""Re-key the audit chain: from sha256(prev + row) to HMAC-SHA256(LOUDONG_AUDIT_KEY, prev + row).

The unkeyed chain is verified first; a broken one stops the migration with the row named
(investigate before upgrading — re-keying a tampered chain would hide the tampering).
"""

import hashlib
import hmac
import json

from django.conf import settings
from django.db import migrations

GENESIS = "0" * 64


def _canonical(e) -> str:
    body = {
        "seq": e.seq,
        "created": e.created.isoformat(timespec="microseconds"),
        "actor": e.actor_id,
        "actor_username": e.actor_username,
        "action": e.action,
        "target_type": e.target_type,
        "target_id": e.target_id,
        "target_repr": e.target_repr,
        "region": e.region_id,
        "old": e.old,
        "new": e.new,
        "reason": e.reason,
        "ip": e.ip,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def rekey(apps, schema_editor):
    AuditEvent = apps.get_model("accounts", "AuditEvent")
    key = settings.LOUDONG_AUDIT_KEY.encode()
    old_prev, new_prev, expected = GENESIS, GENESIS, 1
    last = 0
    while True:
        rows = list(AuditEvent.objects.filter(seq__gt=last).order_by("seq")[:2000])
        if not rows:
            return
        for e in rows:
            body = _canonical(e)
            old_hash = hashlib.sha256((old_prev + body).encode()).hexdigest()
            if e.seq != expected or e.prev_hash != old_prev or e.hash != old_hash:
                raise RuntimeError(
                    f"审计日志第 {e.seq} 条记录断链，未能改用密钥哈希链：请先用 "
                    "loudong verify_audit（旧版本）查明原因"
                )
            old_prev = e.hash
            e.prev_hash = new_prev
            e.hash = hmac.new(key, (new_prev + body).encode(), hashlib.sha256).hexdigest()
            new_prev = e.hash
            expected += 1
        AuditEvent.objects.bulk_update(rows, ["prev_hash", "hash"])
        last = rows[-1].seq


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_party_org_flag")]

    operations = [migrations.RunPython(rekey, migrations.RunPython.noop)]
