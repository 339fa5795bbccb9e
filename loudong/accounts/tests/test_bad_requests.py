from django.test import Client

from loudong.accounts.models import AuditEvent
from loudong.test import PASSWORD, BaseTestCase


class BadRequestTestCase(BaseTestCase):
    def test_it_refuses_a_forged_csrf_token_and_audits(self):
        client = Client(enforce_csrf_checks=True)
        response = client.post("/accounts/login/", {"username": "shequ_a", "password": PASSWORD})
        self.assertEqual(response.status_code, 403)
        self.assertContains(response, "安全校验未通过", status_code=403)
        self.assertNotIn("_auth_user_id", client.session)
        self.assertTrue(AuditEvent.objects.filter(action="security.csrf_failure").exists())

    def test_it_ignores_a_tampered_session_cookie(self):
        self.login(self.shequ_a)
        self.client.cookies["sessionid"] = self.client.cookies["sessionid"].value[:-2] + "zz"
        response = self.client.get("/territory/")
        self.assertEqual(response.status_code, 302)

    def test_it_refuses_an_oversized_request_without_a_500(self):
        self.login(self.shequ_a)
        body = "x=" + "a" * (6 * 1024 * 1024)
        response = self.client.generic(
            "POST", "/accounts/password/", body, content_type="application/x-www-form-urlencoded"
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "请求无效", status_code=400)

    def test_it_answers_404_for_non_numeric_ids(self):
        self.login(self.shequ_a)
        self.assertEqual(self.client.get("/territory/households/abc/").status_code, 404)

    def test_it_sends_security_headers(self):
        response = self.client.get("/accounts/login/")
        csp = response["Content-Security-Policy"]
        self.assertIn("script-src 'self'", csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertEqual(response["X-Frame-Options"], "DENY")
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
