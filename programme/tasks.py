"""Tasks of the top floor: the nightly personal-data purge across apps, and the clean-up of the task record."""

from datetime import timedelta

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from programme.models import TaskRun
from programme.privacy import purge_personal_data

PURGE_HOUR = 3
TASK_RUNS_DAYS = 90


@db_periodic_task(crontab(hour=str(PURGE_HOUR), minute="0"), retries=2, retry_delay=600)
@lock_task("nightly-purge")  # one run at a time when several workers share the queue
def nightly_purge() -> str:
    """Every night: names, e-mails and free comments past their retention are erased (`--apply` semantics of
    `manage.py purge_personal_data`, which stays for operators)."""
    report = purge_personal_data(apply=True)
    return f"{report.participants} participant·es, {report.comments} commentaires"


@db_periodic_task(crontab(hour="4", minute="0"))
def clean_task_runs() -> int:
    """Every night: finished task records older than 90 days go (they name e-mail subjects)."""
    deleted, _ = TaskRun.objects.finished_before(timezone.now() - timedelta(days=TASK_RUNS_DAYS)).delete()
    return deleted
