#!/usr/bin/env python
"""A bounded load test on 127.0.0.1: the application served by gunicorn on PostgreSQL with the national data,
20 concurrent users for 60 seconds (browsing, typing questionnaires, downloading bilans).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/smdq_bench .venv/bin/python bench/load_test.py

Requires `seed_demo --scale national` in that database. Stops by itself: at most DURATION seconds and
MAX_REQUESTS requests. Reports requests, errors, p50/p95 per kind, and checks that no questionnaire was lost
(responses in the database before + sheets saved == after).
"""

import http.cookiejar
import os
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

HOST, PORT = "127.0.0.1", int(os.environ.get("LOAD_PORT", "8799"))
BASE = f"http://{HOST}:{PORT}"
USERS, DURATION, MAX_REQUESTS = 20, float(os.environ.get("LOAD_SECONDS", "60")), 20_000
PASSWORD = "charge-de-test-2026"


class Browser:
    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def request(self, method, path, data=None):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(BASE + path, data=body, method=method, headers={"Referer": BASE + path})
        start = time.perf_counter()
        try:
            with self.opener.open(request, timeout=60) as response:
                content, status = response.read(), response.status
        except urllib.error.HTTPError as error:
            content, status = error.read(), error.code
        return status, content, time.perf_counter() - start

    def csrf(self, html: bytes) -> str:
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        return match.group(1).decode() if match else ""

    def log_in(self, username):
        _status, html, _ = self.request("GET", "/comptes/connexion/")
        status, _, _ = self.request(
            "POST",
            "/comptes/connexion/",
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": self.csrf(html)},
        )
        assert status == 302, f"log-in of {username} failed ({status})"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def main():
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.models import Role, User
    from evaluation.models import Item, Questionnaire, Response
    from sessions_app.models import AwarenessSession

    call_command("migrate", verbosity=0)
    sessions = list(AwarenessSession.objects.held().order_by("-date").values_list("pk", flat=True)[:200])
    if not sessions:
        sys.exit("Base vide : lancez `manage.py seed_demo --scale national` sur cette base d'abord.")
    season = AwarenessSession.objects.held().order_by("-season").values_list("season", flat=True).first()
    items = list(Item.objects.filter(questionnaire=Questionnaire.current()).values_list("code", "scale"))
    for username, role in (("load-staff", Role.NATIONAL_STAFF), ("load-funder", Role.FUNDER)):
        user, _ = User.objects.get_or_create(username=username, defaults={"role": role})
        user.set_password(PASSWORD)
        user.save()
    responses_before = Response.objects.count()

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
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "smdq.wsgi",
            "--bind",
            f"{HOST}:{PORT}",
            "--workers",
            "4",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(60):
            try:
                urllib.request.urlopen(BASE + "/comptes/connexion/", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        results: list[tuple[str, int, float]] = []
        saved = []
        lock = threading.Lock()
        deadline = time.monotonic() + DURATION

        def record(kind, status, seconds):
            with lock:
                results.append((kind, status, seconds))
                return len(results) < MAX_REQUESTS

        def browse(index):
            browser = Browser()
            browser.log_in("load-staff")
            pages = [
                "/",
                "/seances/",
                "/seances/calendrier/",
                f"/seances/{sessions[index % len(sessions)]}/",
                "/territoires/clsm/",
                "/sollicitations/",
                f"/bilan/?period=saison&season={season}",
            ]
            n = 0
            while time.monotonic() < deadline:
                status, _, seconds = browser.request("GET", pages[n % len(pages)])
                n += 1
                if not record("browse", status, seconds):
                    return

        def type_questionnaires(index):
            browser = Browser()
            browser.log_in("load-staff")
            session = sessions[(index * 7) % len(sessions)]
            n = 0
            while time.monotonic() < deadline:
                status, html, seconds = browser.request("GET", f"/seances/{session}/questionnaires/")
                if not record("entry page", status, seconds):
                    return
                number = re.search(rb'name="sheet_number" value="(\d+)"', html)
                data = {code: str(1 + (n + i) % scale) for i, (code, scale) in enumerate(items)}
                data.update(csrfmiddlewaretoken=browser.csrf(html), besoin_1=f"Besoin exprimé {n}")
                if number:
                    data["sheet_number"] = number.group(1).decode()
                status, _, seconds = browser.request("POST", f"/seances/{session}/questionnaires/", data)
                if status in (302, 303):
                    with lock:
                        saved.append(session)
                n += 1
                if not record("save sheet", status, seconds):
                    return

        def download(index):
            browser = Browser()
            browser.log_in("load-funder")
            paths = [
                f"/bilan/donnees.json?period=saison&season={season}",
                f"/bilan/tableaux.xlsx?period=saison&season={season}",
                f"/bilan/graphique/satisfaction.svg?period=saison&season={season}",
                "/bilan/donnees.json?period=tout",
            ]
            n = 0
            while time.monotonic() < deadline:
                status, _, seconds = browser.request("GET", paths[(n + index) % len(paths)])
                n += 1
                if not record("download bilan", status, seconds):
                    return

        workers = [threading.Thread(target=browse, args=(i,)) for i in range(10)]
        workers += [threading.Thread(target=type_questionnaires, args=(i,)) for i in range(5)]
        workers += [threading.Thread(target=download, args=(i,)) for i in range(5)]
        started = time.monotonic()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        elapsed = time.monotonic() - started
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    errors = [r for r in results if r[1] >= 400]
    print(
        f"Load test: {USERS} users, {elapsed:.0f} s, {len(results)} requests ({len(results) / elapsed:.1f}/s), "
        f"{len(errors)} errors"
    )
    for kind in sorted({r[0] for r in results}):
        times = sorted(r[2] for r in results if r[0] == kind)
        p95 = times[int(0.95 * (len(times) - 1))]
        print(
            f"  {kind:<15} {len(times):6d} requests  "
            f"p50 {statistics.median(times) * 1000:7.0f} ms  p95 {p95 * 1000:7.0f} ms"
        )
    all_times = sorted(r[2] for r in results)
    print(
        f"  {'all':<15} {len(all_times):6d} requests  p50 {statistics.median(all_times) * 1000:7.0f} ms  "
        f"p95 {all_times[int(0.95 * (len(all_times) - 1))] * 1000:7.0f} ms"
    )
    responses_after = Response.objects.count()
    lost = responses_before + len(saved) - responses_after
    print(
        f"  questionnaires: {responses_before} before + {len(saved)} saved = {responses_before + len(saved)}; "
        f"in the database after: {responses_after}; lost: {lost}"
    )
    if errors:
        for kind, status, _ in errors[:10]:
            print(f"  error: {kind} -> HTTP {status}")
    sys.exit(1 if errors or lost else 0)


if __name__ == "__main__":
    main()
