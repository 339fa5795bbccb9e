"""The 三长 mechanisms in Chromium at 375 px (issue 14): a 网格长 convenes a consultation meeting
from the phone home, records attendance and two decisions, and one becomes an incident; the
minutes print on A4."""

import datetime as dt
from pathlib import Path

import pytest

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def grid(transactional_db, settings):
    """A 长春 community: grid 01 with its 网格长 (wanggezhang), 楼栋长 and 单元长."""
    settings.LOUDONG_POLICY = "changchun"
    from loudong.accounts.roles import Role
    from loudong.roster.models import Post
    from loudong.roster.tests.helpers import make_appointment, make_division, make_person, make_post
    from loudong.territory.models import Household, Region
    from loudong.test import make_region, make_user

    district = make_region(Region.Level.DISTRICT, "朝阳区", code="220104")
    subdistrict = make_region(Region.Level.SUBDISTRICT, "南湖街道", district, "220104005")
    community = make_region(Region.Level.COMMUNITY, "南湖社区", subdistrict, "220104005001")
    compound = make_region(Region.Level.COMPOUND, "南湖新村", community)
    jiedao = make_user("jiedao", Role.SUBDISTRICT_ADMIN, subdistrict)
    make_user("shequ_a", Role.COMMUNITY_WORKER, community)
    division = make_division(community, compound, jiedao)
    code = f"000000{community.code}01"
    building = division.grids.get(number=1).pieces.get().building
    head_user = make_user("wanggezhang", Role.GRID_HEAD, community, full_name="陶志华")
    head = Post.objects.create(
        community=community, compound=compound, kind="grid_head", grid_code=code, title="网格长"
    )
    make_appointment(make_person(community, "陶志华", user=head_user), head)
    leader = make_user("loudongzhang", Role.BUILDING_LEADER, community)
    make_appointment(make_person(community, "汪玲", user=leader), make_post(community, code))
    unit = Household.objects.filter(building=building).first().unit
    unit_post = Post.objects.create(
        community=community,
        compound=compound,
        building=building,
        unit=unit,
        kind="unit_leader",
        title="1号楼1单元单元长",
    )
    make_appointment(make_person(community, "龙敏莉"), unit_post)
    return {"community": community, "building": building, "code": code}


def test_a_grid_head_convenes_a_meeting_and_a_decision_becomes_an_incident(phone, grid):
    from loudong.community.models import Decision, Meeting
    from loudong.fieldwork.models import Incident

    page = phone
    login(page, "wanggezhang")
    page.goto(page.base + "/fieldwork/m/")
    shot(page, "community-01-phone-home")
    page.click("a.big-button:has-text('协商会议')")  # tap 1
    page.click("a:has-text('召集协商会议')")  # tap 2
    page.select_option("#id_grid_code", grid["code"])
    page.fill("#id_title", "12月网格协商会议")
    when = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    page.fill("#id_starts", f"{when}T19:00")
    page.fill("#id_place", "南湖新村党群服务站")
    page.fill("#id_agenda", "楼道堆物清理\n单元门禁维修")
    shot(page, "community-02-convene")
    page.click("main button[type=submit]:has-text('召集')")  # tap 3: the meeting is called
    page.wait_for_load_state()
    assert "已召集" in page.content()
    meeting = Meeting.objects.get()
    assert meeting.invitees.count() == 3
    for invitee in meeting.invitees.all():
        page.check(f"input[name=att-{invitee.pk}][value=present]")
    page.click("button:has-text('保存出席情况')")
    page.wait_for_load_state()
    meeting.refresh_from_db()
    assert meeting.status == "held"
    for text in ("清理1号楼楼道堆物", "报物业维修单元门禁"):
        page.fill("#id_decision-text", text)
        page.select_option("#id_decision-owner", label="汪玲")
        page.fill("#id_decision-due", (dt.date.today() + dt.timedelta(days=14)).isoformat())
        page.click("button:has-text('登记决定')")
        page.wait_for_load_state()
    assert Decision.objects.count() == 2
    second = Decision.objects.order_by("pk").last()
    section = page.locator(f"#decision-{second.pk}")
    section.locator("summary:has-text('转为事件办理')").click()
    section.locator(f"select[name=i{second.pk}-category]").select_option("property_facility")
    section.locator(f"select[name=i{second.pk}-building]").select_option(str(grid["building"].pk))
    section.locator("button:has-text('转为事件')").click()
    page.wait_for_load_state()
    assert any("转为事件" in c for c in page.confirms)
    second.refresh_from_db()
    incident = Incident.objects.get()
    assert second.incident_id == incident.pk
    assert "报物业维修单元门禁" in incident.description
    shot(page, "community-03-meeting-decisions")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 380, width
    page.goto(page.base + f"/community/meetings/{meeting.pk}/print/")
    shot(page, "community-04-minutes-print")
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
