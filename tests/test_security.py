"""Log-in and sessions: brute-force lockout, password rules, session expiry, CSP, production checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


def test_brute_force_locks_the_account_for_that_address(client, alice, password, settings):
    for attempt in range(1, settings.AXES_FAILURE_LIMIT + 1):
        response = client.post(reverse("login"), {"username": "alice", "password": "mauvais"})
        assert response.status_code == (429 if attempt == settings.AXES_FAILURE_LIMIT else 200)
    locked = client.post(reverse("login"), {"username": "alice", "password": password})
    assert locked.status_code == 429
    assert "Connexion temporairement bloquée" in locked.content.decode()
    # From another machine (address) the same user can still log in: an attacker cannot lock people out.
    other = Client().post(reverse("login"), {"username": "alice", "password": password}, REMOTE_ADDR="203.0.113.9")
    assert other.status_code == 302


PROXY = "10.0.0.1"


def log_in(username, password, address, *, via_proxy=True, forwarded=None):
    """A log-in from `address`: through the reverse proxy (which writes the address in X-Forwarded-For), or
    straight to the server with whatever X-Forwarded-For the client chose to send."""
    if via_proxy:
        meta = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"{forwarded}, {address}" if forwarded else address}
    else:
        meta = {"REMOTE_ADDR": address, **({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {})}
    return Client().post(reverse("login"), {"username": username, "password": password}, **meta)


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    return settings


def test_behind_the_proxy_the_victim_still_logs_in_while_the_attacker_is_locked(alice, password, behind_proxy):
    attacker, victim = "198.51.100.66", "203.0.113.9"
    statuses = [log_in("alice", "mauvais", attacker).status_code for _ in range(behind_proxy.AXES_FAILURE_LIMIT)]
    assert statuses[-1] == 429
    assert log_in("alice", password, attacker).status_code == 429  # even with the right password
    # Everyone comes through the same proxy: only the forwarded address tells them apart.
    assert log_in("alice", password, victim).status_code == 302
    assert log_in("alice", "mauvais", attacker).status_code == 429  # the victim's log-in reset nothing for him


def test_one_address_trying_many_user_names_is_locked(alice, bob, password, behind_proxy):
    sprayer = "198.51.100.77"
    for n in range(behind_proxy.AXES_ADDRESS_FAILURE_LIMIT - 1):
        assert log_in(f"personne{n}", "mauvais", sprayer).status_code == 200
    # A valid account of the attacker's own does not clear the address's count.
    assert log_in("bob", password, sprayer).status_code == 302
    assert log_in("encore-un", "mauvais", sprayer).status_code == 429
    assert log_in("alice", password, sprayer).status_code == 429  # locked for every user name
    assert log_in("alice", password, "203.0.113.9").status_code == 302  # not for other addresses


def test_a_forged_forwarding_header_is_ignored_from_an_untrusted_peer(alice, password, settings):
    """Straight to the server (not through a trusted proxy), X-Forwarded-For is the client's own invention:
    a new made-up address each time does not escape the lockout, nor lock anyone else."""
    settings.TRUSTED_PROXIES = [PROXY]
    attacker = "198.51.100.66"
    for n in range(settings.AXES_FAILURE_LIMIT):
        response = log_in("alice", "mauvais", attacker, via_proxy=False, forwarded=f"192.0.2.{n}")
    assert response.status_code == 429
    assert log_in("alice", password, attacker, via_proxy=False, forwarded="192.0.2.200").status_code == 429
    # The addresses it pretended to be are not locked.
    assert log_in("alice", password, "192.0.2.0").status_code == 302


def test_no_proxy_is_trusted_by_default(alice, password, settings):
    """Until TRUSTED_PROXIES names it, the proxy is just one more client: its header is not read."""
    assert settings.TRUSTED_PROXIES == []
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in("alice", "mauvais", "198.51.100.66")
    assert log_in("alice", password, "203.0.113.9").status_code == 429  # same peer, the proxy


@pytest.mark.parametrize("weak", ["motdepasse", "123456789012", "aliceexamplefr", "password1234"])
def test_weak_passwords_are_refused(alice, weak):
    with pytest.raises(ValidationError):
        validate_password(weak, user=alice)


def test_a_strong_password_passes(alice):
    validate_password("Quartier-sante-mentale-2026", user=alice)


def test_sessions_expire(settings):
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_content_security_policy_forbids_inline_scripts(client):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in directives["script-src"] and "unsafe-eval" not in directives["script-src"]
    assert directives["frame-ancestors"] == "'none'"


def test_no_template_has_an_inline_script():
    offenders = []
    for path in ROOT.glob("**/templates/**/*.html"):
        if ".venv" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for chunk in text.split("<script")[1:]:
            if "src=" not in chunk.split(">", 1)[0]:
                offenders.append(str(path.relative_to(ROOT)))
        if any(f" on{event}=" in text for event in ("click", "change", "submit", "load", "input", "keydown")):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_check_deploy_has_no_warning_with_production_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS")}
    env.update(
        DEBUG="0",
        SECRET_KEY="p" * 20 + "roduction-secret-key-with-enough-entropy-1234567890",
        ALLOWED_HOSTS="smdq.example.fr",
        EMAIL_URL="smtp+tls://smdq:secret@smtp.example.fr:587",
        CACHE_DIR=str(tmp_path / "cache"),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_request_refused_before_any_view_gets_a_french_page(settings):
    """Django answers these itself: an unexpected Host, a form of too many fields (400), a form without its CSRF
    token (403): each in French, saying nothing was saved, never Django's English « Bad Request »."""
    settings.DEBUG = False
    host = Client(HTTP_HOST="evil.example").get("/comptes/connexion/")
    assert host.status_code == 400
    assert "Requête refusée" in host.content.decode() and 'lang="fr"' in host.content.decode()
    fields = {f"champ{n}": "x" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    too_many = Client().post("/comptes/connexion/", fields)
    assert too_many.status_code == 400 and "Rien n'a été enregistré" in too_many.content.decode()
    csrf = Client(enforce_csrf_checks=True).post("/comptes/connexion/", {"username": "a", "password": "b"})
    assert csrf.status_code == 403
    assert "Ce formulaire n'a pas pu être envoyé" in csrf.content.decode() and 'lang="fr"' in csrf.content.decode()


def test_an_action_opened_as_a_page_says_what_it_accepts(client, alice):
    """GET on a POST-only address answered 405 with an empty body: a blank page."""
    client.force_login(alice)
    response = client.get(reverse("logout"))
    assert response.status_code == 405 and response["Allow"] == "POST, OPTIONS"
    assert response.content.decode() == (
        "Méthode refusée : cette adresse n'accepte que POST, OPTIONS (une action d'un formulaire, pas une page à "
        "ouvrir). Rien n'a été enregistré."
    )
