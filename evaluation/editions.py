"""Publishing a bilan: the PDF (staff and funder versions) and the JSON are frozen with their date."""

import hashlib
import json

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Role, User
from evaluation.bilan import Scope, compute_bilan, compute_seasons
from evaluation.forms_dashboard import scope_params
from evaluation.models import BilanEdition
from evaluation.report import bilan_pdf
from evaluation.spreadsheets import bilan_workbook
from evaluation.suppression import suppress_for_funder


def scope_key(scope: Scope) -> str:
    return json.dumps(scope_params(scope), sort_keys=True, default=str)


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
            bilan_workbook(data),
            "Tableaux du bilan (tableur)" + (", version financeurs" if funder else ""),
            published_at,
        ),
    ]


@transaction.atomic
def publish(scope: Scope, user, *, base_url: str = "") -> BilanEdition:
    # The figures are computed once; both PDFs and the frozen JSON are made from them.
    data = compute_bilan(scope)
    seasons = compute_seasons(scope)
    key = scope_key(scope)
    number = (BilanEdition.objects.filter(scope_key=key).aggregate(n=Max("number"))["n"] or 0) + 1
    published_at = timezone.now()
    # Official documents are archives (PDF/A-3b) carrying their figures.
    files = {funder: embedded_files(data, number, published_at, funder=funder) for funder in (False, True)}
    edition = BilanEdition.objects.create(
        scope_key=key,
        scope_params=scope_params(scope),
        label=scope.label,
        clsm_name=scope.clsm or "",
        number=number,
        published_at=published_at,
        published_by=user,
        data=data,
        data_fingerprint=hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest(),
        pdf=bilan_pdf(scope, data=data, seasons=seasons, attachments=files[False]),
        pdf_funder=bilan_pdf(scope, funder=True, data=data, seasons=seasons, attachments=files[True]),
    )
    recipients = list(coordinators_concerned(scope).values_list("email", flat=True))
    if recipients:
        context = {"edition": edition, "url": base_url}
        transaction.on_commit(
            lambda: send_mail(
                render_to_string("evaluation/emails/edition_subject.txt", context).strip(),
                render_to_string("evaluation/emails/edition_body.txt", context),
                None,
                recipients,
            )
        )
    return edition
