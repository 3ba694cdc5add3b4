from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from evaluation.management.commands.send_followup_reminders import _parse_date, default_base_url
from evaluation.reminders import send_sheets_to_type
from smdq.formatting import fr_int


class Command(BaseCommand):
    help = (
        "Envoie aux animateur·rices, le lendemain d'une séance, le nombre de questionnaires papier qui restent à "
        "saisir (participant·es moins réponses saisies), une fois par séance. À lancer chaque jour ; relancer le "
        "même jour n'envoie rien de plus."
    )

    def add_arguments(self, parser):
        parser.add_argument("--base-url", metavar="URL", help="adresse du site pour les liens des e-mails")
        parser.add_argument("--date", dest="day", metavar="AAAA-MM-JJ", help="date du jour (défaut : aujourd'hui)")

    def handle(self, *args, base_url=None, day=None, **options):
        report = send_sheets_to_type(_parse_date(day) if day else None, base_url=base_url or default_base_url())
        if not report.sessions:
            self.stdout.write("Feuilles à saisir : rien à signaler.")
            return
        sessions = ngettext("%(n)s séance", "%(n)s séances", report.sessions) % {"n": fr_int(report.sessions)}
        emails = ngettext("%(n)s e-mail", "%(n)s e-mails", report.emails) % {"n": fr_int(report.emails)}
        self.stdout.write(f"Feuilles à saisir : {sessions} ({', '.join(report.references)}), {emails}.")
