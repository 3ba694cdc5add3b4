from django.core.management.base import BaseCommand

from evaluation.formatting import fr_date
from imports.retention import ABANDONED_UPLOAD_DAYS, purge_abandoned_uploads


class Command(BaseCommand):
    help = (
        f"Supprime les fichiers déposés pour un import et jamais confirmés, {ABANDONED_UPLOAD_DAYS} jours après leur "
        "dépôt (ils peuvent contenir des noms). Simulation par défaut ; --apply pour agir."
    )

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="supprime réellement (sinon : simulation)")

    def handle(self, *args, apply, **options):
        report = purge_abandoned_uploads(apply=apply)
        verb = "supprimé(s)" if apply else "à supprimer (simulation, relancez avec --apply)"
        self.stdout.write(
            f"Imports déposés avant le {fr_date(report.limit.date())} et jamais confirmés : {report.uploads} {verb}."
        )
