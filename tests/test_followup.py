"""Follow-up of effects: creation of the follow-ups, the reminders (time frozen by passing `today`), the answer
through the HTTP views, access per role, and the bilan's effects figures."""

import io
import smtplib
from datetime import date, datetime, timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import CommandError, call_command
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from evaluation import followup
from evaluation.bilan import Scope, compute_bilan
from evaluation.followup import due_date, due_followups_for, ensure_followups
from evaluation.models import Effect, FollowUp
from tests.commit import committed
from tests.factories import AwarenessSessionFactory, CLSMFactory, UserFactory

pytestmark = pytest.mark.django_db

# Reminders and the command run as their own committed unit of work: the e-mails leave on commit.
send_reminders = committed(followup.send_reminders)
command = committed(call_command)

BASE_URL = "https://smdq.example.fr"


def aware(day: date, hour: int = 8) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


# Due dates and creation --------------------------------------------------------------------------------------


def test_due_date_is_some_months_after_the_session(settings):
    assert due_date(date(2024, 3, 12)) == date(2024, 9, 12)
    assert due_date(date(2023, 8, 31)) == date(2024, 2, 29)  # no 31 February: the month's last day
    assert due_date(date(2024, 11, 30)) == date(2025, 5, 30)  # across a year
    settings.FOLLOWUP_MONTHS = 3
    assert due_date(date(2024, 3, 12)) == date(2024, 6, 12)


def test_ensure_followups_only_for_held_sessions_and_idempotent(session_a, session_b, clsm_a):
    cancelled = AwarenessSessionFactory(clsm=clsm_a, cancelled=True, date=date(2024, 2, 1))
    confirmed = AwarenessSessionFactory(clsm=clsm_a, confirmed=True, date=date(2024, 2, 2))
    later = AwarenessSessionFactory(clsm=clsm_a, held=True, date=date(2024, 5, 2))  # after the frozen day

    report = ensure_followups(today=date(2024, 4, 1))

    assert (report.created, report.rescheduled) == (1, 0)
    followup = FollowUp.objects.get()
    assert followup.session == session_a
    assert followup.due_on == date(2024, 9, 12)
    assert followup.reminded_at is None and followup.answered_at is None
    for session in (session_b, cancelled, confirmed, later):
        assert not FollowUp.objects.filter(session=session).exists()

    again = ensure_followups(today=date(2024, 4, 1))
    assert (again.created, again.rescheduled) == (0, 0)
    assert FollowUp.objects.count() == 1

    ensure_followups(today=date(2024, 5, 2))
    assert FollowUp.objects.get(session=later).due_on == date(2024, 11, 2)


def test_ensure_followups_keeps_pending_due_dates_in_step(session_a, clsm_a, settings):
    other = AwarenessSessionFactory(clsm=clsm_a, held=True, date=date(2024, 3, 1))
    ensure_followups(today=date(2024, 4, 1))
    FollowUp.objects.filter(session=other).update(reminded_at=aware(date(2024, 9, 1)))

    settings.FOLLOWUP_MONTHS = 4
    report = ensure_followups(today=date(2024, 4, 1))

    assert (report.created, report.rescheduled) == (0, 1)
    assert FollowUp.objects.get(session=session_a).due_on == date(2024, 7, 12)
    # Already reminded: its date is the one its coordinators were told.
    assert FollowUp.objects.get(session=other).due_on == date(2024, 9, 1)


def test_ensure_followups_in_bulk(clsm_a, django_assert_max_num_queries):
    for day in range(1, 21):
        AwarenessSessionFactory(clsm=clsm_a, held=True, date=date(2024, 1, day))
    with django_assert_max_num_queries(6):
        report = ensure_followups(today=date(2024, 4, 1))
    assert report.created == 20


# Reminders ---------------------------------------------------------------------------------------------------


@pytest.fixture
def territory(clsm_a, clsm_b, alice, bob, session_a):
    """Alice coordinates CLSM A and CLSM C; Bob and Berthe coordinate CLSM B; CLSM D has nobody to write to.
    Every session below is due on 12 September 2024 (held on 12 March 2024), except the one of 20 March."""
    berthe = UserFactory(username="berthe", first_name="Berthe")
    former = UserFactory(username="ancien", is_active=False)  # an inactive coordinator of B gets nothing
    clsm_b.coordinators.add(berthe, former)
    clsm_c = CLSMFactory(name="CLSM C de Roubaix", coordinators=[alice])
    clsm_d = CLSMFactory(name="CLSM D sans coordination")
    march_12 = date(2024, 3, 12)
    sessions = {
        "a": session_a,
        "a_later": AwarenessSessionFactory(clsm=clsm_a, held=True, date=date(2024, 3, 20), reference="2024-010"),
        "b": AwarenessSessionFactory(clsm=clsm_b, held=True, date=march_12, reference="2024-020"),
        "c": AwarenessSessionFactory(clsm=clsm_c, held=True, date=march_12, reference="2024-030"),
        "d": AwarenessSessionFactory(clsm=clsm_d, held=True, date=march_12, reference="2024-040"),
    }
    ensure_followups(today=date(2024, 4, 1))
    return {"berthe": berthe, **sessions}


def mails_by_recipient():
    return {message.to[0]: message for message in mail.outbox}


def test_no_reminder_before_the_due_date(territory):
    report = send_reminders(today=date(2024, 9, 11), base_url=BASE_URL)
    assert mail.outbox == []
    assert (report.emails, report.reminded) == (0, 0)
    assert not FollowUp.objects.filter(reminded_at__isnull=False).exists()


def test_one_email_per_coordinator_with_their_due_sessions(territory, alice, bob):
    report = send_reminders(today=date(2024, 9, 12), base_url=BASE_URL)

    messages = mails_by_recipient()
    assert sorted(messages) == sorted([alice.email, bob.email, territory["berthe"].email])
    to_alice = messages[alice.email]
    assert to_alice.subject == "Suivi des effets\xa0: 2 séances attendent votre retour"
    assert "Bonjour Alice," in to_alice.body
    assert "Séance 2024-001 du 12 mars 2024 (CLSM A de Lille)" in to_alice.body
    assert "Séance 2024-030 du 12 mars 2024 (CLSM C de Roubaix)" in to_alice.body
    assert "2024-010" not in to_alice.body  # due on 20 September only
    assert "2024-020" not in to_alice.body  # CLSM B is not hers
    a = territory["a"].followup
    assert f"{BASE_URL}/suivis/{a.pk}/" in to_alice.body
    assert f"{BASE_URL}/suivis/" in to_alice.body
    assert f"{BASE_URL}{reverse('kit:propose')}" in to_alice.body
    to_bob = messages[bob.email]
    assert to_bob.subject == "Suivi des effets\xa0: une séance attend votre retour"
    assert "Séance 2024-020 du 12 mars 2024 (CLSM B de Marseille)" in to_bob.body
    assert "2024-001" not in to_bob.body

    assert (report.emails, report.reminded, report.second_reminders) == (3, 3, 0)
    assert report.without_recipient == ["2024-040"]
    reminded = set(FollowUp.objects.filter(reminded_at__isnull=False).values_list("session__reference", flat=True))
    assert reminded == {"2024-001", "2024-020", "2024-030"}
    # Nobody received CLSM D's follow-up: it stays to remind, for when a coordinator is added.
    assert territory["d"].followup.reminded_at is None


def test_reminders_are_not_sent_twice_then_once_more_after_30_days(territory, alice, bob):
    send_reminders(today=date(2024, 9, 12), base_url=BASE_URL)
    mail.outbox.clear()

    send_reminders(today=date(2024, 9, 12), base_url=BASE_URL)
    assert mail.outbox == []
    send_reminders(today=date(2024, 9, 20), base_url=BASE_URL)  # 2024-010 becomes due
    assert [m.to[0] for m in mail.outbox] == [alice.email]
    assert "2024-010" in mail.outbox[0].body and "2024-001" not in mail.outbox[0].body
    mail.outbox.clear()
    send_reminders(today=date(2024, 10, 11), base_url=BASE_URL)  # 29 days after the first reminders
    assert mail.outbox == []

    report = send_reminders(today=date(2024, 10, 12), base_url=BASE_URL)  # 30 days after
    messages = mails_by_recipient()
    assert sorted(messages) == sorted([alice.email, bob.email, territory["berthe"].email])
    to_alice = messages[alice.email]
    assert to_alice.subject == "Rappel – Suivi des effets\xa0: 2 séances attendent votre retour"
    assert "rappel, une première demande vous a été envoyée le 12 septembre 2024" in to_alice.body
    assert "2024-010" not in to_alice.body
    assert (report.reminded, report.second_reminders) == (3, 3)
    reminded_at = FollowUp.objects.get(session=territory["a"]).reminded_at
    assert timezone.localdate(reminded_at) == date(2024, 10, 12)
    mail.outbox.clear()

    send_reminders(today=date(2024, 10, 20), base_url=BASE_URL)  # 2024-010's second reminder
    assert [m.to[0] for m in mail.outbox] == [alice.email]
    assert "2024-010" in mail.outbox[0].body and "2024-001" not in mail.outbox[0].body
    mail.outbox.clear()
    # A third e-mail never comes.
    for day in (date(2024, 11, 11), date(2024, 11, 12), date(2024, 11, 20), date(2025, 3, 1)):
        send_reminders(today=day, base_url=BASE_URL)
    assert mail.outbox == []


def test_the_email_leaves_the_kit_out_when_the_kit_has_no_proposal_page(territory, alice, monkeypatch):
    monkeypatch.setattr("evaluation.followup.kit_proposal_url", lambda: None)
    send_reminders(today=date(2024, 9, 12), base_url=BASE_URL)
    body = mails_by_recipient()[alice.email].body
    assert "2024-001" in body and "action inspirante" not in body


def test_an_answered_followup_is_not_reminded(territory, bob):
    FollowUp.objects.filter(session=territory["b"]).update(answered_at=aware(date(2024, 9, 1)))
    send_reminders(today=date(2024, 9, 12))
    assert bob.email not in mails_by_recipient()


def test_a_late_first_reminder_is_the_only_one(territory, alice):
    """The follow-up of a session held long before the feature came is reminded once, not twice."""
    old = AwarenessSessionFactory(clsm=territory["a"].clsm, held=True, date=date(2022, 1, 10), reference="2022-001")
    ensure_followups(today=date(2024, 9, 1))
    send_reminders(today=date(2024, 9, 1))
    assert "2022-001" in mails_by_recipient()[alice.email].body
    mail.outbox.clear()
    send_reminders(today=date(2024, 10, 1))
    send_reminders(today=date(2024, 11, 1))
    assert not any("2022-001" in m.body for m in mail.outbox)
    assert timezone.localdate(FollowUp.objects.get(session=old).reminded_at) == date(2024, 9, 1)


def test_a_refused_email_is_retried_by_the_worker_and_the_followup_is_not_reminded_twice(
    territory, alice, bob, monkeypatch
):
    from huey.contrib.djhuey import HUEY

    send_messages = EmailBackend.send_messages

    def refuse_bob(self, messages):
        if any(bob.email in m.to for m in messages):
            raise smtplib.SMTPRecipientsRefused({bob.email: (550, b"unknown")})
        return send_messages(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", refuse_bob)
    report = send_reminders(today=date(2024, 9, 12))
    assert report.emails == 3
    assert alice.email in mails_by_recipient() and bob.email not in mails_by_recipient()
    # Bob's e-mail waits in the queue for its next try; his follow-up counts as reminded (no second e-mail).
    [retry] = [task for task in HUEY.scheduled() if task.name == "send_email"]
    assert retry.args[0]["to"] == [bob.email]
    assert FollowUp.objects.get(session=territory["b"]).reminded_at is not None
    mail.outbox.clear()
    send_reminders(today=date(2024, 9, 13))
    assert mail.outbox == []

    # The mail server accepts again: the retry delivers it.
    monkeypatch.setattr(EmailBackend, "send_messages", send_messages)
    HUEY.execute(retry, timestamp=retry.eta)  # a minute later
    assert [m.to for m in mail.outbox] == [[bob.email]]


# The command --------------------------------------------------------------------------------------------------


def test_the_command_creates_the_followups_and_prints_a_french_summary(territory):
    FollowUp.objects.all().delete()
    out = io.StringIO()
    command("send_followup_reminders", "--date", "2024-09-12", "--base-url", BASE_URL, stdout=out)
    assert out.getvalue().splitlines() == [
        "Suivi des effets au 12 septembre 2024 :",
        "- 5 suivis créés pour des séances réalisées.",
        "- 3 e-mails de rappel envoyés pour 3 suivis à renseigner.",
        "- Sans coordinateur·rice joignable par e-mail (le suivi reste visible dans l'application) : 2024-040.",
    ]
    assert len(mail.outbox) == 3
    assert f"{BASE_URL}/suivis/" in mail.outbox[0].body

    out = io.StringIO()
    command("send_followup_reminders", "--date", "2024-10-12", "--base-url", BASE_URL, stdout=out)
    # Second reminders of the sessions of 12 March, first one of the session of 20 March.
    assert out.getvalue().splitlines()[1:3] == [
        "- 0 suivi créé pour des séances réalisées.",
        "- 3 e-mails de rappel envoyés pour 4 suivis à renseigner (dont 3 deuxièmes relances).",
    ]

    out = io.StringIO()
    command("send_followup_reminders", "--date", "2024-10-13", "--base-url", BASE_URL, stdout=out)
    assert "- Aucun rappel à envoyer." in out.getvalue()


def test_the_links_of_the_emails_default_to_the_site(settings):
    from evaluation.followup import default_base_url

    settings.DEBUG = True
    assert default_base_url() == "http://127.0.0.1:8000"
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [".example.fr", "smdq.example.fr"]
    assert default_base_url() == "https://smdq.example.fr"
    settings.ALLOWED_HOSTS = ["*"]
    with pytest.raises(CommandError, match="--base-url"):
        call_command("send_followup_reminders", stdout=io.StringIO())


def test_the_command_rejects_a_bad_date_and_says_the_worker_runs_it_daily():
    with pytest.raises(CommandError, match="date invalide « 12/09/2024 »"):
        command("send_followup_reminders", "--date", "12/09/2024", stdout=io.StringIO())
    from evaluation.management.commands.send_followup_reminders import Command

    assert "Le worker (manage.py run_huey) le fait chaque jour à 8 h" in Command.help


# The coordinator's home page block -------------------------------------------------------------------------


def test_due_followups_for_a_coordinator(territory, alice, bob, claire, fanny, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        due = due_followups_for(alice)
        [f.session.clsm.name for f in due]
    assert [f.session.reference for f in due] == ["2024-001", "2024-030", "2024-010"]
    assert [f.session.reference for f in due_followups_for(bob)] == ["2024-020"]
    assert due_followups_for(fanny) == []
    assert due_followups_for(claire) == []

    html = render_to_string("evaluation/followup/_home_block.html", {"due_followups": due})
    assert "3 séances attendent votre retour" in html
    assert reverse("evaluation:followup_answer", args=[territory["a"].followup.pk]) in html
    assert "Séance 2024-001 du 12 mars 2024 (CLSM A de Lille)" in html
    empty = render_to_string("evaluation/followup/_home_block.html", {"due_followups": []})
    assert "Aucun suivi à renseigner pour l'instant." in empty
    assert reverse("evaluation:followup_list") in empty


# Answering through the HTTP view ---------------------------------------------------------------------------


@pytest.fixture
def followup_a(session_a):
    ensure_followups(today=date(2024, 4, 1))
    return session_a.followup


def test_the_answer_form_lists_the_effects_as_a_checklist(login, alice, followup_a):
    response = login(alice).get(reverse("evaluation:followup_answer", args=[followup_a.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Suivi de la séance 2024-001" in html
    for effect in Effect.objects.all():
        assert f'value="{effect.pk}"' in html
        assert effect.label.replace("'", "&#x27;") in html
    assert html.count('type="checkbox"') == 8
    assert 'for="id_comment"' in html and "Ce qui s&#x27;est passé depuis la séance" in html
    assert "12 septembre 2024" in html  # due date
    assert f'href="{reverse("kit:propose")}"' in html and "Proposer une action inspirante" in html


def test_the_kit_link_is_left_out_when_the_kit_has_no_proposal_page(login, alice, followup_a, monkeypatch):
    monkeypatch.setattr("evaluation.views_followup.kit_proposal_url", lambda: None)
    html = login(alice).get(reverse("evaluation:followup_answer", args=[followup_a.pk])).content.decode()
    assert "Proposer une action inspirante" not in html


def test_answering_saves_the_effects_and_who_answered_then_can_be_changed(login, alice, claire, followup_a):
    url = reverse("evaluation:followup_answer", args=[followup_a.pk])
    effects = {e.code: e.pk for e in Effect.objects.all()}
    client = login(alice)
    response = client.post(
        url,
        {
            "effects": [effects["clsm_valorise"], effects["partenariats"]],
            "comment": "  Deux structures ont rejoint le CLSM.  ",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("evaluation:followup_list")
    followup_a.refresh_from_db()
    assert followup_a.answered_by == alice and followup_a.answered_at is not None
    assert followup_a.comment == "Deux structures ont rejoint le CLSM."
    assert set(followup_a.effects.values_list("code", flat=True)) == {"clsm_valorise", "partenariats"}
    page = client.get(reverse("evaluation:followup_list")).content.decode()
    assert "le suivi de la séance 2024-001 est enregistré" in page

    html = client.get(url).content.decode()
    assert "Renseigné le" in html and "Alice Durand" in html
    assert html.count("checked") == 2

    response = login(claire).post(url, {"effects": [effects["diagnostic"]], "comment": ""})
    assert response.status_code == 302
    followup_a.refresh_from_db()
    assert followup_a.answered_by == claire
    assert list(followup_a.effects.values_list("code", flat=True)) == ["diagnostic"]


def test_an_empty_answer_is_refused(login, alice, followup_a):
    response = login(alice).post(reverse("evaluation:followup_answer", args=[followup_a.pk]), {"comment": "   "})
    assert response.status_code == 200
    assert "Cochez au moins un effet ou décrivez en quelques mots" in response.content.decode()
    followup_a.refresh_from_db()
    assert followup_a.answered_at is None


def test_the_bilan_counts_the_effects_answered(login, alice, bob, followup_a, clsm_b):
    session_b_held = AwarenessSessionFactory(clsm=clsm_b, held=True, date=date(2024, 3, 5))
    ensure_followups(today=date(2024, 4, 1))
    effects = {e.code: e.pk for e in Effect.objects.all()}
    login(alice).post(
        reverse("evaluation:followup_answer", args=[followup_a.pk]),
        {"effects": [effects["clsm_valorise"], effects["actions_sensibilisation"]], "comment": ""},
    )
    login(bob).post(
        reverse("evaluation:followup_answer", args=[session_b_held.followup.pk]),
        {"effects": [effects["actions_sensibilisation"]], "comment": "Une formation PSSM est prévue."},
    )

    national = compute_bilan(Scope.build(season="2023-2024"))["effects"]
    assert national["followups"] == 2
    assert national["effects"]["actions_sensibilisation"]["count"] == 2
    assert national["effects"]["clsm_valorise"]["count"] == 1
    assert national["effects"]["diagnostic"]["count"] == 0
    lille = compute_bilan(Scope.build(clsm="CLSM A de Lille"))["effects"]
    assert lille["followups"] == 1
    assert lille["effects"]["actions_sensibilisation"]["count"] == 1
    assert compute_bilan(Scope.build(season="2022-2023"))["effects"]["followups"] == 0


# Access per role -------------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_login(client, followup_a):
    for url in (reverse("evaluation:followup_list"), reverse("evaluation:followup_answer", args=[followup_a.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_another_clsm_coordinator_gets_404(login, bob, clsm_b, followup_a):
    client = login(bob)
    url = reverse("evaluation:followup_answer", args=[followup_a.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"comment": "intrusion"}).status_code == 404
    assert "2024-001" not in client.get(reverse("evaluation:followup_list")).content.decode()
    followup_a.refresh_from_db()
    assert followup_a.answered_at is None


def test_the_funder_gets_403(login, fanny, followup_a):
    client = login(fanny)
    assert client.get(reverse("evaluation:followup_list")).status_code == 403
    url = reverse("evaluation:followup_answer", args=[followup_a.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"comment": "lecture seule"}).status_code == 403


@pytest.mark.parametrize("user_fixture", ["claire", "adam"])
def test_national_staff_may_open_and_answer(request, login, followup_a, user_fixture):
    client = login(request.getfixturevalue(user_fixture))
    assert client.get(reverse("evaluation:followup_list")).status_code == 200
    url = reverse("evaluation:followup_answer", args=[followup_a.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"comment": "Rien de particulier."}).status_code == 302


def test_unknown_followup_is_404(login, claire):
    assert login(claire).get(reverse("evaluation:followup_answer", args=[999999])).status_code == 404


# The list ---------------------------------------------------------------------------------------------------


def test_the_list_shows_due_then_upcoming_then_answered(login, alice, clsm_a, clsm_b):
    today = timezone.localdate()
    due_old = AwarenessSessionFactory(clsm=clsm_a, held=True, date=today - timedelta(days=400), reference="R-DUE-1")
    due_new = AwarenessSessionFactory(clsm=clsm_a, held=True, date=today - timedelta(days=200), reference="R-DUE-2")
    upcoming = AwarenessSessionFactory(clsm=clsm_a, held=True, date=today - timedelta(days=10), reference="R-NEXT")
    answered = AwarenessSessionFactory(clsm=clsm_a, held=True, date=today - timedelta(days=300), reference="R-DONE")
    AwarenessSessionFactory(clsm=clsm_b, held=True, date=today - timedelta(days=250), reference="R-BOB")
    ensure_followups()
    FollowUp.objects.filter(session=answered).update(answered_at=timezone.now(), answered_by=alice)

    html = login(alice).get(reverse("evaluation:followup_list")).content.decode()
    positions = [html.index(ref) for ref in ("R-DUE-1", "R-DUE-2", "R-NEXT", "R-DONE")]
    assert positions == sorted(positions)
    assert "R-BOB" not in html
    assert "À renseigner\xa0: 2<" in html and "À venir\xa0: 1<" in html and "Renseignés\xa0: 1<" in html
    assert html.count(">Renseigner<") == 3 and html.count(">Modifier<") == 1
    assert reverse("evaluation:followup_answer", args=[due_old.followup.pk]) in html
    assert reverse("evaluation:followup_answer", args=[upcoming.followup.pk]) in html
    assert date_format(due_new.followup.due_on, "j F Y") in html


def test_staff_filter_the_list_by_state_season_and_clsm(login, claire, clsm_a, clsm_b):
    AwarenessSessionFactory(clsm=clsm_a, held=True, date=date(2023, 3, 1), reference="R-A-2023")
    b = AwarenessSessionFactory(clsm=clsm_b, held=True, date=date(2023, 3, 1), reference="R-B-2023")
    AwarenessSessionFactory(clsm=clsm_b, held=True, date=date(2024, 3, 1), reference="R-B-2024")
    ensure_followups()
    FollowUp.objects.filter(session=b).update(answered_at=timezone.now())
    client = login(claire)
    url = reverse("evaluation:followup_list")

    def references(**params):
        html = client.get(url, params).content.decode()
        return {ref for ref in ("R-A-2023", "R-B-2023", "R-B-2024") if ref in html}

    assert references() == {"R-A-2023", "R-B-2023", "R-B-2024"}
    assert references(season="2022-2023") == {"R-A-2023", "R-B-2023"}
    assert references(clsm=clsm_b.pk) == {"R-B-2023", "R-B-2024"}
    assert references(state="renseigne") == {"R-B-2023"}
    assert references(state="a_renseigner", clsm=clsm_b.pk) == {"R-B-2024"}
    partial = client.get(url, {"season": "2023-2024"}, headers={"HX-Request": "true"}).content.decode()
    assert "R-B-2024" in partial and "<html" not in partial


@pytest.mark.parametrize("user_fixture", ["alice", "claire"])
def test_list_query_budget_does_not_grow_with_rows(request, login, clsm_a, django_assert_max_num_queries, user_fixture):
    effects = list(Effect.objects.all()[:3])
    for day in range(1, 31):
        session = AwarenessSessionFactory(clsm=clsm_a, held=True, date=date(2023, 1, day))
        followup = FollowUp.objects.create(session=session, due_on=due_date(session.date))
        if day % 3 == 0:
            followup.answered_at = timezone.now()
            followup.save()
            followup.effects.set(effects)
    client = login(request.getfixturevalue(user_fixture))
    url = reverse("evaluation:followup_list")
    # Session, user, season choices, count, page, editable rows, totals by state, CLSM choices.
    with django_assert_max_num_queries(8):
        response = client.get(url)
    assert response.status_code == 200
    assert "30 suivis" in response.content.decode()
    with django_assert_max_num_queries(8):
        assert client.get(url, {"page": 2}).status_code == 200
