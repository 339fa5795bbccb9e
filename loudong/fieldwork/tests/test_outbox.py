"""Group-robot messages: sent by the worker from the outbox, retried with back-off, against a
local stub of the WeCom / DingTalk robot (a thread running ``http.server``)."""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from django.test import override_settings
from django.utils import timezone

from loudong.community.models import ChatGroup
from loudong.fieldwork.models import OutboxMessage
from loudong.fieldwork.notifications import BACKOFF_S, MAX_ATTEMPTS, backoff, send_outbox
from loudong.fieldwork.tests.helpers import FieldworkTestCase


class Robot(BaseHTTPRequestHandler):
    """Answers like a group robot: ``{"errcode": 0}``; the test sets failures to simulate trouble."""

    received: list = []
    fail_next = 0
    mode = "http"  # http: 500; errcode: 200 with an errcode

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if Robot.fail_next:
            Robot.fail_next -= 1
            if Robot.mode == "errcode":
                self._answer(200, {"errcode": 93000, "errmsg": "invalid webhook url"})
            else:
                self._answer(500, {})
            return
        Robot.received.append(json.loads(body))
        self._answer(200, {"errcode": 0, "errmsg": "ok"})

    def _answer(self, status, data):
        raw = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args):
        pass


@override_settings(LOUDONG_WEBHOOK_HOSTS=["127.0.0.1"])
class OutboxTestCase(FieldworkTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = HTTPServer(("127.0.0.1", 0), Robot)
        cls.thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        cls.thread.start()
        cls.url = f"http://127.0.0.1:{cls.server.server_port}/cgi-bin/webhook/send?key=secret"

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        Robot.received, Robot.fail_next, Robot.mode = [], 0, "http"
        self.group = ChatGroup.objects.create(
            name="秀山门社区网格长群",
            level="community",
            kind="wecom",
            community=self.community_a,
            webhook=self.url,
        )

    def test_an_urgent_report_is_queued_in_the_request_and_sent_by_the_worker(self):
        self.report(severity="urgent", category="safety_gas", description="燃气味")
        message = OutboxMessage.objects.get()
        self.assertEqual(message.status, "pending")
        self.assertEqual(Robot.received, [])  # nothing sent inside the request
        self.assertEqual(send_outbox(), {"sent": 1, "retry": 0, "dead": 0})
        self.assertEqual(Robot.received[0]["msgtype"], "text")
        self.assertIn("【紧急】", Robot.received[0]["text"]["content"])
        self.assertEqual(OutboxMessage.objects.get().status, "sent")
        self.assertEqual(send_outbox(), {"sent": 0, "retry": 0, "dead": 0})  # never twice

    def test_a_failure_is_retried_with_exponential_back_off(self):
        self.report(severity="urgent", category="safety_gas")
        Robot.fail_next, Robot.mode = 2, "errcode"
        now = timezone.now()
        self.assertEqual(send_outbox(now=now)["retry"], 1)
        message = OutboxMessage.objects.get()
        self.assertEqual((message.attempts, message.status), (1, "pending"))
        self.assertIn("errcode 93000", message.last_error)
        self.assertEqual(message.next_attempt_at, now + dt.timedelta(seconds=BACKOFF_S))
        self.assertEqual(send_outbox(now=now)["retry"], 0)  # not due yet
        later = now + dt.timedelta(seconds=BACKOFF_S)
        self.assertEqual(send_outbox(now=later)["retry"], 1)
        self.assertEqual(
            OutboxMessage.objects.get().next_attempt_at, later + dt.timedelta(seconds=2 * BACKOFF_S)
        )
        self.assertEqual(send_outbox(now=later + dt.timedelta(hours=1))["sent"], 1)
        self.assertEqual(backoff(20), dt.timedelta(hours=1))  # capped

    def test_it_gives_up_after_the_last_attempt(self):
        self.report(severity="urgent", category="safety_gas")
        Robot.fail_next = 100
        when = timezone.now()
        for _ in range(MAX_ATTEMPTS):
            send_outbox(now=when)
            when += dt.timedelta(hours=2)
        message = OutboxMessage.objects.get()
        self.assertEqual((message.status, message.attempts), ("dead", MAX_ATTEMPTS))
        self.assertEqual(message.last_error, "HTTP 500")

    def test_an_unreachable_robot_is_a_retry_not_a_crash(self):
        self.group.webhook = "http://127.0.0.1:9/nothing"
        self.group.save()
        self.report(severity="urgent", category="safety_gas")
        self.assertEqual(send_outbox()["retry"], 1)
        self.assertIn("网络错误", OutboxMessage.objects.get().last_error)

    @override_settings(LOUDONG_WEBHOOK_HOSTS=["qyapi.weixin.qq.com"])
    def test_a_host_outside_the_allowed_list_is_never_called(self):
        self.report(severity="urgent", category="safety_gas")
        self.assertEqual(send_outbox()["dead"], 1)
        self.assertEqual(Robot.received, [])

    def test_a_plain_wechat_group_gets_nothing(self):
        self.group.kind = "wechat"
        self.group.save()
        self.report(severity="urgent", category="safety_gas")
        self.assertFalse(OutboxMessage.objects.exists())
