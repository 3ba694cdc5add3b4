import argparse
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter

from evaluation.followup import ensure_followups, send_reminders
from smdq.formatting import fr_date, fr_int


def _count(n: int, singular: str, plural: str) -> str:
    return f"{fr_int(n)} {singular if n < 2 else plural}"


def default_base_url() -> str:
    """The site's address for the links of the e-mails: the development server, or the first real host of
    ALLOWED_HOSTS in production (over HTTPS)."""
    if settings.DEBUG:
        return "http://127.0.0.1:8000"
    hosts = [h for h in settings.ALLOWED_HOSTS if h and not h.startswith(".") and "*" not in h]
    if not hosts:
        raise CommandError("Indiquez l'adresse du site avec --base-url (ex. https://smdq.example.fr).")
    return f"https://{hosts[0]}"


class HelpFormatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Keeps the line breaks of the description: the crontab line must be copied as one line."""


class Command(BaseCommand):
    help = (
        "Suivi des effets : crée le suivi de chaque séance réalisée (à renseigner FOLLOWUP_MONTHS mois\n"
        "après elle, 6 par défaut) et envoie à chaque coordinateur·rice un e-mail listant les suivis de\n"
        "son CLSM devenus à renseigner, puis un rappel 30 jours plus tard s'ils ne sont toujours pas\n"
        "renseignés. Relancer la commande le même jour n'envoie rien de plus.\n"
        "\n"
        "À lancer chaque jour, par exemple à 8 h avec cette ligne de crontab :\n"
        "\n"
        "0 8 * * * cd /srv/smdq && .venv/bin/python manage.py send_followup_reminders "
        "--base-url https://smdq.example.fr >> /var/log/smdq/suivis.log 2>&1"
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        kwargs.setdefault("formatter_class", HelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url",
            metavar="URL",
            help="adresse du site pour les liens des e-mails (défaut : http://127.0.0.1:8000 en développement, "
            "https:// suivi du premier nom de ALLOWED_HOSTS en production)",
        )
        parser.add_argument(
            "--date", dest="day", metavar="AAAA-MM-JJ", help="date du jour à retenir (défaut : aujourd'hui)"
        )

    def handle(self, *args, base_url=None, day=None, **options):
        today = _parse_date(day) if day else None
        base_url = base_url or default_base_url()
        created = ensure_followups(today)
        report = send_reminders(today, base_url=base_url)

        self.stdout.write(f"Suivi des effets{f' au {fr_date(today)}' if today else ''} :")
        line = f"- {_count(created.created, 'suivi créé', 'suivis créés')} pour des séances réalisées"
        if created.rescheduled:
            line += f", {_count(created.rescheduled, 'date recalculée', 'dates recalculées')}"
        self.stdout.write(line + ".")
        if report.emails or report.reminded:
            line = (
                f"- {_count(report.emails, 'e-mail de rappel envoyé', 'e-mails de rappel envoyés')} pour "
                f"{_count(report.reminded, 'suivi', 'suivis')} à renseigner"
            )
            if report.second_reminders:
                line += f" (dont {_count(report.second_reminders, 'deuxième relance', 'deuxièmes relances')})"
            self.stdout.write(line + ".")
        else:
            self.stdout.write("- Aucun rappel à envoyer.")
        if report.without_recipient:
            self.stdout.write(
                "- Sans coordinateur·rice joignable par e-mail (le suivi reste visible dans l'application) : "
                + ", ".join(report.without_recipient)
                + "."
            )
        if report.failures:
            raise CommandError(
                f"{_count(len(report.failures), 'e-mail non envoyé', 'e-mails non envoyés')} "
                f"({', '.join(report.failures)}) : ces rappels seront retentés au prochain passage."
            )


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"date invalide « {value} » (attendu AAAA-MM-JJ)") from None
