"""The e-mails of a session's life, each with its calendar invitation (.ics).

When a session is created, confirmed, moved (date, time, place), postponed or cancelled, the coordinators of its
CLSM, its co-organising coordinator and its animators get a French e-mail with an iTIP invitation: METHOD:REQUEST
with the session's SEQUENCE (one more at each change, kept by the model), METHOD:CANCEL when it is cancelled or
when a person is taken off it. These are transactional: no preference turns them off.

Each person gets their own message (nobody reads the others' addresses in the header; a refused address does not
stop the others), sent through `smdq.mail.send_email_later` once the change is committed."""

from enum import StrEnum

from django.core.mail import EmailMessage
from django.db.models import Q
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from sessions_app.calendar import build_invitation, format_duration
from smdq.mail import send_email_later, templated_email


class SessionEvent(StrEnum):
    CREATED = "created"
    CONFIRMED = "confirmed"
    MOVED = "moved"
    POSTPONED = "postponed"
    CANCELLED = "cancelled"
    ADDED = "added"  # a person newly animating or co-organising a session
    REMOVED = "removed"  # a person taken off a session


CANCELLING = {SessionEvent.CANCELLED, SessionEvent.REMOVED}


def session_people(session):
    """Everyone a session's invitation goes to: its CLSM's coordinators, its co-organising coordinator and its
    animators, active and with an address (one query)."""
    people = User.objects.filter(
        Q(clsms=session.clsm_id) | Q(animated_sessions=session.pk) | Q(pk=session.coordinator_id or 0),
        is_active=True,
    ).exclude(email="")
    return list(people.distinct().order_by("last_name", "first_name", "username"))


def session_url(base_url: str, session) -> str:
    return base_url.rstrip("/") + reverse("sessions_app:session_detail", args=[session.pk])


def _message(session, event: SessionEvent, person, attendees, animators, *, base_url, reason, actor) -> EmailMessage:
    url = session_url(base_url, session)
    context = {
        "session": session,
        "event": str(event),
        "person": person,
        "actor": actor,
        "reason": reason,
        "url": url,
        "duration": format_duration(session.duration_minutes),
        "animators": animators,
    }
    message = templated_email("sessions_app/emails/session", context, [person.email])
    message.attach(*invitation_attachment(session, url=url, attendees=attendees, cancel=event in CANCELLING))
    return message


def invitation_attachment(session, *, url: str, attendees=None, cancel: bool = False) -> tuple[str, str, str]:
    """The session's calendar invitation as a plain (filename, text, type) attachment, which the task queue can
    serialise as it is. Also carried by the acceptance of a request, so that its coordinators get one e-mail."""
    attendees = session_people(session) if attendees is None else attendees
    with translation.override("fr"):
        invitation = build_invitation(session, url=url, attendees=attendees, cancel=cancel)
    method = "CANCEL" if cancel else "REQUEST"
    return f"seance-{session.reference}.ics", invitation.decode(), f"text/calendar; method={method}"


def notify_session(session, event: SessionEvent, *, base_url: str, reason: str = "", actor=None, people=None) -> int:
    """E-mails `event` with its invitation to `people` (default: everyone concerned). Returns the messages queued."""
    attendees = session_people(session)
    animators = list(session.animators.order_by("last_name", "first_name"))
    recipients = attendees if people is None else [p for p in people if p.is_active and p.email]
    for person in recipients:
        message = _message(session, event, person, attendees, animators, base_url=base_url, reason=reason, actor=actor)
        send_email_later(message)
    return len(recipients)


def notify_people_changes(session, before: set[int], *, base_url: str, actor=None) -> int:
    """After animators or the co-organiser changed: newcomers get the invitation, those taken off its cancellation.
    `before` is the set of user pks `session_people` gave before the change."""
    now = {person.pk: person for person in session_people(session)}
    added = [now[pk] for pk in now.keys() - before]
    removed = list(User.objects.filter(pk__in=before - now.keys()))
    sent = 0
    if added:
        sent += notify_session(session, SessionEvent.ADDED, base_url=base_url, actor=actor, people=added)
    if removed:
        sent += notify_session(session, SessionEvent.REMOVED, base_url=base_url, actor=actor, people=removed)
    return sent
