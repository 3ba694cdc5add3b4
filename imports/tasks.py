"""Tasks of the imports floor."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from imports.models import purge_expired_pending_imports


@db_periodic_task(crontab(minute="15"), retries=2, retry_delay=600)
def clean_pending_imports() -> int:
    """Every hour: files whose preview was never confirmed within PENDING_IMPORT_HOURS are erased (applied
    imports stay, as the history of what was imported, without their file)."""
    return purge_expired_pending_imports()
