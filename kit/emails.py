"""The e-mails of a proposed sheet's review, one function per event.

Each renders `kit/emails/<event>_subject.txt` and `<event>_body.txt` (French, plain text). A submitted sheet
goes to the national centre (active chargées de mission); the centre's answers go to whoever proposed it.
The message goes through `smdq.mail.send_email_later`: the worker sends it once the review is committed and
retries while the mail server refuses; a failing mail server never undoes the review."""

import logging

from django.urls import reverse

from accounts.models import Role, User
from smdq.mail import send_email_later, templated_email

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
    # The worker sends it once the change is committed, and retries while the mail server refuses.
    send_email_later(templated_email(f"kit/emails/{event}", context, recipients))
    return True


def notify_submitted(request, sheet) -> bool:
    return _send(request, "submitted", _national_staff(exclude=request.user), sheet)


def notify_changes_requested(request, sheet) -> bool:
    return _send(request, "changes_requested", _proposer(sheet), sheet)


def notify_published(request, sheet) -> bool:
    return _send(request, "published", _proposer(sheet), sheet)
