"""等保 三员分立 holds on every path (issue 9 item 1).

The attack: the 系统管理员 gave itself 街道管理员 and 审计管理员 (``POST /accounts/users/<own
id>/roles/``), revealed a resident's ID and opened the audit log; it could also reset a
business user's password to one it chose and log in as them.
"""

import datetime as dt
import re

import time_machine
from django.core.exceptions import ValidationError
from django_otp.plugins.otp_totp.models import TOTPDevice

from loudong.accounts.models import AccountNotice, AuditEvent, PasswordLink, RoleAssignment
from loudong.accounts.roles import Role
from loudong.test import PASSWORD, BaseTestCase, make_household, make_id, make_resident

NEW_PASSWORD = "Xin-mima-2026!"


class OwnAccountTestCase(BaseTestCase):
    def test_the_system_admin_cannot_give_itself_a_business_role(self):
        self.login_admin(self.xitong)
        r = self.client.post(
            f"/accounts/users/{self.xitong.pk}/roles/",
            {"role": Role.SUBDISTRICT_ADMIN, "region": self.subdistrict.pk},
        )
        self.assertEqual(r.status_code, 403)
        r = self.client.post(f"/accounts/users/{self.xitong.pk}/roles/", {"role": Role.AUDIT_ADMIN})
        self.assertEqual(r.status_code, 403)
        self.assertEqual(
            list(self.xitong.role_assignments.values_list("role", flat=True)), [Role.SYSTEM_ADMIN]
        )
        # Two refusals on one path family within a minute: one audit row (no flooding).
        self.assertEqual(AuditEvent.objects.filter(action="access.denied").count(), 1)

    def test_the_system_admin_cannot_end_deactivate_or_reset_itself(self):
        self.login_admin(self.xitong)
        own = self.xitong.role_assignments.get()
        urls = [
            f"/accounts/users/{self.xitong.pk}/roles/{own.pk}/end/",
            f"/accounts/users/{self.xitong.pk}/active/",
            f"/accounts/users/{self.xitong.pk}/password/",
        ]
        for url in urls:
            self.assertEqual(self.client.post(url, {"active": "0"}).status_code, 403, url)
        own.refresh_from_db()
        self.xitong.refresh_from_db()
        self.assertTrue(own.active and self.xitong.is_active)
        self.assertFalse(PasswordLink.objects.exists())

    def test_the_security_admin_cannot_reset_its_own_second_factor_or_lock_out(self):
        self.login_admin(self.anquan)
        r = self.client.post(f"/accounts/security/{self.anquan.pk}/reset-2fa/")
        self.assertEqual(r.status_code, 403)
        self.assertTrue(TOTPDevice.objects.filter(user=self.anquan).exists())
        r = self.client.post("/accounts/security/unlock/", {"username": "anquan"})
        self.assertEqual(r.status_code, 403)

    def test_the_system_admin_reaches_neither_the_audit_log_nor_a_reveal(self):
        resident = make_resident(make_household(self.compound_a))
        self.login_admin(self.xitong)
        self.assertEqual(self.client.get("/accounts/audit/").status_code, 404)
        self.assertEqual(self.client.get("/accounts/audit/export.xlsx").status_code, 404)
        r = self.client.post(f"/territory/residents/{resident.pk}/reveal/", {"reason": "查看一下"})
        self.assertEqual(r.status_code, 404)
        self.assertFalse(AuditEvent.objects.filter(action="personal_data.reveal").exists())


class RoleCombinationTestCase(BaseTestCase):
    def post_role(self, user, role, region=None):
        data = {"role": role}
        if region:
            data["region"] = region.pk
        return self.client.post(f"/accounts/users/{user.pk}/roles/", data)

    def test_an_admin_account_takes_no_business_role(self):
        self.login_admin(self.xitong)
        r = self.post_role(self.anquan, Role.COMMUNITY_WORKER, self.community_a)
        self.assertContains(r, "不能再分配业务角色", status_code=400)
        self.assertEqual(self.anquan.role_assignments.count(), 1)
        refused = AuditEvent.objects.get(action="role.refused")
        self.assertEqual(refused.target_id, str(self.anquan.pk))

    def test_a_business_account_takes_no_admin_role(self):
        self.login_admin(self.xitong)
        r = self.post_role(self.jiedao, Role.AUDIT_ADMIN)
        self.assertContains(r, "三员分立", status_code=400)
        self.assertFalse(self.jiedao.role_assignments.filter(role=Role.AUDIT_ADMIN).exists())

    def test_an_account_holds_one_admin_role_only(self):
        self.login_admin(self.xitong)
        self.assertEqual(self.post_role(self.outsider, Role.SECURITY_ADMIN).status_code, 302)
        r = self.post_role(self.outsider, Role.AUDIT_ADMIN)
        self.assertContains(r, "请为该管理员另建账号", status_code=400)
        r = self.post_role(self.outsider, Role.SECURITY_ADMIN)
        self.assertContains(r, "该账号已是安全管理员", status_code=400)
        self.assertEqual(self.outsider.role_assignments.count(), 1)

    def test_business_roles_still_combine(self):
        self.login_admin(self.xitong)
        r = self.post_role(self.shequ_a, Role.BUILDING_LEADER, self.community_a)
        self.assertEqual(r.status_code, 302)

    def test_any_other_path_is_refused_by_the_model(self):
        with self.assertRaises(ValidationError):
            RoleAssignment.objects.create(user=self.xitong, role=Role.AUDIT_ADMIN)
        with self.assertRaises(ValidationError):
            RoleAssignment.objects.create(
                user=self.shenji, role=Role.COMMUNITY_WORKER, region=self.community_a
            )
        self.assertEqual(self.xitong.role_assignments.count(), 1)

    def test_an_unknown_role_is_a_400_not_a_500(self):
        self.login_admin(self.xitong)
        r = self.post_role(self.outsider, "emperor")
        self.assertContains(r, "选择一个有效的选项", status_code=400)
        r = self.client.post(f"/accounts/users/{self.outsider.pk}/roles/", {"region": "x"})
        self.assertEqual(r.status_code, 400)
        self.assertFalse(self.outsider.role_assignments.exists())

    def test_role_changes_are_visible_to_the_audit_admin(self):
        self.login_admin(self.xitong)
        self.post_role(self.outsider, Role.COMMUNITY_WORKER, self.community_b)
        self.client.post(f"/accounts/users/{self.shequ_b.pk}/password/")
        self.login_admin(self.shenji)
        r = self.client.get("/accounts/audit/?action=role.assign")
        self.assertContains(r, "分配角色")
        self.assertContains(r, "社区工作者")
        r = self.client.get("/accounts/audit/?action=user.reset_password")
        self.assertContains(r, "重置密码")
        self.assertContains(r, "shequ_b")


def _link_from(response) -> str:
    match = re.search(r"/accounts/password/set/([\w-]+)/", response.content.decode())
    return match.group(0)


class PasswordResetTestCase(BaseTestCase):
    def request_and_issue(self, user):
        self.login_admin(self.xitong)
        r = self.client.post(f"/accounts/users/{user.pk}/password/")
        self.assertEqual(r.status_code, 302)
        detail = self.client.get(f"/accounts/users/{user.pk}/")
        self.assertNotContains(detail, "/accounts/password/set/")  # the sysadmin never sees it
        self.login_admin(self.anquan)
        self.assertContains(self.client.get("/accounts/security/"), user.username)
        link = PasswordLink.objects.get(user=user, used_at__isnull=True, closed_at__isnull=True)
        r = self.client.post(f"/accounts/security/links/{link.pk}/issue/")
        self.assertEqual(r["Cache-Control"], "no-store")
        self.client.logout()
        return _link_from(r)

    def test_the_admin_sets_no_password_and_the_user_sets_their_own_once(self):
        url = self.request_and_issue(self.shequ_a)
        self.shequ_a.refresh_from_db()
        self.assertFalse(self.shequ_a.check_password(PASSWORD))  # forced: the old one is gone
        self.assertEqual(self.client.get(url).status_code, 200)
        r = self.client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
        self.assertRedirects(r, "/accounts/login/", fetch_redirect_response=False)
        self.shequ_a.refresh_from_db()
        self.assertTrue(self.shequ_a.check_password(NEW_PASSWORD))
        # One time only.
        r = self.client.post(
            url, {"new_password1": "Other-pass-99!", "new_password2": "Other-pass-99!"}
        )
        self.assertEqual(r.status_code, 410)
        # The in-app notice at the next login, once.
        r = self.client.post(
            "/accounts/login/", {"username": "shequ_a", "password": NEW_PASSWORD}, follow=True
        )
        self.assertContains(r, "通过一次性链接设置")
        self.assertContains(r, "xitong")
        self.assertTrue(AccountNotice.objects.get(user=self.shequ_a).seen_at)

    def test_the_link_expires(self):
        with time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)):
            url = self.request_and_issue(self.shequ_b)
        with time_machine.travel(dt.datetime(2026, 3, 3, 10, tzinfo=dt.UTC)):
            r = self.client.post(
                url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
            )
        self.assertEqual(r.status_code, 410)

    def test_a_weak_password_is_refused_and_the_link_still_works(self):
        url = self.request_and_issue(self.shequ_b)
        r = self.client.post(url, {"new_password1": "password", "new_password2": "password"})
        self.assertEqual(r.status_code, 400)
        r = self.client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
        self.assertEqual(r.status_code, 302)

    def test_a_leaders_link_needs_their_id_digits_which_no_admin_sees(self):
        from loudong.roster.models import Person

        number = make_id()
        Person.objects.create(
            community=self.community_a, name="陈德明", user=self.leader, id_number=number
        )
        url = self.request_and_issue(self.leader)
        data = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        r = self.client.post(url, data)
        self.assertEqual(r.status_code, 400)  # identity required
        for _ in range(4):
            r = self.client.post(url, {**data, "identity": "000000"})
            self.assertContains(r, "后 6 位不正确", status_code=400)
        r = self.client.post(url, {**data, "identity": "000000"})
        self.assertContains(r, "链接已作废", status_code=400)
        r = self.client.post(url, {**data, "identity": number[-6:]})
        self.assertEqual(r.status_code, 410)
        self.leader.refresh_from_db()
        self.assertFalse(self.leader.check_password(NEW_PASSWORD))

    def test_the_right_id_digits_open_the_leaders_link(self):
        from loudong.roster.models import Person

        number = make_id()
        Person.objects.create(
            community=self.community_a, name="陈德明", user=self.leader, id_number=number
        )
        url = self.request_and_issue(self.leader)
        r = self.client.post(
            url,
            {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD, "identity": number[-6:]},
        )
        self.assertEqual(r.status_code, 302)

    def test_the_security_admin_cannot_issue_a_link_for_itself(self):
        self.login_admin(self.xitong)
        self.client.post(f"/accounts/users/{self.anquan.pk}/password/")
        link = PasswordLink.objects.get(user=self.anquan)
        self.login_admin(self.anquan)
        r = self.client.post(f"/accounts/security/links/{link.pk}/issue/")
        self.assertEqual(r.status_code, 403)
        link.refresh_from_db()
        self.assertIsNone(link.issued_at)

    def test_only_the_security_admin_issues_links(self):
        self.login_admin(self.xitong)
        self.client.post(f"/accounts/users/{self.shequ_a.pk}/password/")
        link = PasswordLink.objects.get(user=self.shequ_a)
        for admin in (self.xitong, self.shenji):
            self.login_admin(admin)
            r = self.client.post(f"/accounts/security/links/{link.pk}/issue/")
            self.assertEqual(r.status_code, 404)
        self.login(self.jiedao)
        self.assertEqual(
            self.client.post(f"/accounts/security/links/{link.pk}/issue/").status_code, 404
        )

    def test_a_new_account_sets_its_first_password_through_a_link(self):
        self.login_admin(self.xitong)
        self.client.post("/accounts/users/new/", {"username": "shequ_c", "full_name": "赵敏"})
        link = PasswordLink.objects.get(user__username="shequ_c", kind="initial")
        self.login_admin(self.anquan)
        url = _link_from(self.client.post(f"/accounts/security/links/{link.pk}/issue/"))
        self.client.logout()
        r = self.client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
        self.assertEqual(r.status_code, 302)
        r = self.client.post("/accounts/login/", {"username": "shequ_c", "password": NEW_PASSWORD})
        self.assertEqual(r.status_code, 302)

    def test_a_bad_link_is_410_and_a_get_changes_nothing(self):
        self.assertEqual(self.client.get("/accounts/password/set/nonsense/").status_code, 410)
        url = self.request_and_issue(self.shequ_a)
        before = AuditEvent.objects.count()
        self.client.get(url)
        self.assertEqual(AuditEvent.objects.count(), before)
        self.assertIsNone(PasswordLink.objects.get(user=self.shequ_a, closed_at=None).used_at)
