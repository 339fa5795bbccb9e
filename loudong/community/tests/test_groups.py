"""Registering work groups (seed 004 §三.10) with an optional robot webhook, sealed at rest."""

from django.test import override_settings

from loudong.accounts.models import AuditEvent
from loudong.community.models import ChatGroup
from loudong.test import BaseTestCase

URL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0123456789abcdef"


class GroupsTestCase(BaseTestCase):
    def register(self, user, **data):
        data.setdefault("name", "秀山门社区网格长群")
        data.setdefault("level", "community")
        data.setdefault("kind", "wecom")
        self.login(user)
        return self.client.post(f"/community/communities/{self.community_a.pk}/groups/new/", data)

    def test_a_worker_registers_a_robot_group_sealed_and_masked(self):
        r = self.register(self.shequ_a, webhook=URL)
        self.assertEqual(r.status_code, 302)
        group = ChatGroup.objects.get()
        self.assertTrue(group.has_robot)
        self.assertEqual(group.webhook.reveal(), URL)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT webhook FROM community_chatgroup")
            self.assertNotIn("qyapi", cursor.fetchone()[0])
        page = self.client.get(f"/community/groups/?community={self.community_a.pk}")
        self.assertContains(page, "秀山门社区网格长群")
        self.assertNotContains(page, "0123456789abcdef")
        event = AuditEvent.objects.get(action="community.group_register")
        self.assertNotIn("0123456789abcdef", str(event.new))

    def test_bad_groups_are_refused(self):
        self.assertContains(
            self.register(self.shequ_a, webhook="https://evil.example/hook"),
            "只接受企业微信或钉钉机器人的地址",
            status_code=400,
        )
        self.assertContains(
            self.register(self.shequ_a, kind="wechat", webhook=URL),
            "普通微信群没有机器人接口",
            status_code=400,
        )
        self.assertContains(
            self.register(self.shequ_a, level="grid"), "网格群须选择网格", status_code=400
        )
        self.assertContains(
            self.register(self.shequ_a, webhook="ftp://qyapi.weixin.qq.com/x"),
            "https://",
            status_code=400,
        )
        self.assertFalse(ChatGroup.objects.exists())

    @override_settings(LOUDONG_WEBHOOK_HOSTS=["127.0.0.1"])
    def test_a_plain_http_robot_is_accepted_only_on_the_loopback(self):
        self.assertEqual(
            self.register(self.shequ_a, webhook="http://127.0.0.1:8999/hook").status_code, 302
        )

    def test_a_plain_wechat_group_is_registered_only(self):
        self.register(self.shequ_a, kind="wechat", name="3号楼居民群", level="community")
        self.assertFalse(ChatGroup.objects.get().has_robot)

    def test_refusals(self):
        self.assertEqual(self.register(self.shequ_b).status_code, 404)
        self.assertEqual(self.register(self.leader).status_code, 403)
        self.login(self.outsider)
        self.assertEqual(self.client.get("/community/groups/").status_code, 404)
        self.assertFalse(ChatGroup.objects.exists())

    def test_a_group_is_switched_off(self):
        self.register(self.shequ_a, webhook=URL)
        group = ChatGroup.objects.get()
        self.login(self.shequ_b)
        self.assertEqual(
            self.client.post(f"/community/groups/{group.pk}/deactivate/").status_code, 404
        )
        self.login(self.shequ_a)
        self.client.post(f"/community/groups/{group.pk}/deactivate/")
        self.assertFalse(ChatGroup.objects.get().active)
