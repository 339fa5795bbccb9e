"""The worker's schedule: each due job is enqueued exactly once across workers."""

import datetime as dt
import threading
from unittest import mock

from django.db import connection
from django.test import TransactionTestCase
from django.utils import timezone

from loudong.ops.models import ScheduledJob
from loudong.ops.schedule import Job
from loudong.ops.worker import claim, enqueue_due

JOB = Job("t", "loudong.ops.tests.test_schedule:fake", 300, "loudong help", "测试")


class ScheduleTestCase(TransactionTestCase):
    # No serialized_rollback: pytest-django runs transactional tests after every TestCase, and
    # restoring the serialized rows after another TransactionTestCase's flush (which re-ran
    # post_migrate) collides with the content types it made again.

    def test_a_due_job_is_claimed_once_then_waits_its_interval(self):
        now = timezone.now()
        self.assertTrue(claim(JOB, now))
        self.assertFalse(claim(JOB, now + dt.timedelta(seconds=10)))
        self.assertTrue(claim(JOB, now + dt.timedelta(seconds=301)))

    def test_concurrent_workers_enqueue_a_due_job_once(self):
        ScheduledJob.objects.create(name="t")
        won = []
        barrier = threading.Barrier(4)
        now = timezone.now()

        def worker():
            try:
                barrier.wait()
                won.append(claim(JOB, now))
            finally:
                connection.close()

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertEqual(sorted(won), [False, False, False, True])

    def test_enqueue_due_calls_the_task(self):
        fake = mock.Mock()
        with mock.patch("loudong.ops.worker.resolve", return_value=fake):
            self.assertEqual(enqueue_due(schedule=[JOB]), ["t"])
            self.assertEqual(enqueue_due(schedule=[JOB]), [])
        fake.enqueue.assert_called_once_with()
