"""What every import shares: column checks, cell parsers that report `ligne N, colonne X : message`,
all-or-nothing application, and the summary line.

An importer subclass declares its columns and implements `parse_row` (returns a value or None after
reporting errors) and `apply` (writes the parsed values, returning an ImportResult). `run` never writes
anything when a single row is wrong.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import ngettext

from imports.tables import Row, Table
from smdq.bounds import MAX_DATE, MAX_INT, MIN_DATE, date_in_range
from smdq.formulas import csv_safe


@dataclass(frozen=True)
class Column:
    name: str
    help: str
    required: bool = False
    example: str = ""


@dataclass(frozen=True)
class RowError:
    line: int
    column: str | None
    message: str
    unit: str = "ligne"  # GeoJSON files speak of « entité » (feature) instead of line

    def __str__(self):
        if self.column:
            return f"{self.unit} {self.line}, colonne {self.column} : {self.message}"
        return f"{self.unit} {self.line} : {self.message}"


class ImportFailed(Exception):
    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


@dataclass
class ImportResult:
    noun_singular: str
    noun_plural: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    warnings: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def summary(self) -> str:
        noun = self.noun_singular if self.total <= 1 else self.noun_plural  # French: « 0 commune importée »
        created = ngettext("%(n)s créé", "%(n)s créés", self.created) % {"n": self.created}
        updated = ngettext("%(n)s mis à jour", "%(n)s mis à jour", self.updated) % {"n": self.updated}
        verb = "importé" if self.total <= 1 else "importés"
        line = f"{self.total} {noun} {verb} ({created}, {updated})"
        if self.dry_run:
            line = f"Simulation : {line} — rien n'a été enregistré."
        return line


class _Abort(Exception):
    pass


# How often a long check reports its progress (rows): a few dozen small UPDATEs for a national file.
PROGRESS_EVERY = 1000

# A file that is wrong on every line would list hundreds of thousands of errors: past this many, the check
# stops (time and memory stay bounded) and says so; the first ones are enough to see what to fix.
MAX_REPORTED_ERRORS = 1000


class Importer:
    kind: str = ""
    label: str = ""
    noun_singular: str = "ligne"
    noun_plural: str = "lignes"
    columns: tuple[Column, ...] = ()

    def __init__(self, user=None):
        self.user = user
        self.errors: list[RowError] = []

    # Reporting -----------------------------------------------------------------------------------------
    def error(self, row: Row | int, column: str | None, message: str):
        line = row.line if isinstance(row, Row) else row
        self.errors.append(RowError(line, column, message))

    # Cell parsers: each reports its own error and returns None on a bad value ----------------------------
    def text(self, row, column, *, required=False, max_length=None):
        value = row.get(column)
        if required and not value:
            self.error(row, column, "valeur obligatoire manquante")
            return None
        if max_length and len(value) > max_length:
            self.error(row, column, f"texte trop long ({len(value)} caractères, {max_length} au maximum)")
            return None
        return value

    def date(self, row, column, *, required=False) -> date | None:
        value = row.get(column)
        if not value:
            if required:
                self.error(row, column, "date obligatoire manquante")
            return None
        value = value[:10] if re.match(r"^\d{4}-\d{2}-\d{2}[T ]", value) else value
        for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                day = datetime.strptime(value, fmt).date()
            except ValueError:
                continue
            if not date_in_range(day):
                self.error(
                    row, column, f"date « {value} » hors de la plage admise ({MIN_DATE:%d/%m/%Y} – {MAX_DATE:%d/%m/%Y})"
                )
                return None
            return day
        self.error(row, column, f"date invalide « {value} » (attendu AAAA-MM-JJ ou JJ/MM/AAAA)")
        return None

    def boolean(self, row, column):
        value = row.get(column).lower()
        if not value:
            return None
        if value in ("oui", "o", "1", "vrai", "true", "yes"):
            return True
        if value in ("non", "n", "0", "faux", "false", "no"):
            return False
        self.error(row, column, f"« {row.get(column)} » n'est pas « oui » ou « non »")
        return None

    def integer(self, row, column, *, minimum=None, maximum=None, required=False):
        value = row.get(column)
        if not value:
            if required:
                self.error(row, column, "nombre obligatoire manquant")
            return None
        try:
            number = int(value)
        except ValueError:
            self.error(row, column, f"« {value} » n'est pas un nombre entier")
            return None
        if abs(number) > MAX_INT:  # more than a database integer holds
            self.error(row, column, f"« {value} » est un nombre trop grand")
            return None
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            if minimum is not None and maximum is not None:
                bounds = f"entre {minimum} et {maximum}"
            elif maximum is not None:
                bounds = f"au plus {maximum}"
            else:
                bounds = f"au moins {minimum}"
            self.error(row, column, f"{number} est hors de l'échelle (attendu {bounds})")
            return None
        return number

    def choice(self, row, column, choices, *, required=False, default=None):
        value = row.get(column)
        if not value:
            if required and default is None:
                self.error(row, column, "valeur obligatoire manquante")
            return default
        if value not in choices:
            allowed = ", ".join(choices)
            self.error(row, column, f"valeur inconnue « {value} » (valeurs possibles : {allowed})")
            return None
        return value

    def email(self, row, column):
        value = row.get(column)
        if not value:
            return ""
        try:
            validate_email(value)
        except ValidationError:
            self.error(row, column, f"adresse e-mail invalide « {value} »")
            return None
        return value

    @staticmethod
    def split_list(value: str) -> list[str]:
        return [item.strip() for item in value.split(";") if item.strip()]

    # The run ------------------------------------------------------------------------------------------
    def check_columns(self, table: Table):
        present = set(table.headers)
        for column in self.columns:
            if column.required and column.name not in present:
                self.error(1, column.name, "colonne obligatoire absente de la ligne d'en-têtes")
        if self.errors:
            raise ImportFailed(self.errors)

    def read_columns(self) -> list[str]:
        """The columns this importer reads: the file's other columns are not kept in memory."""
        return [column.name for column in self.columns]

    def parse_row(self, row: Row):
        raise NotImplementedError

    def prepare(self, table: Table):
        """Load what the rows will be checked against (one query per kind, not one per row)."""

    def apply(self, parsed: list, result: ImportResult):
        raise NotImplementedError

    def run(self, table: Table, *, dry_run=False, progress=None) -> ImportResult:
        """Checks every row, then applies them all in one transaction (rolled back when `dry_run`).
        `progress(done, total)`, if given, is called every PROGRESS_EVERY rows and once all are checked, before
        the writing starts (the worker shows it; it is called outside the transaction, so others see it)."""
        self.errors = []
        self.check_columns(table)
        self.prepare(table)
        parsed = []
        total = len(table.rows)
        for done, row in enumerate(table.rows, start=1):
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(done, total)
            errors_before = len(self.errors)
            value = self.parse_row(row)
            if value is not None and len(self.errors) == errors_before:
                parsed.append(value)
            if len(self.errors) >= MAX_REPORTED_ERRORS:
                self.error(
                    row,
                    None,
                    f"vérification arrêtée après {MAX_REPORTED_ERRORS} erreurs (le fichier compte {len(table.rows)} "
                    "lignes) : corrigez ces lignes puis relancez l'import pour voir la suite",
                )
                break
        if not table.rows:
            self.error(1, None, "le fichier ne contient aucune ligne de données sous les en-têtes")
        if self.errors:
            raise ImportFailed(sorted(self.errors, key=lambda e: e.line))
        if progress is not None:
            progress(total, total)
        result = ImportResult(self.noun_singular, self.noun_plural, dry_run=dry_run)
        try:
            with transaction.atomic():
                self.apply(parsed, result)
                if self.errors:
                    raise ImportFailed(sorted(self.errors, key=lambda e: e.line))
                if dry_run:
                    raise _Abort
        except _Abort:
            pass
        return result

    @classmethod
    def template_csv(cls) -> str:
        """The header and an example row. Quoted where a cell holds the separator (« QN00101M;QN00102M »: a list
        in one cell); a text a spreadsheet would run as a formula gets an apostrophe (CSV has no cell types)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
        writer.writerow([c.name for c in cls.columns])
        writer.writerow([csv_safe(c.example) for c in cls.columns])
        return buffer.getvalue()
