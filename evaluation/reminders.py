"""The reminders that come on a schedule, each a plain idempotent function of the day (run by a command, or by the
task queue's periodic tasks): a second run the same day sends nothing more, a missed day is caught up.

- `send_practical_kits(today)`: a week before a session, its CLSM's coordinators get the practical kit (poster with
  QR code, sign-in sheet, printable questionnaire, address and time). Once per session date: a moved session gets
  it again for its new date.
- `send_sheets_to_type(today)`: the day after a held (or past, still confirmed) session, its animators get the number
  of paper questionnaires left to type (participants, or the attendance when higher, less the responses entered).

They live here, not in sessions_app, because they need the evaluation floor: the questionnaire link the poster
prints (created for a confirmed session) and the responses already entered. Each person can turn them off on
« Mon profil » (`notify_practical_kit`, `notify_sheets_to_type`)."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.mail import EmailMessage
from django.db.models import F, IntegerField, Prefetch, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Role, User
from evaluation import online
from sessions_app import checklist
from sessions_app.calendar import format_duration, format_time
from sessions_app.models import AwarenessSession
from smdq.mail import send_email_later, templated_email

KIT_DAYS_BEFORE = 7
# A missed run is caught up for a week; an older session is not worth an e-mail any more.
SHEETS_LOOKBACK_DAYS = 7


@dataclass
class ReminderReport:
    sessions: int = 0  # sessions dealt with
    emails: int = 0  # messages queued
    references: list[str] = field(default_factory=list)


def _absolute(base_url: str, name: str, *args) -> str:
    return base_url.rstrip("/") + reverse(name, args=args)


# The practical kit, a week before -------------------------------------------------------------------------


def kits_due(today: date):
    """Planned or confirmed sessions within the coming week whose kit has not gone for their current date."""
    return (
        AwarenessSession.objects.filter(
            status__in=[AwarenessSession.Status.PLANNED, AwarenessSession.Status.CONFIRMED],
            date__gt=today,
            date__lte=today + timedelta(days=KIT_DAYS_BEFORE),
        )
        .filter(Q(kit_sent_for__isnull=True) | ~Q(kit_sent_for=F("date")))
        .select_related("clsm", "commune", "coordinator")
        .prefetch_related(
            Prefetch(
                "clsm__coordinators",
                queryset=User.objects.filter(role=Role.COORDINATOR, is_active=True).exclude(email=""),
                to_attr="active_coordinators",
            ),
            Prefetch(
                "animators",
                queryset=User.objects.filter(role=Role.LOCAL_ANIMATOR, is_active=True).exclude(email=""),
                to_attr="local_animators",
            ),
        )
        .order_by("date", "start_time", "reference")
    )


def kit_recipients(session) -> list[User]:
    people = {person.pk: person for person in session.clsm.active_coordinators}
    if session.is_self_run:  # the territory animates it: its local animators prepare it too
        for person in session.local_animators:
            people.setdefault(person.pk, person)
    if session.coordinator and session.coordinator.is_active and session.coordinator.email:
        people.setdefault(session.coordinator.pk, session.coordinator)
    return sorted(
        (p for p in people.values() if p.notify_practical_kit), key=lambda p: (p.last_name, p.first_name, p.pk)
    )


def _kit_message(session, person, link, base_url: str, today: date | None = None) -> EmailMessage:
    context = {
        "session": session,
        "person": person,
        "time": format_time(session.start_time),
        "duration": format_duration(session.duration_minutes),
        "session_url": _absolute(base_url, "sessions_app:session_detail", session.pk),
        "sign_in_sheet_url": _absolute(base_url, "sessions_app:sign_in_sheet", session.pk),
        "link_page_url": _absolute(base_url, "evaluation:link_page", session.pk),
        "poster_url": _absolute(base_url, "evaluation:poster_pdf", session.pk) if link else "",
        "questionnaire_url": _absolute(base_url, "evaluation:paper_questionnaire_pdf", session.pk) if link else "",
        "public_url": _absolute(base_url, "evaluation:public_questionnaire", link.token) if link else "",
        "profile_url": _absolute(base_url, "profile"),
        # A self-run session's reminder follows its checklist (sessions_app/checklist.py): the kit page and the
        # steps still ahead.
        "kit_url": _absolute(base_url, "kit:session_kit", session.pk) if session.is_self_run else "",
        "steps_ahead": [
            {"label": step.label, "day": step.due_on(session.date), "same_day": step.days == 0}
            for step in checklist.steps_ahead(session.date, today or timezone.localdate())
        ]
        if session.is_self_run
        else [],
    }
    return templated_email("evaluation/emails/practical_kit", context, [person.email])


def _site(base_url: str | None) -> str:
    """The site's address for the links (the task queue calls without one: the command's default applies)."""
    from evaluation.management.commands.send_followup_reminders import default_base_url

    return base_url or default_base_url()


def send_practical_kits(today: date | None = None, base_url: str | None = None) -> ReminderReport:
    """E-mails the week-before kit of every session due (see `kits_due`) to its coordinators who want it, then
    records the date it went for. A confirmed session gets its questionnaire link here, so the poster exists."""
    today = today or timezone.localdate()
    base_url = _site(base_url)
    report = ReminderReport()
    with translation.override("fr"):
        for session in kits_due(today):
            link = online.link_for(session) if session.accepts_questionnaires else None
            for person in kit_recipients(session):
                send_email_later(_kit_message(session, person, link, base_url, today))
                report.emails += 1
            AwarenessSession.objects.filter(pk=session.pk).update(kit_sent_for=session.date)
            report.sessions += 1
            report.references.append(session.reference)
    return report


# The sheets to type, the day after ------------------------------------------------------------------------


def with_sheet_counts(sessions):
    """Each session with `participant_count` and `response_count`, read from the per-session summaries kept on
    every write (sessions_app.summaries, evaluation.responses.refresh_summaries): two primary-key joins, where
    counting the sign-in rows and responses took 160 ms for the home page's count on the national data."""
    return sessions.annotate(
        participant_count=Coalesce("participant_summary__rows", 0, output_field=IntegerField()),
        response_count=Coalesce("response_summary__responses", 0, output_field=IntegerField()),
    )


def sheets_to_type(session) -> int:
    expected = max(session.participant_count, session.actual_attendance or 0)
    return max(0, expected - session.response_count)


def sheets_due(today: date):
    return (
        with_sheet_counts(
            AwarenessSession.objects.filter(
                status__in=[AwarenessSession.Status.HELD, AwarenessSession.Status.CONFIRMED],
                date__lt=today,
                date__gte=today - timedelta(days=SHEETS_LOOKBACK_DAYS),
            ).filter(Q(sheets_reminded_for__isnull=True) | ~Q(sheets_reminded_for=F("date")))
        )
        .select_related("clsm")
        .prefetch_related(
            Prefetch(
                "animators",
                queryset=User.objects.filter(is_active=True).exclude(email=""),
                to_attr="active_animators",
            )
        )
        .order_by("date", "start_time", "reference")
    )


def _sheets_message(person, items, base_url: str) -> EmailMessage:
    context = {
        "person": person,
        "items": [
            {
                "session": session,
                "count": count,
                "url": _absolute(base_url, "evaluation:paper_entry", session.pk),
                # The checklist's deadline: the sheets are typed within a week of the session.
                "deadline": session.date + timedelta(days=checklist.TYPING_DAYS),
            }
            for session, count in items
        ],
        "total": sum(count for _session, count in items),
        "profile_url": _absolute(base_url, "profile"),
    }
    return templated_email("evaluation/emails/sheets_to_type", context, [person.email])


def send_sheets_to_type(today: date | None = None, base_url: str | None = None) -> ReminderReport:
    """One e-mail per animator listing their sessions of the past week with sheets still to type, each session
    once per date. A session with nothing to type yet (attendance not entered) is looked at again the next day."""
    today = today or timezone.localdate()
    base_url = _site(base_url)
    report = ReminderReport()
    by_person: dict[User, list] = {}
    done = []
    for session in sheets_due(today):
        count = sheets_to_type(session)
        if not count:
            continue
        done.append(session.pk)
        report.references.append(session.reference)
        for person in session.active_animators:
            if person.notify_sheets_to_type:
                by_person.setdefault(person, []).append((session, count))
    with translation.override("fr"):
        for person in sorted(by_person, key=lambda p: (p.last_name, p.first_name, p.pk)):
            send_email_later(_sheets_message(person, by_person[person], base_url))
            report.emails += 1
    AwarenessSession.objects.filter(pk__in=done).update(sheets_reminded_for=F("date"))
    report.sessions = len(done)
    return report
