"""The foundation as people meet it: login, scope, masking, reveal, 2FA, phone width, print."""

import re
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_it_logs_in_and_browses_own_community(page, cast):
    login(page, "shequ_a")
    assert page.url == page.base + "/"
    assert "社区工作者" in page.inner_text("main")
    page.click("nav >> text=辖区台账")
    assert "秀山门社区" in page.inner_text("main")
    assert "杏花村社区" not in page.inner_text("main")
    page.goto(page.base + f"/territory/households/{cast['home_a'].pk}/")
    text = page.inner_text("main")
    assert "139****5678" in text and "13912345678" not in text
    shot(page, "household")
    response = page.goto(page.base + f"/territory/households/{cast['home_b'].pk}/")
    assert response.status == 404
    assert "不在您的管辖范围内" in page.inner_text("main")
    assert page.csp_errors == []


def test_it_reveals_with_a_reason(page, cast):
    login(page, "shequ_a")
    page.goto(page.base + f"/territory/residents/{cast['person_a'].pk}/")
    page.fill("#id_reason", "核实联系方式")
    page.click('button:has-text("查看")')
    page.wait_for_load_state()
    assert "13912345678" in page.inner_text("main")
    assert "已记入审计日志" in page.inner_text("main")


def test_it_requires_totp_for_admins(page, cast):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    login(page, "xitong")
    assert "/accounts/2fa/" in page.url
    page.click('button:has-text("开始绑定")')
    page.wait_for_load_state()
    assert page.is_visible("img.qr")
    shot(page, "two-factor")
    device = TOTPDevice.objects.get(user=cast["xitong"])
    token = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    page.fill("#id_token", token)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    page.goto(page.base + "/accounts/users/")
    assert "用户管理" in page.inner_text("main")
    assert page.csp_errors == []


def test_it_fits_a_phone(phone, cast):
    login(phone, "shequ_a")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    assert not phone.is_visible("#mainnav")
    phone.click(".nav-toggle")
    assert phone.is_visible("#mainnav >> text=辖区台账")
    shot(phone, "phone-menu")


def test_it_prints_chinese_on_a4(page, cast, tmp_path):
    login(page, "shequ_a")
    page.goto(page.base + f"/territory/regions/{cast['community_a'].pk}/")
    pdf = tmp_path / "region.pdf"
    page.pdf(path=str(pdf), format="A4")
    assert pdf.stat().st_size > 1000
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "秀山门社区" in text
    assert not re.search(r"退出|菜单", text), "navigation must not print"
