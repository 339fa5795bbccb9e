"""Printables as Chromium prints them: a badge sheet and a notice board on A4, Chinese intact."""

import datetime as dt
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def pdf_text(page, name) -> str:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.pdf"
    page.emulate_media(media="print")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    page.pdf(path=str(path), format="A4", print_background=True)
    page.emulate_media(media="screen")
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def leaders(cast):
    from loudong.documents.tests.helpers import make_appointment, make_person, make_post
    from loudong.test import make_building, make_household, make_unit

    community = cast["community_a"]
    community.office_phone, community.leader_name = "0566-2021234", "李主任"
    community.save()
    compound = cast["home_a"].compound
    building = make_building(compound, "3号楼")
    unit = make_unit(building, "2单元")
    for room in ("101", "102", "201"):
        make_household(compound, room, unit=unit)
    wang = make_person(community, "王建国", phone="13912345678", consents_to_publish_phone=True)
    make_appointment(
        wang,
        make_post(community, compound, "翠微小区3号楼楼栋长", building=building),
        start=dt.date(2026, 1, 1),
    )
    zhao = make_person(community, "赵丽", phone="13800002222")
    make_appointment(
        zhao,
        make_post(
            community,
            compound,
            "翠微小区3号楼2单元单元长",
            kind="unit_leader",
            building=building,
            unit=unit,
        ),
        start=dt.date(2026, 1, 1),
    )
    return {"building": building, "community": community}


def test_it_prints_badges_and_a_board_on_a4(page, cast, leaders):
    login(page, "shequ_a")
    page.goto(page.base + f"/documents/badges/community/{leaders['community'].pk}/")
    page.get_by_role("button", name="为其余 2 名在任人员制作胸牌").click()
    assert page.locator(".badge-card").count() == 2
    text = pdf_text(page, "documents-badges")
    for expected in ("王建国", "赵丽", "楼栋长工作牌", "秀山门社区", "翠微小区3号楼楼栋长"):
        assert expected in text, expected
    assert "楼栋长队伍" not in text  # navigation is not printed

    page.goto(page.base + f"/documents/boards/building/{leaders['building'].pk}/")
    page.get_by_role("button", name="生成二维码").click()  # a GET writes nothing: a POST
    assert page.locator(".sheet .qr img, .qr img").count() >= 1
    text = pdf_text(page, "documents-board")
    for expected in (
        "楼栋长公示牌",
        "管辖区域",
        "居民户数",
        "王建国",
        "13912345678",
        "赵丽",
        "0566-2021234",
        "政策宣传员",
        "为民服务员",
    ):
        assert expected in text, expected
    assert "13800002222" not in text  # no consent: the office phone stands in
    assert page.csp_errors == []

    # The badge's QR code leads to the public verification page.
    from loudong.documents.models import Badge

    token = Badge.objects.get(appointment__person__name="王建国").token
    page.context.clear_cookies()
    page.goto(page.base + f"/documents/verify/{token}/")
    assert "有效" in page.inner_text("main")
