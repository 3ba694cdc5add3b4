"""The e-mails of a request's life, one function per event.

Each renders `sessions_app/emails/<event>_subject.txt` and `<event>_body.txt` (French, plain text) and sends
one message to the people concerned: a new or withdrawn request goes to the national centre (active
chargées de mission), the centre's answers go to the CLSM's coordinators and to whoever filed the request.
The message goes through `smdq.mail.send_email_later`: the worker sends it once the change is committed and
retries while the mail server refuses; a failing mail server never undoes the change nor breaks the page."""

import logging

from django.urls import reverse

from accounts.models import Role, User
from smdq.mail import send_email_later, templated_email

logger = logging.getLogger(__name__)


def national_staff_addresses() -> list[str]:
    people = User.objects.filter(role=Role.NATIONAL_STAFF, is_active=True).exclude(email="")
    return sorted(set(people.values_list("email", flat=True)))


def clsm_addresses(session_request) -> list[str]:
    """The CLSM's coordinators, and whoever filed the request (possibly the centre on the CLSM's behalf)."""
    addresses = set(
        session_request.clsm.coordinators.filter(is_active=True).exclude(email="").values_list("email", flat=True)
    )
    author = session_request.created_by
    if author is not None and author.is_active and author.email:
        addresses.add(author.email)
    return sorted(addresses)


def _context(request, session_request, **extra) -> dict:
    return {
        "session_request": session_request,
        "clsm": session_request.clsm,
        "actor": request.user,
        "url": request.build_absolute_uri(reverse("sessions_app:request_detail", args=[session_request.pk])),
        **extra,
    }


def _send(event: str, recipients: list[str], context: dict, attachments=()) -> bool:
    if not recipients:
        logger.warning("E-mail « %s » de la sollicitation %s : aucun destinataire.", event, context["session_request"])
        return True
    message = templated_email(f"sessions_app/emails/{event}", context, recipients)
    for attachment in attachments:
        message.attach(*attachment)
    # The worker sends it once the change is committed, and retries while the mail server refuses.
    send_email_later(message)
    return True


def notify_created(request, session_request) -> bool:
    context = _context(
        request,
        session_request,
        qpvs=list(session_request.qpvs.order_by("code")),
        periods=list(session_request.periods.all()),
    )
    return _send("created", national_staff_addresses(), context)


def notify_under_review(request, session_request) -> bool:
    return _send("under_review", clsm_addresses(session_request), _context(request, session_request))


def notify_accepted(request, session_request, session) -> list[str]:
    """The acceptance, with the new session's calendar invitation attached: the CLSM's coordinators and the
    request's author get this one e-mail, not a second one for the session's creation. Returns their addresses
    (`notify_session` then leaves them out), or [] when nothing could be queued."""
    from sessions_app.notifications import invitation_attachment

    session_url = request.build_absolute_uri(reverse("sessions_app:session_detail", args=[session.pk]))
    context = _context(
        request,
        session_request,
        session=session,
        session_url=session_url,
        animators=list(session.animators.order_by("last_name", "first_name")),
    )
    recipients = clsm_addresses(session_request)
    sent = _send("accepted", recipients, context, [invitation_attachment(session, url=session_url)])
    return recipients if sent else []


def notify_declined(request, session_request, reason: str) -> bool:
    return _send("declined", clsm_addresses(session_request), _context(request, session_request, reason=reason))


def notify_withdrawn(request, session_request, reason: str) -> bool:
    context = _context(request, session_request, reason=reason)
    return _send("withdrawn", national_staff_addresses(), context)
