"""Tasks of the accounts floor: the retentions of the register (docs/personal-data.md), every night."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from accounts.retention import purge_inactive_accounts, purge_login_records


@db_periodic_task(crontab(hour="3", minute="30"), retries=2, retry_delay=600)
def clean_login_records() -> int:
    """Log-in records older than LOGIN_RECORDS_RETENTION_DAYS (30) go, with expired sessions."""
    report = purge_login_records(apply=True)
    return report.attempts + report.logins + report.failures


@db_periodic_task(crontab(hour="3", minute="45"), retries=2, retry_delay=600)
def anonymise_inactive_accounts() -> int:
    """Accounts deactivated more than INACTIVE_ACCOUNT_RETENTION_MONTHS (12) ago are anonymised."""
    return purge_inactive_accounts(apply=True).accounts
