from django.utils.translation import ngettext

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
        attempts = ngettext("%(n)s tentative bloquante", "%(n)s tentatives bloquantes", report.attempts)
        logins = ngettext("%(n)s connexion", "%(n)s connexions", report.logins)
        failures = ngettext("%(n)s échec", "%(n)s échecs", report.failures)
        sessions = ngettext("%(n)s session expirée", "%(n)s sessions expirées", report.sessions)
        self.stdout.write(
            f"Traces de connexion d'avant le {fr_date(report.limit.date())} : "
            f"{attempts % {'n': report.attempts}}, {logins % {'n': report.logins}}, "
            f"{failures % {'n': report.failures}} ; {sessions % {'n': report.sessions}} ; {erased}."
        )
