"""The documented backup procedure (docs/backup.md), run for real: pg_dump, pg_restore into a new database,
same bilan JSON. PostgreSQL only; in CI (CI=true) it must run, never skip."""

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from evaluation.bilan import Scope, compute_bilan
from tests.test_bilan import programme  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parent.parent


def _require_postgresql():
    reason = None
    if connection.vendor != "postgresql":
        reason = "la sauvegarde se teste sur PostgreSQL (DATABASE_URL=postgres://…)"
    elif not shutil.which("pg_dump") or not shutil.which("pg_restore"):
        reason = "pg_dump et pg_restore sont introuvables"
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"En CI ce test ne peut pas être sauté : {reason}")
        pytest.skip(reason)


def _url(name: str) -> str:
    settings = connection.settings_dict
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    return (
        f"postgres://{settings['USER']}{password}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{name}"
    )


@pytest.mark.django_db(transaction=True)
def test_dump_and_restore_give_the_same_bilan(programme, tmp_path):  # noqa: F811
    _require_postgresql()
    original = compute_bilan(Scope.build())
    dump = tmp_path / "smdq.dump"
    restored = f"smdq_restore_{uuid.uuid4().hex[:8]}"
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", _url(connection.settings_dict["NAME"])],
        check=True,
        capture_output=True,
        timeout=300,
    )
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{restored}"')
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={_url(restored)}", str(dump)],
            check=True,
            capture_output=True,
            timeout=300,
        )
        output = tmp_path / "bilan.json"
        env = {**os.environ, "DATABASE_URL": _url(restored)}
        subprocess.run(
            [sys.executable, "manage.py", "bilan", "--format", "json", "--output", str(output)],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
        assert json.loads(output.read_text(encoding="utf-8")) == json.loads(json.dumps(original))
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')
