"""Large imports in the worker (issue #13): the request keeps the bounded structural checks (size, archive,
dimensions, headers: `imports.tables`, `Importer.check_columns`) and stores the file as a PendingImport; the
worker checks its rows (the same dry run as a small file's preview), then, once confirmed, applies them, still in
one transaction. Progress goes to the PendingImport, which the page polls.

Both steps are idempotent: a task finds its PendingImport in the state it expects or does nothing (a retry after
a success, a second worker), and applying a file twice changes nothing anyway (0 créés, 0 mis à jour)."""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from imports import registry
from imports.base import ImportFailed
from imports.models import PendingImport
from imports.tables import FileError, Table, read_table

logger = logging.getLogger(__name__)

PREVIEW_ROWS = 10
# The report lists this many errors at most (the check itself stops at MAX_REPORTED_ERRORS).
REPORTED_ERRORS = 1000
STALE = "Le fichier n'est plus valide (les données ont changé depuis la vérification)."


def in_background(rows: int) -> bool:
    """Files past IMPORT_BACKGROUND_ROWS data lines are checked and applied by the worker: measured, a check
    takes 0.3 to 0.8 ms a row (participants to requests), so up to 2,000 rows answer within about a second."""
    return rows > settings.IMPORT_BACKGROUND_ROWS


def preview(table: Table) -> list:
    return [[row.line, [row.get(h) for h in table.headers]] for row in table.rows[:PREVIEW_ROWS]]


def start_check(user, kind: str, filename: str, content: bytes, rows: int) -> PendingImport:
    """Stores a file that passed its structural checks and hands its row checks to the worker."""
    pending = PendingImport.objects.create(
        user=user,
        kind=kind,
        filename=filename,
        content=content,
        state=PendingImport.State.CHECKING,
        background=True,
        rows_total=rows,
    )
    transaction.on_commit(lambda: _enqueue("check_import", pending.pk))
    return pending


def start_apply(pending: PendingImport) -> bool:
    """Hands a confirmed file to the worker; False when it was already handed (a double click)."""
    moved = PendingImport.objects.filter(pk=pending.pk, state=PendingImport.State.READY).update(
        state=PendingImport.State.APPLYING, rows_done=0
    )
    if moved:
        transaction.on_commit(lambda: _enqueue("apply_import", pending.pk))
    return bool(moved)


def _enqueue(name: str, pending_id: int) -> None:
    from imports import tasks

    try:
        getattr(tasks, name)(pending_id)
    except Exception as exc:
        # The queue is unreachable (Redis down): say so on the page rather than leave it waiting for ever.
        logger.exception("Import %s non confié au worker.", pending_id)
        refuse(pending_id, error=f"File des tâches injoignable ({exc}) : déposez le fichier à nouveau plus tard.")


def refuse(pending_id: int, *, errors=(), error: str = "") -> None:
    """Ends an import without writing anything: the file is erased, the report (errors by line) stays."""
    pending = PendingImport.objects.filter(pk=pending_id).first()
    if pending is None:
        return
    report = {key: value for key, value in pending.report.items() if key in ("headers", "ignored")}
    report.update(errors=[str(e) for e in errors][:REPORTED_ERRORS], error=error)
    PendingImport.objects.filter(pk=pending_id).update(
        state=PendingImport.State.REFUSED, content=b"", report=report, summary=""
    )


def _progress(pending_id: int):
    def report(done: int, total: int) -> None:
        PendingImport.objects.filter(pk=pending_id).update(rows_done=done, rows_total=total)

    return report


def _run(pending: PendingImport, *, dry_run: bool):
    importer = registry.get(pending.kind)(user=pending.user)
    table = read_table(bytes(pending.content), filename=pending.filename, columns=importer.read_columns())
    return table, importer.run(table, dry_run=dry_run, progress=_progress(pending.pk))


def check(pending_id: int) -> PendingImport | None:
    """The worker's row checks of a stored file (a dry run): ready to confirm with its preview, or refused."""
    pending = PendingImport.objects.filter(pk=pending_id, state=PendingImport.State.CHECKING).first()
    if pending is None:
        return None
    try:
        table, result = _run(pending, dry_run=True)
    except FileError as exc:
        refuse(pending_id, error=str(exc))
    except ImportFailed as exc:
        refuse(pending_id, errors=exc.errors)
    else:
        PendingImport.objects.filter(pk=pending_id, state=PendingImport.State.CHECKING).update(
            state=PendingImport.State.READY,
            summary=result.summary(),
            rows_done=len(table.rows),
            report={
                "headers": table.headers,
                "ignored": table.ignored,
                "preview": preview(table),
                "warnings": result.warnings,
            },
        )
    return PendingImport.objects.filter(pk=pending_id).first()


def apply(pending_id: int) -> PendingImport | None:
    """The worker applies a confirmed file, all or nothing; its content is then emptied (the row stays as the
    history: who imported which file, when, with what result)."""
    pending = PendingImport.objects.filter(pk=pending_id, state=PendingImport.State.APPLYING).first()
    if pending is None:
        return None
    try:
        _table, result = _run(pending, dry_run=False)
    except (FileError, ImportFailed) as exc:
        refuse(pending_id, errors=getattr(exc, "errors", ()), error=STALE)
    else:
        report = {key: value for key, value in pending.report.items() if key != "preview"}
        report["warnings"] = result.warnings
        PendingImport.objects.filter(pk=pending_id).update(
            state=PendingImport.State.APPLIED,
            applied_at=timezone.now(),
            summary=result.summary(),
            rows_done=pending.rows_total,
            content=b"",
            report=report,
        )
    return PendingImport.objects.filter(pk=pending_id).first()
