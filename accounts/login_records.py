"""Log-in records (django-axes: failed attempts, the log of log-ins) are kept 30 days, as the register of
personal data says (docs/personal-data.md); `accounts.tasks.clean_login_records` erases older ones every day."""

from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.utils import timezone

LOGIN_RECORDS_DAYS = 30


def clean_login_records(days: int = LOGIN_RECORDS_DAYS) -> int:
    """Erases the log-in records older than `days`; returns how many. django-axes erases its logs itself
    (`reset_logs`, `reset_failure_logs`: what its `axes_reset_logs` command runs); the attempts counters of
    the lock-out have no age-based reset there, so they are deleted here."""
    handler = AxesDatabaseHandler()
    count = handler.reset_logs(age_days=days) + handler.reset_failure_logs(age_days=days)
    deleted, _ = AccessAttempt.objects.filter(attempt_time__lte=timezone.now() - timedelta(days=days)).delete()
    return count + deleted
