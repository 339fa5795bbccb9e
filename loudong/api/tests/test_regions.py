import secrets

from django.core.management import call_command

from loudong.accounts.models import ApiToken
from loudong.test import BaseTestCase


class RegionApiTestCase(BaseTestCase):
    def test_it_lists_communities_in_scope(self):
        self.login(self.shequ_a)
        data = self.client.get("/api/v1/regions?level=community").json()
        self.assertEqual(data["count"], 1)
        self.assertEqual(
            data["items"],
            [
                {
                    "id": self.community_a.pk,
                    "code": "341702001001",
                    "name": "秀山门社区",
                    "level": "community",
                    "parent": self.subdistrict.pk,
                }
            ],
        )

    def test_it_lists_the_whole_scope_for_the_subdistrict_admin(self):
        self.login(self.jiedao)
        data = self.client.get("/api/v1/regions?level=community").json()
        self.assertEqual({item["code"] for item in data["items"]}, {"341702001001", "341702001002"})

    def test_it_answers_404_out_of_scope(self):
        self.login(self.shequ_a)
        self.assertEqual(self.client.get(f"/api/v1/regions/{self.community_b.pk}").status_code, 404)
        self.assertEqual(self.client.get(f"/api/v1/regions/{self.community_a.pk}").status_code, 200)

    def test_it_needs_authentication(self):
        self.assertEqual(self.client.get("/api/v1/regions").status_code, 401)

    def test_it_accepts_a_bearer_token(self):
        key = secrets.token_urlsafe(32)
        ApiToken.objects.create(
            user=self.shequ_b, name="t", prefix=key[:8], key_hash=ApiToken.hash_key(key)
        )
        data = self.client.get(
            "/api/v1/regions?level=community", headers={"Authorization": f"Bearer {key}"}
        ).json()
        self.assertEqual([item["code"] for item in data["items"]], ["341702001002"])
        response = self.client.get("/api/v1/regions", headers={"Authorization": "Bearer wrong"})
        self.assertEqual(response.status_code, 401)

    def test_it_creates_tokens_from_the_command_line(self):
        from io import StringIO

        out = StringIO()
        call_command("create_api_token", "shequ_a", stdout=out)
        key = out.getvalue().strip()
        response = self.client.get("/api/v1/regions", headers={"Authorization": f"Bearer {key}"})
        self.assertEqual(response.status_code, 200)

    def test_it_caps_limit_at_1000(self):
        self.login(self.jiedao)
        response = self.client.get("/api/v1/regions?limit=5000")
        self.assertEqual(response.status_code, 200)

    def test_it_serves_openapi(self):
        response = self.client.get("/api/v1/openapi.json")
        self.assertEqual(response.status_code, 200)
        self.assertIn("/api/v1/regions", response.json()["paths"])

    def test_it_refuses_unverified_admin_sessions(self):
        self.login(self.xitong)
        self.assertEqual(self.client.get("/api/v1/regions").status_code, 401)
