"""The reminders on a schedule (week-before kit, sheets to type the day after), their commands, and « Mon profil »
where each person turns them off."""

import io
from datetime import date, time

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from evaluation.models import QuestionnaireLink
from evaluation.reminders import send_practical_kits, send_sheets_to_type
from evaluation.responses import Sheet, create_response
from sessions_app.models import AwarenessSession
from tests.factories import AwarenessSessionFactory, ParticipantFactory, UserFactory

pytestmark = pytest.mark.django_db

BASE = "https://smdq.example.fr"


@pytest.fixture
def outbox(django_capture_on_commit_callbacks):
    """Runs a reminder function and returns the e-mails it sent (they leave on commit)."""

    def run(function, *args, **kwargs):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            report = function(*args, **kwargs)
        return report, list(mail.outbox)

    return run


@pytest.fixture
def next_week(clsm_a, claire):
    """A confirmed session of CLSM A on Tuesday 21 May 2030, a week after Tuesday 14 May."""
    return AwarenessSessionFactory(
        clsm=clsm_a,
        date=date(2030, 5, 21),
        start_time=time(9, 30),
        confirmed=True,
        address="3 rue du Marché",
        commune_id="59350",
        animators=[claire],
        reference="2030-010",
    )


# The practical kit --------------------------------------------------------------------------------------------


def test_the_kit_goes_to_the_coordinators_a_week_before_once(outbox, alice, bob, claire, next_week, clsm_b):
    AwarenessSessionFactory(clsm=clsm_b, date=date(2030, 5, 29), reference="2030-011")  # 15 days ahead: not yet
    report, sent = outbox(send_practical_kits, date(2030, 5, 13), base_url=BASE)  # 8 days before
    assert (report.sessions, sent) == (0, [])

    report, sent = outbox(send_practical_kits, date(2030, 5, 14), base_url=BASE)
    assert report.references == ["2030-010"]
    assert [m.to for m in sent] == [[alice.email]]  # the coordinators, not the animator
    message = sent[0]
    assert message.subject == "Séance 2030-010 mardi 21 mai\xa0: votre kit pratique"
    body = message.body
    link = QuestionnaireLink.objects.get(session=next_week)  # created so that the poster exists
    for expected in (
        "mardi 21 mai 2030, à 9\xa0h\xa030 (3 h)",
        "Centre social du quartier, 3 rue du Marché, Lille",
        f"{BASE}/seances/{next_week.pk}/feuille-emargement.pdf",
        f"{BASE}/seances/{next_week.pk}/affiche.pdf",
        f"{BASE}/seances/{next_week.pk}/questionnaire.pdf",
        f"{BASE}/q/{link.token}/",
        f"{BASE}/comptes/profil/",
    ):
        assert expected in body, expected

    # A second run, the same day or later in the week, sends nothing more.
    assert outbox(send_practical_kits, date(2030, 5, 14), base_url=BASE)[1] == []
    assert outbox(send_practical_kits, date(2030, 5, 16), base_url=BASE)[1] == []

    # Moved to another date within the week: the kit comes again, for the new date.
    next_week.date = date(2030, 5, 20)
    next_week.save()
    assert [m.to for m in outbox(send_practical_kits, date(2030, 5, 16), base_url=BASE)[1]] == [[alice.email]]


def test_a_planned_session_kit_says_the_poster_comes_with_confirmation(outbox, alice, clsm_a):
    planned = AwarenessSessionFactory(clsm=clsm_a, date=date(2030, 5, 20), reference="2030-012")
    _report, sent = outbox(send_practical_kits, date(2030, 5, 14), base_url=BASE)
    assert "pas encore confirmée" in sent[0].body
    assert f"{BASE}/seances/{planned.pk}/questionnaire-en-ligne/" in sent[0].body
    assert "affiche.pdf" not in sent[0].body
    assert not QuestionnaireLink.objects.exists()  # a planned session has no questionnaire yet


def test_a_coordinator_who_turned_the_kit_off_gets_none(outbox, alice, next_week):
    other = UserFactory(username="olga")
    next_week.clsm.coordinators.add(other)
    alice.notify_practical_kit = False
    alice.save()
    report, sent = outbox(send_practical_kits, date(2030, 5, 14), base_url=BASE)
    assert report.sessions == 1 and [m.to for m in sent] == [[other.email]]


def test_cancelled_sessions_get_no_kit(outbox, alice, next_week, claire):
    next_week.cancel(claire, "Salle fermée")
    assert outbox(send_practical_kits, date(2030, 5, 14), base_url=BASE)[1] == []


def sent_after(callbacks) -> list:
    """The e-mails queued on commit, sent now: outside the query count, as the worker sends them."""
    mail.outbox.clear()
    for callback in callbacks:
        callback()
    return list(mail.outbox)


def test_kit_query_count_does_not_grow_with_sessions(
    clsm_a, alice, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    for day in range(15, 22):
        AwarenessSessionFactory(clsm=clsm_a, date=date(2030, 5, day))
    # sessions, coordinators, local animators (self-run sessions), then per session: its kit update (planned: no
    # questionnaire link)
    with django_assert_max_num_queries(3 + 7), django_capture_on_commit_callbacks() as callbacks:
        report = send_practical_kits(date(2030, 5, 14), base_url=BASE)
    assert (report.sessions, len(sent_after(callbacks))) == (7, 7)


# Sheets to type -----------------------------------------------------------------------------------------------


def held_yesterday(clsm, animators, *, participants=0, responses=0, attendance=None, reference="2030-020"):
    session = AwarenessSessionFactory(
        clsm=clsm,
        date=date(2030, 5, 13),
        held=True,
        actual_attendance=attendance,
        animators=animators,
        reference=reference,
    )
    for _ in range(participants):
        ParticipantFactory(session=session)
    for _ in range(responses):
        create_response(session, Sheet(answers={"sat_logistique": 4}), channel="papier")
    return session


def test_the_animator_gets_the_sheets_left_to_type_the_day_after(outbox, alice, claire, clsm_a):
    session = held_yesterday(clsm_a, [claire], participants=12, responses=4, attendance=10)
    assert outbox(send_sheets_to_type, date(2030, 5, 13), base_url=BASE)[1] == []  # the same day: not yet
    _report, sent = outbox(send_sheets_to_type, date(2030, 5, 14), base_url=BASE)
    assert [m.to for m in sent] == [[claire.email]]  # the animator, not the coordinator
    assert sent[0].subject == "8 feuilles à saisir pour la séance 2030-020 (CLSM A de Lille)"
    assert f"{BASE}/seances/{session.pk}/questionnaires/" in sent[0].body
    assert outbox(send_sheets_to_type, date(2030, 5, 14), base_url=BASE)[1] == []  # once
    assert outbox(send_sheets_to_type, date(2030, 5, 15), base_url=BASE)[1] == []


def test_attendance_counts_when_higher_than_the_sheet_and_nothing_to_type_sends_nothing(outbox, claire, clsm_a):
    held_yesterday(clsm_a, [claire], participants=2, responses=3, attendance=9)
    held_yesterday(clsm_a, [claire], participants=5, responses=5, reference="2030-021")
    report, sent = outbox(send_sheets_to_type, date(2030, 5, 14), base_url=BASE)
    assert report.references == ["2030-020"]
    assert sent[0].subject.startswith("6 feuilles à saisir pour la séance 2030-020")


def test_one_email_per_animator_for_several_sessions_and_the_opt_out(outbox, claire, clsm_a):
    dora = UserFactory(username="dora", national_staff=True, notify_sheets_to_type=False)
    held_yesterday(clsm_a, [claire, dora], participants=3, reference="2030-020")
    held_yesterday(clsm_a, [claire], participants=1, reference="2030-021")
    _report, sent = outbox(send_sheets_to_type, date(2030, 5, 14), base_url=BASE)
    assert [m.to for m in sent] == [[claire.email]]
    assert sent[0].subject == "4 feuilles à saisir pour 2 séances"


def test_a_session_with_nothing_entered_yet_is_looked_at_again(outbox, claire, clsm_a):
    session = held_yesterday(clsm_a, [claire])
    assert outbox(send_sheets_to_type, date(2030, 5, 14), base_url=BASE)[1] == []
    AwarenessSession.objects.filter(pk=session.pk).update(actual_attendance=7)
    assert len(outbox(send_sheets_to_type, date(2030, 5, 15), base_url=BASE)[1]) == 1


def test_sheets_query_count_does_not_grow_with_sessions(
    claire, clsm_a, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    for index in range(6):
        held_yesterday(clsm_a, [claire], attendance=5, reference=f"2030-03{index}")
    # sessions with their counts, their animators, the update
    with django_assert_max_num_queries(3), django_capture_on_commit_callbacks() as callbacks:
        report = send_sheets_to_type(date(2030, 5, 14), base_url=BASE)
    assert (report.sessions, len(sent_after(callbacks))) == (6, 1)


# The commands -------------------------------------------------------------------------------------------------


def test_the_commands(alice, claire, clsm_a, next_week, django_capture_on_commit_callbacks):
    held_yesterday(clsm_a, [claire], attendance=3)
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_practical_kits", "--date", "2030-05-14", "--base-url", BASE, stdout=out)
        call_command("send_sheets_to_type", "--date", "2030-05-14", "--base-url", BASE, stdout=out)
    assert out.getvalue().splitlines() == [
        "Kit pratique : 1 séance (2030-010), 1 e-mail.",
        "Feuilles à saisir : 1 séance (2030-020), 1 e-mail.",
    ]
    assert sorted(m.to[0] for m in mail.outbox) == sorted([alice.email, claire.email])
    out = io.StringIO()
    call_command("send_practical_kits", "--date", "2030-05-14", stdout=out)
    call_command("send_sheets_to_type", "--date", "2030-05-14", stdout=out)
    assert out.getvalue().splitlines() == [
        "Kit pratique : aucune séance à préparer.",
        "Feuilles à saisir : rien à signaler.",
    ]


# « Mon profil » -----------------------------------------------------------------------------------------------


def test_profile_page_changes_name_email_and_preferences(login, alice):
    client = login(alice)
    page = client.get(reverse("profile")).content.decode()
    assert "Mon profil" in page and "Kit pratique une semaine avant" in page
    assert "Feuilles à saisir" not in page  # an animator's reminder: not a coordinator's
    response = client.post(
        reverse("profile"),
        {"first_name": "Alice", "last_name": "Durand-Roy", "email": "alice.durand@clsm.fr"},
        follow=True,
    )
    assert "Votre profil est enregistré." in response.content.decode()
    alice.refresh_from_db()
    assert (alice.last_name, alice.email, alice.notify_practical_kit) == ("Durand-Roy", "alice.durand@clsm.fr", False)


def test_profile_refuses_another_accounts_address_and_keeps_the_role(login, alice, claire, bob):
    response = login(claire).post(
        reverse("profile"),
        {"first_name": "Claire", "last_name": "Martin", "email": bob.email.upper(), "role": "administrateur"},
    )
    assert response.context["form"].errors["email"] == ["Cette adresse est déjà celle d'un autre compte."]
    claire.refresh_from_db()
    assert claire.role == "chargee_mission" and claire.email != bob.email.upper()
    login(claire).post(
        reverse("profile"),
        {"first_name": "Claire", "last_name": "Martin", "email": "claire@example.fr", "role": "administrateur"},
    )
    claire.refresh_from_db()
    assert claire.role == "chargee_mission" and claire.notify_sheets_to_type is False


def test_without_a_base_url_the_sites_address_is_used(outbox, settings, alice, next_week):
    settings.DEBUG = True
    _report, sent = outbox(send_practical_kits, date(2030, 5, 14))
    assert f"http://127.0.0.1:8000/seances/{next_week.pk}/" in sent[0].body
