"""The staff pages that must stay under 150 ms at the national size (issue « Performance », item 5): the needs
screen, the calendar, the participant entry of a 32-row sign-in sheet, and the lists with their filters.

Each page is fetched through Django's test client (whole middleware stack and templates, no network), as the
national centre's chargée de mission. The floor is the log-in page (anonymous), fetched the same way in the same
run: the
cost of a request that reads nothing (middleware, session, the base template). Query counts come from a
wrapper of the connection around one request (`connection.queries` is emptied at each request).

    DATABASE_URL=postgres://…/smdq_bench .venv/bin/python bench/run.py --pages
"""

import statistics
import time

from django.db import connection
from django.test import Client

TARGET_MS = 150
PASSWORD = "bench-pages-2026"


def _client():
    from accounts.models import Role, User

    user, _ = User.objects.get_or_create(username="bench-pages", defaults={"role": Role.NATIONAL_STAFF})
    user.role = Role.NATIONAL_STAFF
    user.set_password(PASSWORD)
    user.save()
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(user)
    return client


def _time(client, path, runs):
    response = client.get(path)  # warm: templates compiled, connection open
    assert response.status_code == 200, f"{path} → HTTP {response.status_code}"
    queries = []
    # Not CaptureQueriesContext: the request_started signal empties connection.queries at each request.
    with connection.execute_wrapper(lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)):
        client.get(path)
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        client.get(path)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings), len(queries)


def _session_with_rows(rows: int):
    """A session whose sign-in sheet has `rows` participants (the closest above when none has exactly)."""
    from django.db.models import Count

    from sessions_app.models import AwarenessSession

    sessions = AwarenessSession.objects.order_by().annotate(n=Count("participants"))
    exact = sessions.filter(n=rows).values_list("pk", flat=True).first()
    return exact or sessions.filter(n__gte=rows).order_by("n").values_list("pk", flat=True).first()


def pages() -> list[tuple[str, str]]:
    from django.utils import timezone

    from sessions_app.models import AwarenessSession, season_of
    from territories.models import Region

    season = season_of(timezone.localdate())
    busiest_month = (
        AwarenessSession.objects.filter(season=season).order_by("-date").values_list("date", flat=True).first()
    )
    month = f"{busiest_month:%Y-%m}" if busiest_month else ""
    region = Region.objects.order_by("code").values_list("code", flat=True).first()
    session = _session_with_rows(32)
    previous = f"{int(season[:4]) - 1}-{season[:4]}"
    return [
        ("needs screen (current season)", "/besoins/"),
        ("needs screen (last full season, all)", f"/besoins/?saison={previous}&statut=tous"),
        ("calendar (month of the latest session)", f"/seances/calendrier/?month={month}"),
        ("calendar (this month)", "/seances/calendrier/"),
        ("participant entry (32 rows)", f"/seances/{session}/participants/"),
        ("requests (inbox)", "/sollicitations/"),
        ("requests (one région)", f"/sollicitations/?region={region}"),
        ("sessions list", "/seances/"),
    ]


def _time_after_a_write(client, path, runs):
    """The first visit after a write: the needs screen keeps its season counts per data version, so a bump of the
    version (what every write of needs, responses or sessions does) makes the next visit read them again."""
    from sessions_app.summaries import bump_data_version

    client.get(path)
    timings = []
    for _ in range(runs):
        bump_data_version()
        start = time.perf_counter()
        client.get(path)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def run(runs: int = 7):
    client = _client()
    floor, floor_queries = _time(Client(SERVER_NAME="127.0.0.1"), "/comptes/connexion/", runs)
    print(f"Pages (target < {TARGET_MS} ms; floor: the log-in page, {floor_queries} queries)")
    for name, path in pages():
        value, queries = _time(client, path, runs)
        flag = "" if value * 1000 < TARGET_MS else "  (over target)"
        print(
            f"  {name:<43} median {value * 1000:7.1f} ms | floor {floor * 1000:6.1f} ms | "
            f"ratio {value / floor:5.1f} | {queries} queries{flag}"
        )
        if path.startswith("/besoins/"):
            value = _time_after_a_write(client, path, runs)
            flag = "" if value * 1000 < TARGET_MS else "  (over target)"
            print(
                f"  {'  after a write (counts read again)':<43} median {value * 1000:7.1f} ms | floor "
                f"{floor * 1000:6.1f} ms | ratio {value / floor:5.1f}{flag}"
            )
