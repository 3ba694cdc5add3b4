"""Bilan documents (report PDF, tables XLSX, anonymised responses XLSX) of large scopes are made by the worker and
kept per scope and data version; small ones are made in the request.

Measured (README « Background tasks »): a report PDF costs seconds whatever the scope (charts and WeasyPrint, not
the data), so every PDF goes through the worker and is kept; the spreadsheets cost what their data costs, so they
stay in the request up to the number of held sessions below which they measured under a second."""

import hashlib
import logging
import time

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from evaluation import editions
from evaluation.bilan import Scope, compute_bilan
from evaluation.editions import scope_key
from evaluation.models import BilanDocument
from evaluation.suppression import suppress_for_funder
from sessions_app.summaries import DataVersions

logger = logging.getLogger(__name__)

# Largest number of held sessions in a scope for which the document is made in the request, measured on the
# national benchmark data (README « Background tasks »): tables 0.54 s for 3,273 sessions, 2.7 s for 22,500;
# responses 0.06 s for 1 session, 2.3 s for 104 (about 22 ms a session); a PDF 4.8 s or more for any scope, even
# one session (charts and WeasyPrint), so None: always through the worker.
# Figures are kept per data version, so they never go stale; an old version's are simply no longer asked for.
FIGURES_CACHE_SECONDS = 24 * 3600
# The longest a national bilan takes to compute, with margin: how long others wait for the one computing it.
FIGURES_LOCK_SECONDS = 30

IMMEDIATE_MAX_SESSIONS = {
    BilanDocument.Kind.PDF: None,
    BilanDocument.Kind.XLSX: 4000,
    BilanDocument.Kind.RESPONSES: 40,
}


def data_version(scope: Scope | None = None, versions: DataVersions | None = None) -> str:
    """Changes whenever data the bilan of `scope` reads changes (None: any data), so cached figures, charts and
    documents never go stale: the counters every write that changes a figure bumps in its transaction
    (sessions_app.summaries), read in one short query instead of aggregates over whole tables. A sheet typed in this
    season leaves an earlier season's version as it was (its bilan, charts and PDF stay kept); `versions`: the
    counters the caller has read already."""
    versions = versions or DataVersions.read()
    if scope is None:
        return f"v{versions.total}"
    return f"v{versions.of(scope.date_to)}"


def _figures_key(scope: Scope, version: str) -> str:
    # The whole scope, not its URL parameters: a coordinator's « all my CLSM » has the national parameters. The day
    # too: the running season is compared with the previous one up to the same date.
    day = timezone.localdate().isoformat()
    return f"bilan:figures:{hashlib.sha1((repr(scope) + version + day).encode()).hexdigest()}"


def figures(scope: Scope, *, funder: bool = False, version: str | None = None) -> dict:
    """The bilan of `scope` for this data version, computed once and kept in the cache: the dashboard, its charts
    and the downloads read the same figures. One computation per scope at a time: the first request takes a lock,
    the others wait for its result (up to FIGURES_LOCK_SECONDS, then compute it themselves). `funder`: the
    financeur's version, derived from the same figures by the engine's suppression."""
    version = version or data_version(scope)
    key = _figures_key(scope, version)
    if funder:
        # The financeur's version is derived once per version too: suppression walks every figure.
        return cache.get_or_set(
            f"{key}:funder", lambda: suppress_for_funder(figures(scope, version=version)), FIGURES_CACHE_SECONDS
        )
    data = cache.get(key)
    if data is None:
        lock = f"{key}:lock"
        if cache.add(lock, 1, FIGURES_LOCK_SECONDS):
            try:
                data = compute_bilan(scope)
                cache.set(key, data, FIGURES_CACHE_SECONDS)
            finally:
                cache.delete(lock)
        else:
            deadline = time.monotonic() + FIGURES_LOCK_SECONDS
            while data is None and time.monotonic() < deadline:
                time.sleep(0.05)
                data = cache.get(key)
            if data is None:
                data = compute_bilan(scope)
    return data


def variant(kind: str, user) -> dict:
    """What differs between people asking for the same scope: small numbers hidden for funders; the free texts
    of responses for the national centre only."""
    return {
        "hide_small": user.is_funder,
        "free_text": kind == BilanDocument.Kind.RESPONSES and user.is_national_staff,
    }


def is_immediate(kind: str, scope: Scope) -> bool:
    limit = IMMEDIATE_MAX_SESSIONS[kind]
    if limit is None:
        return False
    if scope.session:
        return True
    return scope.held_sessions().count() <= limit


def render(kind: str, scope: Scope, *, hide_small: bool, free_text: bool, progress=None) -> bytes:
    from evaluation.renderers import render as render_document
    from evaluation.spreadsheets import responses_workbook

    if kind == BilanDocument.Kind.RESPONSES:
        return responses_workbook(scope.held_sessions(), include_free_text=free_text, label=scope.label)
    # `hide_small`: the financeur's version, hidden by the engine (evaluation/suppression.py).
    data = figures(scope, funder=hide_small)
    if progress:
        progress("rendering")
    return render_document(kind, data, scope, funder=hide_small)


def filename(kind: str, scope: Scope) -> str:
    slug = "".join(c if c.isalnum() else "-" for c in scope.label.lower()).strip("-")
    while "--" in slug:
        slug = slug.replace("--", "-")
    prefix, extension = {"pdf": ("bilan", "pdf"), "xlsx": ("bilan", "xlsx"), "responses": ("reponses", "xlsx")}[kind]
    return f"{prefix}-{slug}.{extension}"


def _lookup(kind: str, scope: Scope, user, version: str):
    return {"kind": kind, "scope_key": scope_key(scope), "data_version": version, **variant(kind, user)}


def current(kind: str, scope: Scope, user) -> BilanDocument | None:
    """The document already made (or being made) for this scope, this person's variant and today's data."""
    return BilanDocument.objects.filter(**_lookup(kind, scope, user, data_version(scope))).first()


def request(kind: str, scope: Scope, user) -> BilanDocument:
    """The document for this scope and data version: the one kept or on its way, or a new one handed to the
    worker. A failed one is tried again."""
    lookup = _lookup(kind, scope, user, data_version(scope))
    document = BilanDocument.objects.filter(**lookup).first()
    abandoned = (
        document is not None
        and document.is_preparing
        and document.created_at < timezone.now() - editions.ABANDONED_AFTER  # its worker was killed mid-task
    )
    if document is not None and document.state != BilanDocument.State.FAILED and not abandoned:
        return document
    try:
        with transaction.atomic():
            if document is None:
                document = BilanDocument.objects.create(
                    **lookup,
                    label=scope.label,
                    clsm_name=scope.clsm or "",
                    filename=filename(kind, scope),
                    requested_by=user,
                )
            else:
                document.state, document.progress, document.error = BilanDocument.State.PREPARING, 0, ""
                document.save(update_fields=["state", "progress", "error"])
            pk = document.pk
            transaction.on_commit(lambda: _hand_to_worker(pk, scope))
    except IntegrityError:
        # Someone asked for the same file at the same moment: theirs is on its way.
        return BilanDocument.objects.get(**lookup)
    return document


def _hand_to_worker(document_id: int, scope: Scope) -> None:
    from evaluation.tasks import render_document

    try:
        render_document(document_id, scope)
    except Exception as exc:
        logger.exception("Document %s non confié au worker.", document_id)
        fail(document_id, f"File des tâches injoignable : {exc}")


def prepare(document_id: int, scope: Scope) -> BilanDocument | None:
    """Run by the worker: makes the document and keeps it; a ready one is left as it is."""
    document = BilanDocument.objects.filter(pk=document_id).defer("content").first()
    if document is None or document.is_ready:
        return document

    def step(name):
        BilanDocument.objects.filter(pk=document_id).update(progress=BilanDocument.STEPS[name])

    step("figures")
    content = render(document.kind, scope, hide_small=document.hide_small, free_text=document.free_text, progress=step)
    BilanDocument.objects.filter(pk=document_id).update(
        content=content,
        state=BilanDocument.State.READY,
        progress=BilanDocument.STEPS["done"],
        error="",
        ready_at=timezone.now(),
    )
    return document


def fail(document_id: int, error: str) -> None:
    BilanDocument.objects.filter(pk=document_id, state=BilanDocument.State.PREPARING).update(
        state=BilanDocument.State.FAILED, error=error[:4000]
    )
