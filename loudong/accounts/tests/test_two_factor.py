from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from loudong.accounts.models import AuditEvent
from loudong.test import BaseTestCase


def current_token(device) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


class TwoFactorTestCase(BaseTestCase):
    def test_it_sends_an_admin_to_enrol_first(self):
        self.login(self.shenji)
        response = self.client.get("/accounts/audit/")
        self.assertRedirects(
            response, "/accounts/2fa/?next=/accounts/audit/", fetch_redirect_response=False
        )
        response = self.client.get("/accounts/2fa/?next=/accounts/audit/")
        self.assertContains(response, "开始绑定")
        self.assertFalse(TOTPDevice.objects.filter(user=self.shenji).exists())  # GET writes nothing
        response = self.client.post(
            "/accounts/2fa/", {"start": "1", "next": "/accounts/audit/"}, follow=True
        )
        self.assertContains(response, "绑定手机验证器")
        self.assertContains(response, "data:image/svg+xml")

    def test_it_enrols_and_verifies_with_a_token(self):
        self.login(self.shenji)
        self.client.post("/accounts/2fa/", {"start": "1"})
        device = TOTPDevice.objects.get(user=self.shenji)
        self.assertFalse(device.confirmed)
        response = self.client.post(
            "/accounts/2fa/", {"token": current_token(device), "next": "/accounts/audit/"}
        )
        self.assertRedirects(response, "/accounts/audit/", fetch_redirect_response=False)
        device.refresh_from_db()
        self.assertTrue(device.confirmed)
        self.assertEqual(self.client.get("/accounts/audit/").status_code, 200)
        self.assertTrue(AuditEvent.objects.filter(action="security.2fa_enrolled").exists())

    def test_it_refuses_a_wrong_token(self):
        device = TOTPDevice.objects.create(user=self.xitong, name="t", confirmed=True)
        self.login(self.xitong)
        wrong = "000000" if current_token(device) != "000000" else "111111"
        response = self.client.post("/accounts/2fa/", {"token": wrong})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "验证码不正确", status_code=400)
        self.assertEqual(self.client.get("/accounts/users/").status_code, 302)
        self.assertTrue(AuditEvent.objects.filter(action="auth.2fa_failed").exists())

    def test_it_does_not_ask_ordinary_users(self):
        self.login(self.shequ_a)
        self.assertEqual(self.client.get("/territory/").status_code, 200)

    def test_it_ignores_an_offsite_next(self):
        device = TOTPDevice.objects.create(user=self.xitong, name="t", confirmed=True)
        self.login(self.xitong)
        response = self.client.post(
            "/accounts/2fa/", {"token": current_token(device), "next": "https://evil.example/"}
        )
        self.assertRedirects(response, "/", fetch_redirect_response=False)
