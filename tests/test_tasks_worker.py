"""A real worker (`manage.py run_huey` in its own process) on each queue backend: the embedded SQLite store and
Redis. A web-side process publishes an official edition and hands an e-mail to the queue; the worker prepares the
edition (« prête » within 60 s) and sends the e-mail. Both processes share a SQLite database file of their own
(the test database, in memory or inside a transaction, is invisible to another process).

Redis is the machine's (127.0.0.1:6379, database 5 unless SMDQ_TEST_REDIS_URL says otherwise): without it the
Redis case is skipped locally and fails in CI (CI=true), as .ci/run starts it."""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("SMDQ_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
READY_WITHIN = 60  # seconds

# Run by the web-side process: publish, hand an e-mail to the queue, wait for the worker.
PUBLISH = """
import json, time
from django.core.mail import EmailMessage
from accounts.models import Role, User
from evaluation.bilan import Scope
from evaluation.editions import publish
from evaluation.models import BilanEdition
from smdq.mail import send_email_later

claire, _ = User.objects.get_or_create(username="claire", defaults={{"role": Role.NATIONAL_STAFF}})
before = BilanEdition.objects.count()
start = time.monotonic()
edition = publish(Scope.build(), claire)
again = publish(Scope.build(), claire)  # a double click
send_email_later(EmailMessage("Courriel {marker}", "Bonjour", None, ["alice@example.fr"]))
while time.monotonic() - start < {ready_within}:
    edition.refresh_from_db()
    if edition.state != "en_preparation":
        break
    time.sleep(0.2)
print(json.dumps({{
    "state": edition.state, "seconds": round(time.monotonic() - start, 2), "same": again.pk == edition.pk,
    "editions": BilanEdition.objects.count() - before, "pdf": bytes(edition.pdf)[:5].decode(), "error": edition.error,
}}))
"""


# Run by the web-side process: upload a large file through the page, wait for the worker's check, confirm, wait
# for the worker to apply it (IMPORT_BACKGROUND_ROWS is lowered for both processes).
IMPORT = """
import json, time
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from accounts.models import Role, User
from imports.models import PendingImport
from territories.models import CLSM

claire, _ = User.objects.get_or_create(username="claire-import", defaults={{"role": Role.NATIONAL_STAFF}})
client = Client(HTTP_HOST="localhost")
client.force_login(claire)
content = "nom;statut\\n" + "".join(f"CLSM {marker} n° {{n}};actif\\n" for n in range({rows}))
upload = SimpleUploadedFile("c.csv", content.encode())
response = client.post(reverse("imports:upload"), {{"kind": "clsm", "file": upload}})
pending = PendingImport.objects.get(user=claire, filename="c.csv", applied_at__isnull=True)
pages, seen = [], []

def wait(state):
    start = time.monotonic()
    while time.monotonic() - start < {ready_within}:
        pending.refresh_from_db()
        seen.append((pending.state, pending.rows_done))
        if pending.state != state:
            break
        pages.append(client.get(reverse("imports:detail", args=[pending.pk])).content.decode())
        time.sleep(0.1)

wait("verification")
checked = pending.state
summary = pending.summary
client.post(reverse("imports:confirm", args=[pending.pk]))
wait("import_en_cours")
print(json.dumps({{
    "redirect": response.status_code, "checked": checked, "summary": summary, "state": pending.state,
    "final": pending.summary, "created": CLSM.objects.filter(name__startswith="CLSM {marker}").count(),
    "polled": any("lignes" in page or "enregistrement" in page for page in pages), "seen": seen[:50],
}}))
"""


def _fail_or_skip(reason: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"En CI ce test ne peut pas être sauté : {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """A migrated SQLite database file both processes open."""
    path = tmp_path_factory.mktemp("worker") / "db.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "DEBUG": "1"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return path


def _redis_env() -> dict:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:
        _fail_or_skip(f"Redis injoignable sur {REDIS_URL} : {exc}")
    return {"HUEY_URL": REDIS_URL}


def _environment(backend, database, tmp_path) -> dict:
    queue = {"sqlite": lambda: {"HUEY_FILE": str(tmp_path / "huey.sqlite3")}, "redis": _redis_env}[backend]()
    name = f"smdq-test-{uuid.uuid4().hex[:8]}"  # a queue of its own, whatever else shares the Redis
    return {
        **{k: v for k, v in os.environ.items() if k not in ("HUEY_URL", "REDIS_URL", "HUEY_FILE", "HUEY_IMMEDIATE")},
        **queue,
        "HUEY_NAME": name,
        "DATABASE_URL": f"sqlite:///{database}",
        "DEBUG": "1",
        "PYTHONUNBUFFERED": "1",
        "IMPORT_BACKGROUND_ROWS": "100",
    }


def _start_worker(env, log):
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "manage.py", "run_huey", "--workers", "2"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _stop(worker):
    worker.send_signal(signal.SIGINT)  # graceful: finishes the task in hand
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def test_a_real_worker_prepares_an_edition_and_sends_an_email(backend, database, tmp_path):
    env = _environment(backend, database, tmp_path)
    log = tmp_path / "worker.log"
    worker = _start_worker(env, log)
    try:
        marker = uuid.uuid4().hex[:8]
        script = PUBLISH.format(marker=marker, ready_within=READY_WITHIN)
        web = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", script],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=READY_WITHIN + 60,
        )
        assert web.returncode == 0, web.stderr
        result = json.loads(web.stdout.strip().splitlines()[-1])
        assert result["state"] == "prete", (result, log.read_text())
        assert result["seconds"] < READY_WITHIN and result["pdf"] == "%PDF-"
        assert result["same"] and result["editions"] == 1  # the double click made no second edition
        # The console mail backend of the worker prints what it sends.
        deadline = time.monotonic() + 30
        while f"Courriel {marker}" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert f"Subject: Courriel {marker}" in log.read_text(), log.read_text()
        print(f"{backend}: édition prête en {result['seconds']} s")
    finally:
        _stop(worker)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def test_a_real_worker_checks_then_applies_a_large_import(backend, database, tmp_path):
    env = _environment(backend, database, tmp_path)
    log = tmp_path / "worker.log"
    worker = _start_worker(env, log)
    rows = 500  # past IMPORT_BACKGROUND_ROWS (100 here); CLSM rows are the slowest kind to check (about 4 ms)
    try:
        marker = uuid.uuid4().hex[:8]
        script = IMPORT.format(marker=marker, rows=rows, ready_within=2 * READY_WITHIN)
        web = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", script],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=4 * READY_WITHIN + 60,
        )
        assert web.returncode == 0, web.stderr
        result = json.loads(web.stdout.strip().splitlines()[-1])
        assert result["redirect"] == 302, result  # handed to the worker, not checked in the request
        assert result["checked"] == "a_confirmer", (result, log.read_text())
        assert (
            result["summary"]
            == f"Simulation : {rows} CLSM importés ({rows} créés, 0 mis à jour) — rien n'a été enregistré."
        )
        assert result["state"] == "importe", (result, log.read_text())
        assert result["final"] == f"{rows} CLSM importés ({rows} créés, 0 mis à jour)"
        assert result["created"] == rows
        assert result["polled"], result  # the page showed the progress while the worker worked
    finally:
        _stop(worker)
