"""The task queue in unit tests (Huey's immediate mode): e-mails handed to the worker and retried, the record of
each task's run, and the « Tâches » page. tests/test_tasks_worker.py runs a real worker on each backend."""

import smtplib
from datetime import date

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.core.mail.backends.locmem import EmailBackend
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from huey.contrib.djhuey import HUEY

from programme.models import TaskRun
from smdq.mail import message_from_payload, message_to_payload, send_email_later, templated_email
from smdq.tasks import EMAIL_RETRIES, send_email
from tests.commit import commit_callbacks_run_at_the_end
from tests.factories import AwarenessSessionFactory

pytestmark = pytest.mark.django_db

ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


def a_message(**overrides) -> EmailMessage:
    values = {
        "subject": "Séance du 12 mars",
        "body": "Bonjour,\n\nVoici l'invitation.",
        "from_email": "centre@smdq.example.fr",
        "to": ["alice@example.fr"],
        "cc": ["bob@example.fr"],
        "reply_to": ["claire@example.fr"],
        **overrides,
    }
    message = EmailMessage(**values)
    message.attach("seance.ics", ICS, "text/calendar")
    message.attach("liste.pdf", b"%PDF-1.7 binary \x00\xff", "application/pdf")
    return message


def test_a_message_survives_the_queue_with_its_attachments_and_their_types():
    rebuilt = message_from_payload(message_to_payload(a_message()))
    assert (rebuilt.subject, rebuilt.body, rebuilt.from_email) == (
        "Séance du 12 mars",
        "Bonjour,\n\nVoici l'invitation.",
        "centre@smdq.example.fr",
    )
    assert (rebuilt.to, rebuilt.cc, rebuilt.reply_to) == (
        ["alice@example.fr"],
        ["bob@example.fr"],
        ["claire@example.fr"],
    )
    assert [tuple(a) for a in rebuilt.attachments] == [
        ("seance.ics", ICS, "text/calendar"),
        ("liste.pdf", b"%PDF-1.7 binary \x00\xff", "application/pdf"),
    ]
    # The MIME message the server receives says what each attachment is.
    raw = rebuilt.message().as_string()
    assert 'Content-Type: text/calendar; charset="utf-8"' in raw and "Content-Type: application/pdf" in raw


def test_an_email_is_written_in_french_on_one_subject_line_whatever_the_language_in_use():
    # A command or the worker may run in another language than the pages: the e-mail is French all the same.
    session = AwarenessSessionFactory(date=date(2026, 3, 12))
    context = {"event": "created", "session": session, "person": None, "actor": None, "reason": "", "url": "/"}
    with translation.override("en"):
        message = templated_email(
            "sessions_app/emails/session", {**context, "duration": "3 h", "animators": []}, ["a@b.fr"]
        )
    assert message.subject == f"Nouvelle séance {session.reference} ({session.clsm.name}) le 12 mars 2026"
    assert message.to == ["a@b.fr"]
    assert "12 mars 2026" in message.body


def test_send_email_later_sends_through_the_worker_on_commit_only():
    with commit_callbacks_run_at_the_end():
        send_email_later(a_message())
        assert mail.outbox == []  # not before the commit
    assert [m.to for m in mail.outbox] == [["alice@example.fr"]]
    assert mail.outbox[0].attachments[0] == ("seance.ics", ICS, "text/calendar")
    run = TaskRun.objects.get()
    assert (run.name, run.state, run.attempts) == ("send_email", TaskRun.State.DONE, 1)
    assert run.description == "« Séance du 12 mars », 2 destinataires"  # never the addresses


def test_a_rolled_back_change_sends_nothing():
    with commit_callbacks_run_at_the_end():
        try:
            with transaction.atomic():
                send_email_later(a_message())
                raise RuntimeError("annulé")
        except RuntimeError:
            pass
    assert mail.outbox == []


def test_an_unreachable_queue_sends_the_message_directly(monkeypatch):
    def unreachable(*args, **kwargs):
        raise ConnectionError("Redis injoignable")

    monkeypatch.setattr(HUEY, "enqueue", unreachable)
    with commit_callbacks_run_at_the_end():
        send_email_later(a_message())
    assert len(mail.outbox) == 1


def test_a_refused_email_is_retried_with_backoff_then_shown_as_failed(monkeypatch):
    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("connexion perdue")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    send_email(message_to_payload(a_message()))
    run = TaskRun.objects.get()
    assert (run.state, run.attempts, run.retries_left) == (TaskRun.State.RETRYING, 1, EMAIL_RETRIES - 1)
    assert "SMTPServerDisconnected: connexion perdue" in run.error

    delays = []
    for _ in range(EMAIL_RETRIES):
        [retry] = HUEY.scheduled()
        delays.append(retry.retry_delay)
        HUEY.storage.flush_schedule()
        HUEY.execute(retry, timestamp=retry.eta)
    assert delays == [120, 240, 480, 960, 1920, 3840]  # doubled after each try (the first came after 60 s)
    assert HUEY.scheduled() == []
    run.refresh_from_db()
    assert (run.state, run.attempts, run.retries_left) == (TaskRun.State.FAILED, EMAIL_RETRIES + 1, 0)
    assert mail.outbox == []


def test_a_message_that_cannot_be_built_is_not_retried():
    payload = message_to_payload(a_message())
    del payload["to"]
    send_email(payload)
    assert HUEY.scheduled() == []
    run = TaskRun.objects.get()
    assert run.state == TaskRun.State.FAILED and "KeyError" in run.error


def test_a_task_is_described_by_its_scope_and_number_not_its_repr():
    from evaluation.bilan import Scope
    from programme.task_runs import describe

    task = type("Task", (), {"name": "prepare_edition", "args": (5, Scope.build(season="2024-2025"), "https://x.fr/")})
    assert describe(task) == "n° 5 · Saison 2024-2025"


def test_the_tasks_page_lists_failures_first_with_their_error(login, claire, alice, monkeypatch):
    send_email(message_to_payload(a_message(subject="Réussi")))
    monkeypatch.setattr(EmailBackend, "send_messages", lambda self, m: (_ for _ in ()).throw(OSError("réseau")))
    send_email(message_to_payload(a_message(subject="En échec")))
    TaskRun.objects.filter(description__contains="En échec").update(state=TaskRun.State.FAILED)

    response = login(claire).get(reverse("task_runs"))
    html = response.content.decode()
    assert response.status_code == 200
    rows = [run.description for run in response.context["page"].object_list]
    assert rows == ["« En échec », 2 destinataires", "« Réussi », 2 destinataires"]
    assert "OSError: réseau" in html and "Envoi d&#x27;un e-mail" in html
    assert "Échouée\xa0: 1" in html
    assert login(alice).get(reverse("task_runs")).status_code == 403
