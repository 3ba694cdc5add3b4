"""Checking and applying an uploaded file in the worker, with its progress, still all-or-nothing (`Importer.run`
writes nothing when a single row is wrong, and applies the whole file in one transaction).

`check` runs after the upload: the preview and the summary, or every error. `apply` runs once the user confirmed
(`confirm` moves the file from « valide » to « import en cours » in one UPDATE, so a double click applies once).
Both are idempotent: each only acts on a file in the state that calls for it."""

from django.utils import timezone

from imports import registry
from imports.base import ImportFailed
from imports.models import PendingImport
from imports.tables import FileError, read_table

PREVIEW_ROWS = 10
# Progress (%) shown at each step: reading the file, checking the rows (in proportion), writing.
READ, ROWS_START, ROWS_END, WRITING = 5, 10, 70, 80


def _progress_of(pending_id: int):
    def progress(step: str, done: int, total: int):
        value = ROWS_START + (ROWS_END - ROWS_START) * done // max(total, 1) if step == "rows" else WRITING
        PendingImport.objects.filter(pk=pending_id).update(progress=value)

    return progress


def _run(pending: PendingImport, *, dry_run: bool):
    importer = registry.get(pending.kind)(user=pending.user)
    importer.progress = _progress_of(pending.pk)
    PendingImport.objects.filter(pk=pending.pk).update(progress=READ)
    table = read_table(bytes(pending.content), filename=pending.filename)
    return table, importer.run(table, dry_run=dry_run)


def _cell(value) -> str:
    return "" if value is None else str(value)


def check(pending_id: int) -> None:
    pending = PendingImport.objects.filter(pk=pending_id, state=PendingImport.State.CHECKING).first()
    if pending is None:
        return
    try:
        table, result = _run(pending, dry_run=True)
    except FileError as exc:
        state, report = PendingImport.State.INVALID, {"file_error": str(exc)}
    except ImportFailed as exc:
        state, report = PendingImport.State.INVALID, {"errors": [str(error) for error in exc.errors]}
    else:
        preview = [[row.line, [_cell(row.get(h)) for h in table.headers]] for row in table.rows[:PREVIEW_ROWS]]
        state = PendingImport.State.VALID
        report = {
            "summary": result.summary(),
            "warnings": result.warnings,
            "headers": table.headers,
            "preview": preview,
        }
    PendingImport.objects.filter(pk=pending_id).update(state=state, report=report, progress=100)


def apply(pending_id: int) -> None:
    pending = PendingImport.objects.filter(pk=pending_id, state=PendingImport.State.APPLYING).first()
    if pending is None:
        return
    try:
        _table, result = _run(pending, dry_run=False)
    except (FileError, ImportFailed):
        PendingImport.objects.filter(pk=pending_id).update(
            state=PendingImport.State.INVALID,
            progress=100,
            report={**pending.report, "stale": True},
        )
        return
    PendingImport.objects.filter(pk=pending_id).update(
        state=PendingImport.State.APPLIED,
        progress=100,
        applied_at=timezone.now(),
        summary=result.summary(),
        content=b"",  # the data now lives in its tables; no need to keep a second copy
    )


def confirm(pending: PendingImport) -> bool:
    """Moves a checked file to « import en cours » once; False when it was not waiting for confirmation."""
    return bool(
        PendingImport.objects.filter(pk=pending.pk, state=PendingImport.State.VALID).update(
            state=PendingImport.State.APPLYING, progress=0
        )
    )


def fail(pending_id: int, error: str) -> None:
    PendingImport.objects.filter(
        pk=pending_id, state__in=(PendingImport.State.CHECKING, PendingImport.State.APPLYING)
    ).update(state=PendingImport.State.FAILED, report={"task_error": error[:4000]})
