"""PostgreSQL's plan for a statement, as on a large table: the scans named are turned off for it, so that an index
is taken if one serves at all."""

from django.db import connection


def plan(sql: str, params, *, off: tuple[str, ...] = ("seqscan",)) -> str:
    with connection.cursor() as cursor:
        for scan in off:
            cursor.execute(f"SET enable_{scan} = off")
        try:
            cursor.execute("EXPLAIN " + sql, list(params))
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            for scan in off:
                cursor.execute(f"RESET enable_{scan}")
