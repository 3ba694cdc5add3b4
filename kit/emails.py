"""The e-mails of a proposed sheet's review, one function per event.

Each renders `kit/emails/<event>_subject.txt` and `<event>_body.txt` (French, plain text). A submitted sheet
goes to the national centre (active chargées de mission); the centre's answers go to whoever proposed it.
Sending happens after the change is saved: a failing mail server is logged and reported (False), it never
undoes the review."""

import logging
import smtplib

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import Role, User

logger = logging.getLogger(__name__)


def _national_staff(exclude=None) -> list[str]:
    people = User.objects.filter(role=Role.NATIONAL_STAFF, is_active=True).exclude(email="")
    if exclude is not None:
        people = people.exclude(pk=exclude.pk)
    return sorted(set(people.values_list("email", flat=True)))


def _proposer(sheet) -> list[str]:
    person = sheet.proposed_by
    return [person.email] if person is not None and person.is_active and person.email else []


def _send(request, event: str, recipients: list[str], sheet, **extra) -> bool:
    if not recipients:
        logger.warning("E-mail « %s » de la fiche %s : aucun destinataire.", event, sheet.slug)
        return True
    context = {
        "sheet": sheet,
        "actor": request.user,
        "url": request.build_absolute_uri(reverse("kit:sheet_detail", args=[sheet.slug])),
        "edit_url": request.build_absolute_uri(reverse("kit:sheet_edit", args=[sheet.slug])),
        "queue_url": request.build_absolute_uri(reverse("kit:review_queue")),
        **extra,
    }
    subject = " ".join(render_to_string(f"kit/emails/{event}_subject.txt", context).split())
    body = render_to_string(f"kit/emails/{event}_body.txt", context)
    try:
        send_mail(subject, body, None, recipients)
    except (smtplib.SMTPException, OSError):
        logger.exception("E-mail « %s » de la fiche %s non envoyé.", event, sheet.slug)
        return False
    return True


def notify_submitted(request, sheet) -> bool:
    return _send(request, "submitted", _national_staff(exclude=request.user), sheet)


def notify_changes_requested(request, sheet) -> bool:
    return _send(request, "changes_requested", _proposer(sheet), sheet)


def notify_published(request, sheet) -> bool:
    return _send(request, "published", _proposer(sheet), sheet)
