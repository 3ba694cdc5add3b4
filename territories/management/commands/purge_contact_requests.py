from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from smdq.formatting import fr_date
from territories.retention import purge_contact_requests


class Command(BaseCommand):
    help = (
        "Supprime les demandes de contact de la page publique traitées (acceptées ou classées) depuis plus de "
        "12 mois par défaut ; celles à traiter restent. Simulation par défaut ; --apply pour agir."
    )

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="supprime réellement (sinon : simulation)")
        parser.add_argument("--months", type=int, help="durée de conservation en mois (défaut : réglage du projet)")

    def handle(self, *args, apply, months, **options):
        report = purge_contact_requests(months=months, apply=apply)
        n = report.requests
        if apply:
            line = ngettext("%(n)s supprimée", "%(n)s supprimées", n)
        else:
            line = ngettext(
                "%(n)s à supprimer (simulation, relancez avec --apply)",
                "%(n)s à supprimer (simulation, relancez avec --apply)",
                n,
            )
        self.stdout.write(f"Demandes de contact traitées avant le {fr_date(report.limit)} : {line % {'n': n}}.")
