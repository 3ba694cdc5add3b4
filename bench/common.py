"""What every benchmark prints (see README « Benchmarks »): median of several runs, the floor measured in
the same run, their ratio, the number of SQL queries, and the machine."""

import os
import platform
import statistics
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext


def machine() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
        else:
            cursor.execute("select sqlite_version()")
            database = f"SQLite {cursor.fetchone()[0]}"
    return f"{os.cpu_count()} cores, Python {platform.python_version()}, {database}"


def measure(function, runs: int = 5):
    """Median wall time in seconds, and the SQL query count of one run."""
    timings = []
    with CaptureQueriesContext(connection) as queries:
        function()
    for _ in range(runs):
        start = time.perf_counter()
        function()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings), len(queries)


def report(name: str, value: float, floor: float, queries: int, floor_label: str):
    print(
        f"{name:<45} median {value * 1000:8.1f} ms | floor ({floor_label}) {floor * 1000:7.1f} ms | "
        f"ratio {value / floor:6.1f} | {queries} queries"
    )
