"""Publishing a bilan: the PDF (staff and funder versions) and the JSON are frozen with their date.

`publish` only records the edition « en préparation » (at once, in the request) and hands it to the worker;
`prepare` (run by `evaluation.tasks.prepare_edition`) computes the figures, renders both PDFs, marks the edition
« prête » and queues the e-mail to the coordinators concerned. Both are idempotent: publishing a scope whose
edition is being prepared returns that edition, and preparing a ready edition changes nothing."""

import dataclasses
import hashlib
import json
import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import Role, User
from evaluation.bilan import Scope, compute_bilan, compute_seasons
from evaluation.forms_dashboard import scope_params
from evaluation.models import BilanEdition
from evaluation.spreadsheets import bilan_workbook
from evaluation.suppression import suppress_for_funder
from smdq.mail import send_email_later, templated_email

logger = logging.getLogger(__name__)


def scope_key(scope: Scope) -> str:
    params = scope_params(scope)
    if scope.clsms:
        # A coordinator's CLSM all at once have the national bilan's parameters: their names tell them apart.
        params["clsms"] = sorted(scope.clsms)
    return json.dumps(params, sort_keys=True, default=str)


def coordinators_concerned(scope: Scope):
    """Coordinators whose CLSM is in the scope: the CLSM itself, or those with a held session in it."""
    users = User.objects.filter(role=Role.COORDINATOR, is_active=True).exclude(email="")
    if scope.clsm:
        return users.filter(clsms__name__iexact=scope.clsm).distinct()
    return users.filter(clsms__sessions__in=scope.held_sessions()).distinct()


def embedded_files(data: dict, number: int, published_at, *, funder: bool) -> list:
    """The frozen figures carried inside an edition's PDF: the JSON (as downloaded) and the spreadsheet of the
    same version (the funder's: the engine's suppressed figures)."""
    from smdq.pdf import EmbeddedFile  # WeasyPrint loads when a PDF is made, not at start-up

    name = f"bilan-edition-{number}"
    if funder:
        data = suppress_for_funder(data)
    return [
        EmbeddedFile(
            f"{name}.json",
            json.dumps(data, ensure_ascii=False, indent=1).encode(),
            "Données du bilan (JSON), telles que publiées" + (", version financeurs" if funder else ""),
            published_at,
        ),
        EmbeddedFile(
            f"{name}.xlsx",
            bilan_workbook(data, created=published_at),
            "Tableaux du bilan (tableur)" + (", version financeurs" if funder else ""),
            published_at,
        ),
    ]


# An edition still « en préparation » this long after its publication lost its worker (killed mid-task): the
# next publication of its scope marks it failed and starts again (a national edition is ready in under a minute).
ABANDONED_AFTER = timedelta(minutes=15)


def _in_preparation(key: str) -> BilanEdition | None:
    abandoned = BilanEdition.objects.filter(
        scope_key=key, state=BilanEdition.State.PREPARING, published_at__lt=timezone.now() - ABANDONED_AFTER
    )
    abandoned.update(
        state=BilanEdition.State.FAILED, error="Abandonnée : le worker s'est arrêté pendant la préparation."
    )
    return BilanEdition.objects.filter(scope_key=key, state=BilanEdition.State.PREPARING).first()


def publish(scope: Scope, user, *, base_url: str = "") -> BilanEdition:
    """The edition of `scope` being prepared: a new one handed to the worker, or the one already on its way
    (a double click, or two chargées publishing the same scope, never makes two)."""
    key = scope_key(scope)
    existing = _in_preparation(key)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            number = (BilanEdition.objects.filter(scope_key=key).aggregate(n=Max("number"))["n"] or 0) + 1
            edition = BilanEdition.objects.create(
                scope_key=key,
                scope_params=scope_params(scope),
                label=scope.label,
                clsm_name=scope.clsm or "",
                number=number,
                state=BilanEdition.State.PREPARING,
                progress=BilanEdition.STEPS["queued"],
                published_at=timezone.now(),
                published_by=user,
            )
            # Enqueued once the edition is committed, so the worker always finds it.
            transaction.on_commit(lambda: _hand_to_worker(edition.pk, scope, base_url))
    except IntegrityError:
        # The other click won the race (one edition in preparation per scope, one number per edition).
        existing = _in_preparation(key)
        if existing is None:
            raise
        return existing
    return edition


def _hand_to_worker(edition_id: int, scope: Scope, base_url: str) -> None:
    from evaluation.tasks import prepare_edition

    try:
        prepare_edition(edition_id, scope, base_url)
    except Exception as exc:
        # The queue is unreachable (Redis down): say so on the edition rather than leave it waiting for ever.
        logger.exception("Édition %s non confiée au worker.", edition_id)
        fail(edition_id, f"File des tâches injoignable : {exc}")


def _step(edition: BilanEdition, step: str) -> None:
    edition.progress = BilanEdition.STEPS[step]
    BilanEdition.objects.filter(pk=edition.pk).update(progress=edition.progress)


def prepare(edition_id: int, scope: Scope, base_url: str = "") -> BilanEdition | None:
    """Computes and renders an edition in preparation, then marks it ready and queues its e-mail. A ready
    edition is left as it is (a retried task after a success does nothing twice)."""
    from evaluation.report import bilan_pdf

    edition = BilanEdition.objects.filter(pk=edition_id).first()
    if edition is None or edition.state == BilanEdition.State.READY:
        return edition
    # An official edition counts what the national centre validated, a CLSM's too: its funder's version is made
    # from the same figures, and sessions awaiting validation never reach the funder.
    scope = dataclasses.replace(scope, pending=False)
    # The figures are computed once; both PDFs and the frozen JSON are made from them.
    _step(edition, "figures")
    data = compute_bilan(scope)
    seasons = compute_seasons(scope)
    # Official documents are archives (PDF/A-3b) carrying their figures.
    files = {
        funder: embedded_files(data, edition.number, edition.published_at, funder=funder) for funder in (False, True)
    }
    _step(edition, "pdf")
    pdf = bilan_pdf(scope, data=data, seasons=seasons, attachments=files[False])
    _step(edition, "pdf_funder")
    pdf_funder = bilan_pdf(scope, funder=True, data=data, seasons=seasons, attachments=files[True])
    with transaction.atomic():
        edition = BilanEdition.objects.select_for_update().get(pk=edition_id)
        if edition.state == BilanEdition.State.READY:
            return edition
        edition.data = data
        edition.data_fingerprint = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
        edition.pdf, edition.pdf_funder = pdf, pdf_funder
        edition.state, edition.progress, edition.error = BilanEdition.State.READY, BilanEdition.STEPS["done"], ""
        edition.ready_at = timezone.now()
        edition.save()
        notify(edition, scope, base_url)
    return edition


def notify(edition: BilanEdition, scope: Scope, base_url: str) -> None:
    """Queues the e-mail to the coordinators concerned, once (`notified_at`): the e-mail task retries on its
    own, so a mail server down never touches the edition nor sends it twice."""
    if edition.notified_at is not None:
        return
    recipients = list(coordinators_concerned(scope).values_list("email", flat=True))
    if recipients:
        context = {"edition": edition, "url": base_url}
        send_email_later(templated_email("evaluation/emails/edition", context, recipients))
    edition.notified_at = timezone.now()
    BilanEdition.objects.filter(pk=edition.pk).update(notified_at=edition.notified_at)


def fail(edition_id: int, error: str) -> None:
    """The worker gave up: the edition says so (the chargée may publish again), it is never left « en préparation »
    for ever."""
    BilanEdition.objects.filter(pk=edition_id, state=BilanEdition.State.PREPARING).update(
        state=BilanEdition.State.FAILED, error=error[:4000]
    )
