"""Which storage of questionnaire answers keeps the national bilan fast? (PostgreSQL only)

Builds, in a scratch schema, the national-size synthetic data set of performance.md (30,000 sessions over
10 seasons, ~75 % held, 400,000 responses, 13 items, ~88 % answered: ~4.6 million non-blank answers) in
four layouts, then times the same question on each: the 13 means and answer counts over held sessions,
for all seasons and for one season, in one query, warm cache.

  columns  one smallint column per item on the response row (the floor of performance.md)
  rows     one row per answer (response, item, value)
  jsonb    one jsonb object per response {"item": value}
  summary  per session and item: number of answers and sum of values, refreshed on write
           (any bilan scope is a set of sessions, so the scope filter stays a join on sessions)

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/smdq_bench .venv/bin/python bench/run.py --storage
"""

from django.db import connection

from bench.common import measure

ITEMS = [
    ("sat_logistique", 5),
    ("sat_dynamique", 5),
    ("sat_animation", 5),
    ("sat_duree", 5),
    ("sat_contenu", 5),
    ("sat_attentes", 5),
    ("cap_expliquer", 4),
    ("cap_posture", 4),
    ("cap_ressources", 4),
    ("cap_clsm", 4),
    ("eng_concerne", 4),
    ("eng_formation", 4),
    ("eng_investir", 4),
]
SCHEMA = "bench_storage"


def _build(cursor):
    cursor.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA}; SET search_path TO {SCHEMA}")
    cursor.execute("SELECT setseed(0.2024)")
    cursor.execute(
        """CREATE TABLE session AS
           SELECT s AS id, 2016 + (s % 10) AS season_start,
                  CASE WHEN random() < 0.75 THEN 'realisee' ELSE 'planifiee' END AS status
           FROM generate_series(1, 30000) s;
           ALTER TABLE session ADD PRIMARY KEY (id); CREATE INDEX ON session (season_start, status);"""
    )
    # Each item answered with probability 0.88; blank is NULL, never 0.
    value = "CASE WHEN random() < 0.88 THEN 1 + floor(random() * {scale})::smallint END"
    columns = ", ".join(f"{value.format(scale=scale)} AS {code}" for code, scale in ITEMS)
    cursor.execute(
        f"""CREATE TABLE response_columns AS
            SELECT r AS id, 1 + (r % 30000) AS session_id, {columns} FROM generate_series(1, 400000) r;
            ALTER TABLE response_columns ADD PRIMARY KEY (id); CREATE INDEX ON response_columns (session_id);"""
    )
    unnest = " UNION ALL ".join(
        f"SELECT id, session_id, '{code}' AS item, {code} AS value FROM response_columns WHERE {code} IS NOT NULL"
        for code, _ in ITEMS
    )
    cursor.execute(
        f"""CREATE TABLE answer_rows AS {unnest};
            CREATE INDEX ON answer_rows (id); CREATE TABLE response_rows AS SELECT id, session_id FROM response_columns;
            ALTER TABLE response_rows ADD PRIMARY KEY (id); CREATE INDEX ON response_rows (session_id);"""
    )
    pairs = ", ".join(f"'{code}', {code}" for code, _ in ITEMS)
    cursor.execute(
        f"""CREATE TABLE response_jsonb AS
            SELECT id, session_id, jsonb_strip_nulls(jsonb_build_object({pairs})) AS answers FROM response_columns;
            ALTER TABLE response_jsonb ADD PRIMARY KEY (id); CREATE INDEX ON response_jsonb (session_id);"""
    )
    cursor.execute(
        """CREATE TABLE item_summary AS
           SELECT session_id, item, count(*)::int AS answers, sum(value)::int AS total
           FROM answer_rows GROUP BY session_id, item;
           CREATE INDEX ON item_summary (session_id);"""
    )
    for table in ("session", "response_columns", "answer_rows", "response_rows", "response_jsonb", "item_summary"):
        cursor.execute(f"ANALYZE {table}")
    cursor.execute("SELECT count(*) FROM answer_rows")
    return cursor.fetchone()[0]


def _queries(season_filter: str) -> dict[str, str]:
    held = f"s.status = 'realisee' {season_filter}"
    columns = ", ".join(f"avg(r.{code}), count(r.{code})" for code, _ in ITEMS)
    return {
        "columns": f"SELECT {columns} FROM response_columns r JOIN session s ON s.id = r.session_id WHERE {held}",
        "rows": f"""SELECT a.item, avg(a.value), count(*) FROM answer_rows a JOIN response_rows r ON r.id = a.id
                    JOIN session s ON s.id = r.session_id WHERE {held} GROUP BY a.item""",
        "jsonb": f"""SELECT a.key, avg(a.value::int), count(*) FROM response_jsonb r
                     JOIN session s ON s.id = r.session_id, jsonb_each_text(r.answers) a
                     WHERE {held} GROUP BY a.key""",
        "summary": f"""SELECT i.item, sum(i.total)::float / sum(i.answers), sum(i.answers) FROM item_summary i
                       JOIN session s ON s.id = i.session_id WHERE {held} GROUP BY i.item""",
    }


def run():
    if connection.vendor != "postgresql":
        print("answer storage: PostgreSQL only (set DATABASE_URL)")
        return
    with connection.cursor() as cursor:
        answers = _build(cursor)
        print(f"answer storage: {answers:,} non-blank answers in {SCHEMA}")
        for label, season_filter in (("all seasons", ""), ("one season", "AND s.season_start = 2024")):
            queries = _queries(season_filter)

            def timed(sql):
                return measure(lambda: cursor.execute(sql) or cursor.fetchall(), runs=5)[0]

            floor = timed(queries["columns"])
            for name, sql in queries.items():
                value = timed(sql)
                print(
                    f"  {label:<12} {name:<8} median {value * 1000:8.1f} ms | floor (columns) "
                    f"{floor * 1000:6.1f} ms | ratio {value / floor:5.2f} | 1 query"
                )
        cursor.execute(f"DROP SCHEMA {SCHEMA} CASCADE; SET search_path TO public")
