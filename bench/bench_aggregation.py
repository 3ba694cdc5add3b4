"""The national bilan's core question through the real models: the 13 means and answer counts over held
sessions, for all seasons and for one season (performance.md).

Expects the current database to hold the national data set (`seed_demo --scale national`, on PostgreSQL
for figures comparable with performance.md). Measures, each against the same floor:

  summary (ORM)   SessionItemSummary joined to held AwarenessSession, one query (what evaluation/bilan.py reads)
  floor           the bare SQL of that same aggregate, through a cursor
  answers (ORM)   the same figures from the answer rows (one row per answer), the storage the summary avoids

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/smdq_bench .venv/bin/python bench/run.py --aggregation
"""

from django.db import connection
from django.db.models import Count, Sum

from bench.common import measure, report
from evaluation.models import Answer, SessionItemSummary
from sessions_app.models import AwarenessSession

HELD = AwarenessSession.Status.HELD


def _summary_orm(season: str | None):
    queryset = SessionItemSummary.objects.filter(session__status=HELD)
    if season:
        queryset = queryset.filter(session__season=season)
    return list(queryset.values("item_code").annotate(answers=Sum("answers"), total=Sum("total")).order_by())


def _answers_orm(season: str | None):
    queryset = Answer.objects.filter(response__session__status=HELD)
    if season:
        queryset = queryset.filter(response__session__season=season)
    return list(queryset.values("item__code").annotate(answers=Count("pk"), total=Sum("value")).order_by())


def _floor_sql(season: str | None) -> tuple[str, list]:
    quote = connection.ops.quote_name
    summary, session = SessionItemSummary._meta.db_table, AwarenessSession._meta.db_table
    sql = (
        f"SELECT i.item_code, SUM(i.answers), SUM(i.total) FROM {quote(summary)} i "
        f"JOIN {quote(session)} s ON s.id = i.session_id WHERE s.status = %s"
    )
    params = [HELD]
    if season:
        sql += " AND s.season = %s"
        params.append(season)
    return sql + " GROUP BY i.item_code", params


def _floor(season: str | None):
    sql, params = _floor_sql(season)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _one_season() -> str | None:
    """The last complete season with held sessions (the current one is still filling up)."""
    seasons = sorted(
        AwarenessSession.objects.held().order_by().values_list("season", flat=True).distinct(), reverse=True
    )
    return seasons[1] if len(seasons) > 1 else (seasons[0] if seasons else None)


def _analyze():
    """Fresh statistics, as autovacuum would have them on a live database: right after `seed_demo` bulk-loads
    the data set the planner still believes the tables are nearly empty."""
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in (AwarenessSession, SessionItemSummary, Answer):
            cursor.execute(f"ANALYZE {quote(model._meta.db_table)}")


def _n(number: int) -> str:
    return f"{number:,}".replace(",", " ")


def run():
    _analyze()
    held = AwarenessSession.objects.held().count()
    summaries = SessionItemSummary.objects.filter(session__status=HELD).count()
    if not summaries:
        print("aggregation: no summary of held sessions in this database (run `seed_demo --scale national` first)")
        return
    answers = Answer.objects.count()
    print(f"aggregation: {_n(held)} held sessions, {_n(summaries)} summary rows, {_n(answers)} answers")
    season = _one_season()
    for label, scope in (("all seasons", None), (f"season {season}", season)):
        # The ORM and the bare SQL must agree before their timings mean anything.
        orm = {row["item_code"]: (row["answers"], row["total"]) for row in _summary_orm(scope)}
        bare = {code: (int(n), int(total)) for code, n, total in _floor(scope)}
        assert orm == bare, "the ORM query and the bare SQL disagree"
        floor, _queries = measure(lambda scope=scope: _floor(scope), runs=7)
        value, queries = measure(lambda scope=scope: _summary_orm(scope), runs=7)
        report(f"13 means, {label}: summary (ORM)", value, floor, queries, "bare SQL")
        value, queries = measure(lambda scope=scope: _answers_orm(scope), runs=3)
        report(f"13 means, {label}: answer rows (ORM)", value, floor, queries, "bare SQL")
