from django.utils.translation import ngettext

from accounts.retention import purge_inactive_accounts
from smdq.formatting import fr_date
from smdq.retention import PurgeCommand


class Command(PurgeCommand):
    help = (
        "Efface les données personnelles (identifiant, nom, e-mail, organisme) des comptes désactivés depuis plus "
        "de 12 mois par défaut ; le compte reste, anonyme, pour que l'historique garde son auteur. "
        "Simulation par défaut ; --apply pour agir."
    )

    def handle(self, *args, apply, months, **options):
        report = purge_inactive_accounts(months=months, apply=apply)
        n = report.accounts
        if apply:
            accounts = ngettext("%(n)s compte anonymisé", "%(n)s comptes anonymisés", n)
        else:
            accounts = ngettext("%(n)s compte à anonymiser", "%(n)s comptes à anonymiser", n)
        accounts = self.simulated(accounts % {"n": n}, apply)
        self.stdout.write(f"Comptes désactivés jusqu'au {fr_date(report.limit.date())} : {accounts}.")
        if report.undated:
            self.stdout.write(
                ngettext("%(n)s compte désactivé", "%(n)s comptes désactivés", report.undated) % {"n": report.undated}
                + " sans date de désactivation : "
                + ("datés d'aujourd'hui, la durée court à partir de là." if apply else "seront datés d'aujourd'hui.")
            )
