"""Load test: concurrent users of mixed roles against a running server (``make loadtest``).

    python -m loudong.ops.loadtest --base http://127.0.0.1:8000 --users 200 --seconds 60

Each virtual user logs in once (Django's login form; all of them before the clock starts, so
that the ``--seconds`` measured are all ``--users`` at work at once) and then, until the time is
up, does what its role does every day, with a think time between pages (``--think``, default
5–15 s at random: a person reading a list, typing a search, filling in a visit on a phone —
load-testing guides put real think times at 10 s and more; 1–3 s would be 200 people clicking
without reading, ~100 requests/s, a stress test rather than 200 users at work):

- 社区工作者 (``shequ_a``/``shequ_b``): lists of posts and households, a name search, the
  compliance page, the API's household list, the workbench, the incident queue, a dashboard;
- 楼栋长 (``loudongzhang``): the phone home, posting a visit and an incident through the API with
  an ``Idempotency-Key`` (field work), reading their incidents;
- 街道管理员 (``jiedao``): the Attachment 2 table, the API's appointments, an .xlsx export, the
  workbench, the overview and incident dashboards, the payroll page;
- 区民政局 (``minzheng``): the documents page, a masked filing list and two dashboards.

It stops by itself and prints the request count, error count, p50/p95/p99 per role and overall,
against PRODUCT.md's target (p95 ≤ 500 ms, 0 errors). With ``--capacity N`` it then runs a
stress phase: ``N`` seconds of the same mix with no think time from a few users, which prints the
server's ceiling in requests per second — the figure the sizing in docs/deploy.md divides by.
Standard library only, threads with keep-alive connections; the figures are a report, not a test
assertion.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import sys
import threading
import time
import urllib.parse
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

TARGET_P95_MS = 500.0
LOGIN_CONCURRENCY = 8


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, role: str, ms: float, error: str | None = None) -> None:
        with self.lock:
            self.latencies[role].append(ms)
            if error:
                self.errors[role].append(error)


class Session:
    """One browser: a keep-alive connection and the cookies of one login."""

    def __init__(self, base: str):
        parsed = urllib.parse.urlparse(base)
        self.host, self.port = parsed.hostname, parsed.port or 80
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        self.cookies: dict[str, str] = {}
        self.community = ""  # the user's own community code, found after login

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
                if attempt == 2:
                    raise
        for value in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(value)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value
        return response.status, response.headers, data

    def login(self, username: str, password: str) -> None:
        self.request("GET", "/accounts/login/")
        token = self.cookies.get("csrftoken", "")
        body = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token}
        )
        status, _headers, _ = self.request(
            "POST",
            "/accounts/login/",
            body,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://{self.host}:{self.port}/accounts/login/",
            },
        )
        if status != 302:
            raise RuntimeError(f"{username} 登录失败（{status}）")

    def post_json(self, path, payload, **headers):
        token = self.cookies.get("csrftoken", "")
        return self.request(
            "POST",
            path,
            json.dumps(payload),
            {
                "Content-Type": "application/json",
                "X-CSRFToken": token,
                "Referer": f"http://{self.host}:{self.port}/",
                **headers,
            },
        )


def _get(session, path):
    """GET ``path`` as a browser does: a redirect to a page of the same site is followed (the
    楼栋长's home is the field-work phone page), and the user waits for both."""
    status, headers, _ = session.request("GET", path)
    location = headers.get("Location", "")
    if status in (301, 302, 303) and location.startswith("/"):
        status, _, _ = session.request("GET", location)
    return status


def worker_tasks(ctx):
    return [
        lambda s: _get(s, "/roster/"),
        lambda s: _get(s, f"/territory/households/?page={random.randint(1, 40)}"),
        lambda s: _get(
            s, "/territory/search/?q=" + urllib.parse.quote(random.choice("王李张刘陈"))
        ),
        lambda s: _get(s, f"/api/v1/households?community={s.community}&limit=50"),
        lambda s: _get(s, "/roster/compliance/"),
        lambda s: _get(s, "/"),
        lambda s: _get(s, "/fieldwork/"),
        lambda s: _get(s, "/reports/visits/"),
    ]


def leader_tasks(ctx):
    def visit(s):
        households = ctx.get("households") or []
        if not households:
            return _get(s, "/")
        status, _, _ = s.post_json(
            "/api/v1/visits",
            {
                "date": time.strftime("%Y-%m-%d"),
                "households": random.sample(households, k=min(2, len(households))),
                "notes": "压力测试走访",
            },
            **{"Idempotency-Key": uuid.uuid4().hex},
        )
        return status

    def incident(s):
        categories = ctx.get("categories") or []
        building = ctx.get("building")
        if not categories or building is None:
            return _get(s, "/")
        status, _, _ = s.post_json(
            "/api/v1/incidents",
            {
                "category": random.choice(categories),
                "severity": "normal",
                "building": building,
                "description": "压力测试：楼道灯不亮",
            },
            **{"Idempotency-Key": uuid.uuid4().hex},
        )
        return status

    return [
        lambda s: _get(s, "/"),
        visit,
        incident,
        lambda s: _get(s, "/api/v1/incidents?limit=20"),
    ]


def admin_tasks(ctx):
    return [
        lambda s: _get(s, "/documents/progress/"),
        lambda s: _get(s, "/api/v1/appointments?limit=100"),
        lambda s: _get(s, "/documents/filings/leaders.xlsx"),
        lambda s: _get(s, "/roster/?vacant=on"),
        lambda s: _get(s, "/"),
        lambda s: _get(s, "/reports/overview/"),
        lambda s: _get(s, "/reports/incidents/"),
        lambda s: _get(s, "/payroll/"),
    ]


def civil_tasks(ctx):
    return [
        lambda s: _get(s, "/documents/"),
        lambda s: _get(s, "/documents/filings/adjusted-concurrent.xlsx"),
        lambda s: _get(s, "/reports/overview/"),
        lambda s: _get(s, "/reports/leaders/"),
    ]


ROLES = [
    # (role label, usernames, share of users, tasks)
    ("社区工作者", ["shequ_a", "shequ_b"], 0.55, worker_tasks),
    ("楼栋长", ["loudongzhang"], 0.30, leader_tasks),
    ("街道管理员", ["jiedao"], 0.10, admin_tasks),
    ("区民政局", ["minzheng"], 0.05, civil_tasks),
]


def discover(base, password) -> dict:
    """What the scenarios need: community codes, the leader's households, categories."""
    ctx: dict = {"communities": [], "households": [], "categories": []}
    s = Session(base)
    s.login("jiedao", password)
    status, _, data = s.request("GET", "/api/v1/regions?level=community&limit=10")
    if status == 200:
        ctx["communities"] = [r["code"] for r in json.loads(data)["items"]]
    leader = Session(base)
    leader.login("loudongzhang", password)
    status, _, data = leader.request("GET", "/api/v1/households?limit=50")
    if status == 200:
        items = json.loads(data)["items"]
        ctx["households"] = [h["id"] for h in items]
    status, _, data = leader.request("GET", "/api/v1/buildings?limit=1")
    if status == 200 and json.loads(data)["items"]:
        ctx["building"] = json.loads(data)["items"][0]["id"]
    status, _, data = leader.request("GET", "/api/v1/incident-categories?limit=50")
    if status == 200:
        ctx["categories"] = [c["code"] for c in json.loads(data)["items"] if c.get("parent")]
    return ctx


def run(base: str, users: int, seconds: float, password: str, think=(5.0, 15.0)) -> Stats:
    """Log every user in first (not timed: a login hashes the password on purpose, ~0.3 s of
    CPU, and a working day has one per person), then ``seconds`` of all ``users`` at work."""
    ctx = discover(base, password)
    stats = Stats()
    plan = []
    for label, names, share, tasks in ROLES:
        plan += [(label, names, tasks)] * max(1, round(users * share))
    plan = plan[:users]
    clock = {}
    # The clock starts when the last user is in (the barrier's action runs before any leaves).
    ready = threading.Barrier(
        len(plan) + 1, action=lambda: clock.update(stop=time.monotonic() + seconds)
    )

    # A few logins at a time: 200 at once queue behind each other's password hashing past the
    # client's time-out (the measured phase is what loads the server; this is only set-up).
    logins = threading.Semaphore(LOGIN_CONCURRENCY)

    def user(i, label, names, tasks):
        rng = random.Random(i)
        session = Session(base)
        try:
            with logins:
                session.login(names[i % len(names)], password)
            status, _, data = session.request("GET", "/api/v1/regions?level=community&limit=1")
            if status == 200 and json.loads(data)["items"]:
                session.community = json.loads(data)["items"][0]["code"]
        except (OSError, http.client.HTTPException, RuntimeError) as exc:
            stats.add(label, 0.0, f"login: {exc}")
            session = None
        ready.wait()
        if session is None:
            return
        jobs = tasks(ctx)
        time.sleep(rng.uniform(0, think[1]))  # not all at the same instant
        while time.monotonic() < clock["stop"]:
            job = rng.choice(jobs)
            started = time.perf_counter()
            try:
                status = job(session)
                error = None if status < 400 else f"HTTP {status}"
            except (
                OSError,
                http.client.HTTPException,
                ValueError,
            ) as exc:  # time-outs, resets, bad JSON
                error = f"{type(exc).__name__}: {exc}"
            stats.add(label, (time.perf_counter() - started) * 1000, error)
            time.sleep(rng.uniform(*think))

    threads = [threading.Thread(target=user, args=(i, *p), daemon=True) for i, p in enumerate(plan)]
    began = time.monotonic()
    for t in threads:
        t.start()
    ready.wait()
    print(f"{len(plan)} 个用户已登录，用时 {clock['stop'] - seconds - began:.0f} 秒（不计入）")
    for t in threads:
        t.join(seconds + 60)
    return stats


def pct(values, q):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def report(stats: Stats, users: int, seconds: float, think=(5.0, 15.0), target=True) -> bool:
    every = [ms for v in stats.latencies.values() for ms in v]
    errors = sum(len(v) for v in stats.errors.values())
    pause = f"每次操作间隔 {think[0]:g}–{think[1]:g} 秒" if think[1] else "无间隔（压力测试）"
    print(f"负载测试：{users} 个并发用户，{seconds:.0f} 秒，{pause}")
    print(f"{'角色':<10}{'请求':>8}{'错误':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for role, values in sorted(stats.latencies.items()):
        print(
            f"{role:<10}{len(values):>8}{len(stats.errors[role]):>6}"
            f"{pct(values, 0.5):>9.0f}{pct(values, 0.95):>9.0f}{pct(values, 0.99):>9.0f}"
        )
    p95 = pct(every, 0.95)
    rate = len(every) / seconds if seconds else 0
    print(
        f"{'合计':<10}{len(every):>8}{errors:>6}{pct(every, 0.5):>9.0f}{p95:>9.0f}"
        f"{pct(every, 0.99):>9.0f}   {rate:.0f} 次/秒"
    )
    ok = p95 <= TARGET_P95_MS and errors == 0
    if target:
        print(f"目标 p95 ≤ {TARGET_P95_MS:.0f} ms、0 错误：{'PASS' if ok else 'FAIL'}")
    for role, items in stats.errors.items():
        for message in sorted(set(items))[:5]:
            print(f"  错误（{role}）：{message}")
    if every:
        print(f"平均 {statistics.mean(every):.0f} ms")
    return ok


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--password", default="Loudong-demo-2026")
    parser.add_argument(
        "--think",
        default="5,15",
        help="seconds between a user's pages, MIN,MAX (uniform); 0,0 for none",
    )
    parser.add_argument(
        "--capacity",
        type=float,
        default=0,
        help="after the run, this many seconds of the same mix with no think time (the ceiling)",
    )
    parser.add_argument("--capacity-users", type=int, default=12)
    args = parser.parse_args(argv)
    low, high = (float(x) for x in args.think.split(","))
    stats = run(args.base, args.users, args.seconds, args.password, think=(low, high))
    report(stats, args.users, args.seconds, think=(low, high))
    if args.capacity:
        print()
        print("上限：同样的操作组合，不留间隔，看服务器每秒能答多少次请求")
        stats = run(args.base, args.capacity_users, args.capacity, args.password, think=(0.0, 0.0))
        report(stats, args.capacity_users, args.capacity, think=(0.0, 0.0), target=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
