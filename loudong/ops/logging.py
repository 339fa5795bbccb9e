"""Logs an operator can read and a log system can parse, with no personal data in them.

- ``ClientErrorsWithoutTraceback``: an ordinary 403 or 404 is the user's mistake or a probe, not
  a bug — log one line, never a traceback (every refusal is in the audit log anyway).
- ``JsonFormatter`` (``LOG_FORMAT=json``): one JSON object per line — time, level, logger,
  message, and for requests the method, path (never the query string, which can hold a searched
  phone or ID number) and status.
"""

import json
import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        body = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage().split("?", 1)[0],
        }
        request = getattr(record, "request", None)
        if request is not None:
            body["method"] = getattr(request, "method", "")
            body["path"] = getattr(request, "path", "")
        status = getattr(record, "status_code", None)
        if status is not None:
            body["status"] = status
        if record.exc_info:
            body["error"] = self.formatException(record.exc_info)
        return json.dumps(body, ensure_ascii=False)
