"""Uploaded files never confirmed: they may list participants by name (a participants' import), and would keep
those names past the register's promise (docs/personal-data.md). A confirmed import keeps no file already
(imports.views.confirm empties it); an unconfirmed one goes ABANDONED_UPLOAD_DAYS days after its upload."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from imports.models import PendingImport

ABANDONED_UPLOAD_DAYS = 7


@dataclass
class AbandonedUploadsReport:
    limit: datetime
    uploads: int
    applied: bool


def purge_abandoned_uploads(*, now: datetime | None = None, days: int = ABANDONED_UPLOAD_DAYS, apply=False):
    limit = (now or timezone.now()) - timedelta(days=days)
    abandoned = PendingImport.objects.filter(applied_at__isnull=True, created_at__lt=limit)
    report = AbandonedUploadsReport(limit, abandoned.count(), apply)
    if apply:
        abandoned.delete()
    return report
