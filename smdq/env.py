"""Reading configuration from the environment, failing loudly on values that make no sense."""

import os

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


# A transaction takes SQLite's write lock when it begins, rather than at its first write: two requests saving at
# the same time then wait for each other (up to the timeout) instead of failing with « database is locked »
# (SQLite has no row lock; see evaluation/responses.py, lock_sessions).
SQLITE_OPTIONS = {"transaction_mode": "IMMEDIATE"}


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
    if engine.endswith("sqlite3"):
        config["CONN_MAX_AGE"] = 0
        config["CONN_HEALTH_CHECKS"] = False
        config["OPTIONS"] = {**SQLITE_OPTIONS, **config.get("OPTIONS", {})}
    return config


def email_from_env() -> dict:
    """EMAIL_URL wins; otherwise the usual EMAIL_* variables; otherwise the console (development)."""
    url = os.environ.get("EMAIL_URL", "").strip()
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
