"""Several app nodes on one database (issue: production operation).

Two gunicorn servers on loopback ports share the test database and one media root: a session
made on one works on the other, an upload made through one is read through the other, and with
two workers running every background job runs exactly once.
"""

import io
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import TransactionTestCase

from loudong.accounts.models import RoleAssignment, User
from loudong.accounts.roles import Role
from loudong.roster.models import Person
from loudong.territory.models import Region

BIN = Path(sys.executable).parent
PASSWORD = "Two-nodes-2026"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def wait_up(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"node on port {port} did not start")


class Browser:
    """A cookie-keeping HTTP client; the same cookie jar can visit another node."""

    def __init__(self, jar=None):
        self.jar = jar or CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, url):
        with self.opener.open(url, timeout=15) as r:
            return r.status, r.geturl(), r.read()

    def post(self, url, fields, *, files=None, referer=None):
        token = next(c.value for c in self.jar if c.name == "csrftoken")
        fields = {**fields, "csrfmiddlewaretoken": token}
        if files:
            boundary = "loudongboundary"
            body = io.BytesIO()
            for k, v in fields.items():
                body.write(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                )
            for k, (name, data, ctype) in files.items():
                body.write(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"; filename="{name}"\r\n'
                    f"Content-Type: {ctype}\r\n\r\n".encode()
                )
                body.write(data + b"\r\n")
            body.write(f"--{boundary}--\r\n".encode())
            data, ctype = body.getvalue(), f"multipart/form-data; boundary={boundary}"
        else:
            data, ctype = (
                urllib.parse.urlencode(fields).encode(),
                "application/x-www-form-urlencoded",
            )
        request = urllib.request.Request(
            url, data=data, headers={"Content-Type": ctype, "Referer": referer or url}
        )
        with self.opener.open(request, timeout=15) as r:
            return r.status, r.geturl(), r.read()


class TwoNodesTestCase(TransactionTestCase):
    def setUp(self):
        call_command("load_profiles", verbosity=0)
        call_command("createcachetable", verbosity=0)
        district = Region.objects.create(level="district", name="贵池区", code="341702")
        sub = Region.objects.create(level="subdistrict", name="池阳街道", parent=district)
        self.community = Region.objects.create(
            level="community", name="秀山门社区", parent=sub, code="341702001001"
        )
        from django.contrib.auth.hashers import PBKDF2PasswordHasher

        # The nodes run the production hashers (the test settings use MD5).
        hashed = PBKDF2PasswordHasher().encode(PASSWORD, "twonodessalt", iterations=1000)
        self.user = User.objects.create(username="shequ_a", password=hashed)
        RoleAssignment.objects.create(
            user=self.user, role=Role.COMMUNITY_WORKER, region=self.community
        )
        self.person = Person.objects.create(community=self.community, name="陈德明")
        self.media = tempfile.mkdtemp()
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "MEDIA_ROOT": self.media,
            "LOUDONG_VAR_DIR": str(settings.VAR_DIR),
            "DEBUG": "0",
            "SECURE_COOKIES": "0",
            "WEB_WORKERS": "2",
            "DJANGO_SETTINGS_MODULE": "loudong.settings",
        }
        self.env.pop("LOUDONG_TEST_SQLITE", None)
        self.procs = []

    def tearDown(self):
        for proc in self.procs:
            proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()

    def start(self, *argv, **env):
        proc = subprocess.Popen(
            argv,
            env={**self.env, **env},
            cwd=settings.BASE_DIR,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.procs.append(proc)
        return proc

    def node(self) -> str:
        port = free_port()
        self.start(
            str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "loudong.wsgi",
            PORT=str(port), BIND=f"127.0.0.1:{port}",
        )  # fmt: skip
        wait_up(port)
        return f"http://127.0.0.1:{port}"

    def test_a_session_and_an_upload_cross_nodes(self):
        a, b = self.node(), self.node()
        browser = Browser()
        browser.get(f"{a}/accounts/login/")
        status, url, _ = browser.post(
            f"{a}/accounts/login/", {"username": "shequ_a", "password": PASSWORD}
        )
        self.assertFalse(url.endswith("/accounts/login/"), "login on node A failed")
        # The same session cookie on node B: logged in there too.
        status, url, body = browser.get(f"{b}/roster/persons/{self.person.pk}/")
        self.assertEqual(status, 200)
        self.assertIn("陈德明", body.decode())
        # An upload through node A, read back through node B (one shared media root).
        from PIL import Image

        out = io.BytesIO()
        Image.new("RGB", (300, 400), (10, 120, 200)).save(out, "JPEG")
        browser.post(
            f"{a}/roster/persons/{self.person.pk}/photo/",
            {},
            files={"photo": ("me.jpg", out.getvalue(), "image/jpeg")},
            referer=f"{a}/roster/persons/{self.person.pk}/",
        )
        status, _, image = browser.get(f"{b}/roster/persons/{self.person.pk}/photo.jpg")
        self.assertEqual(status, 200)
        self.assertTrue(image.startswith(b"\xff\xd8\xff"))
        self.assertTrue(any(Path(self.media).rglob("*.sealed")))

    def test_jobs_run_exactly_once_with_two_workers(self):
        from loudong.ops.tasks import append_line

        path = Path(self.media) / "runs.txt"
        labels = [f"job-{i}" for i in range(30)]
        for label in labels:
            append_line.enqueue(str(path), label)
        for _ in range(2):
            self.start(str(BIN / "loudong"), "worker", "--interval", "0.2", "--tick", "5")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            done = path.read_text().split() if path.exists() else []
            if len(done) >= len(labels):
                break
            time.sleep(0.3)
        time.sleep(1.5)  # a second run, if any, would land now
        done = path.read_text().split()
        self.assertEqual(sorted(done), sorted(labels))
        # Both workers beat: /healthz would say ok.
        from loudong.ops.models import WorkerHeartbeat

        self.assertEqual(WorkerHeartbeat.objects.count(), 2)
