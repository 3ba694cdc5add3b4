"""Configuration comes from the environment; a bad value stops start-up with a message saying what to fix."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from smdq.env import (
    SQLITE_OPTIONS,
    cache_from_env,
    database_from_url,
    email_from_env,
    env_bool,
    env_int,
    private_directory,
)

ROOT = Path(__file__).resolve().parent.parent


def test_sqlite_when_database_url_is_unset(tmp_path):
    config = database_from_url("", tmp_path)
    assert config == {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": tmp_path / "db.sqlite3",
        "OPTIONS": SQLITE_OPTIONS,
    }


@pytest.fixture
def sqlite_file_alias(tmp_path, django_db_blocker):
    """A SQLite file database configured as `make run` has it, under an alias of its own."""
    from django.db import connections

    alias = "sqlite_file"
    config = database_from_url(f"sqlite:///{tmp_path / 'db.sqlite3'}", ROOT)
    connections.settings[alias] = connections.configure_settings({"default": config})["default"]
    with django_db_blocker.unblock():
        yield alias
        connections[alias].close()
    del connections[alias]  # this thread's wrapper, which would keep this test's file for the next one
    del connections.settings[alias]


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(sqlite_file_alias):
    from django.db import connections

    connection = connections[sqlite_file_alias]
    with connection.cursor() as cursor:
        assert cursor.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert cursor.execute("PRAGMA busy_timeout").fetchone() == (20000,)
        assert cursor.execute("PRAGMA synchronous").fetchone() == (1,)  # NORMAL
    assert connection.transaction_mode == "IMMEDIATE"


def test_two_answers_at_once_on_sqlite_wait_for_each_other(sqlite_file_alias):
    """Two transactions that read then write at the same moment: with deferred transactions the second one
    fails with « database is locked »; with IMMEDIATE it waits for the first one and goes through."""
    import threading

    from django.db import connections, transaction

    alias = sqlite_file_alias
    with connections[alias].cursor() as cursor:
        cursor.execute("CREATE TABLE answer (id INTEGER PRIMARY KEY, n INTEGER)")
    connections[alias].close()
    first_wrote, second_read = threading.Event(), threading.Event()
    errors = []

    def first():
        try:
            with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
                cursor.execute("INSERT INTO answer (n) VALUES (1)")
                first_wrote.set()
                second_read.wait(timeout=1)  # with IMMEDIATE the second one is still waiting for its turn
        except Exception as exc:  # a failure in a thread is reported by the test below
            errors.append(exc)
        finally:
            first_wrote.set()
            connections[alias].close()

    def second():
        first_wrote.wait(timeout=5)
        try:
            with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
                count = cursor.execute("SELECT count(*) FROM answer").fetchone()[0]
                second_read.set()
                time.sleep(0.2)  # the first one commits meanwhile (deferred) or has committed (immediate)
                cursor.execute("INSERT INTO answer (n) VALUES (%s)", [count + 1])
        except Exception as exc:
            errors.append(exc)
        finally:
            connections[alias].close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    with connections[alias].cursor() as cursor:
        assert cursor.execute("SELECT n FROM answer ORDER BY id").fetchall() == [(1,), (2,)]


def test_postgresql_url():
    config = database_from_url("postgres://postgres@127.0.0.1:5432/smdq", ROOT)
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"], config["USER"]) == ("127.0.0.1", 5432, "smdq", "postgres")
    # No JIT: on the web's short queries it compiled for seconds on a wrong cost estimate.
    assert config["OPTIONS"]["options"] == "-c jit=off"


def test_sqlite_url():
    config = database_from_url("sqlite:////tmp/x.sqlite3", ROOT)
    assert config["NAME"] == "/tmp/x.sqlite3"
    assert config["OPTIONS"] == SQLITE_OPTIONS  # WAL, busy timeout, IMMEDIATE transactions


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


@pytest.fixture
def cache_env(monkeypatch):
    for name in ("CACHE_URL", "REDIS_URL", "CACHE_KEY_PREFIX", "HUEY_NAME", "CACHE_DIR"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_cache_in_memory_for_make_run_even_with_the_redis_queue(cache_env):
    cache_env.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")  # the task queue's, in development
    assert cache_from_env(True, ROOT)["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_production_cache_is_the_private_file_cache_without_redis(cache_env, tmp_path):
    cache_env.setenv("CACHE_DIR", str(tmp_path / "cache"))
    config = cache_from_env(False, ROOT)
    assert (config["BACKEND"], config["LOCATION"]) == ("smdq.cache.PrivateFileBasedCache", str(tmp_path / "cache"))


def test_production_cache_on_redis_shared_by_every_web_server(cache_env):
    cache_env.setenv("REDIS_URL", "redis://10.0.0.5:6379/0")
    cache_env.setenv("HUEY_NAME", "smdq_site")
    config = cache_from_env(False, ROOT)
    assert config == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://10.0.0.5:6379/0",
        "KEY_PREFIX": "smdq_site",
    }
    cache_env.setenv("CACHE_URL", "redis://10.0.0.6:6379/1")  # its own Redis (or database) wins
    assert cache_from_env(False, ROOT)["LOCATION"] == "redis://10.0.0.6:6379/1"
    assert cache_from_env(True, ROOT)["LOCATION"] == "redis://10.0.0.6:6379/1"  # on purpose in development


def test_cache_url_must_name_redis(cache_env):
    cache_env.setenv("CACHE_URL", "memcached://127.0.0.1:11211")
    with pytest.raises(ImproperlyConfigured, match="une URL Redis est attendue"):
        cache_from_env(False, ROOT)


def test_email_console_by_default_and_smtp_from_url(monkeypatch):
    monkeypatch.delenv("EMAIL_URL", raising=False)
    monkeypatch.delenv("EMAIL_HOST", raising=False)
    monkeypatch.delenv("EMAIL_BACKEND", raising=False)
    assert email_from_env()["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    monkeypatch.setenv("EMAIL_URL", "smtp+tls://user:secret@smtp.example.fr:587")
    config = email_from_env()
    assert config["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (config["EMAIL_HOST"], config["EMAIL_PORT"], config["EMAIL_USE_TLS"]) == ("smtp.example.fr", 587, True)


# The variables a test of start-up sets itself; the rest of the environment is kept (PATH, the virtualenv…).
_CONFIG = ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "EMAIL_URL", "EMAIL_HOST", "EMAIL_BACKEND")
PRODUCTION = {"DEBUG": "0", "SECRET_KEY": "k" * 60, "ALLOWED_HOSTS": "smdq.example.fr"}


def _start(env_overrides, cache_dir=None):
    env = {k: v for k, v in os.environ.items() if k not in _CONFIG}
    if cache_dir is not None:
        env["CACHE_DIR"] = str(cache_dir)
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
        (PRODUCTION, "l'envoi de courriel doit être configuré"),
        ({**PRODUCTION, "EMAIL_URL": "consolemail://"}, "EMAIL_URL=none"),
    ],
)
def test_bad_configuration_stops_start_up_with_a_clear_message(env, message, tmp_path):
    result = _start(env, tmp_path / "cache")
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize("email", ["smtp+tls://user:secret@smtp.example.fr:587", "none"])
def test_production_configuration_starts(email, tmp_path):
    result = _start({**PRODUCTION, "EMAIL_URL": email}, tmp_path / "cache")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "cache").stat().st_mode & 0o777 == 0o700


def test_production_refuses_a_cache_folder_others_can_write(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    cache.chmod(0o777)
    result = _start({**PRODUCTION, "EMAIL_URL": "none"}, cache)
    assert result.returncode != 0
    assert f"Le dossier {cache} est modifiable par d'autres comptes" in result.stderr


# Mail in production ----------------------------------------------------------------------------------


@pytest.fixture
def no_mail_env(monkeypatch):
    for name in ("EMAIL_URL", "EMAIL_HOST", "EMAIL_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_production_without_mail_is_refused(no_mail_env):
    assert email_from_env(debug=True)["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    with pytest.raises(ImproperlyConfigured, match=r"\(DEBUG=0\), l'envoi de courriel doit être configuré"):
        email_from_env(debug=False)
    no_mail_env.setenv("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL=none"):
        email_from_env(debug=False)


def test_production_may_say_it_sends_no_mail(no_mail_env):
    no_mail_env.setenv("EMAIL_URL", "none")
    assert email_from_env(debug=False) == {"EMAIL_BACKEND": "smdq.mail.DroppingEmailBackend"}
    no_mail_env.setenv("EMAIL_URL", "smtp://smtp.example.fr:25")
    assert email_from_env(debug=False)["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"


def test_dropped_mail_is_logged_without_its_content(settings, caplog):
    from django.core import mail

    settings.EMAIL_BACKEND = "smdq.mail.DroppingEmailBackend"
    with caplog.at_level("WARNING", logger="smdq.mail"):
        sent = mail.send_mail("Réinitialisation", "https://smdq.example.fr/secret-token/", None, ["a@example.fr"])
    assert sent == 1
    assert "1 courriel(s) non envoyé(s)" in caplog.text
    assert "secret-token" not in caplog.text and "a@example.fr" not in caplog.text
    assert "Réinitialisation" not in caplog.text


# Folders the application trusts ------------------------------------------------------------------------


def test_private_directory_is_created_private(tmp_path):
    folder = private_directory(tmp_path / "a" / "cache")
    assert folder.is_dir() and folder.stat().st_mode & 0o777 == 0o700
    assert private_directory(folder) == folder  # ours and private: reused


@pytest.mark.parametrize("mode", [0o770, 0o707, 0o777, 0o720])
def test_private_directory_refuses_a_folder_others_can_write(tmp_path, mode):
    folder = tmp_path / "cache"
    folder.mkdir()
    folder.chmod(mode)
    with pytest.raises(ImproperlyConfigured, match="modifiable par d'autres comptes"):
        private_directory(folder)


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a folder to another user needs root")
def test_private_directory_refuses_a_folder_of_another_user(tmp_path):
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    os.chown(folder, 65534, 65534)  # nobody
    with pytest.raises(ImproperlyConfigured, match="appartient à un autre utilisateur"):
        private_directory(folder)


def test_private_directory_refuses_a_file(tmp_path):
    (tmp_path / "cache").write_text("x")
    with pytest.raises(ImproperlyConfigured, match="n'est pas un dossier"):
        private_directory(tmp_path / "cache")


def test_the_file_cache_checks_its_folder_when_it_recreates_it(tmp_path):
    from smdq.cache import PrivateFileBasedCache

    cache = PrivateFileBasedCache(str(tmp_path / "cache"), {})
    cache.set("k", 1)
    assert cache.get("k") == 1
    (tmp_path / "cache").chmod(0o777)  # loosened behind the server's back
    with pytest.raises(ImproperlyConfigured):
        cache.set("k", 2)


def test_unknown_email_scheme(monkeypatch):
    monkeypatch.setenv("EMAIL_URL", "pigeon://loft")
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL"):
        email_from_env()
