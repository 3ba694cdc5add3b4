"""Tasks of the imports floor."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from imports.models import PendingImport


@db_periodic_task(crontab(hour="3", minute="15"), retries=2, retry_delay=600)
def clean_pending_imports() -> int:
    """Every night: files checked but never confirmed for 24 hours are erased (applied imports stay, as the
    history of what was imported, without their file)."""
    deleted, _ = PendingImport.objects.abandoned().delete()
    return deleted
