"""The server errors of the security review (issue #12, finding 5), one by one: hostile but well-formed values
answer 400/404 or a French form error, in production behaviour (no exception raised through the test client).
The walk over every URL is `tests/test_hostile_urls.py`; these are the POSTs and the exact values reported."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from evaluation.models import Response
from sessions_app.calendar import parse_month
from sessions_app.models import AwarenessSession
from smdq.bounds import MAX_DATE, MAX_INT, MIN_DATE, date_in_range
from tests.factories import AwarenessSessionFactory
from tests.test_paper_entry import FULL, sheet_data
from tests.test_requests import accept_data, request_form_data
from tests.test_sessions import form_data, freeze_today

pytestmark = pytest.mark.django_db

OUT_OF_RANGE = "Indiquez une date comprise entre le 01/01/2000 et le 31/12/2100."
TOO_BIG = f"Assurez-vous que cette valeur est inférieure ou égale à {MAX_INT}."


def production_client(user=None):
    client = Client(raise_request_exception=False)
    if user:
        client.force_login(user)
    return client


def page(response) -> str:
    from html import unescape

    return unescape(response.content.decode())


@pytest.mark.parametrize(
    "url",
    ["/agenda/%00.ics", "/q/%00/", "/q/a%00b/merci/", "/territoires/qpv/recherche/?q=a%00"],
)
def test_a_nul_character_in_the_address_is_a_bad_request(claire, url):
    response = production_client(claire).get(url)
    assert response.status_code == 400
    assert "caractère nul" in response.content.decode()


@pytest.mark.parametrize("search", ["territories:qpv_search", "territories:commune_search"])
def test_searches_with_nul_are_refused_not_crashed(claire, search):
    assert production_client(claire).get(reverse(search), {"q": "a\x00"}).status_code == 400
    assert production_client(claire).get(reverse(search), {"q": "Lille"}).status_code == 200


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "2101-01", "1999-12"])
def test_the_calendar_ignores_months_out_of_range(claire, month):
    response = production_client(claire).get(reverse("sessions_app:session_calendar"), {"month": month})
    assert response.status_code == 200  # the current month, as for any unreadable month
    assert parse_month(month) is None


def test_the_calendar_stops_at_the_edges_of_the_range(claire):
    client = production_client(claire)
    for month in ("2100-12", "2000-01"):
        assert client.get(reverse("sessions_app:session_calendar"), {"month": month}).status_code == 200


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2101-01-01", "1999-12-31"])
def test_a_session_cannot_be_moved_out_of_the_date_range(claire, clsm_a, session_a, day):
    response = production_client(claire).post(
        reverse("sessions_app:session_edit", args=[session_a.pk]), form_data(clsm_a, date=day)
    )
    assert response.status_code == 200
    assert OUT_OF_RANGE in page(response)
    session_a.refresh_from_db()
    assert session_a.date == date(2024, 3, 12) and session_a.season == "2023-2024"


def test_a_planned_session_on_the_edges_of_the_range_is_fine(claire, clsm_b, session_b, monkeypatch):
    # Today at the lower edge: a session still to come may not be moved more than a month back (a typo in the year).
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: MIN_DATE)
    client = production_client(claire)
    for day in (MIN_DATE, MAX_DATE):
        response = client.post(
            reverse("sessions_app:session_edit", args=[session_b.pk]), form_data(clsm_b, date=day.isoformat())
        )
        assert response.status_code == 302
    session_b.refresh_from_db()
    assert session_b.season == "2100-2101"


def test_the_bilan_of_a_season_that_cannot_exist_is_a_form_error(claire, clsm_a):
    # A session from before the range (old data), whose season has no start date the bilan could compute.
    AwarenessSession.objects.filter(pk=AwarenessSessionFactory(clsm=clsm_a, held=True).pk).update(
        date=date(1, 6, 1), season="0-1"
    )
    client = production_client(claire)
    response = client.get(reverse("evaluation:dashboard"), {"period": "saison", "season": "0-1"})
    assert response.status_code == 200
    assert "Saison invalide\xa0: «\xa00-1\xa0»." in page(response) or "Sélectionnez un choix valide" in page(response)
    for name in ("evaluation:bilan_json", "evaluation:bilan_xlsx"):
        assert client.get(reverse(name), {"period": "saison", "season": "0-1"}).status_code < 500


def test_attendance_beyond_a_database_integer_is_a_form_error(monkeypatch, claire, session_b):
    session_b.confirm(claire)
    freeze_today(monkeypatch, date(2024, 5, 21))
    client = production_client(claire)
    url = reverse("sessions_app:session_transition", args=[session_b.pk])
    response = client.post(url, {"action": "held", "actual_attendance": str(2**31)}, follow=True)
    assert response.status_code == 200
    assert TOO_BIG in page(response)
    session_b.refresh_from_db()
    assert (session_b.status, session_b.actual_attendance) == ("confirmee", None)
    response = client.post(url, {"action": "held", "actual_attendance": str(MAX_INT)}, follow=True)
    session_b.refresh_from_db()
    assert session_b.actual_attendance == MAX_INT


def test_replanning_out_of_the_range_is_refused(login, bob, session_b):
    client = production_client(bob)
    url = reverse("sessions_app:session_transition", args=[session_b.pk])
    client.post(url, {"action": "postpone", "reason": "Salle fermée"})
    response = client.post(url, {"action": "replan", "new_date": "9999-12-31"}, follow=True)
    assert response.status_code == 200 and OUT_OF_RANGE in page(response)
    session_b.refresh_from_db()
    assert (session_b.status, session_b.date) == ("reportee", date(2024, 5, 20))


def test_a_sheet_number_beyond_a_database_integer_is_a_form_error(claire, session_a):
    client = production_client(claire)
    url = reverse("evaluation:paper_entry", args=[session_a.pk])
    response = client.post(url, sheet_data(FULL, number=2**31))
    assert response.status_code == 200
    assert TOO_BIG in page(response)
    assert not Response.objects.exists()
    # The same number in the address of a sheet: not found.
    assert client.get(reverse("evaluation:sheet_edit", args=[session_a.pk, 2**31])).status_code == 404


@pytest.mark.parametrize(("start", "end"), [("0001-01-01", "0001-02-01"), ("2024-03-01", "9999-12-31")])
def test_a_request_period_out_of_the_range_is_a_form_error(alice, clsm_a, start, end):
    data = request_form_data(clsm_a, periods=((date(2025, 3, 1), date(2025, 3, 31)),))
    data.update({"periods-0-start": start, "periods-0-end": end})
    response = production_client(alice).post(reverse("sessions_app:request_create"), data)
    assert response.status_code in (200, 400)
    assert OUT_OF_RANGE in page(response)


def test_a_request_accepted_on_a_date_out_of_the_range_is_a_form_error(claire, clsm_a, alice):
    from tests.factories import SessionRequestFactory

    session_request = SessionRequestFactory(clsm=clsm_a, created_by=alice)
    response = production_client(claire).post(
        reverse("sessions_app:request_accept", args=[session_request.pk]), accept_data(date="9999-12-31")
    )
    assert response.status_code in (200, 400)
    assert OUT_OF_RANGE in page(response)


def test_the_range():
    assert date_in_range(MIN_DATE) and date_in_range(MAX_DATE)
    assert not date_in_range(date(1999, 12, 31)) and not date_in_range(date(2101, 1, 1))


def test_imported_dates_and_numbers_are_bounded_too(clsm_a, tmp_path):
    from tests.test_import_sessions import SESSION_HEADER, run_failing, write_csv

    path = write_csv(tmp_path, SESSION_HEADER, ["2024-109;CLSM A de Lille;;0001-01-01;;;;;;2147483648;;"])
    assert run_failing("sessions", path) == [
        "ligne 2, colonne date : date « 0001-01-01 » hors de la plage admise (01/01/2000 – 31/12/2100)",
        "ligne 2, colonne participants_attendus : « 2147483648 » est un nombre trop grand",
    ]
    assert not AwarenessSession.objects.filter(reference="2024-109").exists()
