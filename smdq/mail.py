"""Every e-mail the application sends goes through `send_email_later`: it leaves once the change that caused it
is committed, and a failing mail server never breaks a page nor undoes the change (the failure is logged).

This is the single door the task queue takes over: there, the message is handed to the worker, which retries.

Also the e-mail back-end of a server that sends no e-mail (EMAIL_URL=none, see smdq/env.py)."""

import logging
import smtplib

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction

logger = logging.getLogger("smdq.mail")


def _send_now(message: EmailMessage) -> bool:
    try:
        message.send()
    except (smtplib.SMTPException, OSError):
        logger.exception("Courriel « %s » non envoyé à %s.", message.subject, ", ".join(message.to))
        return False
    return True


def send_email_later(message: EmailMessage) -> None:
    """Sends `message` after the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(lambda: _send_now(message))


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
