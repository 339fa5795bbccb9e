from loudong.accounts.models import AuditEvent
from loudong.test import PASSWORD, BaseTestCase


class PasswordChangeTestCase(BaseTestCase):
    def post(self, new):
        return self.client.post(
            "/accounts/password/",
            {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        )

    def test_it_changes_password(self):
        self.login(self.shequ_a)
        response = self.post("Xiugai-mima-77")
        self.assertRedirects(response, "/", fetch_redirect_response=False)
        self.shequ_a.refresh_from_db()
        self.assertTrue(self.shequ_a.check_password("Xiugai-mima-77"))
        self.assertTrue(AuditEvent.objects.filter(action="auth.password_change").exists())

    def test_it_refuses_weak_passwords(self):
        self.login(self.shequ_a)
        for weak, reason in [
            ("Ab1!", "至少"),  # too short
            ("abcdefgh12", "至少三类"),  # two classes
            ("Shequ_a-2026x", "用户名"),  # contains the username
        ]:
            response = self.post(weak)
            self.assertEqual(response.status_code, 200, weak)
            self.assertContains(response, reason)
        self.shequ_a.refresh_from_db()
        self.assertTrue(self.shequ_a.check_password(PASSWORD))
