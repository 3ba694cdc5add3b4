"""Tasks of the bottom floor: sending an e-mail (every e-mail of the application goes through `smdq.mail`)."""

import smtplib

from huey.contrib.djhuey import db_task

from smdq.mail import message_from_payload

# 1, 2, 4, 8, 16, 32 minutes: a mail server down for about an hour loses nothing.
EMAIL_RETRIES = 6
EMAIL_RETRY_DELAY = 60
# E-mails go before long documents in the queue (higher runs first).
EMAIL_PRIORITY = 100


@db_task(retries=EMAIL_RETRIES, retry_delay=EMAIL_RETRY_DELAY, retry_backoff=2, priority=EMAIL_PRIORITY, context=True)
def send_email(payload: dict, task=None) -> int:
    """Sends one message. The mail server refusing or unreachable (SMTP or network error) is retried with
    backoff; anything else (a message that cannot be built) would fail the same way again, so it is not."""
    try:
        message = message_from_payload(payload)
        return message.send()
    except (smtplib.SMTPException, OSError):
        raise
    except Exception:
        if task is not None:
            task.retries = 0
        raise
