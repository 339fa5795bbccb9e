import datetime as dt
from unittest import mock

from django.db import DatabaseError
from django.utils import timezone

from loudong.ops.models import WorkerHeartbeat
from loudong.test import BaseTestCase


class HealthzTestCase(BaseTestCase):
    def test_it_answers_without_login_and_names_a_stale_worker(self):
        r = self.client.get("/healthz")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.json(), {"database": "ok", "migrations": "ok", "worker": "stale"})
        self.assertIn("no-cache", r["Cache-Control"])

    def test_it_says_ok_with_a_recent_heartbeat(self):
        WorkerHeartbeat.objects.create(worker_id="w1", beat=timezone.now())
        self.assertEqual(self.client.get("/healthz").json()["worker"], "ok")
        WorkerHeartbeat.objects.update(beat=timezone.now() - dt.timedelta(minutes=10))
        self.assertEqual(self.client.get("/healthz").json()["worker"], "stale")

    def test_it_answers_503_when_the_database_is_down(self):
        with mock.patch("loudong.ops.views.connection.cursor", side_effect=DatabaseError("down")):
            r = self.client.get("/healthz")
        self.assertEqual(r.status_code, 503)
        self.assertEqual(r.json(), {"database": "unreachable"})
