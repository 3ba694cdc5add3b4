"""The e-mails of a session's life and their calendar invitations: who gets them, what they say, and the .ics
parsed back (METHOD, SEQUENCE, UID, the UTC time of DTSTART in winter and summer); one goes through Django's real
SMTP backend to a sink on 127.0.0.1."""

import socketserver
import threading
from datetime import UTC, date, datetime, time
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from django.core import mail
from django.urls import reverse
from icalendar import Calendar

from sessions_app.models import AwarenessSession
from sessions_app.notifications import SessionEvent, notify_session
from tests.factories import AwarenessSessionFactory, UserFactory
from tests.test_sessions import form_data

pytestmark = pytest.mark.django_db


def invitation(message) -> Calendar:
    """The .ics attached to an e-mail, parsed back."""
    (name, content, mimetype) = message.attachments[0]
    assert name.endswith(".ics")
    assert mimetype.startswith("text/calendar; method=")
    calendar = Calendar.from_ical(content)
    assert mimetype == f"text/calendar; method={calendar['METHOD']}"
    return calendar


def the_event(calendar):
    (event,) = calendar.walk("VEVENT")
    return event


def by_recipient(outbox) -> dict[str, object]:
    assert all(len(m.to) == 1 for m in outbox), "one message per person"
    return {m.to[0]: m for m in outbox}


@pytest.fixture
def planned(clsm_a, claire):
    """A planned session of CLSM A in winter (CET, UTC+1), animated by Claire."""
    return AwarenessSessionFactory(
        clsm=clsm_a,
        date=date(2030, 1, 15),
        start_time=time(14),
        venue="Maison de quartier Wazemmes",
        address="20 rue de l'Abbé Aerts",
        commune_id="59350",
        animators=[claire],
        reference="2030-001",
    )


def test_creating_a_session_invites_the_clsm_coordinators_and_the_animators(
    login, alice, bob, claire, clsm_a, clsm_b, django_capture_on_commit_callbacks
):
    client = login(claire)
    data = form_data(clsm_a, date="2030-01-15", start_time="14:00", animators=[claire.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("sessions_app:session_create"), data)
    assert response.status_code == 302
    session = AwarenessSession.objects.get()
    messages = by_recipient(mail.outbox)
    assert set(messages) == {alice.email, claire.email}  # not Bob: CLSM B
    message = messages[alice.email]
    assert message.subject == f"Nouvelle séance {session.reference} (CLSM A de Lille) le 15 janvier 2030"
    assert "Bonjour Alice," in message.body
    assert "mardi 15 janvier 2030, à 14\xa0h\xa000 (3 h)" in message.body
    assert "Maison de quartier Wazemmes, 20 rue de l'Abbé Aerts, Lille" in message.body
    assert "Animation\xa0: Claire Martin" in message.body
    assert f"http://testserver/seances/{session.pk}/" in message.body
    calendar = invitation(message)
    assert str(calendar["METHOD"]) == "REQUEST"
    event = the_event(calendar)
    assert str(event["UID"]) == f"{session.reference}@smdq"
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART").astimezone(UTC) == datetime(2030, 1, 15, 13, 0, tzinfo=UTC)  # winter: UTC+1
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Paris"
    assert str(event["ORGANIZER"]) == "mailto:noreply@smdq.local"
    attendees = sorted(str(a) for a in event["ATTENDEE"])
    assert attendees == sorted([f"mailto:{alice.email}", f"mailto:{claire.email}"])


def test_moving_a_session_sends_a_new_revision_and_other_edits_send_nothing(
    login, alice, claire, planned, django_capture_on_commit_callbacks
):
    client = login(claire)
    data = form_data(planned.clsm, date="2030-01-15", start_time="14:00", animators=[claire.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("sessions_app:session_edit", args=[planned.pk]), {**data, "notes": "Prévoir du café"})
    assert mail.outbox == []  # notes are not the calendar's business
    planned.refresh_from_db()
    assert planned.sequence == 0

    # Summer (CEST, UTC+2), another place.
    data.update(date="2030-06-18", start_time="09:30", venue="Salle des fêtes")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("sessions_app:session_edit", args=[planned.pk]), data)
    planned.refresh_from_db()
    assert planned.sequence == 1
    messages = by_recipient(mail.outbox)
    assert set(messages) == {alice.email, claire.email}
    message = messages[alice.email]
    assert message.subject == "Séance 2030-001 (CLSM A de Lille) modifiée\xa0: désormais le 18 juin 2030"
    assert "Salle des fêtes" in message.body and "Modification faite par\xa0: Claire Martin" in message.body
    calendar = invitation(message)
    event = the_event(calendar)
    assert (str(calendar["METHOD"]), event["SEQUENCE"]) == ("REQUEST", 1)
    assert event.decoded("DTSTART").astimezone(UTC) == datetime(2030, 6, 18, 7, 30, tzinfo=UTC)


def test_status_changes_grow_the_sequence_and_a_cancellation_cancels(
    login, alice, claire, planned, django_capture_on_commit_callbacks
):
    client = login(claire)
    url = reverse("sessions_app:session_transition", args=[planned.pk])
    steps = [
        ({"action": "confirm"}, "confirmée le 15 janvier 2030", "REQUEST", "CONFIRMED"),
        ({"action": "postpone", "reason": "Salle indisponible"}, "reportée", "REQUEST", "TENTATIVE"),
        ({"action": "replan", "new_date": "2030-02-05", "new_time": "10:00"}, "désormais le 5 février", "REQUEST", ""),
        ({"action": "cancel", "reason": "Trop peu d'inscrits"}, "du 5 février 2030 annulée", "CANCEL", "CANCELLED"),
    ]
    sequences = []
    for post, subject, method, status in steps:
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url, post)
        messages = by_recipient(mail.outbox)
        assert set(messages) == {alice.email, claire.email}, post
        assert subject in messages[alice.email].subject
        calendar = invitation(messages[alice.email])
        event = the_event(calendar)
        assert str(calendar["METHOD"]) == method
        if status:
            assert str(event["STATUS"]) == status
        sequences.append(event["SEQUENCE"])
    assert sequences == sorted(set(sequences)) and sequences[0] >= 1  # strictly growing
    assert "Motif\xa0: Trop peu d'inscrits" in messages[alice.email].body
    planned.refresh_from_db()
    assert planned.sequence == sequences[-1]


def test_marking_held_sends_nothing_and_inactive_or_address_less_people_get_nothing(
    monkeypatch, login, alice, claire, planned, django_capture_on_commit_callbacks
):
    planned.confirm(claire)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: date(2030, 1, 15))
    with django_capture_on_commit_callbacks(execute=True):
        login(claire).post(reverse("sessions_app:session_transition", args=[planned.pk]), {"action": "held"})
    assert mail.outbox == []
    alice.is_active = False
    alice.save()
    UserFactory(username="sans-adresse", email="").clsms.add(planned.clsm)
    with django_capture_on_commit_callbacks(execute=True):
        assert notify_session(planned, SessionEvent.CONFIRMED, base_url="https://smdq.example.fr") == 1
    assert [m.to for m in mail.outbox] == [[claire.email]]
    assert "https://smdq.example.fr/seances/" in mail.outbox[0].body


def test_an_animator_added_is_invited_and_one_taken_off_gets_a_cancellation(
    login, alice, claire, planned, django_capture_on_commit_callbacks
):
    dora = UserFactory(username="dora", first_name="Dora", national_staff=True)
    data = form_data(planned.clsm, date="2030-01-15", start_time="14:00", animators=[dora.pk])
    with django_capture_on_commit_callbacks(execute=True):
        login(claire).post(reverse("sessions_app:session_edit", args=[planned.pk]), data)
    messages = by_recipient(mail.outbox)
    assert set(messages) == {dora.email, claire.email}  # Alice: nothing changed for her
    assert str(invitation(messages[dora.email])["METHOD"]) == "REQUEST"
    assert "Vous êtes attendu·e" in messages[dora.email].subject
    assert str(invitation(messages[claire.email])["METHOD"]) == "CANCEL"
    assert "Vous n'êtes plus attendu·e" in messages[claire.email].subject


def test_accepting_a_request_sends_the_invitation(login, alice, claire, clsm_a, django_capture_on_commit_callbacks):
    from tests.factories import SessionRequestFactory

    session_request = SessionRequestFactory(
        clsm=clsm_a, created_by=alice, periods=[(date(2030, 3, 4), date(2030, 3, 8))]
    )
    data = {"date": "2030-03-05", "start_time": "14:00", "duration_minutes": 180, "animators": [claire.pk]}
    with django_capture_on_commit_callbacks(execute=True):
        response = login(claire).post(reverse("sessions_app:request_accept", args=[session_request.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    # One e-mail each, every one with the invitation: Alice (the CLSM's coordinator, who filed the request) gets
    # the acceptance with the .ics attached, not a second « Nouvelle séance »; Claire (animator) the invitation.
    assert sorted(to for m in mail.outbox for to in m.to) == sorted([alice.email, claire.email])
    messages = {m.to[0]: m for m in mail.outbox}
    assert messages[alice.email].subject.startswith(f"Sollicitation {session_request.reference} acceptée")
    assert "Le fichier joint ajoute la séance à votre agenda" in messages[alice.email].body
    assert messages[claire.email].subject.startswith("Nouvelle séance")
    calendars = [invitation(m) for m in mail.outbox]
    assert [str(c["METHOD"]) for c in calendars] == ["REQUEST", "REQUEST"]
    assert len({str(the_event(c)["UID"]) for c in calendars}) == 1


def test_the_feed_and_the_invitation_share_uid_and_sequence(client, claire, planned):
    planned.confirm(claire)
    token = claire.rotate_calendar_token()
    feed = Calendar.from_ical(client.get(reverse("sessions_app:calendar_feed", args=[token])).content)
    (event,) = feed.walk("VEVENT")
    assert (str(event["UID"]), event["SEQUENCE"]) == ("2030-001@smdq", 1)
    assert str(feed["METHOD"]) == "PUBLISH"


def test_sequence_counts_calendar_changes_only(planned, claire):
    assert planned.sequence == 0
    planned.notes = "rien pour l'agenda"
    planned.save()
    assert planned.sequence == 0
    planned.venue = "Ailleurs"
    planned.save()
    planned.save()  # saving twice is one change
    assert AwarenessSession.objects.get(pk=planned.pk).sequence == 1
    fresh = AwarenessSession.objects.get(pk=planned.pk)
    fresh.postpone(claire, "Grève")
    fresh.replan(claire, date(2030, 2, 1))
    assert AwarenessSession.objects.get(pk=planned.pk).sequence >= 3


# The production path: Django's SMTP backend to a server on 127.0.0.1 -----------------------------------------


class SMTPSink(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) to accept messages; each one received is appended to `server.received`."""

    def reply(self, line: str):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.reply("220 sink ESMTP")
        sender, recipients = None, []
        while line := self.rfile.readline():
            command = line.decode("ascii", "replace").strip()
            verb = command[:4].upper()
            if verb == "EHLO":
                self.reply("250-sink")
                self.reply("250 8BITMIME")
            elif verb == "HELO":
                self.reply("250 sink")
            elif verb == "MAIL":
                sender, recipients = command.split(":", 1)[1].strip(" <>").split(">")[0], []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip(" <>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                self.server.received.append((sender, recipients, b"".join(data)))
                self.reply("250 OK queued")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("250 OK")  # RSET, NOOP


@pytest.fixture
def smtp_sink(settings):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SMTPSink)
    server.daemon_threads = True
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.server_address[1]
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield server.received
    server.shutdown()
    server.server_close()


def test_an_invitation_goes_through_smtp(alice, claire, planned, smtp_sink, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify_session(planned, SessionEvent.CREATED, base_url="https://smdq.example.fr")
    assert sorted(recipients[0] for _sender, recipients, _data in smtp_sink) == sorted([alice.email, claire.email])
    sender, _recipients, data = smtp_sink[0]
    assert sender == "noreply@smdq.local"
    parsed = message_from_bytes(data)
    assert str(make_header(decode_header(parsed["Subject"]))).startswith("Nouvelle séance 2030-001 (CLSM A de Lille)")
    parts = {part.get_content_type(): part for part in parsed.walk()}
    calendar_part = parts["text/calendar"]
    assert calendar_part.get_param("method") == "REQUEST"
    event = the_event(Calendar.from_ical(calendar_part.get_payload(decode=True)))
    assert event["SEQUENCE"] == 0 and str(event["UID"]) == "2030-001@smdq"
    assert "Bonjour" in parts["text/plain"].get_payload(decode=True).decode()
