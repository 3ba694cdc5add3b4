"""The national bilan on the current database (expected: `seed_demo --scale national` on PostgreSQL).

Measures: JSON bilan of all seasons and of one season, the PDF of one national season, the dashboard page
(cold: cache emptied before each run; warm: figures and charts cached). Floor: the bare SQL aggregate of the
13 means and answer counts over held sessions, all seasons (performance.md).
"""

from datetime import date

from django.core.cache import cache
from django.db import connection
from django.test import Client

from accounts.models import Role, User
from bench.common import measure, report
from evaluation.bilan import Scope, compute_bilan
from evaluation.report import bilan_pdf
from sessions_app.models import AwarenessSession, season_bounds

FLOOR_SQL = """
SELECT s.item_code, SUM(s.total)::float / NULLIF(SUM(s.answers), 0), SUM(s.answers)
FROM evaluation_sessionitemsummary s JOIN sessions_app_awarenesssession a ON a.id = s.session_id
WHERE a.status = 'realisee' GROUP BY s.item_code
"""


def _floor():
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL)
        return cursor.fetchall()


def run():
    sessions = AwarenessSession.objects.count()
    if not sessions:
        print("bilan: empty database (run `manage.py seed_demo --scale national` first)")
        return
    # A full season (ended before today), never the current, partial one.
    today = date.today()
    seasons = sorted(set(AwarenessSession.objects.held().values_list("season", flat=True).distinct()))
    season = ([s for s in seasons if season_bounds(s)[1] < today] or seasons)[-1]
    print(f"bilan: {sessions:,} sessions in the database; one season = {season}")
    floor, _ = measure(_floor)
    for label, scope in (
        ("JSON bilan, all seasons", Scope.build()),
        (f"JSON bilan, season {season}", Scope.build(season=season)),
    ):
        value, queries = measure(lambda scope=scope: compute_bilan(scope))
        report(label, value, floor, queries, "SQL means")
    value, queries = measure(lambda: bilan_pdf(Scope.build(season=season), funder=True), runs=3)
    report(f"PDF bilan, season {season}", value, floor, queries, "SQL means")

    user, _ = User.objects.get_or_create(username="bench-staff", defaults={"role": Role.NATIONAL_STAFF})
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)

    def cold():
        cache.clear()
        response = client.get("/bilan/", {"period": "saison", "season": season})
        assert response.status_code == 200

    value, queries = measure(cold)
    report("dashboard page (cold cache)", value, floor, queries, "SQL means")
    value, queries = measure(lambda: client.get("/bilan/", {"period": "saison", "season": season}))
    report("dashboard page (warm cache)", value, floor, queries, "SQL means")
    cache.clear()
    value, queries = measure(lambda: client.get(f"/bilan/graphique/carte.svg?period=saison&season={season}"), runs=3)
    report("dashboard map chart (cached after 1st)", value, floor, queries, "SQL means")
