"""Tasks of the accounts floor."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from accounts.login_records import clean_login_records as clean


@db_periodic_task(crontab(hour="3", minute="30"), retries=2, retry_delay=600)
def clean_login_records() -> int:
    """Every night: log-in records older than 30 days go (register of personal data)."""
    return clean()
