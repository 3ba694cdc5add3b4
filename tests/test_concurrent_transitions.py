"""Two people moving the same session or request at once, through the whole HTTP stack (one thread, one database
connection each), on PostgreSQL: the row is locked while it moves (StatusTransitions._stored), so it moves once and
the others are refused, with no server error. PostgreSQL only; in CI (CI=true) it must run, never skip."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from sessions_app.forms_participants import STATE_FIELD, ParticipantFormSet
from sessions_app.models import AwarenessSessionChange, Participant, SessionRequestChange, SessionValidationChange
from tests.factories import AwarenessSessionFactory, SessionRequestFactory
from tests.test_concurrent_answers import _require_postgresql, in_parallel

pytestmark = [pytest.mark.django_db(transaction=True)]

PEOPLE = 8


def _posts(user, url, forms):
    """One task per form: log in, wait for the others, post it; the response's status code."""

    def task(data):
        def run(barrier):
            client = Client(raise_request_exception=False)
            client.force_login(user)
            barrier.wait()
            return client.post(url, data).status_code

        return run

    return in_parallel([task(data) for data in forms])


def test_a_postponed_session_replanned_by_several_people_at_once_moves_once(claire, clsm_a):
    _require_postgresql()
    for round_ in range(3):
        session = AwarenessSessionFactory(clsm=clsm_a, status="reportee", date=date(2026, 3, 2 + round_))
        url = reverse("sessions_app:session_transition", args=[session.pk])
        days = [date(2027, 2, 1) + timedelta(days=n) for n in range(PEOPLE)]
        forms = [{"action": "replan", "new_date": day.isoformat(), "new_time": "09:00"} for day in days]
        assert _posts(claire, url, forms) == [302] * PEOPLE
        moves = AwarenessSessionChange.objects.filter(session=session, from_status="reportee", to_status="planifiee")
        assert moves.count() == 1
        session.refresh_from_db()
        assert (session.status, session.date in days) == ("planifiee", True)


def test_a_request_put_under_review_by_several_people_at_once_moves_once(claire, clsm_a):
    _require_postgresql()
    for _round in range(3):
        request = SessionRequestFactory(clsm=clsm_a)
        url = reverse("sessions_app:request_review", args=[request.pk])
        assert _posts(claire, url, [{}] * PEOPLE) == [302] * PEOPLE
        assert SessionRequestChange.objects.filter(request=request, to_status="en_etude").count() == 1


def test_a_self_run_session_validated_or_sent_again_by_several_people_at_once_moves_once(claire, alice, clsm_a):
    """Validation moves lock the row the same way: eight validations of one session waiting for it record one move,
    and eight resubmissions of a session sent back, one."""
    _require_postgresql()
    for _round in range(3):
        session = AwarenessSessionFactory(clsm=clsm_a, self_run=True, held=True)
        url = reverse("sessions_app:session_validation", args=[session.pk])
        assert _posts(claire, url, [{"action": "validate"}] * PEOPLE) == [302] * PEOPLE
        assert SessionValidationChange.objects.filter(session=session, to_status="validee").count() == 1
        session.refresh_from_db()
        session.send_back(claire, "Feuille 3 illisible")
        assert _posts(alice, url, [{"action": "resubmit"}] * PEOPLE) == [302] * PEOPLE
        resubmitted = SessionValidationChange.objects.filter(session=session, from_status="renvoyee")
        assert list(resubmitted.values_list("to_status", flat=True)) == ["en_attente"]


def test_a_sign_in_sheet_sent_by_several_people_at_once_saves_its_rows_once(claire, clsm_a):
    """Eight sends of one sign-in sheet form with two new rows (a double click, a re-sent POST, two tabs): the session
    is locked while its sheet is saved and each send carries the state it was drawn from, so the rows are saved once
    and the other sends are told, with no server error (the participant summaries were deleted and inserted again by
    every send at once: unique violations and deadlocks)."""
    _require_postgresql()
    for _round in range(3):
        session = AwarenessSessionFactory(clsm=clsm_a, held=True, actual_attendance=12)
        url = reverse("sessions_app:participant_entry", args=[session.pk])
        form = {
            "participants-TOTAL_FORMS": "2",
            "participants-INITIAL_FORMS": "0",
            STATE_FIELD: ParticipantFormSet(session=session).sheet_state(),
            "participants-0-last_name": "Durand",
            "participants-0-gender": "femme",
            "participants-1-last_name": "Martin",
            "participants-1-gender": "homme",
        }
        assert _posts(claire, url, [form] * PEOPLE) == [303] * PEOPLE
        assert sorted(Participant.objects.filter(session=session).values_list("last_name", flat=True)) == [
            "Durand",
            "Martin",
        ]
        session.refresh_from_db()
        assert session.participant_summary.rows == 2


def _anonymous_posts(url, forms, **extra):
    def task(data):
        def run(barrier):
            client = Client(raise_request_exception=False)
            barrier.wait()
            return client.post(url, data, **extra).status_code

        return run

    return in_parallel([task(data) for data in forms])


def test_limits_that_count_rows_hold_when_the_requests_come_at_once(alice, settings):
    """A limit counts the rows of the last hour or day, then adds one: twelve requests at once all counted the same
    rows and all went through (« mot de passe oublié »: 12 recorded for a limit of 10 and 4 e-mails for 3). The count
    and the row added after it are one request at a time (smdq.locks.serialise)."""
    from django.core import mail

    from accounts.models import PasswordResetRequest
    from accounts.views import RESET_EMAILS_PER_ADDRESS, RESET_REQUESTS_PER_CLIENT
    from territories import onboarding
    from territories.models import ContactRequest
    from tests.test_onboarding import contact_data

    _require_postgresql()
    people = RESET_REQUESTS_PER_CLIENT + 2
    codes = _anonymous_posts(reverse("password_reset"), [{"email": alice.email}] * people)
    assert sorted(codes) == [302] * RESET_REQUESTS_PER_CLIENT + [429] * 2
    assert PasswordResetRequest.objects.count() == RESET_REQUESTS_PER_CLIENT
    assert len(mail.outbox) == RESET_EMAILS_PER_ADDRESS
    forms = [contact_data(email=f"p{n}@x.fr") for n in range(onboarding.CONTACT_LIMIT_PER_DAY + 3)]
    codes = _anonymous_posts(reverse("territories:contact_request_create"), forms)
    assert sorted(codes) == [302] * onboarding.CONTACT_LIMIT_PER_DAY + [429] * 3
    assert ContactRequest.objects.count() == onboarding.CONTACT_LIMIT_PER_DAY
