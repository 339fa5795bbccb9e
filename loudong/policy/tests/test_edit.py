"""/policy/<name>/edit/: a new version through the form, never a changed old one."""

import json

from django.utils import timezone

from loudong.accounts.models import AuditEvent
from loudong.policy.models import PolicyProfile
from loudong.policy.schema import read_builtin
from loudong.test import BaseTestCase


class EditTestCase(BaseTestCase):
    url = "/policy/chiyang/edit/"

    def _form(self, **overrides):
        data = read_builtin("chiyang")
        form = {
            "base_version": 1,
            "profile_json": json.dumps(data, ensure_ascii=False),
            "note": "街道党工委会议决定",
            "effective_from": timezone.localdate().isoformat(),
            "division__target": 80,
            "division__lower": 60,
            "division__upper": 100,
            "concurrency__max_grids": 5,
            "eligibility__max_age": 65,
            "public_notice__working_days": 5,
            "subsidy__per_grid_monthly": "300.00",
            "subsidy__paid_monthly": "200.00",
            "subsidy__year_end_accrued": "100.00",
            "evaluation__grades_0__factor": "1.00",
            "evaluation__grades_1__factor": "0.50",
            "evaluation__grades_2__factor": "0.00",
        }
        form.update(overrides)
        return form

    def test_it_shows_the_form_with_named_fields(self):
        self.login(self.jiedao)
        response = self.client.get(self.url)
        self.assertContains(response, "每格目标户数")
        self.assertContains(response, 'name="division__target"')
        self.assertContains(response, "年终系数：基本满意")
        self.assertContains(response, "修改说明")
        self.assertNotContains(response, "<script>")

    def test_it_creates_version_2_and_leaves_version_1(self):
        self.login(self.jiedao)
        response = self.client.post(
            self.url,
            self._form(**{"division__upper": 110, "evaluation__grades_1__factor": "0.6"}),
        )
        self.assertRedirects(response, "/policy/chiyang/", fetch_redirect_response=False)
        v1, v2 = PolicyProfile.objects.filter(name="chiyang").order_by("version")
        self.assertEqual(v1.data, read_builtin("chiyang"))
        self.assertEqual(v2.version, 2)
        self.assertEqual(v2.created_by, self.jiedao)
        self.assertEqual(v2.note, "街道党工委会议决定")
        self.assertEqual(v2.data["division"]["upper"], 110)
        self.assertEqual(v2.data["evaluation"]["grades"][1]["factor"], "0.60")
        self.assertEqual(PolicyProfile.current("chiyang"), v2)
        event = AuditEvent.objects.get(action="policy.version")
        self.assertEqual(event.actor, self.jiedao)
        self.assertEqual(event.target_id, str(v2.pk))
        self.assertEqual(event.old, {"division.upper": 100, "evaluation.grades[1].factor": "0.50"})
        self.assertEqual(event.new, {"division.upper": 110, "evaluation.grades[1].factor": "0.60"})
        self.assertTrue(event.reason.startswith("街道党工委会议决定"))

    def test_it_takes_a_change_made_in_the_json_text(self):
        self.login(self.jiedao)
        data = read_builtin("chiyang")
        data["insurance"]["protective_supplies"] = True
        self.client.post(self.url, self._form(profile_json=json.dumps(data)))
        self.assertTrue(PolicyProfile.current("chiyang").data["insurance"]["protective_supplies"])

    def test_it_rerenders_with_named_errors_and_creates_nothing(self):
        self.login(self.jiedao)
        response = self.client.post(self.url, self._form(division__lower=120))
        self.assertContains(response, "division.lower：必须小于 division.upper", status_code=400)
        response = self.client.post(self.url, self._form(subsidy__paid_monthly="250"))
        self.assertContains(
            response, "subsidy.per_grid_monthly：必须等于按月发放与年终发放之和", status_code=400
        )
        response = self.client.post(self.url, self._form(profile_json="{oops"))
        self.assertContains(response, "JSON 格式错误：第 1 行", status_code=400)
        response = self.client.post(self.url, self._form(note=""))
        self.assertContains(response, "修改说明", status_code=400)
        self.assertEqual(PolicyProfile.objects.filter(name="chiyang").count(), 1)
        self.assertFalse(AuditEvent.objects.filter(action="policy.version").exists())

    def test_it_refuses_an_unchanged_profile(self):
        self.login(self.jiedao)
        response = self.client.post(self.url, self._form())
        self.assertContains(response, "参数没有任何改动", status_code=400)
        self.assertEqual(PolicyProfile.objects.filter(name="chiyang").count(), 1)

    def test_it_refuses_an_edit_of_a_stale_version(self):
        self.login(self.jiedao)
        self.client.post(self.url, self._form(division__upper=110))
        response = self.client.post(self.url, self._form(division__upper=120))
        self.assertContains(response, "该方案已被修改为第 2 版", status_code=400)
        self.assertEqual(PolicyProfile.current("chiyang").data["division"]["upper"], 110)

    def test_it_hides_the_edit_page_from_everyone_else(self):
        for user in (self.shequ_a, self.shequ_b, self.minzheng, self.leader, self.outsider):
            self.login(user)
            self.assertEqual(self.client.get(self.url).status_code, 404)
            response = self.client.post(self.url, self._form(division__upper=110))
            self.assertEqual(response.status_code, 404)
        for admin in (self.xitong, self.anquan, self.shenji):
            self.login_admin(admin)
            self.assertEqual(self.client.get(self.url).status_code, 404)
            response = self.client.post(self.url, self._form(division__upper=110))
            self.assertEqual(response.status_code, 404)
        self.assertEqual(PolicyProfile.objects.filter(name="chiyang").count(), 1)
        self.assertFalse(AuditEvent.objects.filter(action="policy.version").exists())

    def test_it_sends_an_anonymous_visitor_to_login(self):
        response = self.client.get(self.url)
        self.assertRedirects(
            response, f"/accounts/login/?next={self.url}", fetch_redirect_response=False
        )
        self.client.post(self.url, self._form(division__upper=110))
        self.assertEqual(PolicyProfile.objects.filter(name="chiyang").count(), 1)

    def test_it_answers_404_for_an_unknown_profile(self):
        self.login(self.jiedao)
        self.assertEqual(self.client.get("/policy/shanghai/edit/").status_code, 404)
