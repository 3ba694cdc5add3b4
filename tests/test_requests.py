"""Requests (« sollicitations »): the transitions (model and HTTP), the request form (perimeter, periods),
who sees and does what, the history, the e-mails, and the national centre's inbox (filters, order, queries)."""

import smtplib
from datetime import date, time, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from sessions_app.models import AwarenessSession, InvalidTransition, SessionRequest
from territories.models import QPV
from tests.conftest import CLSM_A_QPVS, CLSM_B_QPVS
from tests.factories import AwarenessSessionFactory, CLSMFactory, SessionRequestFactory, UserFactory
from tests.plans import plan

pytestmark = pytest.mark.django_db

TODAY = date(2025, 3, 3)
MARCH = (date(2025, 3, 10), date(2025, 3, 28))
APRIL = (date(2025, 4, 7), date(2025, 4, 25))


@pytest.fixture
def today(monkeypatch):
    """The application's « today » (timezone.localdate) is 3 March 2025."""
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: TODAY)
    return TODAY


@pytest.fixture
def request_a(clsm_a, alice):
    """A new request of CLSM A, filed by Alice, for March or April."""
    session_request = SessionRequestFactory(
        clsm=clsm_a, created_by=alice, requested_on=date(2025, 2, 24), periods=[APRIL, MARCH], expected_size=18
    )
    session_request.record_creation(alice)
    return session_request


@pytest.fixture
def request_b(clsm_b, bob):
    return SessionRequestFactory(clsm=clsm_b, created_by=bob, requested_on=date(2025, 2, 20), periods=[MARCH])


def url(name, session_request=None):
    return reverse(f"sessions_app:{name}", args=[session_request.pk] if session_request else [])


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def request_form_data(clsm, qpv_codes=None, periods=(MARCH,), **overrides):
    codes = CLSM_A_QPVS[:1] if qpv_codes is None else qpv_codes
    data = {
        "clsm": clsm.pk,
        "qpvs": list(QPV.objects.filter(code__in=codes).values_list("pk", flat=True)),
        "expected_audience": "habitant·es, centre social, bailleur",
        "expected_size": 20,
        "partners": "Centre social de Wazemmes",
        "message": "Séance souhaitée un mardi après-midi.",
        "periods-TOTAL_FORMS": 3,
        "periods-INITIAL_FORMS": 0,
        "periods-MIN_NUM_FORMS": 1,
        "periods-MAX_NUM_FORMS": 10,
    }
    for index in range(3):
        start, end = periods[index] if index < len(periods) else ("", "")
        data[f"periods-{index}-start"] = start.isoformat() if start else ""
        data[f"periods-{index}-end"] = end.isoformat() if end else ""
    data.update(overrides)
    return data


def submitted(form, **overrides) -> dict:
    """What the browser sends back for an unchanged form, with `overrides` typed in."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else value.isoformat() if hasattr(value, "isoformat") else value
    data.update(overrides)
    return data


def accept_data(**overrides):
    data = {
        "date": "2025-03-18",
        "start_time": "14:00",
        "duration_minutes": 180,
        "venue": "Maison de quartier Wazemmes",
        "address": "20 rue de l'Abbé Aerts",
        "commune": "59350",
        "animators": [],
        "coordinator": "",
        "expected_attendance": 18,
    }
    data.update(overrides)
    return data


# Transitions, through the model ----------------------------------------------------------------------


def test_a_request_goes_from_new_to_review_to_accepted_with_its_history(request_a, alice, claire):
    request_a.start_review(claire)
    session = request_a.accept(claire, start_time=time(9, 30))
    request_a.refresh_from_db()
    assert request_a.status == SessionRequest.Status.ACCEPTED
    steps = [(c.from_status, c.to_status, c.changed_by) for c in request_a.changes.all()]
    assert steps == [("", "nouvelle", alice), ("nouvelle", "en_etude", claire), ("en_etude", "acceptee", claire)]
    assert session.request == request_a
    assert session.date == MARCH[0]  # the first wished period, not the first one typed
    assert session.start_time == time(9, 30)
    assert session.clsm == request_a.clsm
    assert sorted(session.qpvs.values_list("code", flat=True)) == CLSM_A_QPVS
    assert (session.expected_attendance, session.coordinator) == (18, alice)


def test_declining_needs_a_reason_and_keeps_it(request_a, claire):
    with pytest.raises(InvalidTransition, match="motif du refus"):
        request_a.decline(claire, "  ")
    assert SessionRequest.objects.get(pk=request_a.pk).status == "nouvelle"
    request_a.decline(claire, "Le quartier a eu une séance le mois dernier.")
    last = request_a.changes.last()
    assert (last.from_status, last.to_status, last.changed_by) == ("nouvelle", "refusee", claire)
    assert last.reason == "Le quartier a eu une séance le mois dernier."


@pytest.mark.parametrize("first_step", [None, "start_review"])
def test_an_open_request_can_be_withdrawn_with_an_optional_reason(request_a, alice, claire, first_step):
    if first_step:
        getattr(request_a, first_step)(claire)
    request_a.withdraw(alice, "Le centre social ferme pour travaux.")
    assert request_a.status == "retiree"
    assert request_a.changes.last().reason == "Le centre social ferme pour travaux."


@pytest.mark.parametrize("status", ["acceptee", "refusee", "retiree"])
@pytest.mark.parametrize("action", ["start_review", "accept", "decline", "withdraw"])
def test_a_closed_request_cannot_move_again(request_a, claire, status, action):
    SessionRequest.objects.filter(pk=request_a.pk).update(status=status)
    request_a.refresh_from_db()
    arguments = {"decline": ("motif",), "withdraw": ("motif",)}.get(action, ())
    with pytest.raises(InvalidTransition, match="ne peut pas passer"):
        getattr(request_a, action)(claire, *arguments)
    assert SessionRequest.objects.get(pk=request_a.pk).status == status
    assert not AwarenessSession.objects.exists()


def test_a_request_under_review_cannot_be_put_under_review_again(request_a, claire):
    request_a.start_review(claire)
    with pytest.raises(InvalidTransition, match="« en étude » ne peut pas passer à « en étude »"):
        request_a.start_review(claire)


# Who opens which page --------------------------------------------------------------------------------

PAGES = [
    ("get", "request_list", False),
    ("get", "request_create", False),
    ("get", "request_detail", True),
    ("post", "request_review", True),
    ("get", "request_accept", True),
    ("post", "request_accept", True),
    ("post", "request_decline", True),
    ("post", "request_withdraw", True),
]


@pytest.mark.parametrize(("method", "name", "with_pk"), PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, request_a, method, name, with_pk):
    response = getattr(client, method)(url(name, request_a if with_pk else None))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize(("method", "name", "with_pk"), PAGES)
def test_the_funder_sees_no_request_page(login, fanny, request_a, method, name, with_pk):
    response = getattr(login(fanny), method)(url(name, request_a if with_pk else None), {"reason": "x"})
    assert response.status_code == 403
    assert SessionRequest.objects.get(pk=request_a.pk).status == "nouvelle"


@pytest.mark.parametrize(("method", "name"), [("get", "request_detail"), ("post", "request_withdraw")])
def test_another_clsm_coordinator_gets_404(login, bob, request_a, method, name):
    response = getattr(login(bob), method)(url(name, request_a))
    assert response.status_code == 404
    assert SessionRequest.objects.get(pk=request_a.pk).status == "nouvelle"


@pytest.mark.parametrize(
    ("method", "name"),
    [("post", "request_review"), ("get", "request_accept"), ("post", "request_accept"), ("post", "request_decline")],
)
def test_a_coordinator_cannot_answer_their_own_request(login, alice, request_a, method, name):
    response = getattr(login(alice), method)(url(name, request_a), {"reason": "non", **accept_data()})
    assert response.status_code == 403
    assert SessionRequest.objects.get(pk=request_a.pk).status == "nouvelle"
    assert not AwarenessSession.objects.exists()


@pytest.mark.parametrize("name", ["request_review", "request_decline", "request_withdraw"])
def test_changes_are_posts_only(login, claire, request_a, name):
    assert login(claire).get(url(name, request_a)).status_code == 405


def test_the_coordinator_page_shows_everything_and_only_the_withdraw_button(login, alice, claire, request_a):
    request_a.start_review(claire)
    html = login(alice).get(url("request_detail", request_a)).content.decode()
    assert request_a.reference in html
    assert "du 10 mars 2025 au 28 mars 2025" in html and "du 7 avril 2025 au 25 avril 2025" in html
    assert "QN05971M" in html and "QN05972M" in html
    assert "Nous souhaitons organiser une séance dans le quartier." in html
    assert "Claire Martin" in html  # who put it under review
    assert url("request_withdraw", request_a) in html
    assert ">Votre demande</h2>" in html and ">Répondre</h2>" not in html  # the centre answers, she withdraws
    for staff_only in ("request_review", "request_accept", "request_decline"):
        assert url(staff_only, request_a) not in html


def test_the_staff_page_shows_the_answer_buttons(login, claire, request_a):
    html = login(claire).get(url("request_detail", request_a)).content.decode()
    assert "Mettre à l" in html and "Refuser" in html and "Retirer" in html
    for name in ("request_review", "request_accept", "request_decline", "request_withdraw"):
        assert url(name, request_a) in html
    # Two « reason » fields on one page, each with its own label.
    assert 'for="decline_reason"' in html and 'for="withdraw_reason"' in html


def test_a_closed_request_page_has_no_button(login, alice, claire, request_a):
    request_a.decline(claire, "Calendrier complet.")
    for user in (alice, claire):
        html = login(user).get(url("request_detail", request_a)).content.decode()
        assert "Calendrier complet." in html
        for name in ("request_review", "request_accept", "request_decline", "request_withdraw"):
            assert url(name, request_a) not in html


# Filing a request ------------------------------------------------------------------------------------


def test_a_coordinator_files_a_request_for_their_clsm(login, alice, claire, adam, clsm_a, today):
    inactive = UserFactory(role=Role.NATIONAL_STAFF, is_active=False)
    data = request_form_data(clsm_a, qpv_codes=CLSM_A_QPVS, periods=(MARCH, APRIL))
    response = login(alice).post(url("request_create"), data)
    session_request = SessionRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("request_detail", session_request)
    assert session_request.clsm == clsm_a
    assert session_request.created_by == alice
    assert session_request.requested_on == today
    assert session_request.reference == "D2025-001"
    assert sorted(session_request.qpvs.values_list("code", flat=True)) == CLSM_A_QPVS
    assert [(p.start, p.end) for p in session_request.periods.all()] == [MARCH, APRIL]
    assert (session_request.expected_size, session_request.partners) == (20, "Centre social de Wazemmes")
    creation = session_request.changes.get()
    assert (creation.from_status, creation.to_status, creation.changed_by) == ("", "nouvelle", alice)
    # The national centre (active chargées de mission) is told.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [claire.email]
    assert inactive.email not in message.to and adam.email not in message.to
    assert message.subject == "Nouvelle sollicitation D2025-001 – CLSM A de Lille"
    assert f"http://testserver{url('request_detail', session_request)}" in message.body
    assert "du 10 mars 2025 au 28 mars 2025" in message.body
    assert "Séance souhaitée un mardi après-midi." in message.body


def test_a_qpv_outside_the_clsm_perimeter_is_refused(login, alice, claire, clsm_a, clsm_b, today):
    data = request_form_data(clsm_a, qpv_codes=[CLSM_A_QPVS[0], CLSM_B_QPVS[0]])
    response = login(alice).post(url("request_create"), data)
    assert response.status_code == 400
    assert "Hors du périmètre du CLSM «\xa0CLSM A de Lille\xa0»\xa0: QN01330M." in response.content.decode()
    assert not SessionRequest.objects.exists()
    assert mail.outbox == []


def test_a_coordinator_cannot_file_for_another_clsm(login, alice, clsm_a, clsm_b, today):
    response = login(alice).post(url("request_create"), request_form_data(clsm_b, qpv_codes=CLSM_B_QPVS))
    assert response.status_code == 400
    assert "Choisissez un CLSM de la liste." in response.content.decode()
    assert not SessionRequest.objects.exists()


def test_at_least_one_qpv_is_needed(login, alice, clsm_a, today):
    response = login(alice).post(url("request_create"), request_form_data(clsm_a, qpv_codes=[]))
    assert response.status_code == 400
    assert "Choisissez au moins un quartier prioritaire (QPV) du périmètre du CLSM." in response.content.decode()


@pytest.mark.parametrize(
    ("periods", "error"),
    [
        (
            ((date(2025, 3, 20), date(2025, 3, 10)),),
            "La fin de la période (10 mars 2025) est avant son début (20 mars 2025).",
        ),
        (((date(2025, 2, 1), date(2025, 2, 28)),), "Cette période est déjà passée\xa0: choisissez des dates à venir."),
        ((), "Indiquez au moins une période souhaitée."),
        (((date(2025, 3, 20), ""),), "Indiquez la fin de la période."),
        ((MARCH, MARCH), "Cette période est déjà indiquée."),
    ],
)
def test_wrong_periods_are_refused_in_french(login, alice, clsm_a, today, periods, error):
    response = login(alice).post(url("request_create"), request_form_data(clsm_a, periods=periods))
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not SessionRequest.objects.exists()


def test_only_the_first_wished_period_is_marked_obligatory(login, alice, clsm_a):
    """Periods 2 and 3 may be left empty: their « Du » and « Au » said « (obligatoire) » all the same."""
    import re

    html = login(alice).get(url("request_create")).content.decode()
    labels = dict(re.findall(r'<label\s+for="id_periods-(\d)-start"[^>]*>(.*?)</label>', html, re.S))
    assert "(obligatoire)" in labels["0"]
    assert "(obligatoire)" not in labels["1"] and "(obligatoire)" not in labels["2"]


def test_the_form_offers_the_coordinator_clsm_and_its_qpvs_only(login, alice, clsm_a, clsm_b):
    response = login(alice).get(url("request_create"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "CLSM A de Lille" in html and "CLSM B de Marseille" not in html
    assert "QN05971M" in html and "QN01330M" not in html
    assert response.context["form"]["clsm"].value() == clsm_a.pk


def test_a_clsm_given_in_the_address_is_chosen_only_among_the_user_own(login, alice, clsm_a, clsm_b):
    form = login(alice).get(url("request_create"), {"clsm": clsm_b.pk}).context["form"]
    assert form.chosen_clsm == clsm_a


def test_choosing_a_clsm_reloads_its_qpvs(login, claire, clsm_a, clsm_b):
    response = login(claire).get(url("request_create"), {"clsm": clsm_b.pk}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="qpv-field"' in html
    assert "QN01330M" in html and "QN05971M" not in html


def test_national_staff_files_a_request_on_behalf_of_a_clsm(login, claire, alice, clsm_a, clsm_b, today):
    html = login(claire).get(url("request_create")).content.decode()
    assert "CLSM A de Lille" in html and "CLSM B de Marseille" in html
    response = login(claire).post(url("request_create"), request_form_data(clsm_a))
    assert response.status_code == 302
    assert SessionRequest.objects.get().created_by == claire


def test_a_coordinator_without_clsm_is_told_why_they_cannot_file(login):
    newcomer = UserFactory(role=Role.COORDINATOR)
    response = login(newcomer).get(url("request_create"))
    assert response.status_code == 200
    assert "rattaché à aucun CLSM" in response.content.decode()
    assert "Solliciter une séance" not in login(newcomer).get(url("request_list")).content.decode()


# Answering a request, through the HTTP views ---------------------------------------------------------


def test_staff_puts_a_request_under_review_and_the_clsm_is_told(login, claire, alice, request_a):
    response = login(claire).post(url("request_review", request_a), follow=True)
    request_a.refresh_from_db()
    assert request_a.status == "en_etude"
    assert request_a.changes.last().changed_by == claire
    assert any("est à l'étude" in m for m in messages_of(response))
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [alice.email]
    assert mail.outbox[0].subject == f"Votre sollicitation {request_a.reference} est à l'étude"


def test_putting_under_review_twice_shows_why_it_is_refused(login, claire, request_a):
    request_a.start_review(claire)
    response = login(claire).post(url("request_review", request_a), follow=True)
    assert "Une sollicitation « en étude » ne peut pas passer à « en étude »." in messages_of(response)
    assert request_a.changes.count() == 2
    assert mail.outbox == []


def test_the_accept_form_is_prefilled_from_the_request(login, claire, alice, request_a, today):
    response = login(claire).get(url("request_accept", request_a))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["date"].value() == MARCH[0]
    assert form["duration_minutes"].value() == 180
    assert form["start_time"].value() == time(14, 0)
    assert form["expected_attendance"].value() == 18
    assert form["coordinator"].value() == alice.pk
    assert form["commune"].value() == "59350"  # both QPVs of CLSM A are in Lille
    html = response.content.decode()
    assert 'data-autocomplete-url="/territoires/communes/recherche/"' in html
    assert "du 10 mars 2025 au 28 mars 2025" in html


def test_the_accept_form_starts_today_when_a_wished_period_has_begun(login, claire, request_a, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: date(2025, 3, 14))
    form = login(claire).get(url("request_accept", request_a)).context["form"]
    assert form["date"].value() == date(2025, 3, 14)


def test_accepting_creates_the_prefilled_session(login, claire, alice, request_a, today):
    client = login(claire)
    form = client.get(url("request_accept", request_a)).context["form"]
    data = submitted(form, date="2025-03-18", venue="Maison de quartier Wazemmes", animators=[claire.pk])
    response = client.post(url("request_accept", request_a), data)
    session = AwarenessSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("sessions_app:session_detail", args=[session.pk])
    request_a.refresh_from_db()
    assert request_a.status == "acceptee"
    assert request_a.changes.last().changed_by == claire
    assert session.request == request_a
    assert session.clsm == request_a.clsm
    assert sorted(session.qpvs.values_list("code", flat=True)) == CLSM_A_QPVS
    assert session.expected_attendance == 18
    assert session.coordinator == alice
    assert list(session.animators.all()) == [claire]
    assert (session.date, session.start_time, session.duration_minutes) == (date(2025, 3, 18), time(14, 0), 180)
    assert (session.venue, session.commune_id, session.status) == ("Maison de quartier Wazemmes", "59350", "planifiee")
    assert session.changes.get().changed_by == claire
    # The acceptance, besides the calendar invitations of the new session (tests/test_session_notifications.py).
    accepted = [m for m in mail.outbox if m.subject.startswith("Sollicitation")]
    assert len(accepted) == 1
    message = accepted[0]
    assert message.to == [alice.email]
    assert message.subject == f"Sollicitation {request_a.reference} acceptée\xa0: séance du 18 mars 2025"
    assert f"http://testserver/seances/{session.pk}/" in message.body
    assert "mardi 18 mars 2025, à 14\xa0h\xa000" in message.body
    assert "Claire Martin" in message.body


def test_accepting_refuses_a_past_date_and_a_busy_animator(login, claire, clsm_b, request_a, today):
    AwarenessSessionFactory(clsm=clsm_b, date=date(2025, 3, 18), start_time=time(15, 0), animators=[claire])
    response = login(claire).post(
        url("request_accept", request_a), accept_data(date="2025-03-18", animators=[claire.pk])
    )
    assert response.status_code == 400
    assert "Claire Martin anime déjà la séance" in response.content.decode()
    response = login(claire).post(url("request_accept", request_a), accept_data(date="2025-03-01"))
    assert response.status_code == 400
    assert "La date de la séance est passée" in response.content.decode()
    assert SessionRequest.objects.get(pk=request_a.pk).status == "nouvelle"
    assert AwarenessSession.objects.count() == 1
    assert mail.outbox == []


def test_an_accepted_request_cannot_be_accepted_again(login, claire, request_a, today):
    request_a.accept(claire)
    response = login(claire).post(url("request_accept", request_a), accept_data(), follow=True)
    assert "Une sollicitation « acceptée » ne peut plus être acceptée." in messages_of(response)
    assert AwarenessSession.objects.count() == 1


def test_declining_without_a_reason_is_refused(login, claire, request_a):
    response = login(claire).post(url("request_decline", request_a), {"reason": ""})
    assert response.status_code == 400
    assert "Indiquez le motif du refus\xa0: il est envoyé au CLSM." in response.content.decode()
    assert SessionRequest.objects.get(pk=request_a.pk).status == "nouvelle"
    assert mail.outbox == []


def test_declining_keeps_the_reason_and_tells_the_clsm(login, claire, alice, clsm_a, request_a):
    colleague = UserFactory(username="alice2", role=Role.COORDINATOR)
    clsm_a.coordinators.add(colleague)
    reason = "Une séance a déjà eu lieu dans ce quartier cette saison."
    response = login(claire).post(url("request_decline", request_a), {"reason": reason})
    assert response.status_code == 302
    change = request_a.changes.last()
    assert (change.to_status, change.changed_by, change.reason) == ("refusee", claire, reason)
    message = mail.outbox[0]
    assert message.to == sorted([alice.email, colleague.email])
    assert message.subject == f"Sollicitation {request_a.reference} non retenue"
    assert reason in message.body


def test_declining_a_closed_request_shows_the_transition_error(login, claire, request_a):
    request_a.withdraw(claire)
    response = login(claire).post(url("request_decline", request_a), {"reason": "Trop tard"})
    assert response.status_code == 400
    assert "Une sollicitation «\xa0retirée\xa0» ne peut pas passer à «\xa0refusée\xa0»." in response.content.decode()


def test_answers_to_a_request_filed_by_the_centre_also_reach_its_author(login, claire, alice, clsm_a):
    filed_by_claire = SessionRequestFactory(clsm=clsm_a, created_by=claire, periods=[MARCH])
    login(claire).post(url("request_decline", filed_by_claire), {"reason": "Doublon"})
    assert mail.outbox[0].to == sorted([alice.email, claire.email])


def test_the_coordinator_withdraws_and_the_centre_is_told(login, alice, claire, request_a):
    response = login(alice).post(url("request_withdraw", request_a), {"reason": "Salle indisponible"}, follow=True)
    request_a.refresh_from_db()
    assert request_a.status == "retiree"
    change = request_a.changes.last()
    assert (change.changed_by, change.reason) == (alice, "Salle indisponible")
    assert any("est retirée" in m for m in messages_of(response))
    message = mail.outbox[0]
    assert message.to == [claire.email]
    assert message.subject == f"Sollicitation {request_a.reference} retirée – CLSM A de Lille"
    assert "Salle indisponible" in message.body


def test_withdrawing_an_accepted_request_is_refused(login, alice, claire, request_a):
    request_a.accept(claire)
    response = login(alice).post(url("request_withdraw", request_a), {"reason": ""})
    assert response.status_code == 400
    assert "Une sollicitation «\xa0acceptée\xa0» ne peut pas passer à «\xa0retirée\xa0»." in response.content.decode()
    assert mail.outbox == []


def test_a_failing_mail_server_does_not_undo_the_change_and_the_worker_retries(login, claire, request_a, monkeypatch):
    from huey.contrib.djhuey import HUEY

    def refuse(*args, **kwargs):
        raise smtplib.SMTPException("serveur injoignable")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    response = login(claire).post(url("request_review", request_a), follow=True)
    assert response.status_code == 200
    assert SessionRequest.objects.get(pk=request_a.pk).status == "en_etude"
    assert "l'e-mail de notification n'a pas pu être envoyé" not in " ".join(messages_of(response))
    # The e-mail waits in the queue for its next try, a minute later.
    [retry] = [task for task in HUEY.scheduled() if task.name == "send_email"]
    assert retry.args[0]["subject"] == f"Votre sollicitation {request_a.reference} est à l'étude"


# Lists and the inbox ---------------------------------------------------------------------------------


def listed(response) -> list[str]:
    return [r.reference for r in response.context["page"].object_list]


def test_a_coordinator_lists_their_clsm_requests_only(login, alice, request_a, request_b):
    response = login(alice).get(url("request_list"))
    html = response.content.decode()
    assert listed(response) == [request_a.reference]
    assert request_b.reference not in html
    assert "nouvelle" in html
    assert 'name="region"' not in html  # the inbox filters are the centre's


def test_the_inbox_shows_open_requests_first_the_oldest_at_the_top(login, claire, clsm_a, request_a, request_b):
    closed_recent = SessionRequestFactory(clsm=clsm_a, requested_on=date(2025, 3, 1), status="refusee")
    closed_old = SessionRequestFactory(clsm=clsm_a, requested_on=date(2024, 11, 2), status="acceptee")
    under_review = SessionRequestFactory(clsm=clsm_a, requested_on=date(2025, 1, 5), status="en_etude")
    same_day = SessionRequestFactory(clsm=clsm_a, requested_on=request_a.requested_on)
    assert request_b.requested_on < request_a.requested_on
    response = login(claire).get(url("request_list"))
    assert listed(response) == [
        under_review.reference,  # waiting since 5 January
        request_b.reference,
        request_a.reference,
        same_day.reference,  # the same day, arrived after
        closed_recent.reference,  # then the closed ones, the most recent first
        closed_old.reference,
    ]


def test_the_inbox_is_read_from_its_index_in_order(clsm_a, request_a):
    """The inbox's ORDER BY and the index built from the same expressions: PostgreSQL reads a page from the index
    only when the query's expressions are the index's own (34 ms of sorting 40,000 requests otherwise). The open
    statuses are written out in them: they must stay the model's."""
    from django.db import connection

    from sessions_app.models import OPEN_REQUEST_STATUSES, SessionRequest

    assert list(OPEN_REQUEST_STATUSES) == [SessionRequest.Status.NEW, SessionRequest.Status.UNDER_REVIEW]
    assert [r.pk for r in SessionRequest.objects.open()] == [request_a.pk]
    if connection.vendor != "postgresql":
        return  # SQLite: same order, sorted (tested above)
    sql, params = SessionRequest.objects.inbox_order()[:25].query.sql_with_params()
    inbox = plan(sql, params)
    assert "request_inbox_order" in inbox and "Sort" not in inbox, inbox


def test_the_inbox_filters(login, claire, clsm_a, request_a, request_b, today):
    declined = SessionRequestFactory(clsm=clsm_a, requested_on=date(2024, 12, 1), status="refusee")
    recent = SessionRequestFactory(clsm=clsm_a, requested_on=date(2025, 2, 28))
    client = login(claire)

    def refs(**params):
        return sorted(listed(client.get(url("request_list"), params)))

    everything = sorted(r.reference for r in (request_a, request_b, declined, recent))
    assert refs() == everything
    assert refs(status="refusee") == [declined.reference]
    assert refs(status="ouvertes") == sorted([request_a.reference, request_b.reference, recent.reference])
    assert refs(region="32") == sorted([request_a.reference, declined.reference, recent.reference])  # Hauts-de-France
    assert refs(region="93") == [request_b.reference]  # Provence-Alpes-Côte d'Azur
    assert refs(clsm=request_b.clsm_id) == [request_b.reference]
    # Today is 3 March 2025: 3 days, 7 days (24 Feb), 11 days (20 Feb), 92 days.
    assert refs(age="moins_7") == [recent.reference]
    assert refs(age="7_30") == sorted([request_a.reference, request_b.reference])
    assert refs(age="plus_30") == [declined.reference]
    assert refs(q=request_b.reference) == [request_b.reference]
    assert refs(q="qn01330m") == [request_b.reference]
    assert refs(q="Marseille") == [request_b.reference]


def test_the_age_limits_are_inclusive(login, claire, clsm_a, today):
    day_7 = SessionRequestFactory(clsm=clsm_a, requested_on=today - timedelta(days=7))
    day_30 = SessionRequestFactory(clsm=clsm_a, requested_on=today - timedelta(days=30))
    day_31 = SessionRequestFactory(clsm=clsm_a, requested_on=today - timedelta(days=31))
    day_6 = SessionRequestFactory(clsm=clsm_a, requested_on=today - timedelta(days=6))
    client = login(claire)
    assert listed(client.get(url("request_list"), {"age": "moins_7"})) == [day_6.reference]
    assert sorted(listed(client.get(url("request_list"), {"age": "7_30"}))) == sorted(
        [day_7.reference, day_30.reference]
    )
    assert listed(client.get(url("request_list"), {"age": "plus_30"})) == [day_31.reference]


def test_a_request_without_qpv_is_found_in_its_clsm_region(login, claire, clsm_b):
    without_qpv = SessionRequestFactory(clsm=clsm_b)
    without_qpv.qpvs.clear()
    by_communes = CLSMFactory(name="CLSM de Marseille, par communes")
    by_communes.communes.set(["13055"])  # a perimeter of communes only
    of_communes = SessionRequestFactory(clsm=by_communes)
    of_communes.qpvs.clear()
    found = listed(login(claire).get(url("request_list"), {"region": "93"}))
    assert sorted(found) == sorted([without_qpv.reference, of_communes.reference])


def test_the_inbox_results_are_an_htmx_fragment(login, claire, request_a):
    response = login(claire).get(url("request_list"), {"status": "nouvelle"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html
    assert request_a.reference in html


def test_the_inbox_paginates_by_25(login, claire, clsm_a):
    for _ in range(27):
        SessionRequestFactory(clsm=clsm_a)
    client = login(claire)
    assert len(listed(client.get(url("request_list")))) == 25
    assert len(listed(client.get(url("request_list"), {"page": 2}))) == 2


def _fill_inbox(count, clsms, claire):
    for index in range(count):
        clsm = clsms[index % len(clsms)]
        session_request = SessionRequestFactory(
            clsm=clsm, requested_on=date(2025, 1, 1) + timedelta(days=index), periods=[MARCH, APRIL]
        )
        session_request.record_creation(claire)
        if index % 3 == 0:
            session_request.accept(claire)


def test_the_inbox_query_count_does_not_grow_with_rows(login, claire, clsm_a, clsm_b, django_assert_max_num_queries):
    clsms = [clsm_a, clsm_b, CLSMFactory(qpv_codes=["QN07501M"])]
    _fill_inbox(5, clsms, claire)
    client = login(claire)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(url("request_list")).context["page"].object_list) == 5
    _fill_inbox(25, clsms, claire)
    # session, user, count, page, its CLSM, QPVs, periods and sessions, then the CLSM and région choices. The CLSM
    # are prefetched, not joined: joined, every request was joined before the sort that picks one page.
    with django_assert_max_num_queries(10) as many:
        assert len(client.get(url("request_list")).context["page"].object_list) == 25
    assert len(many) == len(few)


def test_the_coordinator_list_query_count_does_not_grow_with_rows(
    login, alice, claire, clsm_a, django_assert_max_num_queries
):
    _fill_inbox(30, [clsm_a], claire)
    client = login(alice)
    # session, user, count, page, its CLSM, QPVs, periods and sessions, « has a CLSM » for the create button.
    with django_assert_max_num_queries(9):
        assert len(client.get(url("request_list")).context["page"].object_list) == 25


@pytest.mark.parametrize(
    ("days", "said"),
    [(0, "aujourd'hui"), (1, "il y a 1 jour"), (59, "il y a 59 jours"), (442, "il y a 15 mois"), (851, "il y a 2 ans")],
)
def test_a_requests_age_is_said_in_days_then_months_then_years(days, said):
    from django.template.loader import render_to_string

    assert render_to_string("sessions_app/requests/_age.html", {"days": days}).strip() == said
