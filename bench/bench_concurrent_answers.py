#!/usr/bin/env python
"""A room answering at once: N participants (default 25) open the online questionnaire on their phones and press
« Envoyer » in the same instant, then those not thanked press it again, then everyone sends the same form once
more (back button, double tap), after the cache was emptied. Run against a server that is already running, on
the database of DATABASE_URL:

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/smdq_a
    DEBUG=0 SECRET_KEY=… ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=0 SECURE_COOKIES=0 \\
        .venv/bin/gunicorn smdq.wsgi \\
        --bind 127.0.0.1:8101 --workers 3 &
    .venv/bin/python bench/bench_concurrent_answers.py --url http://127.0.0.1:8101 [--clients 25]

Several servers (several machines behind one address): give them all, comma-separated, to --url. Each participant
then opens the form on one server and sends it to the next one, and sends it again (round 3) to the first: the
one-time form and the limits must hold across servers sharing PostgreSQL (and Redis for the cache). With
--start-servers the script starts a gunicorn (gunicorn.conf.py) on the port of each URL itself, with the
environment it runs in (set REDIS_URL and HUEY_NAME so that they share Redis), and stops them at the end:

    REDIS_URL=redis://127.0.0.1:6379/5 HUEY_NAME=smdq_bench DATABASE_URL=… \
        .venv/bin/python bench/bench_concurrent_answers.py --url http://127.0.0.1:8107,http://127.0.0.1:8117 \
        --start-servers --limit-check

--limit-check then sends, from one client address, QUESTIONNAIRE_CLIENT_LIMIT + 10 forms of another session,
alternating between the servers: exactly QUESTIONNAIRE_CLIENT_LIMIT must be thanked whatever the number of
servers (a limit counted per server would thank them all).

The script creates a confirmed session dated today with its online link (reference BENCH-…), so that nothing else
counts against the questionnaire's limits (and another, BENCH-…-P, for the floor: one participant alone), and
deletes them at the end (--keep to look at them). Each participant writes a marker in the comment, so that what
the database holds can be matched with what each one was told.

It prints, per round: submitted, thanked (303 to the thank-you page), refused (429), form shown again (200),
server errors (5xx); then saved responses, participants thanked without a saved response (lost), participants
saved more than once (doubled), and whether the sheet numbers are distinct. A benchmark never fails: it informs
(exit code 0 whatever it finds).

Client address: every request comes from 127.0.0.1. The application reads X-Forwarded-For only from a trusted proxy
(smdq/net.py, TRUSTED_PROXIES, empty by default), so the whole room counts as one client, as
a room on the venue's Wi-Fi does; the per-client limit (QUESTIONNAIRE_CLIENT_LIMIT, 30 in 10 minutes per session)
allows 25. Above 30 clients, start the server with a higher QUESTIONNAIRE_CLIENT_LIMIT, or pass
--forwarded-for if the server is set up to trust that header.
"""

import argparse
import datetime
import http.cookiejar
import os
import re
import statistics
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smdq.settings")

ANSWERS = {
    "sat_logistique": 5,
    "sat_dynamique": 4,
    "sat_animation": 5,
    "sat_duree": 3,
    "sat_contenu": 4,
    "sat_attentes": 4,
    "cap_expliquer": 3,
    "cap_posture": 2,
    "cap_ressources": 4,
    "cap_clsm": 1,
    "eng_concerne": 4,
    "eng_formation": 3,
    "eng_investir": 2,
}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Phone:
    """One participant's browser: its cookies (CSRF), the form it was given, what it was answered."""

    def __init__(self, base: str, path: str, index: int, forwarded_for: bool, send_base: str | None = None):
        self.base, self.path, self.index = base, path, index
        self.send_base = send_base or base  # another server than the one that gave the form, when there are several
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)
        self.headers = {"Referer": base + path}
        if forwarded_for:
            self.headers["X-Forwarded-For"] = f"10.11.{index // 250}.{index % 250 + 1}"
        self.data: dict[str, str] = {}
        self.thanked = False

    def request(self, method: str, data: dict | None = None, base: str | None = None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        url = (base or self.base) + self.path
        request = urllib.request.Request(url, data=body, method=method, headers=self.headers)
        start = time.perf_counter()
        try:
            with self.opener.open(request, timeout=120) as response:
                status, content, location = response.status, response.read(), response.headers.get("Location", "")
        except urllib.error.HTTPError as error:
            status, content, location = error.code, error.read(), error.headers.get("Location", "")
        except OSError as error:  # connection reset, timeout: counted as a server error
            print(f"  participant {self.index}: {error}", file=sys.stderr)
            status, content, location = 599, b"", ""
        return status, content, location, start, time.perf_counter() - start

    def open_form(self) -> None:
        status, html, _location, _start, _seconds = self.request("GET")
        csrf = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        nonce = re.search(rb'name="nonce" value="([^"]+)"', html)
        if status != 200 or not csrf or not nonce:
            raise SystemExit(f"Le formulaire ne s'ouvre pas (HTTP {status}) : le lien est-il ouvert ?")
        self.data = {"csrfmiddlewaretoken": csrf.group(1).decode(), "nonce": nonce.group(1).decode()}
        self.data |= {
            code: str((value + self.index) % (5 if code.startswith("sat") else 4) + 1)
            for code, value in ANSWERS.items()
        }
        self.data["commentaire"] = marker(self.index)

    def send(self, base: str | None = None):
        status, _html, location, start, seconds = self.request("POST", self.data, base or self.send_base)
        thanked = status == 303 and location.rstrip("/").endswith("/merci")
        self.thanked = self.thanked or thanked
        return status, thanked, start, seconds


def marker(index: int) -> str:
    return f"bench-participant-{index:04d}"


def run_round(label: str, phones: list[Phone], to_opener: bool = False) -> list[float]:
    """Every phone of the round presses « Envoyer » at the same instant (a barrier), and the round is reported."""
    if not phones:
        print(f"{label:<34} nobody")
        return []
    barrier = threading.Barrier(len(phones))
    results = [None] * len(phones)

    def press(position, phone):
        barrier.wait()
        results[position] = phone.send(phone.base if to_opener else None)

    threads = [threading.Thread(target=press, args=(n, phone)) for n, phone in enumerate(phones)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    starts = [start for _status, _thanked, start, _seconds in results]
    statuses = Counter(status for status, _thanked, _start, _seconds in results)
    thanked = sum(1 for _status, ok, _start, _seconds in results if ok)
    errors = sum(count for status, count in statuses.items() if status >= 500)
    times = sorted(seconds for _status, _thanked, _start, seconds in results)
    print(
        f"{label:<34} submitted {len(phones):3d} within {(max(starts) - min(starts)) * 1000:5.0f} ms | "
        f"thanked {thanked:3d} | refused (429) {statuses.get(429, 0):3d} | form again (200) {statuses.get(200, 0):3d} "
        f"| server errors {errors:3d} | median {statistics.median(times) * 1000:6.0f} ms, "
        f"slowest {times[-1] * 1000:6.0f} ms"
    )
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--url", default="http://127.0.0.1:8101", help="base address of the running server, or several, comma-separated"
    )
    parser.add_argument("--start-servers", action="store_true", help="start a gunicorn on the port of each --url")
    parser.add_argument("--limit-check", action="store_true", help="check the per-client limit across the servers")
    parser.add_argument("--clients", type=int, default=25, help="participants answering at once (25)")
    parser.add_argument("--forwarded-for", action="store_true", help="send a distinct X-Forwarded-For per client")
    parser.add_argument("--keep", action="store_true", help="keep the BENCH-… session and its responses")
    args = parser.parse_args()
    if os.environ.get("REDIS_URL") and not os.environ.get("CACHE_URL"):
        # The servers' cache (production: Redis when REDIS_URL is set), so that emptying it below empties theirs.
        os.environ["CACHE_URL"] = os.environ["REDIS_URL"]

    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.utils import timezone

    from bench.common import machine
    from evaluation import online
    from evaluation.models import Response
    from sessions_app.models import AwarenessSession
    from territories.models import CLSM

    clsm = CLSM.objects.order_by("pk").first()
    if clsm is None:
        raise SystemExit("Base vide : lancez `manage.py seed_demo --scale demo` sur cette base d'abord.")
    reference = "BENCH-" + datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    # The room's session, and another one for the floor, so that the floor's sendings do not count against the
    # room's limits.
    session, floor_session = (
        AwarenessSession.objects.create(
            reference=reference + suffix, clsm=clsm, date=timezone.localdate(), status=AwarenessSession.Status.CONFIRMED
        )
        for suffix in ("", "-P")
    )
    path = f"/q/{online.link_for(session).token}/"
    floor_path = f"/q/{online.link_for(floor_session).token}/"
    bases = [url.strip().rstrip("/") for url in args.url.split(",") if url.strip()]
    base = bases[0]
    servers = start_servers(bases) if args.start_servers else []
    print(f"Machine: {machine()}; server(s) {', '.join(bases)}; session {reference}")
    if len(bases) > 1:
        print("Each participant opens the form on one server and sends it to the next (round 3: back to the first)")
    print(
        "Client address: "
        + (
            "a distinct X-Forwarded-For per participant (counts only if the server trusts it)"
            if args.forwarded_for
            else "all from 127.0.0.1, as one room on one Wi-Fi"
        )
    )
    try:
        # Floor: one participant alone, on the same server and database, in the same run (after a warm-up request
        # per worker, so that the floor does not include a worker's first import of the application).
        alone = [Phone(base, floor_path, args.clients + n, args.forwarded_for) for n in range(6)]
        for phone in alone:
            phone.open_form()
        floor = statistics.median([phone.send()[3] for phone in alone][3:])
        print(f"{'one participant alone (floor)':<34} {floor * 1000:6.0f} ms (median of 3, after 3 warm-up sendings)")

        phones = [
            Phone(bases[index % len(bases)], path, index, args.forwarded_for, bases[(index + 1) % len(bases)])
            for index in range(args.clients)
        ]
        for phone in phones:
            phone.open_form()
        crowd = run_round(f"round 1: {args.clients} press « Envoyer »", phones)
        run_round("round 2: those not thanked, again", [phone for phone in phones if not phone.thanked])
        # The production cache is culled when full: nothing that guards the form may depend on it.
        cache.clear()
        print(
            f"cache emptied before round 3 ({settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}, shared "
            "with the servers when it is their Redis, or their file cache on the same machine)"
        )
        run_round(f"round 3: all {args.clients} send it once more", phones, to_opener=True)

        saved = Counter(Response.objects.filter(session=session).values_list("comment", flat=True))
        numbers = list(Response.objects.filter(session=session).values_list("sheet_number", flat=True))
        thanked = [phone for phone in phones if phone.thanked]
        lost = [phone.index for phone in thanked if saved[marker(phone.index)] == 0]
        doubled = [phone.index for phone in phones if saved[marker(phone.index)] > 1]
        unthanked_saved = [phone.index for phone in phones if not phone.thanked and saved[marker(phone.index)]]
        print(
            f"Result: {args.clients} participants, {len(thanked)} thanked, "
            f"{sum(saved[marker(phone.index)] for phone in phones)} responses saved; "
            f"thanked but not saved: {len(lost)}; saved more than once: {len(doubled)}; "
            f"saved but not thanked: {len(unthanked_saved)}; "
            f"sheet numbers distinct: {'yes' if len(numbers) == len(set(numbers)) else 'NO'}"
        )
        if crowd and floor:
            median = statistics.median(crowd)
            print(
                f"Round 1 median {median * 1000:.0f} ms against {floor * 1000:.0f} ms alone: "
                f"ratio {median / floor:.1f} ({args.clients} requests queued on the server's workers)"
            )
        if args.limit_check:
            check_limit(bases, clsm, reference, args.forwarded_for)
    finally:
        if not args.keep:
            session.delete()
            floor_session.delete()
        stop_servers(servers)


def check_limit(bases: list[str], clsm, reference: str, forwarded_for: bool) -> None:
    """One client address sends the limit + 10 forms of a fresh session, alternating between the servers."""
    from django.conf import settings
    from django.utils import timezone

    from evaluation import online
    from sessions_app.models import AwarenessSession

    limit = settings.QUESTIONNAIRE_CLIENT_LIMIT
    session = AwarenessSession.objects.create(
        reference=reference + "-L", clsm=clsm, date=timezone.localdate(), status=AwarenessSession.Status.CONFIRMED
    )
    try:
        path = f"/q/{online.link_for(session).token}/"
        phones = [Phone(bases[n % len(bases)], path, 1000 + n, False) for n in range(limit + 10)]
        for phone in phones:
            phone.open_form()
        statuses = Counter(phone.send()[0] for phone in phones)  # one after the other: the limit, not a race
        thanked = sum(1 for phone in phones if phone.thanked)
        holds = thanked == limit if not forwarded_for else thanked <= limit + 10
        print(
            f"Limit across {len(bases)} server(s): {len(phones)} forms from one address, {thanked} thanked, "
            f"{statuses.get(429, 0)} refused (429), limit {limit}: {'holds' if holds else 'BROKEN'}"
        )
    finally:
        session.delete()


def start_servers(bases: list[str]) -> list:
    """A gunicorn (gunicorn.conf.py) per address, production settings over plain HTTP, this environment's
    DATABASE_URL, REDIS_URL and HUEY_NAME: what two machines behind one address would share."""
    import subprocess

    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-concurrent-" + "k" * 50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "EMAIL_URL": "none",
    }
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    servers = []
    for base in bases:
        bind = urllib.parse.urlparse(base).netloc
        command = [gunicorn, "smdq.wsgi", "--bind", bind, "--log-level", "warning"]
        servers.append(subprocess.Popen(command, cwd=ROOT, env=env))
    for base in bases:
        for _ in range(240):
            try:
                urllib.request.urlopen(base + "/comptes/connexion/", timeout=5)
                break
            except OSError:
                time.sleep(0.5)
    return servers


def stop_servers(servers: list) -> None:
    for server in servers:
        server.terminate()
    for server in servers:
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
