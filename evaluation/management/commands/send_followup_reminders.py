import argparse
from datetime import date

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter

from evaluation.followup import default_base_url, ensure_followups, send_reminders
from smdq.formatting import fr_date, fr_int


def _count(n: int, singular: str, plural: str) -> str:
    return f"{fr_int(n)} {singular if n < 2 else plural}"


class HelpFormatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Keeps the line breaks of the description: the crontab line must be copied as one line."""


class Command(BaseCommand):
    help = (
        "Suivi des effets : crée le suivi de chaque séance réalisée (à renseigner FOLLOWUP_MONTHS mois\n"
        "après elle, 6 par défaut) et envoie à chaque coordinateur·rice un e-mail listant les suivis de\n"
        "son CLSM devenus à renseigner, puis un rappel 30 jours plus tard s'ils ne sont toujours pas\n"
        "renseignés. Relancer la commande le même jour n'envoie rien de plus.\n"
        "\n"
        "Le worker (manage.py run_huey) le fait chaque jour à 8 h : cette commande sert aux\n"
        "opérateurs (rattrapage, date donnée). Les e-mails partent par le worker, qui les retente."
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
        try:
            base_url = base_url or default_base_url()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
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


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"date invalide « {value} » (attendu AAAA-MM-JJ)") from None
