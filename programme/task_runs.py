"""Huey's signals recorded as TaskRun rows, in the process where they happen: « enqueued » in the web process,
the others in the worker. Connected in ProgrammeConfig.ready, so every process that may run or enqueue a task
records it. A failure to record never fails the task (Huey logs a receiver's error and goes on)."""

import traceback

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import ngettext
from huey import signals as S

# Tasks the page names in French; others show their code name.
LABELS = {
    "send_email": "Envoi d'un e-mail",
    "prepare_edition": "Édition officielle d'un bilan",
    "send_edition_email": "E-mail d'une édition prête",
    "render_document": "Document d'un bilan (PDF ou tableur)",
    "daily_followups": "Suivis des effets et rappels (chaque jour)",
    "nightly_purge": "Effacement des données personnelles (chaque nuit)",
    "clean_login_records": "Nettoyage des traces de connexion (chaque jour)",
    "clean_contact_requests": "Suppression des demandes de contact traitées (chaque jour)",
    "check_import": "Vérification d'un gros import",
    "apply_import": "Enregistrement d'un gros import",
    "clean_pending_imports": "Nettoyage des imports abandonnés (chaque jour)",
    "clean_task_runs": "Nettoyage de cette liste (chaque jour)",
    "clean_documents": "Nettoyage des documents de bilan conservés (chaque jour)",
}
# Signals after which the task will not run again (unless a retry follows: « retrying » comes next then).
ENDINGS = {
    S.SIGNAL_ERROR: "",
    S.SIGNAL_TIMEOUT: "délai dépassé",
    S.SIGNAL_EXPIRED: "expirée avant d'avoir tourné",
    S.SIGNAL_REVOKED: "annulée",
    S.SIGNAL_CANCELED: "annulée",
    S.SIGNAL_INTERRUPTED: "interrompue (arrêt du worker)",
}


def describe(task) -> str:
    """A short line saying what the task is about: an e-mail's subject and its number of recipients (never its
    body nor addresses), or the task's arguments."""
    args = task.args or ()
    if task.name == "send_email" and args and isinstance(args[0], dict):
        payload = args[0]
        count = len(payload.get("to", [])) + len(payload.get("cc", [])) + len(payload.get("bcc", []))
        recipients = ngettext("%(n)s destinataire", "%(n)s destinataires", count) % {"n": count}
        return f"« {payload.get('subject', '')} », {recipients}"[:300]
    parts = []
    for arg in args:
        if hasattr(arg, "label"):  # a bilan's scope
            parts.append(str(arg.label))
        elif isinstance(arg, int):
            parts.append(f"n° {arg}")
        elif not (isinstance(arg, str) and arg.startswith(("http://", "https://"))):  # the site's address
            parts.append(str(arg))
    return " · ".join(parts)[:300]


def _record(task, **changes) -> None:
    from programme.models import TaskRun

    if TaskRun.objects.filter(task_id=task.id).update(**changes):
        return
    values = {"name": task.name, "description": describe(task), **changes}
    if isinstance(values.get("attempts"), F):
        values["attempts"] = 1
    try:
        with transaction.atomic():
            TaskRun.objects.create(task_id=task.id, **values)
    except IntegrityError:  # the other process created it in between
        TaskRun.objects.filter(task_id=task.id).update(**changes)


def on_signal(signal, task, exc=None, *args, **kwargs):
    from programme.models import TaskRun

    now = timezone.now()
    if signal == S.SIGNAL_ENQUEUED:
        _record(task, state=TaskRun.State.QUEUED, retries_left=task.retries or 0)
    elif signal == S.SIGNAL_EXECUTING:
        _record(task, state=TaskRun.State.RUNNING, started_at=now, finished_at=None, attempts=F("attempts") + 1)
    elif signal == S.SIGNAL_COMPLETE:
        _record(task, state=TaskRun.State.DONE, finished_at=now, error="")
    elif signal in ENDINGS:
        text = "".join(traceback.format_exception_only(type(exc), exc)).strip() if exc else ENDINGS[signal]
        _record(task, state=TaskRun.State.FAILED, finished_at=now, error=text[:4000], retries_left=0)
    elif signal == S.SIGNAL_LOCKED:
        # The same schedule already running on another worker (several share a Redis queue): skipped.
        _record(task, state=TaskRun.State.DONE, finished_at=now, error="sautée : déjà en cours sur un autre worker")
    elif signal == S.SIGNAL_RETRYING:
        # Emitted before Huey counts the try off: what is left after this one.
        _record(task, state=TaskRun.State.RETRYING, retries_left=max(task.retries - 1, 0))


def connect() -> None:
    from huey.contrib.djhuey import HUEY

    HUEY.signal()(on_signal)
