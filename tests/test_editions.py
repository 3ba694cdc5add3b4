"""Official editions prepared by the worker: published « en préparation » at once (a double click never makes two),
prepared and marked « prête » by the task, progress polled by htmx, e-mail failures retried alone."""

import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import IntegrityError, transaction
from django.urls import reverse
from huey.contrib.djhuey import HUEY

from evaluation import editions
from evaluation.bilan import Scope
from evaluation.models import BilanEdition
from programme.models import TaskRun
from tests.commit import committed
from tests.test_bilan import programme  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("programme")]

SEASON = {"period": "saison", "season": "2022-2023"}
SCOPE = Scope.build(season="2022-2023")


@pytest.fixture(autouse=True)
def quick_pdf(monkeypatch):
    """A PDF takes seconds to render; test_dashboard.py renders real ones through the same path."""
    monkeypatch.setattr(
        "evaluation.report.bilan_pdf", lambda scope, *, funder=False, **kw: b"%PDF-1.7 " + bytes(funder)
    )


@pytest.fixture
def queued(monkeypatch):
    """The worker is away: what publishing hands it is kept here instead of run."""
    calls = []
    monkeypatch.setattr("evaluation.tasks.prepare_edition", lambda *args: calls.append(args))
    return calls


def publish(client):
    return client.post(reverse("evaluation:edition_publish"), SEASON)


def test_publishing_answers_at_once_with_an_edition_in_preparation(login, claire, queued):
    client = login(claire)
    response = publish(client)
    edition = BilanEdition.objects.get()
    assert response["Location"] == reverse("evaluation:edition_detail", args=[edition.pk])
    assert (edition.state, edition.progress, edition.data, bytes(edition.pdf)) == ("en_preparation", 0, None, b"")
    assert [(pk, scope.label) for pk, scope, _url in queued] == [(edition.pk, "Saison 2022-2023")]

    page = client.get(response["Location"]).content.decode()
    assert "En préparation" in page and 'data-hx-trigger="every 2s"' in page
    # The PDF of an edition not ready yet leads to its page, never to an empty file.
    assert client.get(reverse("evaluation:edition_pdf", args=[edition.pk]))["Location"] == response["Location"]


def test_a_double_click_never_makes_two_editions(login, claire, queued):
    client = login(claire)
    first, second = publish(client), publish(client)
    assert first["Location"] == second["Location"]
    assert BilanEdition.objects.count() == 1 and len(queued) == 1


def test_an_edition_whose_worker_died_does_not_block_its_scope(login, claire, queued):
    from datetime import timedelta

    from django.utils import timezone

    client = login(claire)
    publish(client)
    BilanEdition.objects.update(published_at=timezone.now() - timedelta(minutes=16))  # the worker was killed
    publish(client)
    assert list(BilanEdition.objects.order_by("number").values_list("number", "state")) == [
        (1, "echouee"),
        (2, "en_preparation"),
    ]
    assert len(queued) == 2


def test_two_editions_of_a_scope_cannot_be_in_preparation_together(claire, queued, monkeypatch):
    edition = committed(editions.publish)(SCOPE, claire)
    # The other request checked before this one committed: the database refuses the second edition...
    with pytest.raises(IntegrityError), transaction.atomic():
        BilanEdition.objects.create(
            scope_key=edition.scope_key, scope_params={}, label="x", number=2, state=BilanEdition.State.PREPARING
        )
    # ... and publish answers with the edition already on its way.
    real = editions._in_preparation
    answers = iter([None])
    monkeypatch.setattr(editions, "_in_preparation", lambda key: next(answers, None) or real(key))
    assert committed(editions.publish)(SCOPE, claire) == edition
    assert len(queued) == 1


def test_the_worker_prepares_the_edition_then_the_page_stops_polling(login, claire, alice, bob, queued):
    client = login(claire)
    publish(client)
    [(pk, scope, base_url)] = queued
    committed(editions.prepare)(pk, scope, base_url)
    edition = BilanEdition.objects.get()
    assert (edition.state, edition.progress) == (BilanEdition.State.READY, 100)
    assert edition.data["key_figures"]["sessions"] == 2 and bytes(edition.pdf).startswith(b"%PDF-")
    assert sorted(mail.outbox[0].to) == sorted([alice.email, bob.email])
    assert base_url in mail.outbox[0].body

    fragment = client.get(reverse("evaluation:edition_detail", args=[pk]), headers={"HX-Request": "true"})
    html = fragment.content.decode()
    assert "data-hx-trigger" not in html and "Prête" in html
    assert reverse("evaluation:edition_pdf", args=[pk]) in html
    # A retried task after the success changes nothing and sends nothing more.
    committed(editions.prepare)(pk, scope, base_url)
    assert len(mail.outbox) == 1 and BilanEdition.objects.count() == 1


def test_the_coordinators_are_told_once(claire, alice, bob):
    figures = {"sessions": 2, "participants": 9, "responses": 6}
    edition = BilanEdition.objects.create(
        scope_key="{}", scope_params={}, label="Saison 2022-2023", number=1, data={"key_figures": figures}
    )
    for _ in range(2):  # a retried task, or two workers
        committed(editions.notify)(edition, SCOPE, "https://smdq.example.fr/bilan/editions/")
    assert len(mail.outbox) == 1 and edition.notified_at is not None


def test_progress_is_shown_while_the_worker_renders(login, claire, queued, monkeypatch):
    client = login(claire)
    publish(client)
    [(pk, scope, base_url)] = queued
    seen = []

    def look_at_the_page(*args, **kwargs):
        response = client.get(reverse("evaluation:edition_detail", args=[pk]), headers={"HX-Request": "true"})
        seen.append(response.context["edition"].progress)
        return b"%PDF-1.7"

    monkeypatch.setattr("evaluation.report.bilan_pdf", look_at_the_page)
    editions.prepare(pk, scope, base_url)
    assert seen == [40, 70]


def test_a_mail_server_down_never_loses_nor_duplicates_the_edition(login, claire, alice, bob, monkeypatch):
    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("connexion perdue")

    send_messages = EmailBackend.send_messages
    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    publish(login(claire))
    edition = BilanEdition.objects.get()
    assert edition.state == BilanEdition.State.READY and edition.notified_at is not None
    assert mail.outbox == []
    # Only the e-mail waits for its next try; the edition's own task succeeded once.
    [retry] = HUEY.scheduled()
    assert retry.name == "send_email"
    assert TaskRun.objects.get(name="prepare_edition").state == TaskRun.State.DONE
    monkeypatch.setattr(EmailBackend, "send_messages", send_messages)
    HUEY.execute(retry, timestamp=retry.eta)
    assert [sorted(m.to) for m in mail.outbox] == [sorted([alice.email, bob.email])]
    assert BilanEdition.objects.count() == 1


def test_a_failing_preparation_is_retried_then_marked_failed(login, claire, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("WeasyPrint a échoué")

    from evaluation import report

    working = report.bilan_pdf
    monkeypatch.setattr(report, "bilan_pdf", broken)
    client = login(claire)
    publish(client)
    edition = BilanEdition.objects.get()
    assert edition.state == BilanEdition.State.PREPARING  # a retry is scheduled
    for _ in range(2):
        [retry] = HUEY.scheduled()
        HUEY.storage.flush_schedule()
        HUEY.execute(retry, timestamp=retry.eta)
    edition.refresh_from_db()
    assert edition.state == BilanEdition.State.FAILED and "WeasyPrint a échoué" in edition.error
    assert "Échouée" in client.get(reverse("evaluation:edition_detail", args=[edition.pk])).content.decode()
    # Publishing again is possible: the failed edition no longer blocks the scope.
    monkeypatch.setattr(report, "bilan_pdf", working)
    publish(client)
    assert list(BilanEdition.objects.values_list("number", "state")) == [(2, "prete"), (1, "echouee")]
