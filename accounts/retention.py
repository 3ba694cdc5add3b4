"""What the register of personal data (docs/personal-data.md) promises about accounts and log-ins, made true:

- log-in records (django-axes: attempts, successful log-ins, failures; IP addresses and user names) are kept
  LOGIN_RECORDS_RETENTION_DAYS (30) days, and expired sessions go with them (`purge_login_records`);
- a deactivated account is « deleted » INACTIVE_ACCOUNT_RETENTION_MONTHS (12) months after its deactivation
  (`purge_inactive_accounts`). The row stays, emptied of everything about the person: sessions, requests,
  answers typed, bilan editions and the change history point to it (a real deletion would erase who did what,
  or cascade), and then read « Compte supprimé n° 12 ».

Dry run by default, like sessions_app.privacy.purge_personal_data; `apply=True` acts.
"""

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from accounts.models import DELETED_USERNAME_PREFIX, User


@dataclass
class LoginRecordsReport:
    limit: datetime
    attempts: int
    logins: int
    failures: int
    sessions: int
    applied: bool


def purge_login_records(*, now: datetime | None = None, days: int | None = None, apply=False) -> LoginRecordsReport:
    now = now or timezone.now()
    days = settings.LOGIN_RECORDS_RETENTION_DAYS if days is None else days
    limit = now - timedelta(days=days)
    querysets = (
        AccessAttempt.objects.filter(attempt_time__lt=limit),
        AccessLog.objects.filter(attempt_time__lt=limit),
        AccessFailureLog.objects.filter(attempt_time__lt=limit),
        Session.objects.filter(expire_date__lt=now),
    )
    report = LoginRecordsReport(limit, *(queryset.count() for queryset in querysets), applied=apply)
    if apply:
        with transaction.atomic():
            for queryset in querysets:
                queryset.delete()
    return report


@dataclass
class InactiveAccountsReport:
    limit: datetime
    accounts: int
    undated: int  # deactivated with no date (a bulk update): their 12 months start now
    applied: bool


def _to_anonymise():
    return User.objects.filter(is_active=False).exclude(username__startswith=DELETED_USERNAME_PREFIX)


def purge_inactive_accounts(*, now: datetime | None = None, months: int | None = None, apply=False):
    now = now or timezone.now()
    months = settings.INACTIVE_ACCOUNT_RETENTION_MONTHS if months is None else months
    limit = _months_before(now, months)
    due = _to_anonymise().filter(deactivated_at__lte=limit)
    undated = _to_anonymise().filter(deactivated_at__isnull=True)
    report = InactiveAccountsReport(limit, due.count(), undated.count(), apply)
    if apply:
        with transaction.atomic():
            undated.update(deactivated_at=now)
            for user in due.select_for_update():
                anonymise(user)
    return report


def _months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` earlier (the month's last day when that day does not exist there)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    return moment.replace(year=year, month=month + 1, day=min(moment.day, calendar.monthrange(year, month + 1)[1]))


def anonymise(user: User) -> None:
    """Erases the person from their account and keeps the account, so that what it did keeps its author."""
    user.username = f"{DELETED_USERNAME_PREFIX}{user.pk}"
    user.first_name = user.last_name = user.email = user.organisation = user.calendar_token = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    # Files uploaded for an import never confirmed: they may list participants by name.
    user.pending_imports.all().delete()
