"""Tasks of the evaluation floor: official editions, the daily follow-ups and reminders."""

import traceback

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task, on_startup

from evaluation import documents, editions
from evaluation.bilan import Scope


@on_startup()
def warm_up() -> None:
    """The worker loads pandas, matplotlib and WeasyPrint when it starts (each worker thread), not during the
    first edition: the web server imports them lazily to start fast, the worker has no such hurry."""
    import pandas  # noqa: F401
    import weasyprint  # noqa: F401

    from evaluation import charts  # noqa: F401


@db_task(retries=2, retry_delay=30, retry_backoff=2, context=True)
def prepare_edition(edition_id: int, scope: Scope, base_url: str = "", task=None) -> None:
    """Computes, renders and marks ready an edition published « en préparation »; idempotent (a retry after a
    success does nothing). After the last try the edition is marked « échouée » with the error."""
    try:
        editions.prepare(edition_id, scope, base_url)
    except Exception as exc:
        if task is None or not task.retries:
            editions.fail(edition_id, "".join(traceback.format_exception_only(type(exc), exc)).strip())
        raise


@db_task(retries=2, retry_delay=30, retry_backoff=2, context=True)
def render_document(document_id: int, scope: Scope, task=None) -> None:
    """Makes a bilan document of a large scope and keeps it (`evaluation.documents`); idempotent."""
    try:
        documents.prepare(document_id, scope)
    except Exception as exc:
        if task is None or not task.retries:
            documents.fail(document_id, "".join(traceback.format_exception_only(type(exc), exc)).strip())
        raise


@db_periodic_task(crontab(hour="4", minute="15"))
def clean_documents() -> int:
    """Every night: documents kept for more than a week go (their data has usually changed since)."""
    from datetime import timedelta

    from django.utils import timezone

    from evaluation.models import BilanDocument

    deleted, _ = BilanDocument.objects.filter(created_at__lt=timezone.now() - timedelta(days=7)).delete()
    return deleted


@db_periodic_task(crontab(hour="8", minute="0"), retries=2, retry_delay=600)
@lock_task("daily-followups")  # several workers sharing Redis each schedule it: one run at a time sends reminders
def daily_followups() -> None:
    """Every morning: each held session gets its follow-up, and coordinators are reminded of those due (the
    operators' command `send_followup_reminders` does the same by hand)."""
    from evaluation.followup import default_base_url, ensure_followups, send_reminders

    ensure_followups()
    send_reminders(base_url=default_base_url())


@db_periodic_task(crontab(hour="7", minute="0"), retries=2, retry_delay=600)
@lock_task("practical-kits")
def daily_practical_kits() -> None:
    """Every morning: the week-before practical kit of each coming session to its coordinators (once per session
    date; `send_practical_kits` does the same by hand)."""
    from evaluation.reminders import send_practical_kits

    send_practical_kits()


@db_periodic_task(crontab(hour="9", minute="0"), retries=2, retry_delay=600)
@lock_task("sheets-to-type")
def daily_sheets_to_type() -> None:
    """Every morning: « N feuilles à saisir » to the animators of the sessions held the day before (once per
    session; `send_sheets_to_type` does the same by hand)."""
    from evaluation.reminders import send_sheets_to_type

    send_sheets_to_type()
