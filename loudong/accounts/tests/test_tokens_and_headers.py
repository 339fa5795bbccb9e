"""API tokens expire and can be revoked; no versions in ``Server``; personal pages not cached
(issue 9 item 10)."""

import datetime as dt
from io import StringIO

import time_machine
from django.core.management import call_command

from loudong.accounts.models import ApiToken, AuditEvent
from loudong.test import BaseTestCase, make_household


def _token(username, *args) -> str:
    out = StringIO()
    call_command("create_api_token", username, *args, stdout=out, stderr=StringIO())
    return out.getvalue().strip().splitlines()[-1]


class ApiTokenTestCase(BaseTestCase):
    def get(self, key):
        return self.client.get("/api/v1/regions", HTTP_AUTHORIZATION=f"Bearer {key}")

    def test_a_token_expires_after_the_default_90_days(self):
        key = _token("jiedao")
        token = ApiToken.objects.get()
        self.assertAlmostEqual(
            (token.expires - token.created).total_seconds(), 90 * 86400, delta=60
        )
        self.assertEqual(self.get(key).status_code, 200)
        with time_machine.travel(token.expires + dt.timedelta(minutes=1)):
            self.assertEqual(self.get(key).status_code, 401)

    def test_days_sets_another_lifetime(self):
        key = _token("jiedao", "--days", "2")
        token = ApiToken.objects.get()
        with time_machine.travel(token.created + dt.timedelta(days=1)):
            self.assertEqual(self.get(key).status_code, 200)
        with time_machine.travel(token.created + dt.timedelta(days=2, minutes=1)):
            self.assertEqual(self.get(key).status_code, 401)

    def test_the_owner_revokes_their_token_on_a_page(self):
        key = _token("shequ_a")
        token = ApiToken.objects.get()
        self.login(self.shequ_a)
        self.assertContains(self.client.get("/accounts/tokens/"), token.prefix)
        self.assertEqual(self.client.get(f"/accounts/tokens/{token.pk}/revoke/").status_code, 405)
        r = self.client.post(f"/accounts/tokens/{token.pk}/revoke/")
        self.assertRedirects(r, "/accounts/tokens/", fetch_redirect_response=False)
        self.client.logout()
        self.assertEqual(self.get(key).status_code, 401)
        event = AuditEvent.objects.get(action="api_token.revoke")
        self.assertEqual(event.actor, self.shequ_a)

    def test_nobody_else_revokes_it_but_the_security_admin(self):
        key = _token("shequ_a")
        token = ApiToken.objects.get()
        self.login(self.shequ_b)
        self.assertEqual(self.client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code, 404)
        self.login_admin(self.xitong)
        r = self.client.post(f"/accounts/security/tokens/{token.pk}/revoke/")
        self.assertEqual(r.status_code, 404)
        self.assertEqual(self.get(key).status_code, 200)
        self.login_admin(self.anquan)
        self.assertContains(self.client.get("/accounts/security/"), token.prefix)
        self.client.post(f"/accounts/security/tokens/{token.pk}/revoke/")
        self.client.logout()
        self.assertEqual(self.get(key).status_code, 401)


class HeadersTestCase(BaseTestCase):
    def test_the_server_header_names_no_version(self):
        for url in ("/accounts/login/", "/healthz", "/api/v1/openapi.json"):
            r = self.client.get(url)
            self.assertEqual(r["Server"], "loudong", url)

    def test_personal_pages_and_api_answers_are_not_stored(self):
        home = make_household(self.compound_a)
        self.login(self.shequ_a)
        for url in (
            f"/territory/households/{home.pk}/",
            "/territory/households/",
            "/api/v1/households",
            "/roster/persons/",
        ):
            self.assertEqual(self.client.get(url)["Cache-Control"], "no-store", url)
        self.client.logout()
        key = _token("shequ_a")
        r = self.client.get("/api/v1/households", HTTP_AUTHORIZATION=f"Bearer {key}")
        self.assertEqual(r["Cache-Control"], "no-store")
