"""The bilan engine, the dashboard and the national PDF at national size (issue 14, items 1, 2 and 4).

Expected data: `seed_demo --scale national` on PostgreSQL. Every line prints the median, a floor measured in the
same run, their ratio and the real number of SQL queries, counted with a connection execute wrapper (Django empties
`connection.queries` at each request, so counting through it reads 0 for HTTP lines).

Floors:
- bilan of a scope: the bare SQL the issue names, on the same database and scope: the 13 means and answer counts
  (item summaries of the scope's held sessions, read by the engine's faster path: the covering index for a period
  of a year at most) plus one grouped participant-profile query over the scope's sign-in rows, both through a
  cursor (no ORM);
- dashboard and PDF: the bilan floor of the same scope (what the page cannot do without).
« One season » is the latest full season (ended before today), never the current, partial one.
"""

import statistics
import time
from datetime import date

from django.core.cache import cache
from django.db import connection
from django.db.models import Count
from django.test import Client

from accounts.models import Role, User
from bench.common import count_queries
from evaluation.bilan import Scope, compute_bilan
from sessions_app.models import AwarenessSession, season_bounds

CHARTS = ("satisfaction", "capacites", "engagement", "besoins", "profil", "carte")


def measure(function, runs: int = 5, setup=None):
    """Median wall time (seconds) of `function` over `runs` runs (`setup` runs before each, untimed), and the
    number of SQL queries of the first run."""
    timings, queries = [], None
    for _ in range(runs):
        if setup:
            setup()
        with count_queries() as counter:
            start = time.perf_counter()
            function()
            timings.append(time.perf_counter() - start)
        if queries is None:
            queries = counter["n"]
    return statistics.median(timings), queries


def line(name: str, value: float, floor: float, queries: int, floor_queries: int = 2):
    print(
        f"{name:<62} median {value * 1000:8.1f} ms | floor {floor * 1000:7.1f} ms ({floor_queries} q) | "
        f"ratio {value / floor:6.2f} | {queries} queries",
        flush=True,
    )


def floor_statements(scope: Scope) -> list[tuple[str, list]]:
    held_sql, held_params = scope.held_sessions().values("pk").query.sql_with_params()
    # The item sums read as the engine reads them, by the faster of its two paths: looked up in the covering index
    # with the held ids as one array for a period of a year at most (a national season: 24 → 12 ms), else hashed.
    sessions = f"= ANY(ARRAY({held_sql}))" if scope.within_a_year else f"IN ({held_sql})"
    means = (
        "SELECT s.item_code, SUM(s.total)::float / NULLIF(SUM(s.answers), 0), SUM(s.answers) "
        f"FROM evaluation_sessionitemsummary s WHERE s.session_id {sessions} GROUP BY s.item_code"
    )
    profile = (
        "SELECT p.gender, p.profile, p.lives_in_qpv, p.acts_in_qpv, COUNT(*) FROM sessions_app_participant p "
        f"WHERE p.session_id IN ({held_sql}) GROUP BY 1, 2, 3, 4"
    )
    return [(means, list(held_params)), (profile, list(held_params))]


def floor_of(scope: Scope) -> float:
    statements = floor_statements(scope)

    def run():
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
                cursor.fetchall()

    value, _ = measure(run, runs=7)
    return value


def scopes() -> list[tuple[str, Scope]]:
    held = AwarenessSession.objects.held()
    today = date.today()
    seasons = sorted(set(held.values_list("season", flat=True).distinct()))
    full = [season for season in seasons if season_bounds(season)[1] < today]
    season = full[-1] if full else seasons[-1]
    region = (
        AwarenessSession.qpvs.through.objects.filter(awarenesssession__status="realisee")
        .values_list("qpv__department__region_id")
        .annotate(n=Count("awarenesssession_id"))
        .order_by("-n")
        .first()[0]
    )
    clsm = held.values_list("clsm__name").annotate(n=Count("pk")).order_by("-n").first()[0]
    session = held.filter(season=season).annotate(n=Count("responses")).order_by("-n", "pk").first().reference
    return [
        ("all seasons", Scope.build()),
        (f"full season {season}", Scope.build(season=season)),
        (f"région {region}", Scope.build(region=region)),
        ("one CLSM", Scope.build(clsm=clsm)),
        (f"one session {session}", Scope.build(session=session)),
    ]


def _a_write(season_scope: Scope):
    """A write that changes a figure: a paper sheet typed in a held session of the season, then removed (both
    through the usual write path), so that the next visit finds the data changed."""
    from evaluation.models import Response
    from evaluation.responses import Sheet, create_response, delete_response

    session = season_scope.held_sessions().order_by("pk").first()
    user = User.objects.filter(username="bench-staff").first()
    response = create_response(session, Sheet(answers={}, comment="bench"), channel=Response.Channel.PAPER, user=user)
    delete_response(response, user=user)


def run_bilan(all_scopes):
    for label, scope in all_scopes:
        floor = floor_of(scope)
        compute_bilan(scope)  # warms PostgreSQL's buffers like the floor's own first run
        value, queries = measure(lambda scope=scope: compute_bilan(scope))
        line(f"compute_bilan, {label}", value, floor, queries)
    return


def run_dashboard(season_label, season_scope):
    season = season_scope.season
    params = {"period": "saison", "season": season}
    floor = floor_of(season_scope)
    cache.clear()
    for username, role, who in (("bench-staff", Role.NATIONAL_STAFF, "staff"), ("bench-funder", Role.FUNDER, "funder")):
        user, _ = User.objects.get_or_create(username=username, defaults={"role": role})
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)

        def visit(client=client):
            response = client.get("/bilan/", params)
            assert response.status_code == 200, response.status_code
            for name in CHARTS:
                response = client.get(f"/bilan/graphique/{name}.svg", params)
                assert response.status_code == 200, (name, response.status_code)

        visit()
        value, queries = measure(visit, setup=lambda: _a_write(season_scope))
        line(f"dashboard + 6 charts, {season_label}, after a write ({who})", value, floor, queries)
        value, queries = measure(visit)
        line(f"dashboard + 6 charts, {season_label}, warm ({who})", value, floor, queries)
        value, queries = measure(lambda client=client: client.get("/bilan/", params))
        line(f"dashboard page alone, {season_label}, warm ({who})", value, floor, queries)


def run_pdf(season_label, season_scope):
    from evaluation import documents
    from evaluation.models import BilanDocument

    floor = floor_of(season_scope)

    def pdf():
        documents.render(BilanDocument.Kind.PDF, season_scope, hide_small=True, free_text=False)

    value, queries = measure(pdf, runs=3, setup=cache.clear)
    line(f"national PDF (funder), {season_label}, in the worker, nothing cached", value, floor, queries)
    # As when the funder looked at the dashboard first: its figures and its six charts are in the cache.
    value, queries = measure(pdf, runs=3)
    line(f"national PDF (funder), {season_label}, after the dashboard", value, floor, queries)


def run(parts=("bilan", "dashboard", "pdf")):
    if not AwarenessSession.objects.exists():
        print("engine: empty database (run `manage.py seed_demo --scale national` first)")
        return
    all_scopes = scopes()
    season_label, season_scope = all_scopes[1]
    print(f"engine: {AwarenessSession.objects.count():,} sessions; scopes: {', '.join(lab for lab, _ in all_scopes)}")
    if "bilan" in parts:
        run_bilan(all_scopes)
    if "dashboard" in parts:
        run_dashboard(season_label, season_scope)
    if "pdf" in parts:
        run_pdf(season_label, season_scope)
