"""Tasks of the imports floor: large files checked and applied by the worker, and the hourly clean-up."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from imports import background
from imports.models import purge_expired_pending_imports

UNEXPECTED = "Erreur inattendue pendant l'import ; rien n'a été enregistré. Déposez le fichier à nouveau."


def _last_try(task) -> bool:
    return task is None or not task.retries


@db_task(retries=2, retry_delay=30, retry_backoff=2, context=True)
def check_import(pending_id: int, task=None) -> None:
    """Checks the rows of a stored file (`imports.background.check`); idempotent. Bad rows are no failure (the
    report names them); an unexpected error is retried, and after the last try the file is refused."""
    try:
        background.check(pending_id)
    except Exception:
        if _last_try(task):
            background.refuse(pending_id, error=UNEXPECTED)
        raise


@db_task(retries=2, retry_delay=30, retry_backoff=2, context=True)
def apply_import(pending_id: int, task=None) -> None:
    """Applies a confirmed file in one transaction (`imports.background.apply`); idempotent (an interrupted try
    wrote nothing, and a file applied twice changes nothing)."""
    try:
        background.apply(pending_id)
    except Exception:
        if _last_try(task):
            background.refuse(pending_id, error=UNEXPECTED)
        raise


@db_periodic_task(crontab(minute="15"), retries=2, retry_delay=600)
def clean_pending_imports() -> int:
    """Every hour: files whose preview was never confirmed within PENDING_IMPORT_HOURS are erased (applied
    imports stay, as the history of what was imported, without their file)."""
    return purge_expired_pending_imports()
