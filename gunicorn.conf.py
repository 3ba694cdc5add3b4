"""gunicorn's settings, read by `gunicorn smdq.wsgi` started from the project root (README « Web server »).

Chosen by measure (bench/load_test.py, national data, 2 cores): the figures are in the README. Each may be
overridden on the command line or by the environment variables below.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Processes: about one per core. Threads: a request waiting on PostgreSQL leaves the process to another one, so a
# light page is not queued behind a slow one in the same process.
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread" if threads > 1 else "sync"
# The application, and the heavy libraries of the documents and charts, are imported once in the master and
# shared by the forked workers: no worker spends ~4.7 s importing pandas, matplotlib, openpyxl and WeasyPrint
# on its first bilan. (The master opens no database connection: Django connects on the first query.)
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
# A worker is replaced after this many requests (and a random few more, so that they are not all replaced at
# once): memory a national document left behind is given back.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None


def on_starting(server):
    if server.cfg.preload_app:
        import openpyxl  # noqa: F401
        import pandas  # noqa: F401
        import weasyprint  # noqa: F401

        from evaluation import charts, renderers, spreadsheets  # noqa: F401
