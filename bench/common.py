"""What every benchmark prints (see README « Benchmarks »): median of several runs, the floor measured in
the same run, their ratio, the number of SQL queries, and the machine."""

import os
import platform
import statistics
import time
from contextlib import contextmanager

from django.db import connection


def machine() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
        else:
            cursor.execute("select sqlite_version()")
            database = f"SQLite {cursor.fetchone()[0]}"
    return f"{os.cpu_count()} cores, Python {platform.python_version()}, {database}"


@contextmanager
def count_queries():
    """Counts every statement sent on the default connection. Not `connection.queries`: Django empties it at each
    request, so a test client's requests counted through it read 0."""
    counter = {"n": 0}

    def wrapper(execute, sql, params, many, context):
        counter["n"] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield counter


def measure(function, runs: int = 5):
    """Median wall time in seconds, and the SQL query count of one run."""
    timings = []
    with count_queries() as queries:
        function()
    for _ in range(runs):
        start = time.perf_counter()
        function()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings), queries["n"]


def report(name: str, value: float, floor: float, queries: int, floor_label: str):
    print(
        f"{name:<45} median {value * 1000:8.1f} ms | floor ({floor_label}) {floor * 1000:7.1f} ms | "
        f"ratio {value / floor:6.1f} | {queries} queries"
    )
