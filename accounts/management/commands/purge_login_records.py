from accounts.retention import purge_login_records
from smdq.formatting import fr_date
from smdq.retention import PurgeCommand


class Command(PurgeCommand):
    help = (
        "Efface les traces de connexion (tentatives, connexions, échecs : adresses IP et identifiants) de plus de "
        "30 jours par défaut, et les sessions expirées. Simulation par défaut ; --apply pour agir."
    )
    period = "days"

    def handle(self, *args, apply, days, **options):
        report = purge_login_records(days=days, apply=apply)
        erased = self.simulated("effacé·es" if apply else "à effacer", apply)
        self.stdout.write(
            f"Traces de connexion d'avant le {fr_date(report.limit.date())} : {report.attempts} tentative(s) "
            f"bloquante(s), {report.logins} connexion(s), {report.failures} échec(s) ; {report.sessions} "
            f"session(s) expirée(s) ; {erased}."
        )
