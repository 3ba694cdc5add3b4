from django.utils.translation import ngettext

from smdq.formatting import fr_date
from smdq.retention import PurgeCommand
from territories.retention import purge_contact_requests


class Command(PurgeCommand):
    help = (
        "Supprime les demandes de contact de la page publique traitées (acceptées ou classées) depuis plus de "
        "12 mois par défaut ; celles à traiter restent. Simulation par défaut ; --apply pour agir."
    )
    acts = "supprime réellement"

    def handle(self, *args, apply, months, **options):
        report = purge_contact_requests(months=months, apply=apply)
        n = report.requests
        line = ngettext("%(n)s supprimée", "%(n)s supprimées", n) % {"n": n} if apply else f"{n} à supprimer"
        self.stdout.write(
            f"Demandes de contact traitées avant le {fr_date(report.limit)} : {self.simulated(line, apply)}."
        )
