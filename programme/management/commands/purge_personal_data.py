from django.core.management.base import BaseCommand

from programme.privacy import purge_personal_data
from smdq.formatting import fr_date


class Command(BaseCommand):
    help = (
        "Efface les noms et e-mails des participant·es et les commentaires libres des séances passées depuis plus "
        "de la durée de conservation (24 mois par défaut). Simulation par défaut ; --apply pour agir."
    )

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="efface réellement (sinon : simulation)")
        parser.add_argument("--months", type=int, help="durée de conservation en mois (défaut : réglage du projet)")

    def handle(self, *args, apply, months, **options):
        report = purge_personal_data(months=months, apply=apply)
        verb = "effacé·es" if apply else "à effacer (simulation, relancez avec --apply)"
        self.stdout.write(
            f"Séances jusqu'au {fr_date(report.limit)} : {report.participants} participant·es avec nom ou e-mail, "
            f"{report.comments} commentaire(s) libre(s) {verb}."
        )
