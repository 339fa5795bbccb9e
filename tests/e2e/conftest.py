"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

A missing Chromium fails the run with a clear message; it is never skipped.
"""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


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
