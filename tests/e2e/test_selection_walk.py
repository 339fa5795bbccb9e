"""Issue 6's acceptance walk in Chromium: a whole selection for one grid, as the roles do it.

nomination → six steps → 公示 with an objection → re-review → 公示 again → appointment →
agreement .docx read back → badge and notice printed on A4 → filing list downloaded by the
区民政局; then a resignation (the badge's QR reads 已失效) and a concurrent take-over. The
refusals: appointing before 公示 ends, a step by the wrong role or out of order, a badge for an
ended appointment, a duplicate vote from one household, a 6th concurrent grid — each with a
Chinese reason and nothing written. Only the 公示 dates are moved in the database (time travel).
"""

import datetime as dt
import io
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone

from tests.e2e.conftest import login, switch_user

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
TODAY = timezone.localdate()


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"walk-{name}.png"), full_page=True)


def printed_text(page, name) -> str:
    """Print the page as Chromium does (A4) and return the PDF's text."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"walk-{name}.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(path), format="A4", print_background=True)
    page.emulate_media(media="screen")
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def main_text(page) -> str:
    return page.inner_text("main")


def submit(page, form_selector, button_text=None):
    """Click a page form's submit button (never the nav's 退出) and wait for the answer."""
    button = f"{form_selector} button[type=submit]"
    if button_text:
        button += f":has-text('{button_text}')"
    with page.expect_navigation():
        page.click(f"main {button}")


def move(page, label, **fields):
    """Press one step button of the selection page's 办理 form."""
    for name, value in fields.items():
        page.fill(f"form[action$='/move/'] [name={name}]", value)
    submit(page, "form[action$='/move/']", label)


def tamper_and_press(page, button_text, to_status):
    """What a crafted request would do: send a move the page did not offer."""
    button = page.locator(f"form[action$='/move/'] button:has-text('{button_text}')")
    button.evaluate("(b, v) => { b.value = v; }", to_status)
    with page.expect_navigation():
        button.click()


def download(page, link_text):
    with page.expect_download() as info:
        page.click(f"main a:has-text('{link_text}')")
    return Path(info.value.path()).read_bytes()


def test_it_walks_a_whole_selection(page, browser, selection_registry):
    from docx import Document
    from openpyxl import load_workbook

    from loudong.accounts.models import AuditEvent
    from loudong.documents.models import Badge
    from loudong.roster.models import Appointment, BallotToken, Person, Selection, Vote

    reg = selection_registry
    page.set_default_timeout(10_000)
    post, wang, liu = reg["posts"][0], reg["wang"], reg["liu"]

    # -- the 社区工作者 (两委) registers the candidate ------------------------------------------
    login(page, "shequ_a")
    page.goto(page.base + "/roster/persons/new/")
    from loudong.test import make_id

    id_number = make_id(dt.date(1970, 6, 15))
    page.select_option("#id_community", label="秀山门社区")
    page.fill("#id_name", "陈德明")
    page.fill("#id_id_number", id_number)
    page.fill("#id_phone", "13912345678")
    page.fill("#id_address", "翠微小区1号楼1单元101")
    page.check("#id_is_party_member")
    page.select_option("#id_education", "senior")
    page.select_option("#id_pool", "retired")
    submit(page, "form")
    chen = Person.objects.get(name="陈德明")
    assert chen.id_number.reveal() == id_number and chen.birth_date == dt.date(1970, 6, 15)
    text = main_text(page)
    assert "陈德明" in text and id_number not in text and id_number[-4:] in text

    # -- starts a selection for the vacant 楼栋长 post of grid 01 --------------------------------
    page.goto(page.base + "/roster/?vacant=on")
    page.click(f"main a:has-text('{post.title}')")
    assert "空缺" in main_text(page)
    page.select_option("#id_candidate", label="陈德明")
    page.select_option("#id_channel", "self")
    page.fill("#id_notes", "本人自荐")
    submit(page, "form[action$='/select/']")
    selection = Selection.objects.get(post=post, candidate=chen)
    assert selection.status == "self_nomination"
    assert "个人自荐" in main_text(page)
    move(page, "个人自荐完成")
    selection.refresh_from_db()
    assert selection.status == "resident_nomination"

    # -- residents' nomination: one link per household, one vote each ---------------------------
    page.click(f"main a:has-text('{post.title}')")
    submit(page, "form[action$='/ballots/']")
    assert "链接只显示这一次" in main_text(page)
    links = page.locator("main code.secret").all_inner_texts()
    assert len(links) == BallotToken.objects.filter(post=post).count() == 60
    shot(page, "ballot-links")
    resident = browser.new_context(
        viewport={"width": 375, "height": 740}, locale="zh-CN", is_mobile=True
    )
    ballot = resident.new_page()
    for link in links[:2]:
        ballot.goto(link)
        ballot.check("fieldset:has-text('陈德明') input[value=for]")
        with ballot.expect_navigation():
            ballot.click("button:has-text('提交')")
        assert "投票成功" in ballot.inner_text("main")
    shot(ballot, "ballot-done")
    ballot.goto(links[0])  # the same household again
    assert "本户已经投过票，每户只能投一次。" in ballot.inner_text("main")
    assert ballot.locator("button:has-text('提交')").count() == 0
    resident.close()
    assert Vote.objects.filter(selection=selection).count() == 2
    assert BallotToken.objects.filter(post=post, used__isnull=False).count() == 2

    page.goto(page.base + selection.get_absolute_url())
    assert "赞成 2，反对 0，弃权 0；参与 2/60 户（3.3%）" in main_text(page)
    move(page, "居民推选完成", notes="2 户推选")
    move(page, "社区推荐完成", notes="社区居委会推荐")
    selection.refresh_from_db()
    assert selection.status == "party_review"
    # The 居委会's worker who recommended may not also review for the 社区党组织.
    assert "社区党组织审查完成" not in main_text(page)
    switch_user(page, "dangwei_a")
    page.goto(page.base + selection.get_absolute_url())

    # -- out of order: 审查 straight to 公示 is refused, nothing written ---------------------------
    steps = selection.steps.count()
    tamper_and_press(page, "社区党组织审查完成", "public_notice")
    assert "当前环节为“社区党组织审查”，不能直接转到“楼栋公示”" in main_text(page)
    selection.refresh_from_db()
    assert selection.status == "party_review" and selection.steps.count() == steps

    move(page, "社区党组织审查完成", notes="政治可靠，热心公益，审查通过")
    selection.refresh_from_db()
    assert selection.status == "subdistrict_approval"
    switch_user(page, "shequ_a")
    page.goto(page.base + selection.get_absolute_url())

    # -- wrong role: the community may not approve for the 街道党工委 ------------------------------
    text = main_text(page)
    assert "街道党工委审批完成" not in text and "不通过" not in text
    tamper_and_press(page, "撤回", "public_notice")
    assert "无权办理“街道党工委审批”环节" in main_text(page)
    selection.refresh_from_db()
    assert selection.status == "subdistrict_approval" and selection.steps.count() == steps + 1
    assert AuditEvent.objects.filter(action="roster.refused").exists()

    # -- the 街道管理员 approves and opens 公示 ----------------------------------------------------
    page.goto(page.base + selection.get_absolute_url())
    switch_user(page, "jiedao")
    page.goto(page.base + selection.get_absolute_url())
    move(page, "街道党工委审批完成", notes="同意", notice_start=TODAY.isoformat())
    selection.refresh_from_db()
    assert selection.status == "public_notice" and selection.notice_start == TODAY
    assert selection.notice_end > TODAY
    assert f"{TODAY:%Y-%m-%d} 至 {selection.notice_end:%Y-%m-%d}" in main_text(page)

    # -- an objection during 公示 sends it back to review ------------------------------------------
    switch_user(page, "shequ_a")
    page.goto(page.base + selection.get_absolute_url())
    page.fill("#id_text", "反映该候选人不常住本小区")
    page.fill("#id_raised_by", "1号楼居民")
    submit(page, "form[action$='/objection/']")
    assert "异议已登记，案件退回社区党组织审查" in main_text(page)
    selection.refresh_from_db()
    assert selection.status == "party_review"
    objection = selection.objections.get()
    assert objection.resolved is None
    switch_user(page, "dangwei_a")
    page.goto(page.base + selection.get_absolute_url())
    move(page, "社区党组织审查完成", notes="经走访核实，本人常住本小区，异议不成立")
    objection.refresh_from_db()
    assert objection.resolved and "异议不成立" in objection.resolution
    text = main_text(page)
    assert "楼栋公示 → 社区党组织审查" in text and "已处理：经走访核实" in text
    switch_user(page, "jiedao")
    page.goto(page.base + selection.get_absolute_url())
    move(page, "街道党工委审批完成", notes="同意，重新公示", notice_start=TODAY.isoformat())
    selection.refresh_from_db()
    assert selection.status == "public_notice"

    # -- appointing before 公示 ends is refused ----------------------------------------------------
    switch_user(page, "shequ_a")
    page.goto(page.base + selection.get_absolute_url())
    page.fill("form[action$='/appoint/'] [name=start]", TODAY.isoformat())
    submit(page, "form[action$='/appoint/']")
    assert f"公示至 {selection.notice_end:%Y-%m-%d} 结束，公示期满后方可任命" in main_text(page)
    assert not Appointment.objects.filter(post=post).exists()
    selection.refresh_from_db()
    assert selection.status == "public_notice"
    shot(page, "appoint-refused")

    # -- the 公示 notice, printed ------------------------------------------------------------------
    page.goto(page.base + selection.get_absolute_url())
    page.click("main a:has-text('公示通知')")
    text = printed_text(page, "notice")
    for expected in ("公示", "陈德明", post.title[:6], "秀山门社区居民委员会"):
        assert expected in text, expected
    assert "退出" not in text

    # -- 公示 is over (time moves on), so the community appoints ------------------------------------
    Selection.objects.filter(pk=selection.pk).update(
        notice_start=TODAY - dt.timedelta(days=14), notice_end=TODAY - dt.timedelta(days=7)
    )
    page.goto(page.base + selection.get_absolute_url())
    assert "（已期满）" in main_text(page)
    page.fill("form[action$='/appoint/'] [name=start]", TODAY.isoformat())
    page.fill("form[action$='/appoint/'] [name=term_end]", f"{TODAY.year + 3}-12-31")
    submit(page, "form[action$='/appoint/']")
    assert "已任命陈德明" in main_text(page)
    appointment = Appointment.objects.get(post=post, status="active")
    assert appointment.person == chen and not appointment.is_concurrent
    selection.refresh_from_db()
    assert selection.status == "appointed"
    assert [s.to_status for s in selection.steps.all()][-1] == "appointed"

    # -- the agreement .docx, downloaded and read ---------------------------------------------------
    page.click("main dd a:has-text('陈德明')")
    assert "在任" in main_text(page)
    docx = Document(io.BytesIO(download(page, "下载协议书")))
    words = "\n".join(p.text for p in docx.paragraphs) + "\n".join(
        cell.text for table in docx.tables for row in table.rows for cell in row.cells
    )
    for expected in ("社区楼栋长志愿服务协议书", "陈德明", id_number, "每月总额 300 元"):
        assert expected in words, expected

    # -- the badge, made and printed; its QR code's URL verifies -------------------------------------
    page.click("main a:has-text('工作胸牌')")
    submit(page, "form[action$='/badge/issue/']")
    text = printed_text(page, "badge")
    assert "陈德明" in text and "楼栋长工作牌" in text
    shot(page, "badge")
    badge = Badge.objects.get(appointment=appointment)
    verify_url = page.base + badge.verify_path()
    assert page.csp_errors == []

    # -- the 区民政局 downloads the filing list: masked ---------------------------------------------
    switch_user(page, "minzheng")
    page.goto(page.base + selection.get_absolute_url())
    assert page.locator("form[action$='/move/'], form[action$='/appoint/']").count() == 0
    page.goto(page.base + "/documents/")
    sheet = load_workbook(io.BytesIO(download(page, "楼栋长、单元长备案名单"))).active
    rows = [
        [str(c) if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)
    ]
    chen_row = next(r for r in rows if "陈德明" in r)
    # Issue 9: no ID digit for a role that may not reveal, and an age band, not the age.
    assert id_number not in "".join(chen_row) and chen_row[6] == "已登记（不显示）"
    assert chen_row[5].endswith("岁") and "–" in chen_row[5]

    # -- resignation with notice; the badge's QR now reads 已失效 -----------------------------------
    switch_user(page, "shequ_a")
    page.goto(page.base + appointment.get_absolute_url())
    resign = "form[action$='/resign/']"
    page.fill(f"{resign} [name=notice_date]", (TODAY - dt.timedelta(days=30)).isoformat())
    page.fill(f"{resign} [name=end]", TODAY.isoformat())
    page.fill(f"{resign} [name=note]", "家中有事，本人提前一个月提出辞任")
    submit(page, resign)
    assert "已办理陈德明离任" in main_text(page) and "空缺" in main_text(page)
    appointment.refresh_from_db()
    assert appointment.status == "ended" and appointment.end_reason == "resignation"
    assert appointment.notice_date == TODAY - dt.timedelta(days=30)
    anyone = browser.new_context(locale="zh-CN")
    verify = anyone.new_page()
    verify.goto(verify_url)
    assert "已失效" in verify.inner_text("main")
    shot(verify, "verify-void")
    anyone.close()

    # No new badge (or QR code) for the ended appointment: refused, nothing written.
    page.goto(page.base + f"/documents/appointments/{appointment.pk}/badge/")
    assert "该任职已结束，不能制作新的工作胸牌" in main_text(page)
    assert Badge.objects.filter(appointment=appointment).count() == 1

    # -- a 6th concurrent grid is refused; 王建国 takes the vacant grid over --------------------------
    page.goto(page.base + post.get_absolute_url())
    take = "form[action$='/take-over/']"
    page.select_option(f"{take} [name=person]", label="刘芳")
    page.fill(f"{take} [name=start]", (TODAY + dt.timedelta(days=1)).isoformat())
    page.fill(f"{take} [name=reason]", "该网格配备困难")
    page.check(f"{take} [name=consent]")
    submit(page, take)
    assert "已担任 5 个岗位，再任一个将超过兼任上限 5 个" in main_text(page)
    assert not Appointment.objects.filter(post=post, status="active").exists()
    assert liu.active_appointments().count() == 5

    page.goto(page.base + post.get_absolute_url())
    page.select_option(f"{take} [name=person]", label="王建国")
    page.fill(f"{take} [name=start]", (TODAY + dt.timedelta(days=1)).isoformat())
    page.fill(f"{take} [name=reason]", "原楼栋长辞任，该网格一时配备困难，由相邻网格楼栋长兼任")
    submit(page, take)
    assert "兼任须本人自愿：请确认已征得本人同意" in main_text(page)  # no consent yet
    assert not Appointment.objects.filter(post=post, status="active").exists()
    page.check(f"{take} [name=consent]")
    submit(page, take)
    assert "王建国已兼任该岗位" in main_text(page)
    taken = Appointment.objects.get(post=post, status="active")
    assert taken.person == wang and taken.is_concurrent and taken.concurrent_consent
    assert "原楼栋长辞任" in taken.concurrent_reason
    shot(page, "take-over")

    # The 区民政局's list of adjusted and concurrent leaders now names him, masked.
    switch_user(page, "minzheng")
    page.goto(page.base + "/documents/")
    sheet = load_workbook(io.BytesIO(download(page, "调整和兼任楼栋长备案名单"))).active
    rows = [
        [str(c) if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)
    ]
    wang_rows = [r for r in rows if "王建国" in r]
    assert wang_rows and all(wang.id_number.reveal() not in r for r in wang_rows)
    assert page.csp_errors == []
