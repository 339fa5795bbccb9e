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
    users = {user.username: user for user in create_demo_users(regions)}
    stdout.write("已建立演示账号")
    from loudong.demo.grids import build_grids

    stdout.write("划分网格：")
    build_grids(regions["subdistrict"], approver=users["jiedao"], stdout=stdout)
    from loudong.demo.roster import build_roster

    stdout.write("选配楼栋长：")
    build_roster(regions, seed=seed, stdout=stdout)
    from loudong.demo.documents import build_documents

    stdout.write("协议书与胸牌：")
    build_documents(acting_user=users["jiedao"], seed=seed, stdout=stdout)
    from loudong.demo.fieldwork import build_fieldwork

    stdout.write("日常工作（走访、服务记录、事件）：")
    build_fieldwork(regions, seed=seed, stdout=stdout)


def build_registry(subdistrict, *, households: int, seed: int, stdout) -> dict:
    """Generate a 池阳街道-like city (loudong.lib.citygen + synthetic residents), write it as
    a registry .xlsx and import it through the registry importer, as a community would.

    Communities are created first with their 统计用区划代码 (the template carries names
    only); the first two are 社区 A and B of the demo accounts. Idempotent: a second run
    imports the same file and changes nothing.
    """
    import tempfile
    import time
    from pathlib import Path

    from loudong.lib import citygen
    from loudong.territory import synth
    from loudong.territory.importer import Importer

    started = time.monotonic()
    city = citygen.generate_city(households, seed)
    communities = []
    for community in city.communities:
        region, _ = Region.objects.get_or_create(
            level=Region.Level.COMMUNITY,
            name=community.name,
            parent=subdistrict,
            defaults={"code": community.code, "office_phone": "0566-20210" + community.code[-2:]},
        )
        communities.append(region)
    stdout.write(f"生成模拟街道：{len(city.communities)} 个社区，{city.households} 户实际居住")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "registry.xlsx"
        residents = synth.write_registry(city, path, seed)
        stdout.write(f"已写出登记表（{residents} 名居民），导入中……")
        report = Importer().run(path.read_bytes(), path.name)
    if not report.ok:
        for error in report.errors[:20]:
            stdout.write(str(error))
        raise RuntimeError("演示登记表导入失败")
    for line in report.summary_lines()[-1:]:
        stdout.write(line)
    stdout.write(f"登记表导入完成（{time.monotonic() - started:.1f} 秒）")
    return {"A": communities[0], "B": communities[1]}
