"""gunicorn settings for loudong (``make serve``; systemd ``loudong-web.service``).

Workers are processes (2 × cores + 1 by default): the app keeps no state in memory between
requests (sessions, rate limits, job queue and schedule are in the database), so any worker on
any node can answer any request. Everything is overridable from the environment.
"""

import multiprocessing
import os

bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("WEB_THREADS", "2"))
worker_class = "gthread"
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))  # big exports stream; imports run in the worker
graceful_timeout = 30
keepalive = 5
max_requests = 2000  # recycle workers now and then
max_requests_jitter = 200
accesslog = "-"
# No query strings in the access log: a search for a phone or ID number would leak into it.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
