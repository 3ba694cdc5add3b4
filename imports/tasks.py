"""Tasks of the imports floor."""

import traceback

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from imports import processing
from imports.models import PendingImport


def _retried(step, pending_id: int, task) -> None:
    try:
        step(pending_id)
    except Exception as exc:
        # The import is one transaction: a failed try wrote nothing, so trying again is safe.
        if task is None or not task.retries:
            processing.fail(pending_id, "".join(traceback.format_exception_only(type(exc), exc)).strip())
        raise


@db_task(retries=1, retry_delay=10, context=True)
def check_import(pending_id: int, task=None) -> None:
    """Checks an uploaded file (preview, summary or every error), writing nothing."""
    _retried(processing.check, pending_id, task)


@db_task(retries=1, retry_delay=10, context=True)
def apply_import(pending_id: int, task=None) -> None:
    """Applies a confirmed file, all or nothing."""
    _retried(processing.apply, pending_id, task)


@db_periodic_task(crontab(hour="3", minute="15"), retries=2, retry_delay=600)
def clean_pending_imports() -> int:
    """Every night: files checked but never confirmed for 24 hours are erased (applied imports stay, as the
    history of what was imported, without their file)."""
    deleted, _ = PendingImport.objects.abandoned().delete()
    return deleted
