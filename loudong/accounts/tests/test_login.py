import datetime as dt

import time_machine
from django.test import override_settings

from loudong.accounts.models import AuditEvent
from loudong.test import PASSWORD, BaseTestCase


class LoginTestCase(BaseTestCase):
    def test_it_logs_in_and_lands_on_a_page(self):
        response = self.client.post(
            "/accounts/login/", {"username": "shequ_a", "password": PASSWORD}, follow=True
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.redirect_chain[-1][0], "/")
        self.assertContains(response, "社区工作者")
        event = AuditEvent.objects.get(action="auth.login")
        self.assertEqual(event.actor, self.shequ_a)
        self.assertEqual(event.ip, "127.0.0.1")

    def test_it_shows_login_page_in_chinese(self):
        response = self.client.get("/accounts/login/")
        self.assertContains(response, "用户名")
        self.assertContains(response, 'name="username"')
        self.assertContains(response, 'name="password"')

    def test_it_refuses_wrong_password_and_audits(self):
        response = self.client.post(
            "/accounts/login/", {"username": "shequ_a", "password": "wrong"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "用户名或密码不正确")
        self.assertTrue(
            AuditEvent.objects.filter(action="auth.login_failed", actor_username="shequ_a").exists()
        )
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_it_locks_the_username_after_five_failures(self):
        for _ in range(5):
            self.client.post("/accounts/login/", {"username": "shequ_b", "password": "bad"})
        response = self.client.post(
            "/accounts/login/", {"username": "shequ_b", "password": PASSWORD}
        )
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "锁定", status_code=429)
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertTrue(AuditEvent.objects.filter(action="auth.locked_out").exists())
        # Another username from the same address is not locked (offices share an IP).
        response = self.client.post(
            "/accounts/login/", {"username": "shequ_a", "password": PASSWORD}
        )
        self.assertEqual(response.status_code, 302)

    def test_failures_from_one_address_do_not_lock_the_account_elsewhere(self):
        """The attack: five wrong passwords from anywhere locked 街道管理员 for 30 minutes."""
        for _ in range(6):
            self.client.post(
                "/accounts/login/",
                {"username": "jiedao", "password": "bad"},
                REMOTE_ADDR="203.0.113.9",
            )
        r = self.client.post(
            "/accounts/login/",
            {"username": "jiedao", "password": PASSWORD},
            REMOTE_ADDR="203.0.113.9",
        )
        self.assertEqual(r.status_code, 429)
        r = self.client.post(
            "/accounts/login/", {"username": "jiedao", "password": PASSWORD}, REMOTE_ADDR="10.1.2.3"
        )
        self.assertEqual(r.status_code, 302)

    def test_a_forwarded_for_header_does_not_change_the_address_without_a_proxy(self):
        for _ in range(5):
            self.client.post(
                "/accounts/login/",
                {"username": "shequ_b", "password": "bad"},
                HTTP_X_FORWARDED_FOR="198.51.100.1",
            )
        r = self.client.post(
            "/accounts/login/",
            {"username": "shequ_b", "password": PASSWORD},
            HTTP_X_FORWARDED_FOR="198.51.100.2",
        )
        self.assertEqual(r.status_code, 429)

    @override_settings(LOUDONG_LOGIN_IP_FAILURES=8)
    def test_one_address_failing_across_usernames_waits(self):
        names = ["shequ_a", "shequ_b", "jiedao", "minzheng", "outsider", "dangwei_a", "x1", "x2"]
        for name in names:
            r = self.client.post(
                "/accounts/login/", {"username": name, "password": "bad"}, REMOTE_ADDR="192.0.2.7"
            )
            self.assertEqual(r.status_code, 200)
        r = self.client.post(
            "/accounts/login/",
            {"username": "shequ_a", "password": PASSWORD},
            REMOTE_ADDR="192.0.2.7",
        )
        self.assertContains(r, "该网络地址登录失败次数过多", status_code=429)
        self.assertNotIn("_auth_user_id", self.client.session)
        # Another address is not held up.
        r = self.client.post(
            "/accounts/login/",
            {"username": "shequ_a", "password": PASSWORD},
            REMOTE_ADDR="192.0.2.8",
        )
        self.assertEqual(r.status_code, 302)

    def test_it_logs_out_by_post_only(self):
        self.login(self.shequ_a)
        self.assertEqual(self.client.get("/accounts/logout/").status_code, 405)
        response = self.client.post("/accounts/logout/")
        self.assertRedirects(response, "/accounts/login/", fetch_redirect_response=False)
        self.assertTrue(AuditEvent.objects.filter(action="auth.logout").exists())

    def test_it_sends_anonymous_users_to_login(self):
        response = self.client.get("/territory/")
        self.assertRedirects(
            response, "/accounts/login/?next=/territory/", fetch_redirect_response=False
        )

    def _expiry(self):
        from django.contrib.sessions.models import Session

        return Session.objects.get(session_key=self.client.session.session_key).expire_date

    def test_it_expires_idle_sessions_without_a_write_on_every_request(self):
        from django.conf import settings

        self.assertEqual(settings.SESSION_COOKIE_AGE, 30 * 60)
        self.assertEqual(settings.SESSION_TOUCH_SECONDS, 60)
        start = dt.datetime(2026, 6, 15, 9, 0, tzinfo=dt.UTC)
        with time_machine.travel(start, tick=False) as clock:
            self.client.post("/accounts/login/", {"username": "shequ_a", "password": PASSWORD})
            saved = self._expiry()
            clock.shift(dt.timedelta(seconds=30))
            self.assertEqual(self.client.get("/territory/").status_code, 200)
            self.assertEqual(self._expiry(), saved)  # within the minute: no UPDATE
            clock.shift(dt.timedelta(seconds=40))
            self.assertEqual(self.client.get("/territory/").status_code, 200)
            self.assertEqual(self._expiry(), start + dt.timedelta(seconds=70 + 30 * 60))
            # Idle for the whole age after that save: the session is gone.
            clock.shift(dt.timedelta(minutes=30, seconds=1))
            response = self.client.get("/territory/")
            self.assertRedirects(
                response, "/accounts/login/?next=/territory/", fetch_redirect_response=False
            )

    def test_a_working_session_stays_open_past_the_age(self):
        start = dt.datetime(2026, 6, 15, 9, 0, tzinfo=dt.UTC)
        with time_machine.travel(start, tick=False) as clock:
            self.client.post("/accounts/login/", {"username": "shequ_a", "password": PASSWORD})
            for _ in range(8):  # a request every 5 minutes for 40 minutes
                clock.shift(dt.timedelta(minutes=5))
                self.assertEqual(self.client.get("/territory/").status_code, 200)
