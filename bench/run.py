#!/usr/bin/env python
"""Runs the benchmarks against the database of DATABASE_URL (SQLite file by default).

    make bench                       # or: .venv/bin/python bench/run.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/smdq_bench make bench

A benchmark never fails: it informs. Figures are relative to a floor measured in the same run, because
machines here are shared and noisy.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smdq.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from bench import bench_aggregation, bench_answer_storage, bench_bilan, bench_engine, bench_import_qpv, bench_pages  # noqa: E402
from bench.common import machine  # noqa: E402


def main():
    call_command("migrate", verbosity=0)
    call_command("load_territories", verbosity=0)
    print(f"Machine: {machine()}")
    only = set(sys.argv[1:])
    if not only or "--import" in only:
        bench_import_qpv.run()
    if not only or "--storage" in only:
        bench_answer_storage.run()
    if not only or "--aggregation" in only:
        bench_aggregation.run()
    if not only or "--bilan" in only:
        bench_bilan.run()
    if not only or "--engine" in only:
        bench_engine.run()
    if not only or "--pages" in only:
        bench_pages.run()


if __name__ == "__main__":
    main()
