"""Issue 13 in Chromium: a resident answers the evaluation on a phone (once); the community
prepares a month's subsidy, the 街道 approves it after the confirmation, and the 签领表 prints on
A4 with Chinese text."""

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone

from tests.e2e.conftest import login, switch_user

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
TODAY = timezone.localdate()


def test_slips_are_printed_and_a_resident_answers_once_on_a_phone(page, phone, selection_registry):
    import re

    from loudong.accounts.models import User
    from loudong.evaluation.actions import rounds
    from loudong.evaluation.models import Answer

    community = selection_registry["community"]
    worker = User.objects.get(username="shequ_a")
    round_ = rounds.open_round(community=community, year=TODAY.year - 1, acting_user=worker)
    evaluation = round_.evaluations.filter(person=selection_registry["wang"]).first()
    login(page, "shequ_a")
    page.goto(f"{page.base}/evaluation/{evaluation.pk}/")
    with page.expect_navigation():
        page.click("main form[action$='/slips/'] button")
    assert any("旧回执将作废" in text for text in page.confirms)
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / "money-slips.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(path), format="A4", print_background=True)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "楼栋长工作评议" in text and "回执 No.1" in text and "总体评价" in text, text[:400]
    urls = re.findall(r"https?://[^\s<]+/q/[A-Za-z0-9_-]+/", page.content())
    assert len(set(urls)) == 60, len(set(urls))  # one slip per occupied household of grid 02
    phone.goto(urls[0])
    assert "楼栋长工作评议" in phone.inner_text("main")
    # Big enough for a sixty-year-old's thumb: ≥ 44 px targets, ≥ 16 px text.
    box = phone.locator("label.choice").first.bounding_box()
    assert box["height"] >= 44, box
    size = phone.locator("label.choice").first.evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)"
    )
    assert size >= 16, size
    for legend in phone.locator("fieldset.choices").all():
        legend.locator("label.choice").first.tap()
    phone.screenshot(path=str(SHOTS / "money-survey-form.png"), full_page=True)
    with phone.expect_navigation():
        phone.click("main button[type=submit]")
    assert "提交成功" in phone.inner_text("main")
    assert Answer.objects.filter(evaluation=evaluation).count() == 1
    phone.goto(urls[0])
    assert "每户只能提交一次" in phone.inner_text("main")
    assert phone.locator("main form").count() == 0
    phone.screenshot(path=str(SHOTS / "money-survey-phone.png"), full_page=True)


def test_a_month_is_prepared_approved_and_printed(page, selection_registry):
    from loudong.documents.actions import draw_up_agreement
    from loudong.documents.models import Agreement
    from loudong.payroll.models import Period
    from loudong.roster.models import Appointment

    start = dt.date(2025, 1, 1)
    for appointment in Appointment.objects.all():
        agreement = draw_up_agreement(appointment=appointment, acting_user=None)
        Agreement.objects.filter(pk=agreement.pk).update(
            status="signed", signed_by_a_on=start, signed_by_b_on=start, effective_on=start
        )
    month = (TODAY.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    login(page, "shequ_a")
    page.goto(f"{page.base}/payroll/")
    page.fill("#id_month", f"{month:%Y-%m}")
    with page.expect_navigation():
        page.click("main form[action$='/prepare/'] button[type=submit]")
    assert "已生成" in page.inner_text("main")
    period = Period.objects.get()
    assert period.lines.count() == 6  # 王建国 one grid, 刘芳 five (兼任)
    with page.expect_navigation():
        page.click("main form[action$='/submit/'] button")
    assert "待街道审批" in page.inner_text("main")
    assert any("报批" in text for text in page.confirms)  # asked before submitting
    switch_user(page, "jiedao")
    page.goto(f"{page.base}/payroll/periods/{period.pk}/")
    with page.expect_navigation():
        page.click("main form[action$='/approve/'] button")
    assert any("锁定后明细不再改动" in text for text in page.confirms)
    assert "已审批并锁定" in page.inner_text("main")
    assert Period.objects.get().is_locked
    page.goto(f"{page.base}/payroll/periods/{period.pk}/sign-sheet/")
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / "money-sign-sheet.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(path), format="A4", print_background=True)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "签领表" in text and "刘芳" in text and "1200.00" in text, text[:500]
    assert page.csp_errors == []
