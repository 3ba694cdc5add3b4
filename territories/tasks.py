"""Tasks of the territories floor: the retention of contact requests (docs/personal-data.md), every night."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from territories.retention import purge_contact_requests


@db_periodic_task(crontab(hour="3", minute="50"), retries=2, retry_delay=600)
def clean_contact_requests() -> int:
    """Contact requests handled more than CONTACT_REQUEST_RETENTION_MONTHS (12) ago are deleted."""
    return purge_contact_requests(apply=True).requests
