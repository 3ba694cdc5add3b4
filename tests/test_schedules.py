"""What the worker runs on its own (Huey periodic tasks instead of cron lines), and the personal-data page where
the chargée sees what the nightly purge will erase and can run it now."""

from datetime import datetime, timedelta

import pytest
from axes.models import AccessAttempt, AccessLog
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from accounts.tasks import anonymise_inactive_accounts, clean_login_records
from evaluation.models import FollowUp
from evaluation.tasks import clean_documents, daily_followups, daily_practical_kits, daily_sheets_to_type
from imports.models import PendingImport
from imports.tasks import clean_pending_imports
from programme.models import TaskRun
from programme.tasks import clean_task_runs, nightly_purge
from sessions_app.models import Participant
from territories.models import ContactRequest
from territories.tasks import clean_contact_requests
from tests.commit import committed
from tests.factories import AwarenessSessionFactory, ParticipantFactory
from tests.test_bilan import programme  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def runs_at(task, hour: int, minute: int = 0) -> bool:
    return task.s().validate_datetime(datetime(2026, 11, 24, hour, minute))


@pytest.mark.parametrize(
    ("task", "hour", "minute"),
    [
        (nightly_purge, 3, 0),
        (clean_login_records, 3, 30),
        (anonymise_inactive_accounts, 3, 45),
        (clean_contact_requests, 3, 50),
        (clean_task_runs, 4, 0),
        (clean_documents, 4, 15),
        (daily_followups, 8, 0),
        (daily_practical_kits, 7, 0),
        (daily_sheets_to_type, 9, 0),
    ],
)
def test_each_schedule_runs_once_a_day_at_its_hour(task, hour, minute):
    assert runs_at(task, hour, minute)
    minutes = [datetime(2026, 11, 24) + timedelta(minutes=m) for m in range(24 * 60)]
    assert sum(task.s().validate_datetime(moment) for moment in minutes) == 1
    # Registered with the queue: the worker's scheduler finds it.
    assert task.task_class in {type(t) for t in HUEY._registry.periodic_tasks}


def test_the_schedules_are_in_local_time():
    """Huey checks the crontab against local time (utc=False) and Django sets the process's zone to Paris."""
    assert HUEY.utc is False
    assert timezone.get_current_timezone_name() == "Europe/Paris"


def test_nightly_purge_erases_what_is_past_its_retention(programme, settings):  # noqa: F811
    Participant.objects.update(email="x@example.fr")
    recent = AwarenessSessionFactory(clsm=programme["s1"].clsm, date=timezone.localdate(), held=True)
    ParticipantFactory(session=recent, email="kept@example.fr")
    nightly_purge()
    assert list(Participant.objects.exclude(email="").values_list("email", flat=True)) == ["kept@example.fr"]
    run = TaskRun.objects.get(name="nightly_purge")
    assert run.state == TaskRun.State.DONE


def test_unconfirmed_imports_are_cleaned_every_hour():
    minutes = [datetime(2026, 11, 24) + timedelta(minutes=m) for m in range(24 * 60)]
    assert sum(clean_pending_imports.s().validate_datetime(moment) for moment in minutes) == 24
    assert clean_pending_imports.task_class in {type(t) for t in HUEY._registry.periodic_tasks}


def test_login_records_older_than_30_days_are_erased(alice):
    old = timezone.now() - timedelta(days=31)
    for agent, when in (("old", old), ("recent", timezone.now() - timedelta(days=2))):
        attempt = AccessAttempt.objects.create(
            username="alice", ip_address="127.0.0.1", user_agent=agent, failures_since_start=1
        )
        log = AccessLog.objects.create(username="alice", ip_address="127.0.0.1", user_agent="x")
        AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=when)
        AccessLog.objects.filter(pk=log.pk).update(attempt_time=when)
    clean_login_records()
    assert AccessAttempt.objects.count() == 1 and AccessLog.objects.count() == 1
    assert AccessAttempt.objects.get().attempt_time > old and AccessLog.objects.get().attempt_time > old


def test_contact_requests_handled_more_than_12_months_ago_are_deleted(claire, settings):
    now = timezone.now()

    def contact(name, status, handled_days_ago=None):
        ContactRequest.objects.create(
            clsm_name=name,
            communes="Roubaix",
            first_name="P",
            last_name="Q",
            email="p@q.fr",
            client_key="k",
            status=status,
            created_at=now - timedelta(days=800),
            handled_at=None if handled_days_ago is None else now - timedelta(days=handled_days_ago),
        )

    contact("acceptée il y a 13 mois", ContactRequest.Status.ACCEPTED, 400)
    contact("classée il y a 13 mois", ContactRequest.Status.FILED, 400)
    contact("classée il y a 11 mois", ContactRequest.Status.FILED, 330)
    contact("à traiter depuis 2 ans", ContactRequest.Status.NEW)  # the inbox: kept until handled
    assert clean_contact_requests.call_local() == 2
    assert sorted(ContactRequest.objects.values_list("clsm_name", flat=True)) == [
        "classée il y a 11 mois",
        "à traiter depuis 2 ans",
    ]
    assert clean_contact_requests.call_local() == 0  # a second run the same night changes nothing
    settings.CONTACT_REQUEST_RETENTION_MONTHS = 6  # the delay is a setting
    assert clean_contact_requests.call_local() == 1


def test_purge_contact_requests_command_is_a_dry_run_by_default(claire):
    from io import StringIO

    from django.core.management import call_command

    ContactRequest.objects.create(
        clsm_name="X",
        communes="Roubaix",
        first_name="P",
        last_name="Q",
        email="p@q.fr",
        client_key="k",
        status=ContactRequest.Status.FILED,
        handled_at=timezone.now() - timedelta(days=400),
    )
    out = StringIO()
    call_command("purge_contact_requests", stdout=out)
    assert ": 1 à supprimer (simulation, relancez avec --apply)." in out.getvalue()
    assert ContactRequest.objects.count() == 1
    call_command("purge_contact_requests", "--apply", stdout=out)
    assert ContactRequest.objects.count() == 0


def test_abandoned_imports_are_erased_after_24_hours(claire):
    def pending(hours_ago, applied=False):
        item = PendingImport.objects.create(
            user=claire,
            kind="clsm",
            filename=f"{hours_ago}.csv",
            content=b"nom\nA\n",
            applied_at=timezone.now() if applied else None,
        )
        PendingImport.objects.filter(pk=item.pk).update(created_at=timezone.now() - timedelta(hours=hours_ago))

    pending(25)
    pending(23)
    pending(48, applied=True)  # the history of what was imported stays
    clean_pending_imports()
    assert sorted(PendingImport.objects.values_list("filename", flat=True)) == ["23.csv", "48.csv"]


def test_old_task_records_are_erased_after_90_days():
    for days, state in ((91, TaskRun.State.DONE), (91, TaskRun.State.RETRYING), (10, TaskRun.State.FAILED)):
        TaskRun.objects.create(
            task_id=f"{days}-{state}", name="x", state=state, enqueued_at=timezone.now() - timedelta(days=days)
        )
    clean_task_runs()
    # A task still retrying is kept whatever its age.
    assert sorted(TaskRun.objects.filter(name="x").values_list("task_id", flat=True)) == [
        "10-echouee",
        "91-nouvel_essai",
    ]


def test_the_daily_followups_create_and_remind(alice, clsm_a, settings):
    settings.SITE_URL = "https://smdq.example.fr"
    AwarenessSessionFactory(clsm=clsm_a, held=True, date=timezone.localdate() - timedelta(days=200), reference="X-1")
    committed(daily_followups)()
    followup = FollowUp.objects.get()
    assert followup.reminded_at is not None
    assert [m.to for m in mail.outbox] == [[alice.email]]
    assert "https://smdq.example.fr/suivis/" in mail.outbox[0].body


# The personal-data page ---------------------------------------------------------------------------------------


def test_the_page_says_what_the_next_purge_erases_and_when(login, claire, programme, settings):  # noqa: F811
    Participant.objects.update(email="x@example.fr")
    html = login(claire).get(reverse("personal_data")).content.decode()
    assert "Prochain passage" in html and "à 3 h" in html
    assert "9 participant·es avec nom ou e-mail" in html
    assert reverse("personal_data_purge") in html


def test_the_chargee_confirms_then_erases_now(login, claire, programme):  # noqa: F811
    Participant.objects.update(email="x@example.fr")
    client = login(claire)
    confirm = client.get(reverse("personal_data_purge")).content.decode()
    assert "les noms et e-mails de 9 participant·es" in confirm and "Confirmer l'effacement" in confirm
    assert Participant.objects.filter(email="x@example.fr").count() == 9  # the confirmation page erases nothing
    response = client.post(reverse("personal_data_purge"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("personal_data")
    assert not Participant.objects.exclude(email="").exists()
    assert "Données personnelles effacées" in response.content.decode()


@pytest.mark.parametrize("user_fixture", ["alice", "fanny"])
def test_only_the_national_centre_erases(request, login, programme, user_fixture):  # noqa: F811
    Participant.objects.update(email="x@example.fr")
    client = login(request.getfixturevalue(user_fixture))
    assert client.post(reverse("personal_data_purge")).status_code == 403
    assert Participant.objects.filter(email="x@example.fr").count() == 9


def test_a_schedule_already_running_on_another_worker_is_skipped(alice, clsm_a):
    AwarenessSessionFactory(clsm=clsm_a, held=True, date=timezone.localdate() - timedelta(days=200), reference="X-1")
    with HUEY.lock_task("daily-followups"):  # held by another worker sharing the Redis queue
        daily_followups()
    assert not FollowUp.objects.exists() and mail.outbox == []
    assert TaskRun.objects.get(name="daily_followups").error == "sautée : déjà en cours sur un autre worker"
    daily_followups()
    assert FollowUp.objects.count() == 1
