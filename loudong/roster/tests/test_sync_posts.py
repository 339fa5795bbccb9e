from loudong.grids.models import Grid
from loudong.roster.models import Appointment, Post
from loudong.roster.tests.helpers import RosterTestCase, make_appointment


class SyncPostsTestCase(RosterTestCase):
    def sync(self, user=None):
        self.login(user or self.shequ_a)
        return self.client.post(f"/roster/communities/{self.community_a.pk}/sync/")

    def test_it_keeps_existing_posts_and_is_idempotent(self):
        self.assertEqual(self.sync().status_code, 302)
        self.assertEqual(Post.objects.filter(community=self.community_a, active=True).count(), 2)
        self.sync()
        self.assertEqual(Post.objects.filter(community=self.community_a).count(), 2)

    def test_it_creates_new_and_closes_gone_grid_posts(self):
        appointment = make_appointment(self.person_a, self.post_a2)
        Grid.objects.filter(code=self.code_a2).update(code=self.code_a2[:-2] + "03")
        self.sync()
        new = Post.objects.get(grid_code=self.code_a2[:-2] + "03")
        self.assertTrue(new.active)
        self.assertIn("翠微小区", new.title)
        self.post_a2.refresh_from_db()
        self.assertFalse(self.post_a2.active)
        self.assertTrue(self.post_a2.needs_attention)
        appointment.refresh_from_db()
        self.assertEqual((appointment.status, appointment.end_reason), ("ended", "post_closed"))
        r = self.client.get("/roster/compliance/")
        self.assertContains(r, "网格调整待处理 1")

    def test_it_refuses_read_only_roles_and_other_communities(self):
        Post.objects.all().delete()
        self.assertEqual(self.sync(self.minzheng).status_code, 403)
        self.assertEqual(self.sync(self.shequ_b).status_code, 404)
        self.assertFalse(Post.objects.exists())
        self.assertFalse(Appointment.objects.exists())
