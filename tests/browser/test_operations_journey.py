"""The chargée de mission's day in a browser (issue #13): she moves a session (date, time, place), and its
coordinator's e-mail carries the update as a calendar invitation (METHOD:REQUEST, a higher SEQUENCE); the « À
faire » counts of her home page go down as she closes a past session and categorises a need. Tasks run immediately
(tests/conftest.py) in the live server's thread, so the e-mails land in Django's locmem outbox."""

from datetime import time, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

from evaluation.models import Need
from evaluation.responses import Sheet, create_response
from tests.factories import AwarenessSessionFactory

pytestmark = pytest.mark.browser


def home_counts(page) -> dict[str, int]:
    page.goto(reverse("home"))
    badges = page.locator("[data-todo]")
    return {
        badges.nth(i).get_attribute("data-todo"): int(badges.nth(i).locator(".badge").inner_text())
        for i in range(badges.count())
    }


def test_moving_a_session_updates_the_coordinators_calendar_and_the_todo_counts_follow_the_work(
    page, log_in, alice, claire, clsm_a
):
    today = timezone.localdate()
    coming = AwarenessSessionFactory(
        clsm=clsm_a,
        date=today + timedelta(days=30),
        start_time=time(14),
        venue="Maison de quartier Wazemmes",
        commune_id="59350",
        animators=[claire],
        confirmed=True,
    )
    past = AwarenessSessionFactory(clsm=clsm_a, date=today - timedelta(days=3), confirmed=True)
    held = AwarenessSessionFactory(clsm=clsm_a, date=today - timedelta(days=2), held=True)
    create_response(
        held, Sheet(answers={"sat_logistique": 4}, needs=[("Un annuaire des acteurs", None)]), channel="papier"
    )
    sequence_before = coming.sequence

    log_in(claire)
    before = home_counts(page)
    assert before["seances-a-cloturer"] >= 1 and before["needs"] >= 1

    # The session moves: another day, another hour, another place.
    new_day = today + timedelta(days=41)
    page.goto(reverse("sessions_app:session_edit", args=[coming.pk]))
    page.locator("#id_date").fill(new_day.isoformat())
    page.locator("#id_start_time").fill("09:30")
    page.locator("#id_venue").fill("Centre social Fives")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer").click()
    expect(page).to_have_url(f"{page.url.split('/seances/')[0]}/seances/{coming.pk}/")

    to_alice = [m for m in mail.outbox if m.to == [alice.email]]
    assert to_alice, [m.to for m in mail.outbox]
    message = to_alice[-1]
    body = message.body.replace("\xa0", " ").replace("\u202f", " ")  # the typography filter's no-break spaces
    assert "Centre social Fives" in body and "9 h 30" in body
    (name, content, mimetype) = message.attachments[0]
    assert name.endswith(".ics") and mimetype == "text/calendar; method=REQUEST"
    calendar = Calendar.from_ical(content)
    (event,) = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "REQUEST"
    assert event["SEQUENCE"] > sequence_before
    assert event["DTSTART"].dt.date() == new_day and str(event["LOCATION"]).startswith("Centre social Fives")
    coming.refresh_from_db()
    assert (coming.date, coming.start_time, coming.sequence) == (new_day, time(9, 30), event["SEQUENCE"])

    # She closes the past session: one fewer to close.
    page.goto(reverse("sessions_app:session_detail", args=[past.pk]))
    page.get_by_label("Participants présents").fill("12")
    with page.expect_navigation():
        page.get_by_role("button", name="Marquer comme réalisée").click()
    after_closing = home_counts(page)
    assert after_closing["seances-a-cloturer"] == before["seances-a-cloturer"] - 1

    # She categorises the need: one fewer to categorise.
    need = Need.objects.get(response__session=held)
    page.goto(reverse("evaluation:needs_categorise"))
    row = page.locator(f"#need-{need.pk}")
    row.locator("select").select_option(index=1)
    row.get_by_role("button", name="Classer", exact=True).click()
    expect(page.locator(f"#need-{need.pk} .badge.text-bg-success")).to_be_visible()
    after_needs = home_counts(page)
    assert after_needs["needs"] == before["needs"] - 1
