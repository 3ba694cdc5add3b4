"""Reading configuration from the environment, failing loudly on values that make no sense."""

import os
import stat
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on", "oui"}
_FALSE = {"0", "false", "no", "off", "non", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} n'est pas un booléen : utilisez 1/0, true/false, yes/no ou on/off.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} n'est pas un nombre entier.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_networks(name: str) -> list[str]:
    """A comma-separated list of addresses or networks (CIDR): 127.0.0.1, 10.0.0.0/8, ::1…"""
    import ipaddress

    networks = env_list(name, [])
    for item in networks:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} : {item!r} n'est ni une adresse IP ni un réseau (exemples : 127.0.0.1, 10.0.0.0/8, ::1)."
            ) from None
    return networks


# SQLite (the development server) answering a room of phones at once: in WAL mode readers never wait for the
# writer; a writer waits up to `timeout` seconds for another instead of failing with « database is locked »;
# IMMEDIATE takes the write lock when a transaction starts, so two transactions that both read then write
# queue instead of one failing half-way (a lock cannot be upgraded while another reader holds it; SQLite has no
# row lock: see evaluation/responses.py, lock_sessions).
# synchronous=NORMAL is safe with WAL (a power cut may lose the last commits, never corrupt the file).
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}


def database_from_url(url: str, base_dir) -> dict:
    import dj_database_url

    if not url:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": base_dir / "db.sqlite3", "OPTIONS": {**SQLITE_OPTIONS}}
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except (ValueError, KeyError) as exc:
        raise ImproperlyConfigured(
            f"DATABASE_URL={url!r} n'est pas une URL de base de données reconnue "
            f"(exemples : postgres://postgres@127.0.0.1:5432/smdq, sqlite:////chemin/db.sqlite3) : {exc}"
        ) from None
    engine = config.get("ENGINE", "")
    if engine not in {"django.db.backends.postgresql", "django.db.backends.sqlite3"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL : moteur {engine!r} non pris en charge (PostgreSQL ou SQLite uniquement)."
        )
    if engine.endswith("postgresql"):
        # No JIT compilation: it is made for long analytical queries, and PostgreSQL decides on the planner's
        # estimated cost, not the real size. On the national data a requests page filtered by région spent 2 s of
        # its 2.2 s compiling (bench/bench_pages.py); a `?options=` in the URL still wins.
        config["OPTIONS"] = {"options": "-c jit=off", **config.get("OPTIONS", {})}
    if engine.endswith("sqlite3"):
        config["CONN_MAX_AGE"] = 0
        config["CONN_HEALTH_CHECKS"] = False
        config["OPTIONS"] = {**SQLITE_OPTIONS, **config.get("OPTIONS", {})}
    return config


# EMAIL_URL=none: this server sends no e-mail at all, on purpose (smdq/mail.py drops each message and logs only
# that one was dropped). Any other way of running without mail in production is refused at start-up.
EMAIL_DISABLED = "none"
DROPPING_EMAIL_BACKEND = "smdq.mail.DroppingEmailBackend"
# Back-ends that keep mail on the server (log, files, memory): in production they would put password-reset
# links where whoever reads the server's logs or disk could use them.
_LOCAL_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
}


def email_from_env(debug: bool = True) -> dict:
    """EMAIL_URL wins; otherwise the usual EMAIL_* variables; otherwise the console, in development only."""
    config = _email_config()
    if not debug and config["EMAIL_BACKEND"] in _LOCAL_EMAIL_BACKENDS:
        raise ImproperlyConfigured(
            "En production (DEBUG=0), l'envoi de courriel doit être configuré : définissez EMAIL_URL "
            "(ex. smtp+tls://utilisateur:mot-de-passe@smtp.example.fr:587) ou EMAIL_HOST. Sans cela les courriels, "
            "dont les liens de réinitialisation de mot de passe, finiraient dans le journal du serveur. "
            f"Pour un serveur qui n'envoie aucun courriel, indiquez-le explicitement : EMAIL_URL={EMAIL_DISABLED}."
        )
    return config


def _email_config() -> dict:
    url = os.environ.get("EMAIL_URL", "").strip()
    if url.lower() == EMAIL_DISABLED:
        return {"EMAIL_BACKEND": DROPPING_EMAIL_BACKEND}
    if url:
        import environ

        try:
            parsed = environ.Env.email_url_config(url)
        except Exception as exc:
            raise ImproperlyConfigured(f"EMAIL_URL={url!r} n'est pas une URL de messagerie valide : {exc}") from None
        if not parsed.get("EMAIL_BACKEND"):
            raise ImproperlyConfigured(
                f"EMAIL_URL={url!r} : schéma inconnu (smtp://, smtp+tls://, smtps://, consolemail://)."
            )
        return {
            "EMAIL_BACKEND": parsed["EMAIL_BACKEND"],
            "EMAIL_HOST": parsed.get("EMAIL_HOST") or "localhost",
            "EMAIL_PORT": parsed.get("EMAIL_PORT") or 25,
            "EMAIL_HOST_USER": parsed.get("EMAIL_HOST_USER") or "",
            "EMAIL_HOST_PASSWORD": parsed.get("EMAIL_HOST_PASSWORD") or "",
            "EMAIL_USE_TLS": bool(parsed.get("EMAIL_USE_TLS")),
            "EMAIL_USE_SSL": bool(parsed.get("EMAIL_USE_SSL")),
        }
    if os.environ.get("EMAIL_HOST"):
        return {
            "EMAIL_BACKEND": os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"),
            "EMAIL_HOST": os.environ["EMAIL_HOST"],
            "EMAIL_PORT": env_int("EMAIL_PORT", 25),
            "EMAIL_HOST_USER": os.environ.get("EMAIL_HOST_USER", ""),
            "EMAIL_HOST_PASSWORD": os.environ.get("EMAIL_HOST_PASSWORD", ""),
            "EMAIL_USE_TLS": env_bool("EMAIL_USE_TLS", False),
            "EMAIL_USE_SSL": env_bool("EMAIL_USE_SSL", False),
        }
    return {"EMAIL_BACKEND": os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")}


def private_directory(path) -> Path:
    """A folder only this process's user can read and write, created so (0700) when missing.

    For any folder whose content the application trusts, such as the file cache, whose entries are pickles:
    a folder another local user created first, or can write into, would let them plant code. Refuses, with
    the fix in French, a folder owned by another user or open to writing by the group or others."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        pass  # someone (perhaps us, at an earlier start) made it: checked below like any other
    else:
        path.chmod(0o700)  # mkdir's mode is cut by the umask; never wider than 0700 here
    try:
        info = path.stat()
    except OSError as exc:
        raise ImproperlyConfigured(f"Le dossier {path} est inaccessible : {exc}") from None
    if not stat.S_ISDIR(info.st_mode):
        raise ImproperlyConfigured(f"{path} n'est pas un dossier : supprimez-le ou choisissez un autre chemin.")
    if info.st_uid != os.geteuid():
        raise ImproperlyConfigured(
            f"Le dossier {path} appartient à un autre utilisateur (uid {info.st_uid}) que celui du serveur "
            f"(uid {os.geteuid()}) : un autre compte de la machine pourrait y déposer des fichiers que "
            "l'application lirait. Supprimez-le, ou choisissez un autre chemin, puis relancez."
        )
    if info.st_mode & 0o022:
        raise ImproperlyConfigured(
            f"Le dossier {path} est modifiable par d'autres comptes que celui du serveur "
            f"(droits {stat.filemode(info.st_mode)}) : restreignez-le avec « chmod 700 {path} », puis relancez."
        )
    return path


def cache_from_env(debug: bool, base_dir) -> dict:
    """The default cache: Redis when CACHE_URL (or, in production, REDIS_URL) names one, so that every web
    server of several machines sees the same entries; otherwise the private file cache shared by the workers of
    one machine in production, and a per-process memory cache in development (`make run`) and tests."""
    url = os.environ.get("CACHE_URL", "").strip()
    if not url and not debug:
        url = os.environ.get("REDIS_URL", "").strip()
    if url:
        if not url.startswith(("redis://", "rediss://", "unix://")):
            raise ImproperlyConfigured(
                f"CACHE_URL={url!r} : une URL Redis est attendue (ex. redis://127.0.0.1:6379/1)."
            )
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            # Sites (or test runs) sharing one Redis keep apart; the task queue's keys have their own names.
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "").strip() or os.environ.get("HUEY_NAME", "smdq"),
        }
    if debug:
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 5000}}
    return {
        "BACKEND": "smdq.cache.PrivateFileBasedCache",
        "LOCATION": str(private_directory(os.environ.get("CACHE_DIR") or Path(base_dir) / "cache")),
    }
