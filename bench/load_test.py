#!/usr/bin/env python
"""A bounded load test on 127.0.0.1: the application served by gunicorn (with `gunicorn.conf.py`) on PostgreSQL
with the national data, and its task worker, 20 concurrent users for 60 seconds:

- 8 staff members browse (home, lists, calendar, session, needs screen, participant entry, the dashboard);
- 5 type paper questionnaires (entry page, then save);
- 3 look at the dashboard as the funder would (the page, then its 6 charts);
- 4 download: JSON and XLSX of a season, the national JSON, and the season's PDF (asked from the worker,
  followed until it is ready, then fetched), as the browser does.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/smdq_bench .venv/bin/python bench/load_test.py
    … bench/load_test.py --workers 2 --threads 4 --no-preload        # compare gunicorn settings
    REDIS_URL=redis://127.0.0.1:6379/5 … bench/load_test.py --servers 2   # two servers, the load alternating

Requires `seed_demo --scale national` in that database. Stops by itself: at most --seconds and MAX_REQUESTS
requests. Reports requests, errors, p50/p95 per kind, the PDF from click to file, and checks that no
questionnaire was lost (responses in the database before + sheets saved == after). With --servers 2, each user
logs in on one server and then alternates between both (sessions, CSRF and caches must be shared: PostgreSQL and
Redis), and needs REDIS_URL (cache and task queue shared by both servers and the worker).
"""

import argparse
import http.cookiejar
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smdq.settings")

HOST = "127.0.0.1"
MAX_REQUESTS = 20_000
PASSWORD = "charge-de-test-2026"
TARGET_P95 = 0.5  # seconds, pages and saves
# The kinds held to the target: what a person waits for in front of a page or a save.
INTERACTIVE = ("page", "dashboard", "save")


class Browser:
    """One person's browser: cookies, and the servers it alternates between (one, or several sharing state)."""

    def __init__(self, bases: list[str], offset: int = 0, think: float = 0.0, cache: bool = True):
        self.bases, self.n = bases, offset
        self.think = think
        # As a browser does, a response the server allows to be kept (Cache-Control: max-age, the charts) is not
        # asked for again before it expires: path -> (expiry, content, headers). None: every request is sent.
        self.cache: dict | None = {} if cache else None
        self.random = random.Random(offset)  # the same pauses at each run
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def base(self) -> str:
        self.n += 1
        return self.bases[self.n % len(self.bases)]

    def request(self, method, path, data=None, headers=None):
        """(status, content, seconds, headers); seconds is None when the browser's cache answered (no request)."""
        if method == "GET" and self.cache is not None and path in self.cache:
            expiry, content, kept_headers = self.cache[path]
            if time.monotonic() < expiry:
                return 200, content, None, kept_headers
        base = self.base()
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(
            base + path, data=body, method=method, headers={"Referer": base + path, **(headers or {})}
        )
        start = time.perf_counter()
        try:
            with self.opener.open(request, timeout=120) as response:
                content, status, headers = response.read(), response.status, response.headers
        except urllib.error.HTTPError as error:
            content, status, headers = error.read(), error.code, error.headers
        except OSError:
            content, status, headers = b"", 599, {}
        seconds = time.perf_counter() - start
        max_age = re.search(r"max-age=(\d+)", (headers or {}).get("Cache-Control", "") or "")
        if method == "GET" and status == 200 and max_age and self.cache is not None:
            self.cache[path] = (time.monotonic() + int(max_age.group(1)), content, headers)
        return status, content, seconds, headers

    def pause(self):
        """The person reads the page or types the sheet before the next click: a random pause (exponential, mean
        `think` seconds; 0: none, each user sends their next request as soon as the last one is answered)."""
        if self.think:
            time.sleep(self.random.expovariate(1 / self.think))

    def csrf(self, html: bytes) -> str:
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        return match.group(1).decode() if match else ""

    def log_in(self, username):
        _status, html, _, _ = self.request("GET", "/comptes/connexion/")
        status, _, _, _ = self.request(
            "POST",
            "/comptes/connexion/",
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": self.csrf(html)},
        )
        assert status == 302, f"log-in of {username} failed ({status})"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _percentile(times, q):
    return times[int(q * (len(times) - 1))]


def start_servers(args, env, ports):
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    servers = []
    for port in ports:
        command = [gunicorn, "smdq.wsgi", "--config", str(ROOT / "gunicorn.conf.py"), "--bind", f"{HOST}:{port}"]
        command += ["--workers", str(args.workers), "--threads", str(args.threads), "--log-level", "warning"]
        servers.append(
            subprocess.Popen(command, cwd=ROOT, env={**env, "GUNICORN_PRELOAD": "1" if args.preload else "0"})
        )
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "run_huey", "--quiet", "--no-periodic"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    for port in ports:
        for _ in range(240):
            if any(server.poll() is not None for server in servers):
                stop([*servers, worker])
                sys.exit("Un serveur gunicorn s'est arrêté au démarrage.")
            try:
                urllib.request.urlopen(f"http://{HOST}:{port}/comptes/connexion/", timeout=5)
                break
            except OSError:
                time.sleep(0.5)
    return servers, worker


def stop(processes):
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def main():
    sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("LOAD_SECONDS", "60")))
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes per server")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn process (1: sync workers)")
    parser.add_argument("--no-preload", dest="preload", action="store_false", help="import the app in each worker")
    parser.add_argument(
        "--servers", type=int, default=1, help="gunicorn servers, on --port, --port + 10… (needs Redis)"
    )
    parser.add_argument(
        "--think",
        type=float,
        default=float(os.environ.get("LOAD_THINK", "1")),
        help="mean pause in seconds between a person's actions (0: none, the server's saturation)",
    )
    parser.add_argument(
        "--no-browser-cache",
        dest="browser_cache",
        action="store_false",
        help="send every request, even those a browser would answer from its cache (Cache-Control: max-age)",
    )
    parser.add_argument(
        "--warm-up", type=float, default=10, help="seconds run first and reported apart, not counted (10)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the sheets the run typed (deleted otherwise)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("LOAD_PORT", "8799")))
    parser.add_argument("--no-downloads", dest="downloads", action="store_false", help="no downloading users")
    args = parser.parse_args()

    redis_url = os.environ.get("REDIS_URL", "").strip()
    if args.servers > 1 and not redis_url:
        sys.exit("--servers 2 demande REDIS_URL (cache et file des tâches partagés entre les serveurs).")

    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import Role, User
    from bench.bench_pages import _session_with_rows
    from bench.common import machine
    from evaluation.models import Item, Questionnaire, Response
    from sessions_app.models import AwarenessSession, season_of

    call_command("migrate", verbosity=0)
    sessions = list(AwarenessSession.objects.held().order_by("-date").values_list("pk", flat=True)[:200])
    if not sessions:
        sys.exit("Base vide : lancez `manage.py seed_demo --scale national` sur cette base d'abord.")
    # The last full season: the one people download and compare (the current one is partial).
    current = season_of(timezone.localdate())
    season = f"{int(current[:4]) - 1}-{current[:4]}"
    sheet = _session_with_rows(32)
    items = list(Item.objects.filter(questionnaire=Questionnaire.current()).values_list("code", "scale"))
    for username, role in (("load-staff", Role.NATIONAL_STAFF), ("load-funder", Role.FUNDER)):
        user, _ = User.objects.get_or_create(username=username, defaults={"role": role})
        user.set_password(PASSWORD)
        user.save()
    responses_before = Response.objects.count()
    last_before = Response.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "load-test-" + "k" * 50,
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "CACHE_DIR": "/tmp/smdq-load-cache",
        "EMAIL_URL": "none",  # the load test sends no mail
    }
    if not redis_url:
        env["HUEY_FILE"] = "/tmp/smdq-load-huey.sqlite3"
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
    ports = [args.port + 10 * n for n in range(args.servers)]  # 8799, 8809…
    bases = [f"http://{HOST}:{port}" for port in ports]
    print(
        f"Machine: {machine()}; {args.servers} server(s) on {', '.join(str(p) for p in ports)}, each "
        f"{args.workers} process(es) × {args.threads} thread(s), preload {'on' if args.preload else 'off'}; "
        f"cache and queue: {'Redis' if redis_url else 'file and SQLite'}; season {season}; "
        f"think time {args.think:g} s (mean pause between a person's actions); browser cache "
        f"{'on' if args.browser_cache else 'off'}"
    )
    started_at = time.monotonic()
    servers, worker = start_servers(args, env, ports)
    print(f"Servers answering after {time.monotonic() - started_at:.1f} s")
    results: list[tuple[str, int, float]] = []
    saved = []
    pdfs: list[float] = []
    kept: list[str] = []
    warm_up: list[tuple] = []
    lock = threading.Lock()
    try:
        # The first seconds after a start are not a server's usual state (each process renders its first pages,
        # PostgreSQL reads its first pages from disk, the first figures are computed): they are run, and reported
        # apart, not counted in the percentiles.
        warm_until = time.monotonic() + args.warm_up
        deadline = warm_until + args.seconds

        def record(kind, status, seconds, path=""):
            with lock:
                if seconds is None:  # answered by the browser's cache: no request
                    kept.append(kind)
                    return time.monotonic() < deadline
                if time.monotonic() < warm_until:
                    warm_up.append((kind, status, seconds, path))
                else:
                    results.append((kind, status, seconds, path))
                return len(results) < MAX_REQUESTS and time.monotonic() < deadline

        def browse(index):
            browser = Browser(bases, index, args.think, args.browser_cache)
            browser.log_in("load-staff")
            pages = [
                "/",
                "/seances/",
                "/seances/calendrier/",
                f"/seances/{sessions[index % len(sessions)]}/",
                "/territoires/clsm/",
                "/sollicitations/",
                "/besoins/",
                f"/seances/{sheet}/participants/",
                f"/bilan/?period=saison&season={season}",
            ]
            n = index
            while True:
                path = pages[n % len(pages)]
                status, _, seconds, _ = browser.request("GET", path)
                n += 1
                if not record("page", status, seconds, re.sub(r"\d+", "N", path.split("?")[0])):
                    return
                browser.pause()

        def type_questionnaires(index):
            browser = Browser(bases, index, args.think, args.browser_cache)
            browser.log_in("load-staff")
            session = sessions[(index * 7) % len(sessions)]
            n = 0
            while True:
                status, html, seconds, _ = browser.request("GET", f"/seances/{session}/questionnaires/")
                if not record("page", status, seconds, "/seances/N/questionnaires/"):
                    return
                browser.pause()  # types the sheet
                number = re.search(rb'name="sheet_number" value="(\d+)"', html)
                data = {code: str(1 + (n + i) % scale) for i, (code, scale) in enumerate(items)}
                data.update(csrfmiddlewaretoken=browser.csrf(html), besoin_1=f"Besoin exprimé {n}")
                if number:
                    data["sheet_number"] = number.group(1).decode()
                status, _, seconds, _ = browser.request("POST", f"/seances/{session}/questionnaires/", data)
                if status in (302, 303):
                    with lock:
                        saved.append(session)
                n += 1
                if not record("save", status if status in (302, 303) else 600 + status, seconds):
                    return

        def dashboard(index):
            browser = Browser(bases, index, args.think, args.browser_cache)
            browser.log_in("load-funder")
            query = f"period=saison&season={season}"
            charts = ["satisfaction", "capacites", "engagement", "besoins", "profil", "carte"]
            while True:
                status, _, seconds, _ = browser.request("GET", f"/bilan/?{query}")
                if not record("dashboard", status, seconds):
                    return
                for chart in charts:
                    status, _, seconds, _ = browser.request("GET", f"/bilan/graphique/{chart}.svg?{query}")
                    if not record("chart", status, seconds):
                        return
                browser.pause()

        def fetch_pdf(browser, query):
            """Click « PDF », then as the page does: ask the worker, follow the progress every 2 s, fetch the file."""
            began = time.perf_counter()
            status, html, seconds, _ = browser.request("GET", f"/bilan/rapport.pdf?{query}")
            if not record("download", status, seconds):
                return False
            if html.startswith(b"%PDF"):  # kept from an earlier request for the same data
                with lock:
                    pdfs.append(time.perf_counter() - began)
                return True
            data = dict(urllib.parse.parse_qsl(query), kind="pdf", csrfmiddlewaretoken=browser.csrf(html))
            status, _, seconds, headers = browser.request("POST", "/bilan/documents/preparer/", data)
            if not record("download", status if status in (302, 303) else 600 + status, seconds):
                return False
            detail = urllib.parse.urlparse(headers.get("Location", "")).path
            while time.monotonic() < deadline + 60:  # a PDF asked for before the end is followed to its file
                status, _, seconds, headers = browser.request("GET", detail, headers={"HX-Request": "true"})
                record("download", status, seconds)
                if status != 200:
                    return False
                if headers.get("HX-Redirect"):
                    status, content, seconds, _ = browser.request("GET", headers["HX-Redirect"])
                    record("download", status, seconds)
                    if status == 200 and content.startswith(b"%PDF"):
                        with lock:
                            pdfs.append(time.perf_counter() - began)
                        return True
                    return False
                time.sleep(2)
            return False

        def download(index):
            browser = Browser(bases, index, args.think, args.browser_cache)
            browser.log_in("load-funder")
            query = f"period=saison&season={season}"
            paths = [
                f"/bilan/donnees.json?{query}",
                f"/bilan/tableaux.xlsx?{query}",
                "/bilan/donnees.json?period=tout",
                None,  # the season's PDF
            ]
            n = index
            while time.monotonic() < deadline:
                path = paths[n % len(paths)]
                n += 1
                if path is None:
                    if not fetch_pdf(browser, query):
                        return
                    browser.pause()
                    continue
                status, _, seconds, _ = browser.request("GET", path)
                if not record("download", status, seconds):
                    return
                browser.pause()

        threads = [threading.Thread(target=browse, args=(i,)) for i in range(8)]
        threads += [threading.Thread(target=type_questionnaires, args=(i,)) for i in range(5)]
        threads += [threading.Thread(target=dashboard, args=(i,)) for i in range(3)]
        if args.downloads:
            threads += [threading.Thread(target=download, args=(i,)) for i in range(4)]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - began
    finally:
        stop([*servers, worker])

    errors = [r for r in [*warm_up, *results] if r[1] >= 400]
    if warm_up:
        times = sorted(r[2] for r in warm_up if r[0] in INTERACTIVE)
        print(
            f"  warm-up, first {args.warm_up:g} s (not counted below): {len(warm_up)} requests, pages and saves p50 "
            f"{statistics.median(times) * 1000:.0f} ms, p95 {_percentile(times, 0.95) * 1000:.0f} ms"
        )
    if kept:
        kinds = ", ".join(sorted(set(kept)))
        print(f"  answered by the browsers' caches (Cache-Control: max-age), not sent: {len(kept)} ({kinds})")
    by_path: dict[str, list[float]] = {}
    for kind, _status, seconds, path in results:
        if kind == "page":
            by_path.setdefault(path, []).append(seconds)
    measured = max(elapsed - args.warm_up, 1)
    print(
        f"Load test: {len(threads)} users, {measured:.0f} s after the warm-up, {len(results)} requests "
        f"({len(results) / measured:.1f}/s), {len(errors)} errors (warm-up included)"
    )
    for kind in ("page", "dashboard", "save", "chart", "download"):
        times = sorted(r[2] for r in results if r[0] == kind)
        if times:
            print(
                f"  {kind:<10} {len(times):6d} requests  p50 {statistics.median(times) * 1000:7.0f} ms  "
                f"p95 {_percentile(times, 0.95) * 1000:7.0f} ms  max {times[-1] * 1000:7.0f} ms"
            )
    for path, times in sorted(by_path.items()):
        times.sort()
        print(
            f"    {path:<34} {len(times):4d}  p50 {statistics.median(times) * 1000:7.0f} ms  "
            f"p95 {_percentile(times, 0.95) * 1000:7.0f} ms"
        )
    interactive = sorted(r[2] for r in results if r[0] in INTERACTIVE)
    p95 = _percentile(interactive, 0.95) if interactive else 0
    print(
        f"  {'pages+saves':<10} {len(interactive):6d} requests  p50 {statistics.median(interactive) * 1000:7.0f} ms  "
        f"p95 {p95 * 1000:7.0f} ms (target < {TARGET_P95 * 1000:.0f} ms: {'met' if p95 < TARGET_P95 else 'NOT met'})"
    )
    if pdfs:
        print(f"  PDF from click to file: {len(pdfs)} fetched, median {statistics.median(pdfs):.1f} s")
    elif args.downloads:
        print("  PDF from click to file: none arrived within the run")
    responses_after = Response.objects.count()
    lost = responses_before + len(saved) - responses_after
    print(
        f"  questionnaires: {responses_before} before + {len(saved)} saved = {responses_before + len(saved)}; "
        f"in the database after: {responses_after}; lost: {lost}"
    )
    for kind, status, _seconds, _path in errors[:10]:
        print(f"  error: {kind} -> HTTP {status if status < 600 else status - 600}")
    if not args.keep:
        _remove_typed_sheets(last_before)
    sys.exit(1 if errors or lost else 0)


def _remove_typed_sheets(last_before: int) -> None:
    """The sheets the run typed are deleted (and their sessions' summaries refreshed), so that the next run starts
    from the same data: otherwise each run adds about 40 sheets to each typist's session, and the entry page, which
    lists a session's sheets, grows from run to run."""
    from django.db import transaction

    from evaluation.models import Response
    from evaluation.responses import refresh_summaries

    typed = Response.objects.filter(pk__gt=last_before)
    sessions = set(typed.values_list("session_id", flat=True))
    with transaction.atomic():
        typed.delete()
        refresh_summaries(sessions)
    print(f"  the run's sheets deleted ({len(sessions)} sessions' summaries refreshed; --keep keeps them)")


if __name__ == "__main__":
    main()
