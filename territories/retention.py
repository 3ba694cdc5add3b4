"""What the register of personal data (docs/personal-data.md) promises about contact requests of the public page
« Organiser une séance dans mon quartier » (a name, an e-mail, a phone number, a message): once handled (accepted or
filed), a request is deleted CONTACT_REQUEST_RETENTION_MONTHS (12) months later. The CLSM an accepted request
created stays, and so does the account of its invited contact (their own register lines). Requests still waiting
are kept: they are the national centre's inbox. Dry run by default; `apply=True` acts."""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.utils import timezone

from smdq.retention import months_before
from territories.models import ContactRequest


@dataclass
class ContactRequestsReport:
    limit: date
    requests: int
    applied: bool


def expired_contact_requests(limit: date):
    return ContactRequest.objects.exclude(status=ContactRequest.Status.NEW).filter(handled_at__date__lt=limit)


def purge_contact_requests(*, today: date | None = None, months: int | None = None, apply=False):
    months = settings.CONTACT_REQUEST_RETENTION_MONTHS if months is None else months
    limit = months_before(today or timezone.localdate(), months)
    expired = expired_contact_requests(limit)
    report = ContactRequestsReport(limit, expired.count(), applied=apply)
    if apply:
        expired.delete()
    return report
