"""The month grid of the planning page and the personal iCal feed (RFC 5545, built with `icalendar`)."""

import calendar as stdlib_calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vCalAddress

from sessions_app.models import AwarenessSession
from smdq.bounds import year_in_range
from smdq.typography import french_text

MONTH_PARAMETER = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: str | None) -> date | None:
    """`2024-03` → 1 March 2024; anything else (blank, `2024-13`, `mars`, `9999-12`) → None."""
    match = MONTH_PARAMETER.match((value or "").strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (1 <= month <= 12 and year_in_range(year)):
        return None
    return date(year, month, 1)


def shift_month(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def format_duration(minutes: int | None) -> str:
    """180 → « 3 h », 90 → « 1 h 30 », 45 → « 45 min »."""
    if not minutes:
        return "—"
    hours, rest = divmod(minutes, 60)
    if not hours:
        return _("%(minutes)d min") % {"minutes": rest}
    if not rest:
        return _("%(hours)d h") % {"hours": hours}
    return _("%(hours)d h %(minutes)02d") % {"hours": hours, "minutes": rest}


def format_time(value) -> str:
    """14:00 → « 14 h 00 », 09:30 → « 9 h 30 » (French typography: no leading zero to the hour)."""
    return f"{value.hour} h {value:%M}"


@dataclass
class Day:
    day: date
    in_month: bool
    is_today: bool
    sessions: list = field(default_factory=list)


@dataclass
class MonthGrid:
    """A month shown as whole weeks, Monday first (the days of the neighbouring months fill the edges)."""

    month: date
    weeks: list[list[Day]]

    @classmethod
    def for_month(cls, month: date) -> "MonthGrid":
        today = timezone.localdate()
        weeks = stdlib_calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
        return cls(
            month=month,
            weeks=[[Day(day=d, in_month=d.month == month.month, is_today=d == today) for d in week] for week in weeks],
        )

    @property
    def first_day(self) -> date:
        return self.weeks[0][0].day

    @property
    def last_day(self) -> date:
        return self.weeks[-1][-1].day

    @property
    def previous_month(self) -> date:
        return shift_month(self.month, -1)

    @property
    def next_month(self) -> date:
        return shift_month(self.month, 1)

    @property
    def day_names(self) -> list[str]:
        """« lundi » … « dimanche », translated by Django's own catalogue."""
        return [str(WEEKDAYS[index]) for index in range(7)]

    def place(self, sessions) -> "MonthGrid":
        """Put each session on its day; sessions outside the grid are ignored.

        What the template shows of a session is prepared here once (a month at the national size holds some 400
        sessions): its link, the translated label of its status, its time and whether it is struck through. The
        template then only prints strings, instead of translating a label and reversing a URL per session."""
        days = {cell.day: cell for week in self.weeks for cell in week}
        labels = {value: str(label) for value, label in AwarenessSession.Status.choices}
        struck = {AwarenessSession.Status.CANCELLED, AwarenessSession.Status.POSTPONED}
        detail = reverse("sessions_app:session_detail", args=[0])
        for session in sorted(sessions, key=lambda s: (s.date, s.start_time, s.reference)):
            if session.date in days:
                session.calendar_url = detail.replace("/0/", f"/{session.pk}/")
                session.calendar_status = labels.get(session.status, session.status)
                session.calendar_time = format_time(session.start_time)
                session.calendar_struck = session.status in struck
                days[session.date].sessions.append(session)
        return self


# iCal feed -------------------------------------------------------------------------------------------

ICAL_STATUS = {
    AwarenessSession.Status.PLANNED: "TENTATIVE",
    AwarenessSession.Status.POSTPONED: "TENTATIVE",
    AwarenessSession.Status.CONFIRMED: "CONFIRMED",
    AwarenessSession.Status.HELD: "CONFIRMED",
    AwarenessSession.Status.CANCELLED: "CANCELLED",
}


def feed_sessions_for(user):
    """The sessions of a user's personal feed: those they animate or co-organise and, for a coordinator,
    every session of their CLSM. Cancelled sessions stay in, so that calendars drop them visibly."""
    mine = Q(animators=user) | Q(coordinator=user)
    if user.is_coordinator:
        mine |= Q(clsm__coordinators=user)
    if user.is_local_animator:  # only while they animate for the session's CLSM
        mine = Q(pk__in=AwarenessSession.objects.visible_to(user).values("pk"))
    return (
        AwarenessSession.objects.filter(pk__in=AwarenessSession.objects.filter(mine).values("pk"))
        .select_related("clsm", "commune")
        .prefetch_related("qpvs")
        .order_by("date", "start_time", "reference")
    )


def _location(session) -> str:
    parts = [session.venue, session.address]
    if session.commune_id:
        parts.append(session.commune.name)
    return ", ".join(part.strip() for part in parts if part and part.strip())


def event_uid(session) -> str:
    """The event's identity in every calendar, feed and invitations alike: the reference never changes, and
    neither may the domain after it (`CALENDAR_UID_DOMAIN`, « smdq » by default: the UIDs already in calendars).

    A calendar knows an event by its UID only. Another UID for the same session is another event: subscribers who
    imported the feed or accepted an invitation would see each session twice, and the updates and cancellations
    sent afterwards would reach the new copy, never the old one. A new installation sets its own domain before its
    first invitation (README, « Configuration »); an installation already sending invitations keeps « smdq »."""
    return f"{session.reference}@{settings.CALENDAR_UID_DOMAIN}"


def paris_timezone() -> Timezone:
    """Europe/Paris as every calendar client reads it: one yearly rule per clock change (EU rules, in force since
    1996), as Thunderbird, Outlook and tzurl.org write it.

    icalendar's own VTIMEZONE (`add_missing_timezones`) lists every change since 1970 as one long RDATE list
    ending in 2038: ical.js (web clients) and vobject take only its first date, which put summer sessions one hour
    late in those clients (tests/test_calendar_clients.py reads the feed with both)."""
    zone = Timezone()
    zone.add("tzid", "Europe/Paris")
    zone.add("x-lic-location", "Europe/Paris")
    standard = TimezoneStandard()  # last Sunday of October, 03:00 summer time → 02:00
    standard.add("tzname", "CET")
    standard.add("tzoffsetfrom", timedelta(hours=2))
    standard.add("tzoffsetto", timedelta(hours=1))
    standard.add("dtstart", datetime(1970, 10, 25, 3, 0))
    standard.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1SU"})
    daylight = TimezoneDaylight()  # last Sunday of March, 02:00 winter time → 03:00
    daylight.add("tzname", "CEST")
    daylight.add("tzoffsetfrom", timedelta(hours=1))
    daylight.add("tzoffsetto", timedelta(hours=2))
    daylight.add("dtstart", datetime(1970, 3, 29, 2, 0))
    daylight.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1SU"})
    zone.add_component(standard)
    zone.add_component(daylight)
    return zone


def _add_timezone(cal: Calendar) -> None:
    """The VTIMEZONE the events' TZID refers to."""
    if settings.TIME_ZONE == "Europe/Paris":
        cal.add_component(paris_timezone())
    else:  # another zone (a test, a fork): icalendar's generated definition
        cal.add_missing_timezones()


def session_event(session, *, url: str, stamp: datetime, organizer=None, attendees=()) -> Event:
    """The VEVENT of a session, local times in Europe/Paris; the feed and the e-mailed invitations share it.

    `organizer` is an (address, name) pair and `attendees` the people invited, for an invitation (iTIP)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    starts = datetime.combine(session.date, session.start_time, tzinfo=zone)
    summary = _("Séance %(reference)s – %(clsm)s") % {"reference": session.reference, "clsm": session.clsm.name}
    if session.status == AwarenessSession.Status.POSTPONED:
        summary = _("%(summary)s (reportée)") % {"summary": summary}
    elif session.status == AwarenessSession.Status.CANCELLED:
        summary = _("%(summary)s (annulée)") % {"summary": summary}
    qpvs = ", ".join(f"{q.code} {q.name}" for q in session.qpvs.all())
    lines = [
        _("Séance de sensibilisation à la santé mentale (statut : %(status)s).")
        % {"status": session.get_status_display()},
    ]
    if qpvs:
        lines.append(_("QPV : %(qpvs)s") % {"qpvs": qpvs})
    if session.status_reason and session.status in (
        AwarenessSession.Status.CANCELLED,
        AwarenessSession.Status.POSTPONED,
    ):
        lines.append(_("Motif : %(reason)s") % {"reason": session.status_reason})
    lines.append(url)

    event = Event()
    event.add("uid", event_uid(session))
    event.add("sequence", session.sequence)
    event.add("dtstamp", stamp)
    event.add("last-modified", session.updated_at)
    event.add("dtstart", starts)
    event.add("dtend", starts + timedelta(minutes=session.duration_minutes))
    event.add("summary", summary)
    location = _location(session)
    if location:
        event.add("location", location)
    event.add("description", french_text("\n".join(lines)))  # no-break spaces, as on the pages
    event.add("url", url)
    event.add("status", ICAL_STATUS[session.status])
    if organizer is not None:
        address, name = organizer
        event.add("organizer", vCalAddress(f"mailto:{address}"), parameters={"CN": name})
    for person in attendees:
        event.add(
            "attendee",
            vCalAddress(f"mailto:{person.email}"),
            parameters={"CN": str(person), "ROLE": "REQ-PARTICIPANT", "PARTSTAT": "NEEDS-ACTION", "RSVP": "FALSE"},
        )
    return event


def _calendar(method: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//CCOMS//La santé mentale dans mon quartier//FR")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    return cal


def build_ical(sessions, *, calendar_name: str, detail_url) -> bytes:
    """An iCalendar file with one VEVENT per session, local times in Europe/Paris with its VTIMEZONE.

    `detail_url(session)` gives the absolute address of the session's page, written in the event."""
    cal = _calendar("PUBLISH")
    cal.add("x-wr-calname", calendar_name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    stamp = timezone.now()
    for session in sessions:
        cal.add_component(session_event(session, url=detail_url(session), stamp=stamp))
    _add_timezone(cal)
    return cal.to_ical()


def build_invitation(session, *, url: str, attendees, cancel: bool = False) -> bytes:
    """An iTIP invitation (RFC 5546) for e-mail: METHOD:REQUEST adds or updates the event in the recipient's
    calendar (the higher SEQUENCE wins), METHOD:CANCEL removes it. The organiser is the site's sender address."""
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    cal = _calendar("CANCEL" if cancel else "REQUEST")
    event = session_event(
        session, url=url, stamp=timezone.now(), organizer=(address, name or address), attendees=attendees
    )
    if cancel:  # also for a person taken off a session that still takes place: for them, it is cancelled
        event.pop("status")
        event.add("status", "CANCELLED")
    cal.add_component(event)
    _add_timezone(cal)
    return cal.to_ical()


def month_label(month: date) -> str:
    """« mars 2024 »."""
    return date_format(month, "F Y")
