from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from evaluation.management.commands.send_followup_reminders import _parse_date, default_base_url
from evaluation.reminders import KIT_DAYS_BEFORE, send_practical_kits
from smdq.formatting import fr_int


class Command(BaseCommand):
    help = (
        f"Envoie aux coordinateur·rices le kit pratique des séances des {KIT_DAYS_BEFORE} prochains jours (affiche "
        "avec QR code, feuille d'émargement, questionnaire à imprimer, adresse et horaire), une fois par date de "
        "séance. À lancer chaque jour ; relancer le même jour n'envoie rien de plus."
    )

    def add_arguments(self, parser):
        parser.add_argument("--base-url", metavar="URL", help="adresse du site pour les liens des e-mails")
        parser.add_argument("--date", dest="day", metavar="AAAA-MM-JJ", help="date du jour (défaut : aujourd'hui)")

    def handle(self, *args, base_url=None, day=None, **options):
        report = send_practical_kits(_parse_date(day) if day else None, base_url=base_url or default_base_url())
        if not report.sessions:
            self.stdout.write("Kit pratique : aucune séance à préparer.")
            return
        sessions = ngettext("%(n)s séance", "%(n)s séances", report.sessions) % {"n": fr_int(report.sessions)}
        emails = ngettext("%(n)s e-mail", "%(n)s e-mails", report.emails) % {"n": fr_int(report.emails)}
        self.stdout.write(f"Kit pratique : {sessions} ({', '.join(report.references)}), {emails}.")
