"""How long personal data is kept, and the shape each app gives to what it keeps (the top floor's purge walks
them all: programme/privacy.py). The register (what, why, how long) is docs/personal-data.md."""

from argparse import ArgumentTypeError
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db.models import QuerySet
from django.utils import timezone


def months_before(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    # The last day of the target month when the day does not exist there (31 → 30, 29 February…).
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise ValueError(day)


def retention_limit(today: date | None = None, months: int | None = None) -> date:
    """Sessions held on or before this date have passed their retention period."""
    months = settings.PERSONAL_DATA_RETENTION_MONTHS if months is None else months
    return months_before(today or timezone.localdate(), months)


@dataclass(frozen=True)
class SessionPersonalData:
    """Personal data an app keeps on rows that belong to a session (a `session` foreign key): the rows that still
    hold some, and how to erase it from rows (and their change history) of sessions held on or before a date."""

    key: str
    holding: Callable[[], QuerySet]
    erase: Callable[[date], None]


class PurgeCommand(BaseCommand):
    """A management command that purges what has passed its retention period: a simulation by default, `--apply`
    to act (`acts`: what it does then), and the period as an option (`period`: "months" or "days"; the project's
    setting by default)."""

    acts = "efface réellement"
    period = "months"

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help=f"{self.acts} (sinon : simulation)")
        unit = {"months": "mois", "days": "jours"}[self.period]

        def period(text: str) -> int:
            # 0 or less would put the limit at today or later: --apply would erase what is still within its period.
            if not text.strip().isdigit() or int(text) < 1:
                raise ArgumentTypeError(
                    f"la durée de conservation est un nombre entier de {unit}, 1 ou plus (reçu : « {text} »)"
                )
            return int(text)

        parser.add_argument(
            f"--{self.period}", type=period, help=f"durée de conservation en {unit} (défaut : réglage du projet)"
        )

    @staticmethod
    def simulated(text: str, apply: bool) -> str:
        """`text`, marked as a simulation unless the purge was applied."""
        return text if apply else f"{text} (simulation, relancez avec --apply)"
