"""Configuration comes from the environment; a bad value stops start-up with a message saying what to fix."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from smdq.env import database_from_url, email_from_env, env_bool, env_int

ROOT = Path(__file__).resolve().parent.parent


def test_sqlite_when_database_url_is_unset(tmp_path):
    config = database_from_url("", tmp_path)
    assert config == {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": tmp_path / "db.sqlite3",
        # Concurrent writers wait for each other instead of failing with « database is locked ».
        "OPTIONS": {"transaction_mode": "IMMEDIATE"},
    }


def test_postgresql_url():
    config = database_from_url("postgres://postgres@127.0.0.1:5432/smdq", ROOT)
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"], config["USER"]) == ("127.0.0.1", 5432, "smdq", "postgres")


def test_sqlite_url():
    config = database_from_url("sqlite:////tmp/x.sqlite3", ROOT)
    assert config["NAME"] == "/tmp/x.sqlite3"
    assert config["OPTIONS"] == {"transaction_mode": "IMMEDIATE"}


@pytest.mark.parametrize("url", ["mysql://root@localhost/smdq", "n'importe quoi"])
def test_unsupported_database_url(url):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        database_from_url(url, ROOT)


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("true", True), ("OFF", False), ("0", False)])
def test_booleans(monkeypatch, raw, expected):
    monkeypatch.setenv("SMDQ_TEST_FLAG", raw)
    assert env_bool("SMDQ_TEST_FLAG", not expected) is expected


def test_bad_boolean_and_integer(monkeypatch):
    monkeypatch.setenv("SMDQ_TEST_FLAG", "peut-être")
    with pytest.raises(ImproperlyConfigured, match="n'est pas un booléen"):
        env_bool("SMDQ_TEST_FLAG", False)
    monkeypatch.setenv("SMDQ_TEST_INT", "douze")
    with pytest.raises(ImproperlyConfigured, match="n'est pas un nombre entier"):
        env_int("SMDQ_TEST_INT", 1)


def test_email_console_by_default_and_smtp_from_url(monkeypatch):
    monkeypatch.delenv("EMAIL_URL", raising=False)
    monkeypatch.delenv("EMAIL_HOST", raising=False)
    assert email_from_env()["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    monkeypatch.setenv("EMAIL_URL", "smtp+tls://user:secret@smtp.example.fr:587")
    config = email_from_env()
    assert config["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (config["EMAIL_HOST"], config["EMAIL_PORT"], config["EMAIL_USE_TLS"]) == ("smtp.example.fr", 587, True)


def _start(env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL")}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "0", "ALLOWED_HOSTS": "smdq.example.fr"}, "SECRET_KEY doit être défini"),
        ({"DEBUG": "0", "SECRET_KEY": "x" * 50}, "ALLOWED_HOSTS doit être défini"),
        ({"DEBUG": "sans doute"}, "DEBUG='sans doute' n'est pas un booléen"),
        ({"DATABASE_URL": "oracle://scott@localhost/smdq"}, "DATABASE_URL"),
    ],
)
def test_bad_configuration_stops_start_up_with_a_clear_message(env, message):
    result = _start(env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_configuration_starts():
    result = _start({"DEBUG": "0", "SECRET_KEY": "k" * 60, "ALLOWED_HOSTS": "smdq.example.fr"})
    assert result.returncode == 0, result.stderr


def test_unknown_email_scheme(monkeypatch):
    monkeypatch.setenv("EMAIL_URL", "pigeon://loft")
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL"):
        email_from_env()
