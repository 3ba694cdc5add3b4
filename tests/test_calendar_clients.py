"""The personal iCal feed and the invitations as calendar clients read them: each event at the right UTC time in
summer, in winter and on the days around the clock changes, computed from the file's own VTIMEZONE (never from the
reader's time-zone database), by icalendar and by ical.js (web calendar clients, run with Node in CI)."""

import json
import os
import shutil
import subprocess
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from icalendar import Calendar

from sessions_app.calendar import build_invitation
from sessions_app.models import AwarenessSession
from tests.factories import AwarenessSessionFactory

pytestmark = pytest.mark.django_db

JS = Path(__file__).resolve().parent / "js"

# (reference, day, start): January and July, and the days around both clock changes of 2025 and 2031.
DAYS = [
    ("2025-101", date(2025, 1, 16), time(14)),
    ("2025-102", date(2025, 3, 29), time(14)),  # Saturday: still winter time
    ("2025-103", date(2025, 3, 30), time(14)),  # the change happened at 02:00
    ("2025-104", date(2025, 3, 31), time(9, 30)),
    ("2025-105", date(2025, 7, 10), time(14)),
    ("2025-106", date(2025, 10, 25), time(14)),  # Saturday: still summer time
    ("2025-107", date(2025, 10, 26), time(14)),  # the change happened at 03:00
    ("2025-108", date(2025, 10, 27), time(18)),
    ("2031-101", date(2031, 1, 9), time(14)),
    ("2031-102", date(2031, 3, 30), time(10)),
    ("2031-103", date(2031, 7, 17), time(14)),
    ("2031-104", date(2031, 10, 26), time(10)),
]
# What a person in Paris expects, written out: a wrong VTIMEZONE is off by one hour on some of them.
UTC_STARTS = {
    "2025-101": "2025-01-16T13:00:00Z",
    "2025-102": "2025-03-29T13:00:00Z",
    "2025-103": "2025-03-30T12:00:00Z",
    "2025-104": "2025-03-31T07:30:00Z",
    "2025-105": "2025-07-10T12:00:00Z",
    "2025-106": "2025-10-25T12:00:00Z",
    "2025-107": "2025-10-26T13:00:00Z",
    "2025-108": "2025-10-27T17:00:00Z",
    "2031-101": "2031-01-09T13:00:00Z",
    "2031-102": "2031-03-30T08:00:00Z",
    "2031-103": "2031-07-17T12:00:00Z",
    "2031-104": "2031-10-26T09:00:00Z",
}


@pytest.fixture
def sessions(clsm_a, claire):
    made = [
        AwarenessSessionFactory(clsm=clsm_a, reference=reference, date=day, start_time=start, animators=[claire])
        for reference, day, start in DAYS
    ]
    # A change of place makes a new revision of the event, in the feed as in the invitations.
    moved = AwarenessSession.objects.get(pk=made[-1].pk)
    moved.venue = "Médiathèque"
    moved.save()
    assert AwarenessSession.objects.get(pk=moved.pk).sequence == 1
    return made


def _zulu(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_expected_times_are_paris_times():
    paris = ZoneInfo("Europe/Paris")
    for reference, day, start in DAYS:
        assert _zulu(datetime.combine(day, start, tzinfo=paris)) == UTC_STARTS[reference]


@pytest.fixture
def feed(client, claire, sessions) -> bytes:
    token = claire.rotate_calendar_token()
    response = client.get(reverse("sessions_app:calendar_feed", args=[token]))
    assert response.status_code == 200
    return response.content


def read_with_icalendar(content: bytes) -> dict[str, dict]:
    """Each event's UTC start and SEQUENCE, its local time placed with the file's own VTIMEZONE."""
    calendar = Calendar.from_ical(content)
    zones = {str(zone["TZID"]): zone.to_tz(lookup_tzid=False) for zone in calendar.walk("VTIMEZONE")}
    events = {}
    for event in calendar.walk("VEVENT"):
        prop = event["DTSTART"]
        local = prop.dt.replace(tzinfo=None)
        events[str(event["UID"])] = {
            "start": _zulu(local.replace(tzinfo=zones[prop.params["TZID"]])),
            "sequence": int(event["SEQUENCE"]),
        }
    return events


def expected(reference_prefix: str = "") -> dict[str, str]:
    return {
        f"{reference}@smdq": start for reference, start in UTC_STARTS.items() if reference.startswith(reference_prefix)
    }


def test_the_feed_has_a_rule_based_paris_time_zone(feed):
    calendar = Calendar.from_ical(feed)
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Paris"
    rules = {
        part.name: (part["RRULE"].to_ical().decode(), str(part["TZOFFSETTO"].to_ical())) for part in zone.subcomponents
    }
    assert rules == {
        "STANDARD": ("FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10", "+0100"),
        "DAYLIGHT": ("FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3", "+0200"),
    }
    assert b"RDATE" not in feed


def test_the_feed_read_by_icalendar(feed, sessions):
    events = read_with_icalendar(feed)
    assert {uid: event["start"] for uid, event in events.items()} == expected()
    assert events["2031-104@smdq"]["sequence"] == 1 and events["2025-101@smdq"]["sequence"] == 0


def test_an_invitation_read_by_icalendar(sessions, claire):
    summer = sessions[4]
    content = build_invitation(summer, url="http://testserver/", attendees=[claire])
    assert read_with_icalendar(content) == {"2025-105@smdq": {"start": "2025-07-10T12:00:00Z", "sequence": 0}}
    assert b"RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in content


def _ical_js(content: bytes, tmp_path) -> dict[str, dict]:
    """The events as ical.js reads them (tests/js/event_times.mjs). Skipped locally without Node or without
    `npm ci` in tests/js; in CI (CI=true) that is a failure, never a skip."""
    reason = None
    if not shutil.which("node"):
        reason = "Node.js est introuvable"
    elif not (JS / "node_modules" / "ical.js").is_dir():
        reason = "ical.js n'est pas installé (cd tests/js && npm ci)"
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"En CI ce test ne peut pas être sauté : {reason}")
        pytest.skip(reason)
    path = tmp_path / "agenda.ics"
    path.write_bytes(content)
    result = subprocess.run(
        ["node", str(JS / "event_times.mjs"), str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_feed_read_by_ical_js(feed, tmp_path):
    events = _ical_js(feed, tmp_path)
    assert {uid: event["start"].replace(".000Z", "Z") for uid, event in events.items()} == expected()
    assert {event["tzid"] for event in events.values()} == {"Europe/Paris"}  # not read as floating times
    assert events["2031-104@smdq"]["sequence"] == 1


def test_an_invitation_read_by_ical_js(sessions, claire, tmp_path):
    content = build_invitation(sessions[6], url="http://testserver/", attendees=[claire], cancel=True)
    events = _ical_js(content, tmp_path)
    assert events["2025-107@smdq"]["start"] == "2025-10-26T13:00:00.000Z"


def test_uids_keep_their_domain_unless_an_installation_sets_its_own(settings, sessions, claire):
    assert str(Calendar.from_ical(build_invitation(sessions[0], url="", attendees=[])).walk("VEVENT")[0]["UID"]) == (
        "2025-101@smdq"
    )
    settings.CALENDAR_UID_DOMAIN = "smdq.sante-mentale-quartier.fr"
    event = Calendar.from_ical(build_invitation(sessions[0], url="", attendees=[])).walk("VEVENT")[0]
    assert str(event["UID"]) == "2025-101@smdq.sante-mentale-quartier.fr"
