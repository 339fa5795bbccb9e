"""Five causes of 500 (issue 9 item 7), each through the interface: now a 4xx with a reason."""

import json

from loudong.accounts.roles import Role
from loudong.test import BaseTestCase, make_household, make_resident

HUGE = 2**63
NESTED = "[" * 5000 + "]" * 5000


class IntegerOverflowTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.home = make_household(cls.compound_a, "101")
        make_resident(cls.home, "王大妈")

    def test_api_offsets_and_integer_filters_at_2_63_are_422(self):
        self.login(self.jiedao)
        for url in (
            f"/api/v1/households?offset={HUGE}",
            f"/api/v1/households?offset={2**62 + 1}",
            f"/api/v1/households?limit={HUGE}",
            f"/api/v1/households?building={HUGE}",
            f"/api/v1/households?unit={HUGE}",
            f"/api/v1/residents?household={HUGE}",
            f"/api/v1/regions?parent={HUGE}",
            f"/api/v1/buildings?compound={HUGE}",
            f"/api/v1/households/{HUGE}",
            f"/api/v1/residents/{HUGE}",
            f"/api/v1/selections/{HUGE}",
            "/api/v1/households?offset=-1",
        ):
            r = self.client.get(url)
            self.assertEqual(r.status_code, 422, url)
            self.assertIn("detail", json.loads(r.content))
        r = self.client.get(f"/api/v1/households?offset={2**62}")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(json.loads(r.content)["items"], [])

    def test_a_take_over_naming_a_huge_person_is_422(self):
        self.login(self.shequ_a)
        r = self.client.post(
            "/api/v1/posts/1/take-over",
            {"person": HUGE, "start": "2026-01-01", "consent": True},
            content_type="application/json",
        )
        self.assertEqual(r.status_code, 422)

    def test_pages_with_huge_ids_are_404(self):
        self.login(self.jiedao)
        for url in (
            f"/territory/households/{HUGE}/",
            f"/territory/residents/{10**30}/",
            f"/roster/posts/{HUGE}/",
            f"/territory/households/?region={HUGE}",
            f"/documents/filings/leaders.xlsx?community={HUGE}",
        ):
            self.assertEqual(self.client.get(url).status_code, 404, url)

    def test_the_search_page_with_a_huge_page_number(self):
        self.login(self.jiedao)
        for page in (str(HUGE), "9" * 40, "-5", "abc"):
            r = self.client.get("/territory/search/", {"q": "王", "page": page})
            self.assertEqual(r.status_code, 200, page)

    def test_policy_compare_with_huge_versions_is_404(self):
        self.login(self.jiedao)
        r = self.client.get(f"/policy/chiyang/compare/?a={HUGE}&b=1")
        self.assertEqual(r.status_code, 404)


class PolicyNestingTestCase(BaseTestCase):
    def test_deeply_nested_policy_json_is_a_400_with_the_reason(self):
        from loudong.policy.models import PolicyProfile

        before = PolicyProfile.objects.count()
        self.login(self.jiedao)
        r = self.client.get("/policy/chiyang/edit/")
        form = r.context["form"]
        data = {name: ("" if value is None else value) for name, value in form.initial.items()}
        for nested in (NESTED, '{"a": ' + NESTED + "}"):
            data["profile_json"] = nested
            r = self.client.post("/policy/chiyang/edit/", data)
            self.assertContains(r, "嵌套层数超过", status_code=400)
        self.assertEqual(PolicyProfile.objects.count(), before)


class UnknownRoleTestCase(BaseTestCase):
    def test_a_role_form_with_an_unknown_role_is_a_400(self):
        self.login_admin(self.xitong)
        for role in ("emperor", "", Role.SYSTEM_ADMIN + "x"):
            r = self.client.post(
                f"/accounts/users/{self.outsider.pk}/roles/",
                {"role": role, "region": self.community_a.pk},
            )
            self.assertEqual(r.status_code, 400, role)
