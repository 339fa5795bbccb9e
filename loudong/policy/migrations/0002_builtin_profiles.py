"""Load the shipped profiles (profiles/chiyang.json, changchun.json) as version 1.

Reads the files as they are when the migration runs; later changes to a file reach the
database through ``loudong load_profiles`` as a new version.
"""

import json
from pathlib import Path

from django.db import migrations

PROFILES_DIR = Path(__file__).resolve().parent.parent / "profiles"


def load(apps, schema_editor):
    PolicyProfile = apps.get_model("policy", "PolicyProfile")
    for path in sorted(PROFILES_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if PolicyProfile.objects.filter(name=path.stem).exists():
            continue
        PolicyProfile.objects.create(
            name=path.stem,
            version=1,
            title=data["title"],
            data=data,
            created_by=None,
            note=f"内置方案，载入自 {path.name}",
        )


def unload(apps, schema_editor):
    apps.get_model("policy", "PolicyProfile").objects.filter(version=1, created_by=None).delete()


class Migration(migrations.Migration):
    dependencies = [("policy", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
