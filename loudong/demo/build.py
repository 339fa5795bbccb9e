"""The demo 街道, built step by step. Later capabilities add their step to :func:`build`.

Two cities, one builder: ``chiyang`` (池阳街道-like, seed 000) or ``changchun`` (a 长春 街道,
seed 004, "三长"联动) — ``DEMO_PROFILE=changchun make demo``. The 街道 carries its profile
(``Region.policy_name``), so every rule the demo exercises is read from that profile.
"""

from dataclasses import dataclass

from django.db import transaction

from loudong.demo.accounts import create_demo_users
from loudong.territory.models import Region

DEFAULT_HOUSEHOLDS = 24000
# 社区负责人 (Attachment 1's 甲方 负责人): invented names.
COMMUNITY_LEADERS = ["李红梅", "王建华", "张秀英", "刘国强", "陈丽", "杨志刚", "赵敏", "黄永胜"]


@dataclass(frozen=True)
class City:
    profile: str
    district: str
    district_code: str
    subdistrict: str
    subdistrict_code: str
    subdistrict_phone: str
    leader: str
    area_code: str
    community_words: tuple[str, ...]
    counties: tuple[str, ...] | None = None


CITIES = {
    "chiyang": City(
        "chiyang", "贵池区", "341702", "池阳街道", "341702001", "0566-2021000", "周建国", "0566",
        (),
    ),
    "changchun": City(
        "changchun", "朝阳区", "220104", "南湖街道", "220104005", "0431-85651000", "周建国", "0431",
        ("东朝阳", "南湖", "红旗", "湖西", "桂林", "富锦", "永昌", "清和", "开运", "工农", "繁荣",
         "安达", "西安", "民康", "建设", "立信"),
        ("220104", "220104", "220102", "220103", "220106"),
    ),
}  # fmt: skip


@transaction.atomic
def build_regions(city: City) -> dict:
    district, _ = Region.objects.get_or_create(
        level=Region.Level.DISTRICT, name=city.district, defaults={"code": city.district_code}
    )
    subdistrict, _ = Region.objects.get_or_create(
        level=Region.Level.SUBDISTRICT,
        name=city.subdistrict,
        parent=district,
        defaults={
            "code": city.subdistrict_code,
            "office_phone": city.subdistrict_phone,
            "leader_name": city.leader,
            "policy_name": city.profile,
        },
    )
    return {"district": district, "subdistrict": subdistrict}


def build(*, households: int, seed: int, stdout, profile: str = "chiyang") -> None:
    city = CITIES[profile]
    regions = build_regions(city)
    stdout.write(f"已建立 {regions['district']} / {regions['subdistrict']}（{profile}）")
    regions.update(
        build_registry(
            regions["subdistrict"], city, households=households, seed=seed, stdout=stdout
        )
    )
    analyze()
    users = {user.username: user for user in create_demo_users(regions, profile=profile)}
    stdout.write("已建立演示账号")
    from loudong.demo.grids import build_grids

    stdout.write("划分网格：")
    build_grids(regions["subdistrict"], approver=users["jiedao"], stdout=stdout)
    analyze()
    from loudong.demo.roster import build_roster

    stdout.write("楼栋长队伍：")
    build_roster(regions, seed=seed, stdout=stdout)
    analyze()
    from loudong.demo.documents import build_documents

    stdout.write("协议书与胸牌：")
    build_documents(acting_user=users["jiedao"], seed=seed, stdout=stdout)
    analyze()
    from loudong.demo.fieldwork import build_fieldwork

    stdout.write("日常工作（走访、服务记录、事件）：")
    build_fieldwork(regions, seed=seed, stdout=stdout)
    analyze()
    from loudong.demo.evaluation import build_evaluation

    stdout.write("年度评议：")
    build_evaluation(regions, seed=seed, stdout=stdout)
    analyze()
    from loudong.demo.payroll import build_payroll

    stdout.write("补贴发放与保险：")
    build_payroll(regions, seed=seed, stdout=stdout)
    analyze()
    from loudong.policy.profile import profile_for

    if profile_for(regions["subdistrict"]).posts.grid_head:
        from loudong.demo.community import build_community_life

        stdout.write("三长机制（协商会议、工作群、小区党支部、物业监督与测评、文明公约）：")
        build_community_life(regions, seed=seed, stdout=stdout)
        analyze()
    if profile == "changchun":
        from loudong.demo.community_duty import build_rotations_and_duties

        stdout.write("单元长轮值、业务培训、防护物资、外来人员登记：")
        build_rotations_and_duties(regions, seed=seed, stdout=stdout)
    analyze()


def analyze() -> None:
    """Planner statistics for the rows just written, after each step: the next step reads
    them. Until autovacuum comes round (and never inside a test's transaction), PostgreSQL
    plans on empty statistics: a workbench to-do's four-table join, and later a roster query
    inside the build, became nested loops of sequential scans that ran for minutes."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def build_registry(subdistrict, city: City, *, households: int, seed: int, stdout) -> dict:
    """Generate a city (loudong.lib.citygen + synthetic residents), write it as a registry
    .xlsx and import it through the registry importer, as a community would.

    Communities are created first with their 统计用区划代码 (the template carries names
    only); the first two are 社区 A and B of the demo accounts.
    """
    import tempfile
    import time
    from pathlib import Path

    from loudong.lib import citygen
    from loudong.territory import synth
    from loudong.territory.importer import Importer

    started = time.monotonic()
    generated = citygen.generate_city(households, seed)
    generated.name, generated.code = city.subdistrict, city.subdistrict_code
    for number, community in enumerate(generated.communities, start=1):
        if city.community_words:
            word = city.community_words[(number - 1) % len(city.community_words)]
            community.name = f"{word}社区"
        community.code = f"{city.subdistrict_code}{number:03d}"
    communities = []
    for number, community in enumerate(generated.communities):
        region, _ = Region.objects.get_or_create(
            level=Region.Level.COMMUNITY,
            name=community.name,
            parent=subdistrict,
            defaults={
                "code": community.code,
                "office_phone": f"{city.area_code}-20210{community.code[-2:]}",
                "leader_name": COMMUNITY_LEADERS[number % len(COMMUNITY_LEADERS)],
            },
        )
        communities.append(region)
    stdout.write(
        f"生成模拟街道：{len(generated.communities)} 个社区，{generated.households} 户实际居住"
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "registry.xlsx"
        residents = synth.write_registry(
            generated, path, seed, counties=city.counties, area_code=city.area_code
        )
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
