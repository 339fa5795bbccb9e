"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

A missing Chromium fails the run with a clear message; it is never skipped.
"""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(autouse=True)
def policy_profiles(transactional_db):
    """The live server's tests flush the database between tests, and the built-in profiles
    with it: load them again (every rule is read from them, there is no fallback)."""
    from django.core.management import call_command

    from loudong.policy.models import PolicyProfile

    if not PolicyProfile.objects.exists():
        call_command("load_profiles", verbosity=0)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.fail(
            f"找不到 Chromium（{CHROMIUM}）：请运行 make setup 安装 chromium。", pytrace=False
        )
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.csp_errors = []
    page.on(
        "console",
        lambda msg: (
            page.csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None
        ),
    )
    page.base = live_server.url
    page.confirms = []  # texts of the confirmation dialogs shown (and accepted)
    page.on("dialog", lambda d: (page.confirms.append(d.message), d.accept()))
    yield page
    context.close()


@pytest.fixture
def phone(browser, live_server):
    """A 375 px wide phone, as building leaders use."""
    context = browser.new_context(
        viewport={"width": 375, "height": 740},
        locale="zh-CN",
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.base = live_server.url
    page.confirms = []
    page.on("dialog", lambda d: (page.confirms.append(d.message), d.accept()))
    yield page
    context.close()


@pytest.fixture
def cast(transactional_db):
    from loudong.territory.models import Region
    from loudong.test import make_household, make_region, make_resident, make_user

    district = make_region(Region.Level.DISTRICT, "贵池区", code="341702")
    subdistrict = make_region(Region.Level.SUBDISTRICT, "池阳街道", district, "341702001")
    community_a = make_region(Region.Level.COMMUNITY, "秀山门社区", subdistrict, "341702001001")
    community_b = make_region(Region.Level.COMMUNITY, "杏花村社区", subdistrict, "341702001002")
    compound_a = make_region(Region.Level.COMPOUND, "翠微小区", community_a)
    compound_b = make_region(Region.Level.COMPOUND, "杏林苑", community_b)
    home_a = make_household(compound_a)
    home_b = make_household(compound_b)
    from loudong.accounts.roles import Role

    return {
        "community_a": community_a,
        "community_b": community_b,
        "home_a": home_a,
        "home_b": home_b,
        "person_a": make_resident(home_a, "王大妈", phone="13912345678"),
        "shequ_a": make_user("shequ_a", Role.COMMUNITY_WORKER, community_a),
        "minzheng": make_user("minzheng", Role.CIVIL_AFFAIRS, district),
        "xitong": make_user("xitong", Role.SYSTEM_ADMIN),
    }


def login(page, username):
    from loudong.test import PASSWORD

    page.goto(page.base + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def logout(page):
    """Log out through the nav's 退出 button (page forms use ``main button[type=submit]``)."""
    page.click("header form[action$='/logout/'] button, nav form[action$='/logout/'] button")
    page.wait_for_load_state()


def switch_user(page, username):
    logout(page)
    login(page, username)


@pytest.fixture
def selection_registry(transactional_db):
    """社区 A with a frozen division of three grids (one per building, 60 households each) and
    its 楼栋长 posts; a 两委 社区工作者, the 街道管理员 and the 区民政局 viewer; two serving
    楼栋长: 王建国 (grid 02) and 刘芳, who already holds five grids (grid 03 and four more)."""
    import datetime as dt

    from django.utils import timezone

    from loudong.accounts.roles import Role
    from loudong.grids.actions import freeze_division, propose_division
    from loudong.grids.tests.helpers import make_block
    from loudong.roster.actions.posts import sync_grid_posts
    from loudong.roster.models import Appointment, Person, Post
    from loudong.territory.models import Region
    from loudong.test import make_id, make_region, make_user

    district = make_region(Region.Level.DISTRICT, "贵池区", code="341702")
    subdistrict = make_region(Region.Level.SUBDISTRICT, "池阳街道", district, "341702001")
    community = make_region(Region.Level.COMMUNITY, "秀山门社区", subdistrict, "341702001001")
    community.leader_name, community.office_phone = "李主任", "0566-2021234"
    community.save()
    compound = make_region(Region.Level.COMPOUND, "翠微小区", community)
    for number, x in (("1号楼", 0), ("2号楼", 600), ("3号楼", 1200)):
        make_block(compound, number, x, 0, per_unit=30)
    shequ = make_user("shequ_a", Role.COMMUNITY_WORKER, community)
    shequ.role_assignments.update(is_committee=True)
    # A member of the community's party organisation: does 社区党组织审查 (000 §三.3).
    dangwei = make_user("dangwei_a", Role.COMMUNITY_WORKER, community)
    dangwei.role_assignments.update(is_committee=True, is_party_org=True)
    jiedao = make_user("jiedao", Role.SUBDISTRICT_ADMIN, subdistrict)
    make_user("minzheng", Role.CIVIL_AFFAIRS, district)

    today = timezone.localdate()
    division = propose_division(community=community, acting_user=shequ)
    freeze_division(division=division, acting_user=jiedao, effective_date=today)
    sync_grid_posts(community=community, acting_user=shequ)
    posts = list(Post.objects.filter(community=community).order_by("grid_code"))
    assert len(posts) == 3, [p.title for p in posts]

    def person(name, born):
        return Person.objects.create(
            community=community,
            compound=compound,
            name=name,
            birth_date=born,
            id_number=make_id(born),
            phone="13800001111",
            education="senior",
            pool="retired",
        )

    def serve(who, post, **fields):
        return Appointment.objects.create(
            person=who, post=post, community=community, start=dt.date(2025, 1, 1), **fields
        )

    wang = person("王建国", dt.date(1966, 8, 1))
    serve(wang, posts[1])
    liu = person("刘芳", dt.date(1968, 2, 3))
    serve(liu, posts[2])
    for k in range(4):
        extra = Post.objects.create(
            kind=Post.Kind.BUILDING_LEADER,
            community=community,
            compound=compound,
            grid_code=f"000000{community.code}9{k}",
            title=f"翠微小区临时网格{k + 1}楼栋长",
        )
        serve(liu, extra, is_concurrent=True, concurrent_reason="配备困难", concurrent_consent=True)
    return {"community": community, "compound": compound, "posts": posts, "wang": wang, "liu": liu}
