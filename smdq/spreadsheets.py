"""Spreadsheets people compute with (openpyxl), shared by every workbook the application writes.

- Every cell has its type: counts are integers, means decimals, percentages fractions of 1 with a % number format
  (the bilan's 8.5 is written 0.085 and shown « 8,5 % »), dates real dates shown « 31/08/2026 ». A text in a
  numeric column (the funder's « < 5 ») stays a text.
- Headers are French words; the machine codes (JSON paths of the bilan, column names of the import formats) are
  listed with their meaning, type and unit on a « Dictionnaire des données » sheet, written last.
- Each table has its header row frozen and an autofilter; the workbook has a title, the creator « smdq » and the
  language in its document properties, and a « Présentation » sheet with a readable title line.
- No text is ever a formula: a text starting with « = » is written as an inline string (`t="inlineStr"`), which
  no spreadsheet evaluates, and which shows no apostrophe. CSV has no types: there the apostrophe stays
  (`smdq/formulas.py`).
"""

import datetime as dt
import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

TEXT, INTEGER, DECIMAL, PERCENT, DATE, DATETIME = "text", "integer", "decimal", "percent", "date", "datetime"
NUMBER_FORMATS = {
    INTEGER: "#,##0",
    DECIMAL: "0.00",
    PERCENT: "0.0 %",
    DATE: "dd/mm/yyyy",
    DATETIME: "dd/mm/yyyy hh:mm",
}
TYPE_LABELS = {
    TEXT: "texte",
    INTEGER: "nombre entier",
    DECIMAL: "nombre décimal",
    PERCENT: "pourcentage (fraction de 1, affichée en %)",
    DATE: "date",
    DATETIME: "date et heure",
}
DICTIONARY_TITLE = "Dictionnaire des données"
COVER_TITLE = "Présentation"
CREATOR = "smdq"
LANGUAGE = "fr-FR"

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E5F")
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="top")
TITLE_FONT = Font(bold=True, size=14)
BOLD = Font(bold=True)
RIGHT = Alignment(horizontal="right")


@dataclass(frozen=True)
class Field:
    """A column of a table: its French header, and for the dictionary its code, meaning, type and unit."""

    header: str
    code: str
    meaning: str
    kind: str = TEXT
    unit: str = ""
    width: int | None = None


@dataclass(frozen=True)
class Typed:
    """A value whose type differs from its column's (a rate among counts in « Chiffres clés »)."""

    value: object
    kind: str


def typed(value, kind: str):
    """The cell value of `value` for a column of `kind`, and its number format (None: General, or text)."""
    if isinstance(value, Typed):
        value, kind = value.value, value.kind
    if value is None or value == "":
        return None, None
    if isinstance(value, str) and kind not in (DATE, DATETIME):
        return text(value), None  # a text, even in a numeric column (the funder's « < 5 »)
    if kind == PERCENT:
        return float(value) / 100, NUMBER_FORMATS[PERCENT]  # the bilan's percentages are 0-100
    if kind == INTEGER:
        return int(value), NUMBER_FORMATS[INTEGER]
    if kind == DECIMAL:
        return float(value), NUMBER_FORMATS[DECIMAL]
    if kind in (DATE, DATETIME):
        if isinstance(value, str):
            try:
                value = dt.datetime.fromisoformat(value) if kind == DATETIME else dt.date.fromisoformat(value)
            except ValueError:
                return text(value), None  # « début », « aujourd'hui »
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = value.astimezone().replace(tzinfo=None)  # a spreadsheet has no time zones: local time
        return value, NUMBER_FORMATS[kind]
    return text(value) if isinstance(value, str) else value, None


def text(value) -> str:
    """A text as a cell can hold it: the control characters XML refuses are dropped."""
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def _fill(cell, value, number_format, *, numeric_column: bool = False, font=None) -> None:
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # an inline string: never a formula, even « =1+1 »
        if numeric_column:
            cell.alignment = RIGHT
    elif number_format:
        cell.number_format = number_format
    if font is not None:
        cell.font = font


class Book:
    """A workbook: a cover, tables (in memory or streamed), the data dictionary, its document properties."""

    def __init__(self, title: str, *, subject: str = "", write_only: bool = False, created: dt.datetime | None = None):
        self.workbook = Workbook(write_only=write_only)
        if not write_only:
            self.workbook.remove(self.workbook.active)
        self.write_only = write_only
        self.title = title
        self.dictionary: list[list] = []
        properties = self.workbook.properties
        properties.title = title
        properties.subject = subject or None
        properties.creator = properties.lastModifiedBy = CREATOR
        properties.language = LANGUAGE
        when = created or dt.datetime.now(dt.UTC)
        if when.tzinfo is not None:
            when = when.astimezone(dt.UTC).replace(tzinfo=None)  # openpyxl writes naive times as UTC
        properties.created = properties.modified = when

    # The cover ----------------------------------------------------------------------------------------------------
    def cover(self, lines: list[tuple[str, object, str]], notes: list[str] = ()) -> None:
        """The first sheet: the title, then « label: value » lines (typed), then notes. Not a table: no filter."""
        sheet = self.workbook.create_sheet(COVER_TITLE)
        sheet.column_dimensions["A"].width = 30
        sheet.column_dimensions["B"].width = 90
        rows = [[(self.title, None, TITLE_FONT)], []]
        for label, value, kind in lines:
            rows.append([(label, None, BOLD), (*typed(value, kind), None)])
        if notes:
            rows.append([])
        rows += [[(text(note), None, None)] for note in notes]
        for line, row in enumerate(rows, start=1):
            cells = []
            for column, (value, number_format, font) in enumerate(row, start=1):
                cell = WriteOnlyCell(sheet) if self.write_only else sheet.cell(line, column)
                _fill(cell, value, number_format, font=font)
                cells.append(cell)
            if self.write_only:
                sheet.append(cells)

    # Tables -------------------------------------------------------------------------------------------------------
    def table(self, title: str, fields: list[Field], rows, *, freeze: str = "A2"):
        """A sheet holding one table, header row 1: rows of values (or `Typed`) in the order of `fields`."""
        return self.stream(title, fields, freeze=freeze).write(rows)

    def stream(self, title: str, fields: list[Field], *, freeze: str = "A2") -> "Table":
        self.describe_fields(title, fields)
        return Table(self, title, fields, freeze=freeze)

    def describe_fields(self, sheet: str, fields: list[Field]) -> None:
        for f in fields:
            self.describe(sheet, f.header, "", f.code, f.meaning, f.kind, f.unit)

    def describe(self, sheet: str, column: str, line: str, code: str, meaning: str, kind: str, unit: str = "") -> None:
        """A line of the data dictionary (`line`: the row of an indicator, for the tables of one value a row)."""
        self.dictionary.append([sheet, column, line, code, meaning, TYPE_LABELS.get(kind, kind), unit])

    def save(self) -> bytes:
        if self.dictionary:
            fields = [
                Field("Feuille", "sheet", "Nom de la feuille du classeur", width=22),
                Field("Colonne", "column", "En-tête de la colonne, tel qu'il s'affiche", width=36),
                Field(
                    "Ligne",
                    "row",
                    "Libellé de la ligne, pour les tableaux d'indicateurs (une valeur par ligne)",
                    width=36,
                ),
                Field(
                    "Code",
                    "code",
                    "Nom technique : chemin dans le JSON du bilan ou nom de colonne des formats d'import",
                    width=34,
                ),
                Field("Signification", "meaning", "Ce que contient la colonne ou la ligne", width=70),
                Field("Type", "type", "Type des valeurs", width=24),
                Field("Unité", "unit", "Unité des valeurs", width=24),
            ]
            Table(self, DICTIONARY_TITLE, fields).write(self.dictionary)
        buffer = io.BytesIO()
        self.workbook.save(buffer)
        return buffer.getvalue()


class Table:
    """One table on its own sheet: a styled, frozen header row, typed cells, an autofilter over all its rows.

    In a write-only book, rows stream to the file as they come (the national responses export); cells are made
    one by one only where they need a format or a text type, so the common case (a small integer) stays cheap."""

    def __init__(self, book: Book, title: str, fields: list[Field], *, freeze: str = "A2"):
        self.book, self.fields = book, fields
        self.sheet = sheet = book.workbook.create_sheet(title)
        self.kinds = [f.kind for f in fields]
        self.numeric = [f.kind in (INTEGER, DECIMAL, PERCENT) for f in fields]
        # Streamed integers (answers 1 to 5) go as they are, in the General format: no cell object per answer.
        self.plain = [book.write_only and f.kind == INTEGER for f in fields]
        for index, f in enumerate(fields, start=1):
            width = f.width or max(12, min(60, len(f.header) + 2))
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = freeze  # before the first row: a write-only sheet writes its view first
        self.rows = 0
        header = []
        for f in fields:
            if book.write_only:
                cell = WriteOnlyCell(sheet, text(f.header))
                cell.data_type = "s"
            else:
                cell = sheet.cell(1, len(header) + 1, text(f.header))
                cell.data_type = "s"
            cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGNMENT
            header.append(cell)
        if book.write_only:
            sheet.append(header)

    def append(self, values) -> None:
        self.rows += 1
        if self.book.write_only:
            plain, cell = self.plain, self._stream_cell
            self.sheet.append([value if plain[i] else cell(value, i) for i, value in enumerate(values)])
            return
        line = self.rows + 1
        for index, value in enumerate(values):
            value, number_format = typed(value, self.kinds[index])
            if value is not None:
                _fill(self.sheet.cell(line, index + 1), value, number_format, numeric_column=self.numeric[index])

    def _stream_cell(self, value, index):
        kind = self.kinds[index]
        if value is None or (kind == TEXT and isinstance(value, str) and not value.startswith("=")):
            return text(value) if value else None
        value, number_format = typed(value, kind)
        if value is None:
            return None
        cell = WriteOnlyCell(self.sheet, value)
        _fill(cell, value, number_format, numeric_column=self.numeric[index])
        return cell

    def write(self, rows):
        for values in rows:
            self.append(values)
        return self.close()

    def close(self):
        last = get_column_letter(len(self.fields))
        self.sheet.auto_filter.ref = f"A1:{last}{self.rows + 1}"
        return self.sheet
