"""/policy/, /policy/<name>/, /policy/<name>/v<n>/ and the comparison: read with Cap.VIEW."""

from loudong.policy.actions import create_profile_version
from loudong.policy.models import PolicyProfile
from loudong.policy.profile import profile_at
from loudong.policy.schema import read_builtin
from loudong.test import BaseTestCase


class PagesTestCase(BaseTestCase):
    def _version_2(self):
        data = read_builtin("chiyang")
        data["division"]["upper"] = 110
        return create_profile_version(
            name="chiyang", data=data, note="放宽上限", acting_user=self.jiedao
        )

    def test_it_lists_the_profiles_with_their_current_version(self):
        self._version_2()
        self.login(self.jiedao)
        response = self.client.get("/policy/")
        self.assertContains(response, "池阳街道楼栋长优化整合方案（2021）")
        self.assertContains(response, "长春市社区“三长”联动机制（2020）")
        self.assertContains(response, "第 2 版")

    def test_it_shows_every_parameter_with_label_and_seed_quotation(self):
        self.login(self.shequ_a)
        with self.assertNumQueries(8):
            response = self.client.get("/policy/chiyang/")
        self.assertContains(response, "每格目标户数")
        self.assertContains(response, "按实际居民居住户数每 80 户左右划分一个网格")
        self.assertContains(response, "个人自荐 → 居民推选 → 社区推荐")
        self.assertContains(response, "300.00 元")
        self.assertContains(
            response,
            "满意（80 分及以上）：系数 1.00；基本满意（60 分及以上）：系数 0.50；"
            "不满意（0 分及以上）：系数 0.00，予以调整",
        )
        self.assertContains(response, '<span class="tag">默认</span>')
        self.assertNotContains(response, "修改参数")  # not for a community worker

    def test_it_shows_an_old_version_and_the_history(self):
        self._version_2()
        self.login(self.minzheng)
        response = self.client.get("/policy/chiyang/v1/")
        self.assertContains(response, "这是历史版本")
        self.assertContains(response, "放宽上限")
        response = self.client.get("/policy/chiyang/compare/?a=1&b=2")
        self.assertContains(response, "每格户数上限")
        self.assertContains(response, "<code>110</code>")
        self.assertEqual(self.client.get("/policy/chiyang/v9/").status_code, 404)

    def test_it_offers_the_edit_link_to_the_subdistrict_admin(self):
        self.login(self.jiedao)
        self.assertContains(self.client.get("/policy/changchun/"), "/policy/changchun/edit/")

    def test_it_hides_the_pages_from_users_without_view(self):
        self.login(self.outsider)
        self.assertEqual(self.client.get("/policy/").status_code, 404)
        self.assertEqual(self.client.get("/policy/chiyang/").status_code, 404)
        self.login_admin(self.xitong)
        self.assertEqual(self.client.get("/policy/").status_code, 404)
        self.client.logout()
        self.assertEqual(self.client.get("/policy/").status_code, 302)

    def test_it_gives_other_apps_the_current_version(self):
        self._version_2()
        self.assertEqual(PolicyProfile.current("chiyang").version, 2)
        self.assertEqual(profile_at("chiyang", 1).data["division"]["upper"], 100)
