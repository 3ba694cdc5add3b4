"""The e-mail back-end of a server that sends no e-mail (EMAIL_URL=none, see smdq/env.py)."""

import logging

from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger("smdq.mail")


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
