from django.core.management.base import BaseCommand

from accounts.retention import purge_login_records
from smdq.formatting import fr_date


class Command(BaseCommand):
    help = (
        "Efface les traces de connexion (tentatives, connexions, échecs : adresses IP et identifiants) de plus de "
        "30 jours par défaut, et les sessions expirées. Simulation par défaut ; --apply pour agir."
    )

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="efface réellement (sinon : simulation)")
        parser.add_argument("--days", type=int, help="durée de conservation en jours (défaut : réglage du projet)")

    def handle(self, *args, apply, days, **options):
        report = purge_login_records(days=days, apply=apply)
        verb = "effacé·es" if apply else "à effacer (simulation, relancez avec --apply)"
        self.stdout.write(
            f"Traces de connexion d'avant le {fr_date(report.limit.date())} : {report.attempts} tentative(s) "
            f"bloquante(s), {report.logins} connexion(s), {report.failures} échec(s) ; {report.sessions} "
            f"session(s) expirée(s) ; {verb}."
        )
