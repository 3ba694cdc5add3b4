"""Every e-mail the application sends goes through `send_email_later`: it leaves once the change that caused it
is committed, and a failing mail server never breaks a page nor undoes the change.

The message is handed to the task queue (`smdq.tasks.send_email`), whose worker sends it and retries with backoff
while the mail server refuses or cannot be reached; the password-reset e-mail too
(`accounts.forms.QueuedPasswordResetForm`).

Also the e-mail back-end of a server that sends no e-mail (EMAIL_URL=none, see smdq/env.py)."""

import logging
import smtplib

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from smdq.typography import french_html, french_text

logger = logging.getLogger("smdq.mail")


def message_to_payload(message: EmailMessage) -> dict:
    """What the worker needs to rebuild the message: plain values only (the queue stores them pickled)."""
    attachments = []
    for attachment in message.attachments:
        # Django 5.2 keeps (filename, content, mimetype) tuples; a MIMEBase part is kept whole (it pickles).
        attachments.append(tuple(attachment) if isinstance(attachment, tuple) else attachment)
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": dict(message.extra_headers),
        "attachments": attachments,
        "alternatives": [tuple(alternative) for alternative in getattr(message, "alternatives", [])],
        "content_subtype": message.content_subtype,
    }


def message_from_payload(payload: dict) -> EmailMessage:
    message = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["body"],
        from_email=payload["from_email"],
        to=payload["to"],
        cc=payload["cc"],
        bcc=payload["bcc"],
        reply_to=payload["reply_to"],
        headers=payload["headers"],
        alternatives=payload["alternatives"],
    )
    message.content_subtype = payload["content_subtype"]
    for attachment in payload["attachments"]:
        if isinstance(attachment, tuple):
            message.attach(*attachment)
        else:
            message.attach(attachment)
    return message


def _send_now(message: EmailMessage) -> bool:
    try:
        message.send()
    except (smtplib.SMTPException, OSError):
        logger.exception("Courriel « %s » non envoyé à %s.", message.subject, ", ".join(message.to))
        return False
    return True


def _enqueue(payload: dict) -> None:
    from smdq.tasks import send_email

    try:
        send_email(payload)
    except Exception:
        # The queue itself is unreachable (Redis down, SQLite file locked): the page must not break, so the
        # message is tried once now, and logged if that fails too.
        logger.exception("File des tâches injoignable : courriel « %s » envoyé directement.", payload["subject"])
        _send_now(message_from_payload(payload))


def rendered_email(
    subject_template: str, body_template: str, context: dict, to: list[str], *, html_template=None, from_email=None
) -> EmailMultiAlternatives:
    """The e-mail of these templates, rendered in French whatever the language of the request, command or worker;
    the subject folded to one line (a header has no line break); an HTML alternative if `html_template`."""
    with translation.override("fr"):
        subject = " ".join(render_to_string(subject_template, context).split())
        message = EmailMultiAlternatives(subject, render_to_string(body_template, context), from_email, to)
        if html_template is not None:
            message.attach_alternative(render_to_string(html_template, context), "text/html")
    return message


def templated_email(templates: str, context: dict, to: list[str]) -> EmailMultiAlternatives:
    """The e-mail of an app's templates `<templates>_subject.txt` and `<templates>_body.txt` (rendered_email)."""
    return rendered_email(f"{templates}_subject.txt", f"{templates}_body.txt", context, to)


def send_email_later(message: EmailMessage) -> None:
    """Hands `message` to the worker after the current transaction commits (at once outside a transaction).
    Its text gets French typography (no-break spaces, « 1er », « 14 h 00 »), as the pages do."""
    payload = message_to_payload(message)
    payload["subject"] = french_text(payload["subject"])
    payload["body"] = (french_html if payload["content_subtype"] == "html" else french_text)(payload["body"])
    payload["alternatives"] = [
        (french_html(content) if mimetype == "text/html" and isinstance(content, str) else content, mimetype)
        for content, mimetype in payload["alternatives"]
    ]
    transaction.on_commit(lambda: _enqueue(payload))


class DroppingEmailBackend(BaseEmailBackend):
    """Drops every message. Logs only how many were dropped: never a recipient, a subject or a body, which
    may hold a password-reset link."""

    def send_messages(self, email_messages):
        count = len(list(email_messages or []))
        if count:
            logger.warning(
                "%d courriel(s) non envoyé(s) : ce serveur n'envoie pas de courriel (EMAIL_URL=none).", count
            )
        return count
