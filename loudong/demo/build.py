"""The demo 街道, built step by step. Later capabilities add their step to STEPS."""

from django.db import transaction

from loudong.demo.accounts import create_demo_users
from loudong.territory.models import Region

DEFAULT_HOUSEHOLDS = 24000


@transaction.atomic
def build_regions() -> dict:
    district, _ = Region.objects.get_or_create(
        level=Region.Level.DISTRICT, name="贵池区", defaults={"code": "341702"}
    )
    subdistrict, _ = Region.objects.get_or_create(
        level=Region.Level.SUBDISTRICT,
        name="池阳街道",
        parent=district,
        defaults={"code": "341702001", "office_phone": "0566-2021000", "leader_name": "周建国"},
    )
    return {"district": district, "subdistrict": subdistrict}


def build(*, households: int, seed: int, stdout) -> None:
    regions = build_regions()
    stdout.write(f"已建立 {regions['district']} / {regions['subdistrict']}")
    regions.update(
        build_registry(regions["subdistrict"], households=households, seed=seed, stdout=stdout)
    )
    create_demo_users(regions)
    stdout.write("已建立演示账号")


def build_registry(subdistrict, *, households: int, seed: int, stdout) -> dict:
    """Communities A and B at least; the registry step fills them with households."""
    names = [("341702001001", "秀山门社区"), ("341702001002", "杏花村社区")]
    created = {}
    for key, (code, name) in zip("AB", names, strict=True):
        created[key], _ = Region.objects.get_or_create(
            level=Region.Level.COMMUNITY,
            name=name,
            parent=subdistrict,
            defaults={"code": code, "office_phone": "0566-20210" + code[-2:]},
        )
    return created
