"""Field work in Chromium: the leader's phone at 375 px (taps counted, offline outbox), the
community worker's moves and sweep, a resident's QR report, the 服务记录表 printed on A4."""

import datetime as dt
import io
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def field(transactional_db, tmp_path, settings):
    """社区 A with two grids (the demo leader holds grid 01), 社区 B, the workers, a photo."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    from PIL import Image

    from loudong.accounts.roles import Role
    from loudong.roster.tests.helpers import make_appointment, make_division, make_person, make_post
    from loudong.territory.models import Household, Region
    from loudong.test import make_region, make_user

    district = make_region(Region.Level.DISTRICT, "贵池区", code="341702")
    subdistrict = make_region(Region.Level.SUBDISTRICT, "池阳街道", district, "341702001")
    community = make_region(Region.Level.COMMUNITY, "秀山门社区", subdistrict, "341702001001")
    other = make_region(Region.Level.COMMUNITY, "杏花村社区", subdistrict, "341702001002")
    compound = make_region(Region.Level.COMPOUND, "翠微小区", community)
    make_region(Region.Level.COMPOUND, "杏林苑", other)
    jiedao = make_user("jiedao", Role.SUBDISTRICT_ADMIN, subdistrict)
    make_user("shequ_a", Role.COMMUNITY_WORKER, community)
    make_user("shequ_b", Role.COMMUNITY_WORKER, other)
    leader = make_user("loudongzhang", Role.BUILDING_LEADER, community, full_name="陈德明")
    division = make_division(community, compound, jiedao)
    post = make_post(community, f"000000{community.code}01")
    make_appointment(make_person(community, "陈德明", user=leader), post)
    leader2 = make_user("leader2", Role.BUILDING_LEADER, community)
    make_appointment(
        make_person(community, "王建国", user=leader2),
        make_post(community, f"000000{community.code}02"),
    )
    building = division.grids.get(number=1).pieces.get().building
    photo = tmp_path / "hazard.jpg"
    Image.new("RGB", (800, 600), (180, 40, 40)).save(photo, "JPEG")
    return {
        "community": community,
        "building": building,
        "homes": list(Household.objects.filter(building=building, occupied=True).order_by("room")),
        "photo": str(photo),
    }


class Taps:
    """Counts the taps of a task: links, buttons, checkboxes. Typing, the camera (file input)
    and the phone's own pickers (<select>) are not taps (issue 12)."""

    def __init__(self, page):
        self.page, self.n = page, 0

    def tap(self, selector):
        self.n += 1
        self.page.locator(selector).first.tap()


def test_the_leader_logs_a_visit_and_reports_a_hazard_in_three_taps_and_offline(phone, field):
    from loudong.fieldwork.models import Incident, IncidentPhoto, Visit

    page = phone
    login(page, "loudongzhang")
    assert page.url.endswith("/fieldwork/m/")
    shot(page, "fieldwork-phone-home")
    # Big buttons: ≥ 44 px targets, ≥ 16 px text.
    box = page.get_by_role("link", name="走访登记").bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    size = page.eval_on_selector("a.big-button", "e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 16

    # 走访登记: home → form (1), a household (2), send (3).
    taps = Taps(page)
    taps.tap("text=走访登记")
    page.wait_for_url("**/fieldwork/m/visit/")
    taps.tap(f"input[name=households][value='{field['homes'][0].pk}']")
    shot(page, "fieldwork-phone-visit")
    taps.tap("button:has-text('提交走访')")
    page.wait_for_url("**/fieldwork/m/")
    assert taps.n <= 3
    assert "走访已登记：1 户" in page.inner_text("#flash")
    assert Visit.objects.count() == 1

    # 上报事件 with a photo: home → form (1), send (2); category and place are the phone's
    # own pickers, the photo is the camera.
    taps = Taps(page)
    taps.tap("text=上报事件")
    page.wait_for_url("**/fieldwork/m/report/")
    page.select_option("#id_category", "safety_ebike")
    page.fill("#id_description", "楼道内有电动车飞线充电")
    page.set_input_files("#id_photos", field["photo"])
    shot(page, "fieldwork-phone-report")
    taps.tap("button:has-text('上报社区')")
    page.wait_for_url("**/fieldwork/m/incidents/")
    assert taps.n <= 3
    incident = Incident.objects.get()
    assert (incident.level, incident.category.code) == ("community", "safety_ebike")
    assert IncidentPhoto.objects.filter(incident=incident).count() == 1
    shot(page, "fieldwork-phone-incidents")

    # Offline: the report is kept on the phone with its photo, then sent once.
    page.goto(page.base + "/fieldwork/m/report/")
    page.context.set_offline(True)
    page.select_option("#id_category", "safety_fire")
    page.fill("#id_description", "消防通道被杂物堵塞")
    page.set_input_files("#id_photos", field["photo"])
    page.locator("button:has-text('上报社区')").tap()
    page.wait_for_selector("#outbox-bar:not([hidden])")
    assert "待发送 1 条" in page.inner_text("#outbox-bar")
    shot(page, "fieldwork-phone-offline")
    assert Incident.objects.count() == 1
    page.context.set_offline(False)
    page.wait_for_selector("#outbox-bar", state="hidden", timeout=20000)
    assert Incident.objects.count() == 2
    offline = Incident.objects.latest("id")
    assert offline.category.code == "safety_fire"
    assert IncidentPhoto.objects.filter(incident=offline).count() == 1
    # Replaying the same submission (same key) makes no second record.
    page.reload()
    page.wait_for_timeout(300)
    assert Incident.objects.count() == 2


def test_a_worker_accepts_extends_escalates_and_the_sweep_moves_it(page, field):
    from django.core.management import call_command

    from loudong.accounts.models import User
    from loudong.fieldwork.actions.incidents import report_incident
    from loudong.fieldwork.models import Incident, Notification

    leader = User.objects.get(username="loudongzhang")
    first = report_incident(
        acting_user=leader,
        category="dispute_neighbour",
        severity="normal",
        description="楼上漏水纠纷",
        building=field["building"],
    ).incident
    second = report_incident(
        acting_user=leader,
        category="environment_garbage",
        severity="normal",
        description="垃圾未清运",
        building=field["building"],
    ).incident
    login(page, "shequ_a")
    page.goto(page.base + "/fieldwork/")
    shot(page, "fieldwork-queue")
    page.goto(page.base + first.get_absolute_url())
    page.on("dialog", lambda d: d.accept())
    page.click("form[action$='/accept/'] button")
    assert "已受理" in page.inner_text(".messages")
    page.fill("form[action$='/extend/'] input[name=days]", "2")
    page.fill("form[action$='/extend/'] input[name=reason]", "等物业维修材料")
    page.click("form[action$='/extend/'] button")
    assert "申请延期" in page.inner_text(".messages")
    page.goto(page.base + second.get_absolute_url())
    page.fill("form[action$='/return/'] input[name=reason]", "请楼栋长先上门")
    page.click("form[action$='/return/'] button")
    assert Incident.objects.get(pk=second.pk).level == "building_leader"
    page.goto(page.base + first.get_absolute_url())
    shot(page, "fieldwork-incident")
    # Jump the clock past the leader's limit: the sweep hands it back up with a notice.
    later = (dt.datetime.now().astimezone() + dt.timedelta(days=15)).isoformat()
    out = io.StringIO()
    call_command("escalate_overdue", "--now", later, stdout=out)
    assert "超期自动上报 1 件" in out.getvalue()
    assert Incident.objects.get(pk=second.pk).level == "community"
    assert Notification.objects.filter(
        incident=second, kind="escalated", user__username="shequ_a"
    ).exists()
    page.goto(page.base + second.get_absolute_url())
    page.fill("form[action$='/escalate/'] input[name=reason]", "涉及多个部门，请街道协调")
    page.click("form[action$='/escalate/'] button")
    assert "街道" in page.inner_text(".messages")
    assert Incident.objects.get(pk=second.pk).level == "subdistrict"
    assert page.csp_errors == []


def test_a_resident_reports_through_the_board_follows_and_rates(phone, field):
    from loudong.documents.actions import board_token
    from loudong.fieldwork.actions.incidents import move_incident
    from loudong.fieldwork.models import Incident

    board = board_token(
        kind="building", compound=field["building"].compound, building=field["building"]
    )
    page = phone
    page.goto(page.base + f"/r/{board.token}/")
    page.click("text=反映问题")
    page.select_option("#id_category", "environment_garbage")
    page.fill("#id_description", "楼下垃圾三天没人清运")
    page.fill("#id_phone", "13912345678")
    page.click("button:has-text('提交')")
    assert "已收到您反映的问题" in page.inner_text("main")
    shot(page, "fieldwork-resident-ticket")
    tracking = page.url.split("?")[0]
    incident = Incident.objects.get()
    from loudong.accounts.models import User

    leader = User.objects.get(username="loudongzhang")
    move_incident(incident=incident, move="accept", acting_user=leader)
    move_incident(
        incident=incident, move="resolve", acting_user=leader, resolution="已联系保洁清运"
    )
    page.goto(tracking)
    assert "已联系保洁清运" in page.inner_text("main")
    page.check("input[name=grade][value=satisfied]")
    page.once("dialog", lambda dialog: dialog.accept())  # 评价提交后不能修改，确定提交？
    page.click("button:has-text('提交评价')")
    assert "感谢您的评价" in page.inner_text("main")
    assert Incident.objects.get().status == "closed"
    assert "陈德明" not in page.inner_text("main")


def test_the_monthly_table_prints_on_a4_with_chinese_and_opens_in_excel(page, field):
    from openpyxl import load_workbook

    from loudong.accounts.models import User
    from loudong.fieldwork.actions.service import record_service
    from loudong.fieldwork.actions.visits import record_visit

    leader = User.objects.get(username="loudongzhang")
    today = dt.date.today()
    record_visit(
        acting_user=leader, date=today, households=field["homes"][:3], notes="了解助餐需求"
    )
    record_service(acting_user=leader, date=today, category="publicity", content="宣传燃气安全")
    person = leader.person
    login(page, "shequ_a")
    page.goto(page.base + f"/fieldwork/reports/{person.pk}/{today:%Y-%m}/")
    page.emulate_media(media="print")
    SHOTS.mkdir(parents=True, exist_ok=True)
    pdf = SHOTS / "fieldwork-report.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    page.emulate_media(media="screen")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for expected in ("秀山门社区楼栋长服务记录表", "陈德明", "宣传燃气安全", "了解助餐需求"):
        assert expected in text, expected
    assert "日常工作" not in text  # no navigation on paper
    with page.expect_download() as download:
        page.click("text=下载 Excel")
    saved = SHOTS / "fieldwork-report.xlsx"
    download.value.save_as(saved)
    book = load_workbook(saved)
    assert book["汇总"]["B2"].value == "陈德明"
