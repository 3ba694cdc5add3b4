#!/usr/bin/env python
"""Writes the application's spreadsheets for one scope of the database of DATABASE_URL into a folder, for
`bench/check_spreadsheets_libreoffice.sh` to open with LibreOffice.

    .venv/bin/python bench/spreadsheet_samples.py OUTDIR [--season 2025-2026]

Needs a database with held sessions and responses (`make run`'s demonstration data will do). Texts that a
spreadsheet would run as formulas (« =1+1 », « @SUM(1;2) », « +33 6 », « -2+3 ») are planted in a need and a
comment for the time of the writing, in a transaction that is rolled back: the database is left as it was.
Writes the national bilan (staff and funder), the bilan of a région (an accented file name), the anonymised
responses with their free texts, and the import templates (CSV).
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smdq.settings")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from django.db.models import Count  # noqa: E402

from evaluation.bilan import Scope, compute_bilan  # noqa: E402
from evaluation.documents import filename  # noqa: E402
from evaluation.models import Need, Response  # noqa: E402
from evaluation.spreadsheets import bilan_workbook, responses_workbook  # noqa: E402
from imports import registry  # noqa: E402
from sessions_app.models import AwarenessSession  # noqa: E402

# What each hostile text must read as in a spreadsheet: itself, never the result of a formula.
HOSTILE_NEEDS = ["=1+1", "@SUM(1;2)", "-2+3"]
HOSTILE_COMMENT = '=HYPERLINK("http://example.org";"clic")'


def _busiest_season() -> str:
    row = (
        AwarenessSession.objects.held()
        .filter(responses__isnull=False)
        .values("season")
        .annotate(n=Count("responses"))
        .order_by("-n")
        .first()
    )
    if row is None:
        sys.exit(
            "Aucune séance réalisée avec des questionnaires : lancez d'abord `make run` (données de démonstration)."
        )
    return row["season"]


def write(outdir: Path, season: str) -> list[Path]:
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    national = Scope.build(season=season)
    held = national.held_sessions()
    with transaction.atomic():
        needs = list(Need.objects.filter(response__session__in=held).order_by("pk")[: len(HOSTILE_NEEDS)])
        for need, text in zip(needs, HOSTILE_NEEDS, strict=False):
            Need.objects.filter(pk=need.pk).update(text=text)
        response = Response.objects.filter(session__in=held).order_by("pk").first()
        Response.objects.filter(pk=response.pk).update(comment=HOSTILE_COMMENT)
        region = (
            held.exclude(qpvs__department__region=None)
            .values_list("qpvs__department__region_id", flat=True)
            .order_by("qpvs__department__region__name")
            .first()
        )
        regional = Scope.build(season=season, region=region)
        documents = [
            (filename("xlsx", national), bilan_workbook(compute_bilan(national))),
            (
                filename("xlsx", national).replace("bilan-", "bilan-financeur-", 1),
                bilan_workbook(compute_bilan(national, funder=True)),
            ),
            (filename("xlsx", regional), bilan_workbook(compute_bilan(regional))),
            (filename("responses", national), responses_workbook(held, include_free_text=True, label=national.label)),
        ]
        for name, content in documents:
            path = outdir / name
            path.write_bytes(content)
            written.append(path)
        transaction.set_rollback(True)  # the planted texts go away
    for importer in registry.all_importers():
        path = outdir / f"modele_{importer.kind}.csv"
        path.write_text("\ufeff" + importer.template_csv(), encoding="utf-8")
        written.append(path)
    return written


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--season", help="saison, par défaut celle qui a le plus de questionnaires")
    args = parser.parse_args()
    for path in write(args.outdir, args.season or _busiest_season()):
        print(path)


if __name__ == "__main__":
    main()
