"""The three admins (等保 三员分立): each does its own job and none of the others'."""

from loudong.accounts.models import AuditEvent, RoleAssignment, User
from loudong.accounts.roles import Role
from loudong.test import BaseTestCase


class UserManagementTestCase(BaseTestCase):
    def test_it_lets_the_system_admin_create_a_user_and_assign_a_role(self):
        self.login_admin(self.xitong)
        response = self.client.post(
            "/accounts/users/new/",
            {"username": "shequ_c", "full_name": "赵敏", "password": "Chushi-mima-9"},
        )
        user = User.objects.get(username="shequ_c")
        self.assertRedirects(response, f"/accounts/users/{user.pk}/", fetch_redirect_response=False)
        # The admin sets no password: the user will, through a link the security admin issues.
        self.assertFalse(user.has_usable_password())
        self.assertTrue(user.password_links.filter(kind="initial", issued_at__isnull=True))
        response = self.client.post(
            f"/accounts/users/{user.pk}/roles/",
            {"role": Role.COMMUNITY_WORKER, "region": self.community_b.pk, "is_committee": "on"},
        )
        self.assertEqual(response.status_code, 302)
        assignment = RoleAssignment.objects.get(user=user)
        self.assertEqual(assignment.region, self.community_b)
        self.assertTrue(assignment.is_committee)
        self.assertEqual(
            list(
                AuditEvent.objects.filter(
                    actor=self.xitong, action__in=["user.create", "role.assign"]
                )
                .order_by("seq")
                .values_list("action", flat=True)
            ),
            ["user.create", "role.assign"],
        )

    def test_it_checks_the_region_level_of_a_role(self):
        self.login_admin(self.xitong)
        response = self.client.post(
            f"/accounts/users/{self.outsider.pk}/roles/",
            {"role": Role.COMMUNITY_WORKER, "region": self.subdistrict.pk},
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "该角色须分配到", status_code=400)
        response = self.client.post(
            f"/accounts/users/{self.outsider.pk}/roles/",
            {"role": Role.AUDIT_ADMIN, "region": self.subdistrict.pk},
        )
        self.assertContains(response, "不按区域分配", status_code=400)
        self.assertFalse(RoleAssignment.objects.filter(user=self.outsider).exists())

    def test_it_ends_a_role_and_deactivates(self):
        self.login_admin(self.xitong)
        assignment = self.shequ_b.role_assignments.get()
        self.client.post(f"/accounts/users/{self.shequ_b.pk}/roles/{assignment.pk}/end/")
        assignment.refresh_from_db()
        self.assertFalse(assignment.active)
        self.client.post(f"/accounts/users/{self.shequ_b.pk}/active/", {"active": "0"})
        self.shequ_b.refresh_from_db()
        self.assertFalse(self.shequ_b.is_active)

    def test_it_hides_user_management_from_everyone_else(self):
        for user in (self.jiedao, self.shequ_a, self.minzheng, self.outsider):
            self.login(user)
            self.assertEqual(self.client.get("/accounts/users/").status_code, 404)
        for admin in (self.anquan, self.shenji):
            self.login_admin(admin)
            self.assertEqual(self.client.get("/accounts/users/").status_code, 404)
            response = self.client.post(
                "/accounts/users/new/",
                {"username": "sneaky", "full_name": "", "password": "Chushi-mima-9"},
            )
            self.assertEqual(response.status_code, 404)
        self.assertFalse(User.objects.filter(username="sneaky").exists())


class SecurityAdminTestCase(BaseTestCase):
    def test_it_unlocks_a_locked_user(self):
        for _ in range(5):
            self.client.post("/accounts/login/", {"username": "shequ_a", "password": "bad"})
        self.login_admin(self.anquan)
        response = self.client.get("/accounts/security/")
        self.assertContains(response, "已锁定")
        self.client.post("/accounts/security/unlock/", {"username": "shequ_a"})
        self.client.logout()
        response = self.client.post(
            "/accounts/login/", {"username": "shequ_a", "password": "Cast-pass-2026"}
        )
        self.assertEqual(response.status_code, 302)
        self.assertTrue(
            AuditEvent.objects.filter(action="security.unlock", actor=self.anquan).exists()
        )

    def test_it_resets_an_admins_second_factor(self):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        self.login_admin(self.shenji)
        self.login_admin(self.anquan)
        self.client.post(f"/accounts/security/{self.shenji.pk}/reset-2fa/")
        self.assertFalse(TOTPDevice.objects.filter(user=self.shenji).exists())

    def test_it_hides_security_from_everyone_else(self):
        for user in (self.jiedao, self.shequ_a, self.outsider):
            self.login(user)
            self.assertEqual(self.client.get("/accounts/security/").status_code, 404)
        for admin in (self.xitong, self.shenji):
            self.login_admin(admin)
            self.assertEqual(self.client.get("/accounts/security/").status_code, 404)
            self.assertEqual(
                self.client.post("/accounts/security/unlock/", {"username": "x"}).status_code, 404
            )


class AuditViewerTestCase(BaseTestCase):
    def test_it_lists_and_filters_for_the_audit_admin(self):
        self.client.post("/accounts/login/", {"username": "shequ_b", "password": "bad"})
        self.login_admin(self.shenji)
        response = self.client.get("/accounts/audit/?action=login_failed")
        self.assertContains(response, "auth.login_failed")
        self.assertContains(response, "shequ_b")
        self.assertNotContains(response, "auth.login<")

    def test_it_exports_and_audits_the_export(self):
        self.login_admin(self.shenji)
        response = self.client.get("/accounts/audit/export.xlsx")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["Content-Type"].startswith("application/vnd.openxmlformats"))
        self.assertTrue(AuditEvent.objects.filter(action="audit.export").exists())

    def test_it_hides_the_log_from_the_other_admins_and_users(self):
        for admin in (self.xitong, self.anquan):
            self.login_admin(admin)
            self.assertEqual(self.client.get("/accounts/audit/").status_code, 404)
            self.assertEqual(self.client.get("/accounts/audit/export.xlsx").status_code, 404)
        for user in (self.jiedao, self.shequ_a, self.minzheng):
            self.login(user)
            self.assertEqual(self.client.get("/accounts/audit/").status_code, 404)
