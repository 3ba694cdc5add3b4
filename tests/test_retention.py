"""The retention promises of the register (docs/personal-data.md) about accounts and log-ins, kept by
`purge_login_records` and `purge_inactive_accounts` (accounts/retention.py): dry run by default, --apply acts."""

import io
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.retention import purge_inactive_accounts, purge_login_records
from imports.models import PendingImport
from tests.factories import SessionRequestFactory

pytestmark = pytest.mark.django_db


def command(name, *args) -> str:
    out = io.StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("name, option", [("purge_login_records", "--days"), ("purge_personal_data", "--months")])
@pytest.mark.parametrize("value", ["-5", "0", "abc", "1.5"])
def test_a_retention_period_is_a_whole_number_of_at_least_one(name, option, value):
    """0 or less would put the limit at today or later, and --apply would erase what is still within its period."""
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=f"la durée de conservation est un nombre entier de .*reçu : « {value} »"):
        command(name, option, value, "--apply")
    assert "(simulation, relancez avec --apply)" in command(name, option, "1")


# Log-in records: 30 days ------------------------------------------------------------------------------


def log_in(username, password, address):
    return Client().post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_login_records_are_kept_30_days(alice, bob, password):
    log_in("alice", "mauvais", "198.51.100.1")  # an attempt
    log_in("bob", password, "198.51.100.2")  # a log-in, and a session
    log_in("alice", "mauvais", "198.51.100.3")
    log_in("bob", password, "198.51.100.4")
    # The first two were 31 days ago, and the first session has expired.
    old = timezone.now() - timedelta(days=31)
    AccessAttempt.objects.filter(ip_address="198.51.100.1").update(attempt_time=old)
    AccessLog.objects.filter(ip_address="198.51.100.2").update(attempt_time=old)
    AccessFailureLog.objects.create(username="alice", ip_address="198.51.100.1")
    AccessFailureLog.objects.update(attempt_time=old)
    Session.objects.filter(pk=Session.objects.order_by("expire_date")[0].pk).update(expire_date=old)
    assert (AccessAttempt.objects.count(), AccessLog.objects.count(), Session.objects.count()) == (2, 2, 2)

    out = command("purge_login_records")
    assert "1 tentative bloquante, 1 connexion, 1 échec ; 1 session expirée" in out
    assert "simulation" in out
    assert (AccessAttempt.objects.count(), AccessLog.objects.count(), AccessFailureLog.objects.count()) == (2, 2, 1)

    out = command("purge_login_records", "--apply")
    assert "effacé·es" in out
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["198.51.100.3"]
    assert list(AccessLog.objects.values_list("ip_address", flat=True)) == ["198.51.100.4"]
    assert not AccessFailureLog.objects.exists()
    assert Session.objects.count() == 1
    assert purge_login_records(apply=True).attempts == 0  # nothing more to do
    assert "0 tentative bloquante, 0 connexion, 0 échec ; 0 session expirée" in command("purge_login_records")
    AccessLog.objects.update(attempt_time=old)
    AccessFailureLog.objects.bulk_create(AccessFailureLog(username="bob", attempt_time=old) for _ in range(3))
    AccessFailureLog.objects.update(attempt_time=old)
    assert "0 tentative bloquante, 1 connexion, 3 échecs ; 0 session expirée" in command("purge_login_records")


def test_login_records_retention_follows_the_setting(alice, settings):
    log_in("alice", "mauvais", "198.51.100.1")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(days=8))
    assert purge_login_records().attempts == 0
    settings.LOGIN_RECORDS_RETENTION_DAYS = 7
    assert purge_login_records().attempts == 1
    assert purge_login_records(days=10).attempts == 0


# Deactivated accounts: 12 months ---------------------------------------------------------------------


def test_deactivation_is_dated(alice):
    assert alice.deactivated_at is None
    alice.is_active = False
    alice.save()
    assert alice.deactivated_at is not None
    first = alice.deactivated_at
    alice.save()
    assert alice.deactivated_at == first  # saving again does not restart the clock
    alice.is_active = True
    alice.save(update_fields=["is_active"])
    alice.refresh_from_db()
    assert alice.deactivated_at is None


def deactivate(user, months_ago):
    user.is_active = False
    user.save()
    User.objects.filter(pk=user.pk).update(deactivated_at=timezone.now() - timedelta(days=31 * months_ago))


def test_an_account_deactivated_12_months_ago_loses_its_personal_data_and_keeps_its_work(
    alice, bob, claire, clsm_a, session_a, password
):
    request = SessionRequestFactory(clsm=clsm_a, created_by=alice)
    session_a.coordinator = alice
    session_a.save()
    PendingImport.objects.create(user=alice, kind="participants", filename="noms.csv", content=b"nom\nDupont\n")
    alice.organisation = "Ville de Lille"
    alice.rotate_calendar_token()
    deactivate(alice, months_ago=13)
    deactivate(bob, months_ago=11)
    history_count = session_a.history.filter(history_user=alice).count()

    out = command("purge_inactive_accounts")
    assert "1 compte à anonymiser (simulation" in out
    assert User.objects.get(pk=alice.pk).username == "alice"

    assert "1 compte anonymisé" in command("purge_inactive_accounts", "--apply")
    alice.refresh_from_db()
    assert alice.username == f"compte-supprime-{alice.pk}"
    assert (alice.first_name, alice.last_name, alice.email, alice.organisation, alice.calendar_token) == ("",) * 5
    assert not alice.has_usable_password() and not alice.is_active
    assert str(alice) == f"Compte supprimé n° {alice.pk}"
    assert not PendingImport.objects.filter(user=alice).exists()
    # What the account did keeps its author: nothing cascaded, nothing set to null.
    request.refresh_from_db()
    session_a.refresh_from_db()
    assert request.created_by_id == alice.pk and session_a.coordinator_id == alice.pk
    assert alice in clsm_a.coordinators.all()
    assert session_a.history.filter(history_user=alice).count() == history_count
    # Deactivated 11 months ago, or active: untouched.
    bob.refresh_from_db()
    claire.refresh_from_db()
    assert (bob.username, claire.username) == ("bob", "claire") and bob.email and claire.email
    assert log_in("alice", password, "198.51.100.1").status_code == 200  # no such account any more
    assert purge_inactive_accounts(apply=True).accounts == 0  # done once


def test_an_account_deactivated_without_a_date_starts_its_12_months_at_the_purge(alice):
    User.objects.filter(pk=alice.pk).update(is_active=False)  # a bulk update does not go through save()
    out = command("purge_inactive_accounts", "--apply")
    assert "0 compte anonymisé" in out and "1 compte désactivé sans date" in out
    alice.refresh_from_db()
    assert alice.username == "alice" and alice.deactivated_at is not None
    assert purge_inactive_accounts(now=timezone.now() + timedelta(days=366), apply=True).accounts == 1
