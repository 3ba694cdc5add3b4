"""Reading the tabular files people send us: CSV (UTF-8, with or without BOM, `,` or `;`) and XLSX.

Column names are read as written (stripped of spaces and BOM); cells come back as stripped strings,
'' for blank. Spreadsheet-style wrappers such as `="01053"` (used to keep leading zeros) are undone.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

MAX_FILE_BYTES = 50 * 1024 * 1024
_EXCEL_TEXT_WRAPPER = re.compile(r'^="(.*)"$', re.S)


class FileError(Exception):
    """The file as a whole cannot be read; the message is French and says what to do."""


@dataclass
class Row:
    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "")


@dataclass
class Table:
    headers: list[str]
    rows: list[Row] = field(default_factory=list)


def clean_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if hasattr(value, "isoformat"):
        # Spreadsheets store dates as datetimes at midnight: those are plain dates.
        midnight = not hasattr(value, "hour") or (value.hour, value.minute, value.second, value.microsecond) == (
            0,
            0,
            0,
            0,
        )
        value = value.isoformat()[:10] if midnight else value.isoformat()
    text = str(value).strip()
    match = _EXCEL_TEXT_WRAPPER.match(text)
    if match:
        text = match.group(1).strip()
    return text


def _header(value) -> str:
    return clean_cell(value).lstrip("\ufeff").strip()


def _build_table(raw_rows, first_line: int = 1) -> Table:
    iterator = iter(raw_rows)
    try:
        header_row = next(iterator)
    except StopIteration:
        raise FileError("Le fichier est vide : il doit commencer par une ligne d'en-têtes de colonnes.") from None
    headers = [_header(cell) for cell in header_row]
    if not any(headers):
        raise FileError("La première ligne du fichier doit contenir les noms des colonnes ; elle est vide.")
    table = Table(headers=[h for h in headers if h])
    for offset, raw in enumerate(iterator, start=1):
        cells = [clean_cell(cell) for cell in raw]
        if not any(cells):
            continue
        values = {}
        for name, cell in zip(headers, cells, strict=False):
            if name and name not in values:
                values[name] = cell
        table.rows.append(Row(line=first_line + offset, values=values))
    return table


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileError(
            f"Le fichier n'est pas encodé en UTF-8 (premier caractère illisible ligne {line}). "
            "Enregistrez-le au format « CSV UTF-8 » ou en XLSX."
        ) from None


def _read_csv(data: bytes) -> Table:
    text = _decode(data)
    if "\x00" in text:
        raise FileError("Le fichier contient des caractères nuls : ce n'est pas un fichier CSV texte.")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") and ";" in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _build_table(reader)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise FileError(
                f"Ligne {reader.line_num + 1} : une cellule dépasse {csv.field_size_limit():_} caractères".replace(
                    "_", " "
                )
                + " ; le fichier n'est pas un tableau de données attendu."
            ) from None
        raise FileError(
            f"Le fichier CSV est mal formé (ligne {reader.line_num}) : guillemets ou séparateurs incohérents."
        ) from None


def _read_xlsx(data: bytes) -> Table:
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileError(f"Le fichier XLSX est illisible ou endommagé ({exc.__class__.__name__}).") from None
    try:
        sheet = workbook.worksheets[0]
        return _build_table(sheet.iter_rows(values_only=True))
    finally:
        workbook.close()


def is_xlsx(data: bytes, filename: str = "") -> bool:
    return filename.lower().endswith((".xlsx", ".xlsm")) or data[:4] == b"PK\x03\x04"


def read_table(source, filename: str = "") -> Table:
    """`source` is a path, bytes, or an open binary file."""
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.is_file():
            raise FileError(f"Fichier introuvable : {path}")
        filename = filename or path.name
        if path.stat().st_size > MAX_FILE_BYTES:
            raise FileError(f"Le fichier dépasse la taille maximale de {MAX_FILE_BYTES // (1024 * 1024)} Mo.")
        data = path.read_bytes()
    elif isinstance(source, bytes):
        data = source
    else:
        data = source.read(MAX_FILE_BYTES + 1)
        filename = filename or getattr(source, "name", "") or ""
    if len(data) > MAX_FILE_BYTES:
        raise FileError(f"Le fichier dépasse la taille maximale de {MAX_FILE_BYTES // (1024 * 1024)} Mo.")
    if not data.strip():
        raise FileError("Le fichier est vide.")
    if is_xlsx(data, filename):
        return _read_xlsx(data)
    return _read_csv(data)
