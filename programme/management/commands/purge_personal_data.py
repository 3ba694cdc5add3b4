from django.utils.translation import ngettext

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
        participants = ngettext(
            "%(n)s participant·e avec nom ou e-mail", "%(n)s participant·es avec nom ou e-mail", report.participants
        ) % {"n": report.participants}
        comments = ngettext("%(n)s commentaire libre", "%(n)s commentaires libres", report.comments) % {
            "n": report.comments
        }
        erased = self.simulated("effacé·es" if apply else "à effacer", apply)
        self.stdout.write(f"Séances jusqu'au {fr_date(report.limit)} : {participants}, {comments} {erased}.")
