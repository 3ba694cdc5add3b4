"""Reading the tabular files people send us: CSV (UTF-8, with or without BOM, `,` or `;`) and XLSX.

Column names are read as written (stripped of spaces and BOM); cells come back as stripped strings with
"\n" line breaks, '' for blank. Spreadsheet-style wrappers such as `="01053"` (used to keep leading zeros) are undone.

Nothing is trusted before it is bounded (issue #12): the file's size (50 Mo), then, for XLSX, its zip
container (`smdq.archives`: entries, inflated size and compression ratios, from the central directory
alone), then its lines and columns, counted by a first pass that keeps nothing (`IMPORT_MAX_ROWS`,
`IMPORT_MAX_COLUMNS`). Only then is the table built, keeping just the columns the importer reads, so that
memory follows the rows × the format's columns rather than whatever the file holds. An XLSX sheet's
declared `<dimension>` is ignored: rows and cells are those actually written.
"""

import codecs
import csv
import functools
import io
import itertools
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from django.conf import settings

from smdq.archives import ArchiveError, NotAnArchive, open_archive, read_entry
from smdq.formatting import fr_int

MAX_FILE_BYTES = 50 * 1024 * 1024
_EXCEL_TEXT_WRAPPER = re.compile(r'^="(.*)"$', re.S)
# Excel's own maximum: a row element holding more cells is not a spreadsheet, and openpyxl would build it
# whole in memory before handing it over.
XLSX_MAX_CELLS_PER_ROW = 16_384
# The workbook's manifest, relationships and sheet list: a few kilobytes in real files.
XLSX_MAX_PART_BYTES = 10 * 1024 * 1024


class FileError(Exception):
    """The file as a whole cannot be read; the message is French and says what to do."""


@dataclass(frozen=True)
class Limits:
    rows: int
    columns: int

    @classmethod
    def from_settings(cls) -> "Limits":
        return cls(rows=settings.IMPORT_MAX_ROWS, columns=settings.IMPORT_MAX_COLUMNS)

    def too_many_rows(self) -> FileError:
        return FileError(
            f"Le fichier dépasse la limite de {fr_int(self.rows)} lignes de données : découpez-le en plusieurs "
            "fichiers (par saison, par exemple)."
        )

    def too_many_columns(self, line: int) -> FileError:
        return FileError(
            f"Le fichier dépasse la limite de {fr_int(self.columns)} colonnes (ligne {line}) : "
            "gardez seulement les colonnes du modèle."
        )


class Row:
    """One data row: its line in the file and its cells, read by column name ('' when blank or absent).

    Cells are a tuple read through an index common to the whole table: 200,000 rows of 21 columns take about
    40 Mo of tuples where a dict per row took 240."""

    __slots__ = ("_cells", "_index", "line")

    def __init__(self, line: int, values: dict[str, str] | None = None, *, cells: tuple = (), index=None):
        if values is not None:
            index = {name: position for position, name in enumerate(values)}
            cells = tuple(values.values())
        self.line = line
        self._cells = cells
        self._index = index if index is not None else {}

    def get(self, column: str) -> str:
        position = self._index.get(column)
        if position is None or position >= len(self._cells):
            return ""
        return self._cells[position]

    @property
    def values(self) -> dict[str, str]:
        return {name: self._cells[p] for name, p in self._index.items() if p < len(self._cells)}

    def __eq__(self, other):
        return isinstance(other, Row) and (self.line, self.values) == (other.line, other.values)

    def __repr__(self):
        return f"Row(line={self.line}, values={self.values!r})"


@dataclass
class Table:
    headers: list[str]
    rows: list[Row] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # columns of the file the importer does not read


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
    # One line break whatever the file's origin: a CSV cell keeps "\r\n" where the same cell in XLSX reads "\n"
    # (XML normalises line ends), and the same data must compare equal in both (issue #11).
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    match = _EXCEL_TEXT_WRAPPER.match(text)
    if match:
        text = match.group(1).strip()
    return text


def _header(value) -> str:
    return clean_cell(value).lstrip("\ufeff").strip()


def _build_table(raw_rows, limits: Limits, columns: Iterable[str] | None = None, first_line: int = 1) -> Table:
    """The table of `raw_rows` (header first), keeping the cells of `columns` only (all when None).

    Stops with a FileError at the first line past the row limit or value past the column limit (the
    first pass of each reader has already refused such files: this is the second line of defence)."""
    iterator = iter(raw_rows)
    try:
        header_row = next(iterator)
    except StopIteration:
        raise FileError("Le fichier est vide : il doit commencer par une ligne d'en-têtes de colonnes.") from None
    if len(header_row) > limits.columns and any(header_row[limits.columns :]):
        raise limits.too_many_columns(first_line)
    headers = [_header(cell) for cell in header_row]
    if not any(headers):
        raise FileError("La première ligne du fichier doit contenir les noms des colonnes ; elle est vide.")
    wanted = None if columns is None else set(columns)
    index, positions, ignored = {}, [], []
    for position, name in enumerate(headers):
        if not name or name in index or name in ignored:
            continue
        if wanted is None or name in wanted:
            index[name] = len(positions)
            positions.append(position)
        else:
            ignored.append(name)
    table = Table(headers=list(index), ignored=ignored)
    last_line = first_line + limits.rows
    for offset, raw in enumerate(iterator, start=1):
        if not any(raw):  # blank line (cheap: no cell is cleaned)
            continue
        line = first_line + offset
        if line > last_line:
            raise limits.too_many_rows()
        if len(raw) > limits.columns and any(raw[limits.columns :]):
            raise limits.too_many_columns(line)
        width = len(raw)
        cells = tuple(clean_cell(raw[p]) for p in positions if p < width)
        # A row whose only values are in columns not kept is still a row: the importer says what it lacks.
        if any(cells) or any(clean_cell(cell) for cell in raw):
            table.rows.append(Row(line, cells=cells, index=index))
    return table


# CSV ------------------------------------------------------------------------------------------------------


def _check_utf8(data: bytes) -> None:
    """Validates UTF-8 a megabyte at a time, keeping nothing (a decoded 50 Mo file can take 200 Mo)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    step = 1024 * 1024
    for start in range(0, len(data), step):
        try:
            decoder.decode(data[start : start + step], final=start + step >= len(data))
        except UnicodeDecodeError as exc:
            line = data[: start + exc.start].count(b"\n") + 1
            raise FileError(
                f"Le fichier n'est pas encodé en UTF-8 (premier caractère illisible ligne {line}). "
                "Enregistrez-le au format « CSV UTF-8 » ou en XLSX."
            ) from None


def _csv_reader(data: bytes, delimiter: str):
    # Decoded as it is read: the text is never held whole.
    return csv.reader(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline=""), delimiter=delimiter)


def _csv_error(reader, exc: csv.Error) -> FileError:
    if "field larger than field limit" in str(exc):
        return FileError(
            f"Ligne {reader.line_num + 1} : une cellule dépasse {csv.field_size_limit():_} caractères".replace("_", " ")
            + " ; le fichier n'est pas un tableau de données attendu."
        )
    return FileError(f"Le fichier CSV est mal formé (ligne {reader.line_num}) : guillemets ou séparateurs incohérents.")


def _count_csv(data: bytes, delimiter: str, limits: Limits) -> int:
    """First pass: refuses a file past the row or column limit, keeping nothing (the csv module's C loop:
    a 50 Mo file is read in about a second). Returns the number of data lines (not blank)."""
    reader = _csv_reader(data, delimiter)
    last_line = 1 + limits.rows
    count = 0
    try:
        for line, raw in enumerate(reader, start=1):
            if len(raw) > limits.columns and any(raw[limits.columns :]):
                raise limits.too_many_columns(line)
            if line > 1 and any(raw):
                if line > last_line:
                    raise limits.too_many_rows()
                count += 1
    except csv.Error as exc:
        raise _csv_error(reader, exc) from None
    return count


def _check_csv(data: bytes, limits: Limits) -> tuple[str, int]:
    """The CSV's bounded checks (encoding, NUL, rows and columns): its delimiter and number of data lines."""
    _check_utf8(data)
    if b"\x00" in data:
        raise FileError("Le fichier contient des caractères nuls : ce n'est pas un fichier CSV texte.")
    end = data.find(b"\n")
    first_line = data if end < 0 else data[:end]
    delimiter = ";" if first_line.count(b";") >= first_line.count(b",") and b";" in first_line else ","
    return delimiter, _count_csv(data, delimiter, limits)


def _read_csv(data: bytes, limits: Limits, columns, *, header_only=False) -> tuple[Table, int]:
    delimiter, count = _check_csv(data, limits)
    reader = _csv_reader(data, delimiter)
    try:
        return _build_table(itertools.islice(reader, 1) if header_only else reader, limits, columns), count
    except csv.Error as exc:
        raise _csv_error(reader, exc) from None


# XLSX -----------------------------------------------------------------------------------------------------


def _local(name: str) -> str:
    """A tag or attribute name without its namespace (`{uri}row`, `x:row` → `row`)."""
    return name.rpartition("}")[2].rpartition(":")[2]


def _relationships(archive, part: str) -> dict[str, tuple[str, str]]:
    """{id: (type, target path in the archive)} of a part's relationships file."""
    folder, name = posixpath.split(part)
    content = read_entry(archive, posixpath.join(folder, "_rels", f"{name}.rels"), XLSX_MAX_PART_BYTES)
    if content is None:
        return {}
    found = {}
    for element in ElementTree.fromstring(content):
        attributes = {_local(key): value for key, value in element.attrib.items()}
        target = attributes.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        found[attributes.get("Id", "")] = (attributes.get("Type", ""), path)
    return found


def _first_sheet(archive) -> str:
    """The path of the workbook's first worksheet (the one openpyxl's `worksheets[0]` reads)."""
    workbook = next(
        (path for kind, path in _relationships(archive, "").values() if kind.endswith("/officeDocument")),
        "xl/workbook.xml",
    )
    content = read_entry(archive, workbook, XLSX_MAX_PART_BYTES)
    if content is None:
        raise FileError("Le fichier XLSX est illisible ou endommagé (classeur introuvable).")
    relationships = _relationships(archive, workbook)
    for element in ElementTree.fromstring(content).iter():
        if _local(element.tag) != "sheet":
            continue
        ids = [value for key, value in element.attrib.items() if _local(key) == "id"]
        kind, path = relationships.get(ids[0] if ids else "", ("", ""))
        if kind.endswith("/worksheet"):
            return path
    raise FileError("Le fichier XLSX ne contient aucune feuille de calcul.")


@functools.lru_cache(maxsize=4096)
def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


# The sheet's XML is read as bytes: text never holds a raw « < » (XML escapes it), so each « < » starts markup
# (one inside a comment only makes a count larger, which is the safe side).
_ROOT = re.compile(rb"<(?:([\w.-]+):)?worksheet\b")
_ROW_NUMBER = re.compile(rb'[^<>]*?\br="(\d+)"')
_VALUE = re.compile(rb"<(?:[\w.-]+:)?(?:v|is)[\s/>]")
_FAR_REFERENCE = re.compile(rb'\br="[A-Z]{2}')  # a cell of column AA or further: only then are columns read
_FAR_CELL = re.compile(rb'<(?:[\w.-]+:)?c\b[^<>]*?\br="([A-Z]{2,3})\d+"[^<>]*?(/?)>')
# openpyxl builds a whole row element before handing it over: a row may hold Excel's maximum of cells, each
# with a few child elements (value, inline text, formula), and no more.
XLSX_MAX_ELEMENTS_PER_ROW = 4 * XLSX_MAX_CELLS_PER_ROW
SCAN_CHUNK = 1024 * 1024
MAX_TAG_BYTES = 64 * 1024


class _SheetScan:
    """First pass over the sheet's XML, inflated a megabyte at a time and kept nowhere: refuses a document type
    declaration (never in a real workbook: entity tricks), a row of more elements than Excel's cells allow, a
    value past the column limit or on a line past the row limit. The work is done by `bytes` and `re` in C
    with a few Python steps per row: 2.6 s for a 200,000-row sheet of 110 Mo, against 12 s for expat (which
    calls Python for each element) and about 60 s for openpyxl's own reading. What the scan cannot see, such as
    a row number hidden in a malformed tag, is caught by `_build_table` as openpyxl reads."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.last_line = 1 + limits.rows
        self.line = self.elements = 0
        self.value_lines, self._counted_line = 0, -1  # lines holding a value (the header's included)
        self.row_marker = None  # b"<row", or b"<x:row" when the sheet's elements carry a prefix

    def read(self, stream):
        carry = b""
        while chunk := stream.read(SCAN_CHUNK):
            buffer = carry + chunk
            if b"<!DOCTYPE" in buffer or b"<!ENTITY" in buffer:
                raise FileError("Le fichier XLSX est anormal : il contient une déclaration de type de document.")
            # A tag cut by the chunk's end waits for the next chunk.
            cut = buffer.rfind(b"<")
            if cut >= 0 and buffer.find(b">", cut) < 0:
                buffer, carry = buffer[:cut], buffer[cut:]
                if len(carry) > MAX_TAG_BYTES:
                    raise FileError("Le fichier XLSX est anormal : une balise dépasse 64 Ko.")
            else:
                carry = b""
            if self.row_marker is None:
                root = _ROOT.search(buffer)
                if root is None:
                    self.row_part(buffer)
                    continue
                self.row_marker = b"<" + (root.group(1) + b":" if root.group(1) else b"") + b"row"
            pieces = buffer.split(self.row_marker)
            self.row_part(pieces[0])  # the row in progress goes on
            for piece in pieces[1:]:
                number = _ROW_NUMBER.match(piece)
                self.line = int(number.group(1)) if number else self.line + 1
                self.elements = 0
                self.row_part(piece)

    def row_part(self, text: bytes):
        self.elements += text.count(b"<") - text.count(b"</")
        if self.elements > XLSX_MAX_ELEMENTS_PER_ROW:
            raise FileError(
                f"Le fichier XLSX est anormal : la ligne {self.line} contient plus de "
                f"{fr_int(XLSX_MAX_ELEMENTS_PER_ROW)} éléments (Excel permet "
                f"{fr_int(XLSX_MAX_CELLS_PER_ROW)} cellules par ligne)."
            )
        if _VALUE.search(text):
            if self.line > self.last_line:
                raise self.limits.too_many_rows()
            if self.line != self._counted_line:
                self.value_lines, self._counted_line = self.value_lines + 1, self.line
            if _FAR_REFERENCE.search(text):
                for letters, closed in _FAR_CELL.findall(text):
                    if not closed and _column_number(letters.decode()) > self.limits.columns:
                        raise self.limits.too_many_columns(self.line)


def _scan_sheet(archive, path: str, limits: Limits) -> _SheetScan:
    scan = _SheetScan(limits)
    try:
        with archive.open(path) as stream:
            scan.read(stream)
            return scan
    except KeyError:
        raise FileError("Le fichier XLSX est illisible ou endommagé (feuille introuvable).") from None
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError, RuntimeError) as exc:
        raise _unreadable_xlsx(exc) from None


def _unreadable_xlsx(exc: BaseException | None = None) -> FileError:
    """The refusal of a workbook that cannot be read, with its reason in words (never an exception's name)."""
    if exc is None or isinstance(exc, zipfile.BadZipFile):
        reason = "ce n'est pas un classeur Excel : un fichier d'un autre type renommé en .xlsx ?"
    elif isinstance(exc, ElementTree.ParseError):
        reason = "son contenu XML est invalide ou démesuré"
    elif isinstance(exc, zlib.error | EOFError):
        reason = "son archive est tronquée ou corrompue"
    elif isinstance(exc, IndexError | KeyError):
        reason = "une cellule renvoie à un texte ou une feuille qui n'existe pas"
    else:
        reason = "son contenu n'est pas celui d'un classeur"
    return FileError(
        f"Le fichier XLSX est illisible ou endommagé ({reason}). "
        "Enregistrez-le de nouveau depuis Excel ou LibreOffice, ou en CSV."
    )


def _read_xlsx(data: bytes, limits: Limits, columns, *, header_only=False) -> tuple[Table, int]:
    from openpyxl import load_workbook

    try:
        with open_archive(io.BytesIO(data)) as archive:
            scan = _scan_sheet(archive, _first_sheet(archive), limits)
    except NotAnArchive:
        raise _unreadable_xlsx() from None
    except ArchiveError as exc:
        raise FileError(str(exc)) from None
    except (ElementTree.ParseError, zipfile.BadZipFile, zlib.error, OSError, ValueError) as exc:
        raise _unreadable_xlsx(exc) from None
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    # ParseError: a part openpyxl parses whole, e.g. entities expanding past expat's amplification limit.
    except (zipfile.BadZipFile, zlib.error, KeyError, OSError, ValueError, TypeError, ElementTree.ParseError) as exc:
        raise _unreadable_xlsx(exc) from None
    try:
        sheet = workbook.worksheets[0]
        # The declared size is what the file says, not what it holds (`A1:XFD1048576` would make openpyxl pad
        # every row to 16,384 cells and yield a million rows): read the rows written, at most one column past
        # the limit (a value there is refused).
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True, max_col=limits.columns + 1)
        # The scan counted the lines holding a value, the header's among them.
        count = max(scan.value_lines - 1, 0)
        return _build_table(itertools.islice(rows, 1) if header_only else rows, limits, columns), count
    # IndexError: a cell pointing past the shared strings.
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, TypeError, IndexError, ElementTree.ParseError) as exc:
        raise _unreadable_xlsx(exc) from None
    finally:
        workbook.close()


def is_xlsx(data: bytes, filename: str = "") -> bool:
    return filename.lower().endswith((".xlsx", ".xlsm")) or data[:4] == b"PK\x03\x04"


def read_table(source, filename: str = "", *, columns: Iterable[str] | None = None, limits: Limits | None = None):
    """`source` is a path, bytes, or an open binary file. `columns`: the names the importer reads (the
    others are listed in `Table.ignored` and not kept); None keeps every column."""
    return _read(source, filename, columns=columns, limits=limits)[0]


def inspect_table(source, filename: str = "", *, columns: Iterable[str] | None = None, limits: Limits | None = None):
    """The bounded structural checks alone (size, encoding or archive, rows and columns) and the header line,
    without reading the rows: (a Table with its headers and no rows, the number of data lines). What the upload
    page does in the request before a large file goes to the worker: openpyxl's reading of the rows (about
    0.3 ms a row) and the row checks are the worker's."""
    return _read(source, filename, columns=columns, limits=limits, header_only=True)


def _read(source, filename="", *, columns=None, limits=None, header_only=False) -> tuple[Table, int]:
    limits = limits or Limits.from_settings()
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
        return _read_xlsx(data, limits, columns, header_only=header_only)
    return _read_csv(data, limits, columns, header_only=header_only)
