import json
import logging

from django.test import override_settings

from loudong.ops.logging import ClientErrorsWithoutTraceback, JsonFormatter
from loudong.test import BaseTestCase


class LoggingTestCase(BaseTestCase):
    def test_a_403_is_one_line_without_a_traceback(self):
        self.login(self.minzheng)
        with self.assertLogs("django.request", level="WARNING") as logs:
            # 区民政局 may view but not edit: a 403 from PermissionDenied.
            self.client.post(f"/territory/regions/{self.community_a.pk}/meetings/new/", {})
        record = logs.records[-1]
        self.assertEqual(record.status_code, 403)
        ClientErrorsWithoutTraceback().filter(record)
        self.assertIsNone(record.exc_info)

    def test_json_lines_carry_no_query_string(self):
        record = logging.LogRecord(
            "django.request",
            logging.WARNING,
            __file__,
            1,
            "Not Found: %s",
            ("/territory/search/?q=13912345678",),
            None,
        )
        record.status_code = 404
        line = json.loads(JsonFormatter().format(record))
        self.assertEqual(line["status"], 404)
        self.assertNotIn("13912345678", json.dumps(line))

    @override_settings(DEBUG=False)
    def test_a_server_error_keeps_its_traceback(self):
        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "x", (), None)
        record.status_code = 500
        try:
            raise ValueError("boom")
        except ValueError:
            import sys

            record.exc_info = sys.exc_info()
        ClientErrorsWithoutTraceback().filter(record)
        self.assertIsNotNone(record.exc_info)
