from programme.privacy import purge_personal_data
from smdq.formatting import fr_date
from smdq.retention import PurgeCommand


class Command(PurgeCommand):
    help = (
        "Efface les noms et e-mails des participant·es et les commentaires libres des séances passées depuis plus "
        "de la durée de conservation (24 mois par défaut). Simulation par défaut ; --apply pour agir."
    )

    def handle(self, *args, apply, months, **options):
        report = purge_personal_data(months=months, apply=apply)
        erased = self.simulated("effacé·es" if apply else "à effacer", apply)
        self.stdout.write(f"Séances jusqu'au {fr_date(report.limit)} : {report.counts()} {erased}.")
