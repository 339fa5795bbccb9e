"""The rotating 单元长 in Chromium at 375 px: the community issues the month's links, the
outgoing 单元长 writes the handover on the phone, the month turns, the incoming confirms it,
and the unit's board shows the new 单元长."""

import datetime as dt
import re
import zoneinfo
from pathlib import Path

import pytest
import time_machine

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def rota(transactional_db):
    """A 长春 community with a unit of three willing households on a rota of two months."""
    from django.utils import timezone

    from loudong.accounts.roles import Role
    from loudong.community import rotation
    from loudong.territory.models import Region
    from loudong.test import (
        make_building,
        make_household,
        make_region,
        make_resident,
        make_unit,
        make_user,
    )

    district = make_region(Region.Level.DISTRICT, "朝阳区", code="220104")
    subdistrict = make_region(Region.Level.SUBDISTRICT, "南湖街道", district, "220104005")
    subdistrict.policy_name = "changchun"
    subdistrict.save(update_fields=["policy_name"])
    community = make_region(Region.Level.COMMUNITY, "东朝阳社区", subdistrict, "220104005001")
    compound = make_region(Region.Level.COMPOUND, "清溪小区", community)
    unit = make_unit(make_building(compound, "3号楼"), "2单元")
    worker = make_user("shequ_a", Role.COMMUNITY_WORKER, community, full_name="王秀兰")
    homes = []
    for floor, name in enumerate(["赵建国", "钱秀英", "孙志强"], start=1):
        home = make_household(compound, f"{floor}01", unit=unit, floor=floor)
        make_resident(home, name, is_householder=True)
        homes.append(home)
    today = timezone.localdate()
    rotation.switch_pilot(community=community, unit=unit, on=True, acting_user=worker, today=today)
    rota = rotation.start_rotation(unit=unit, acting_user=worker, today=today)
    for home, name in zip(homes, ["赵建国", "钱秀英", "孙志强"], strict=True):
        rotation.add_member(
            rotation=rota, household=home, duty_name=name, acting_user=worker, today=today
        )
    rotation.plan_months(rotation=rota, months=2, acting_user=worker, today=today)
    return {"rotation": rota, "unit": unit, "today": today}


def _link(page, turn_index):
    page.locator("form[action*='/rotation-turns/'] button").nth(turn_index).tap()
    page.wait_for_load_state()
    url = page.locator("#duty-link").input_value()
    assert re.search(r"/community/m/duty/[\w-]+/$", url)
    return url


def test_a_rota_turns_over_with_the_handover_confirmed_and_the_board_shows_the_new_leader(
    phone, rota
):
    from loudong.community import rotation
    from loudong.community.models import Handover, RotationTurn

    page = phone
    login(page, "shequ_a")
    page.goto(page.base + rota["rotation"].get_absolute_url())
    assert page.locator("h1").inner_text().startswith("清溪小区3号楼2单元")
    shot(page, "community-rotation-375")
    outgoing_url = _link(page, 0)
    shot(page, "community-rotation-link-375")
    page.go_back()
    page.reload()
    incoming_url = _link(page, 1)

    # The outgoing 单元长 (no account) writes this month's handover on the phone.
    page.context.clear_cookies()
    page.goto(outgoing_url)
    assert "本单元住户" in page.content() and "钱秀英" in page.content()
    page.fill(
        "#id_text", "本月走访 3 户；201室反映楼道灯不亮，已报物业修好。请下任关注电动车充电。"
    )
    page.locator("#handover button[type=submit]").tap()
    page.wait_for_selector("#flash:not([hidden])")
    assert "交接已填写" in page.locator("#flash").inner_text()
    shot(page, "community-duty-handover-375")
    march = rota["rotation"].turns.order_by("month").first()
    assert Handover.objects.get(turn=march).confirmed is None

    # The month turns; only the incoming may confirm, on their own link.
    next_month = rotation.add_months(rotation.month_of(rota["today"]), 1)
    with time_machine.travel(dt.datetime.combine(next_month, dt.time(9), tzinfo=TZ), tick=True):
        rotation.sweep()
        assert RotationTurn.objects.get(pk=march.pk).closed is None  # not without the handover
        page.goto(incoming_url)
        assert "确认上月交接" in page.content()
        page.locator("#confirm button[type=submit]").tap()
        page.wait_for_selector("#flash:not([hidden])")
        assert "已确认" in page.locator("#flash").inner_text()
        assert page.confirms and "确认" in page.confirms[-1]
        shot(page, "community-duty-confirmed-375")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1
        handover = Handover.objects.get(turn=march)
        assert handover.confirmed is not None
        assert RotationTurn.objects.get(pk=march.pk).status == "closed"

        login(page, "shequ_a")
        page.goto(page.base + f"/documents/boards/unit/{rota['unit'].pk}/")
        board = page.locator(".board-rotation").inner_text()
        assert "201室 钱秀英" in board.split("下月")[0]
        # The board itself is the A4 sheet that is printed and hung (wider than a phone).
        shot(page, "community-board-new-unit-leader-375")
