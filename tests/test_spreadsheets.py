"""The spreadsheets one computes with: typed cells, French headers and a data dictionary, frozen headers and
filters, document properties, texts that are never formulas (and show no apostrophe)."""

import datetime as dt
import io
import zipfile

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from evaluation.bilan import Scope, compute_bilan
from evaluation.models import Need, Response
from evaluation.spreadsheets import bilan_workbook, responses_workbook
from smdq.formulas import csv_safe
from smdq.spreadsheets import COVER_TITLE, DICTIONARY_TITLE
from tests.test_bilan import programme  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

SEASON = {"season": "2022-2023"}


def rows(workbook_bytes, sheet):
    """The sheet's rows, each as long as the header (a read-only sheet leaves trailing blank cells out)."""
    found = [
        list(r) for r in load_workbook(io.BytesIO(workbook_bytes), read_only=True)[sheet].iter_rows(values_only=True)
    ]
    return [r + [None] * (len(found[0]) - len(r)) for r in found]


def column(sheet, header):
    """The cells of a table's column, header excluded."""
    index = [c.value for c in sheet[1]].index(header) + 1
    return [sheet.cell(r, index) for r in range(2, sheet.max_row + 1)]


def assert_tables(book):
    """Every sheet but the cover is one table: header in row 1, frozen, bold, an autofilter over all its rows."""
    assert book.sheetnames[0] == COVER_TITLE and book.sheetnames[-1] == DICTIONARY_TITLE
    for sheet in book.worksheets[1:]:
        assert sheet.freeze_panes in ("A2", "B2"), sheet.title
        assert sheet.auto_filter.ref == f"A1:{get_column_letter(sheet.max_column)}{sheet.max_row}", sheet.title
        assert all(cell.font.bold for cell in sheet[1]), sheet.title
    assert book.properties.creator == "smdq" and book.properties.language == "fr-FR"
    # No formula anywhere (the workbook is read as written: `data_type` "f" would be a formula).
    assert not [c.coordinate for s in book.worksheets for r in s.iter_rows() for c in r if c.data_type == "f"]


def dictionary(book) -> dict:
    """(sheet, column, row) → (code, meaning, type, unit)."""
    lines = list(book[DICTIONARY_TITLE].iter_rows(values_only=True))
    assert lines[0] == ("Feuille", "Colonne", "Ligne", "Code", "Signification", "Type", "Unité")
    return {(s, c, r or ""): (code, meaning, kind, unit) for s, c, r, code, meaning, kind, unit in lines[1:]}


def test_bilan_workbook_tables(programme):  # noqa: F811
    data = compute_bilan(Scope.build(**SEASON))
    content = bilan_workbook(data)
    figures = rows(content, "Chiffres clés")
    assert ["Séances réalisées", 2] in figures and ["Participant·es", 13] in figures
    questions = rows(content, "Questions")
    assert questions[0] == ["Code de la question", "Question", "Échelle", "Moyenne", "Nombre de réponses"]
    # Means as they are computed (the number format rounds them on screen), counts as integers.
    assert questions[1] == [
        "sat_logistique",
        "Organisation logistique",
        "1 à 5",
        pytest.approx(data["items"]["sat_logistique"]["mean"], rel=1e-15),  # XML keeps 16 digits
        3,
    ]
    assert rows(content, "Régions")[1] == ["93", "Provence-Alpes-Côte d'Azur", 2, 13, 3]
    # A percentage is a fraction of 1: the engine's 66.67 (0-100) is 0.6667 shown « 66,7 % ».
    assert rows(content, "Profil")[1] == ["Femmes", pytest.approx(data["profile"]["women_pct"] / 100, rel=1e-15)]


def test_bilan_workbook_types_formats_and_layout(programme):  # noqa: F811
    data = compute_bilan(Scope.build(**SEASON))
    book = load_workbook(io.BytesIO(bilan_workbook(data)))
    assert_tables(book)
    assert book.properties.title == "Bilan – Saison 2022-2023"
    cover = {row[0]: row[1] for row in book[COVER_TITLE].iter_rows(min_row=3, values_only=True) if row[0]}
    assert book[COVER_TITLE]["A1"].value == "Bilan – Saison 2022-2023"  # the readable title line
    assert cover["Du"] == dt.datetime(2022, 9, 1) and cover["Au"] == dt.datetime(2023, 8, 31)  # dates, not texts
    du = next(c for c in book[COVER_TITLE]["B"] if c.value == dt.datetime(2022, 9, 1))
    assert du.number_format == "dd/mm/yyyy"
    for sheet, header in (("Profil", "Pourcentage"), ("Besoins", "Part des besoins catégorisés")):
        cells = [c for c in column(book[sheet], header) if c.value is not None]
        assert cells and all(isinstance(c.value, (int, float)) and 0 <= c.value <= 1 for c in cells), sheet
        assert {c.number_format for c in cells} == {"0.0 %"}
    rate = next(r for r in book["Chiffres clés"].iter_rows() if r[0].value == "Taux de réponse au questionnaire")[1]
    assert rate.value == pytest.approx(data["response_rate"] / 100, rel=1e-15) and rate.number_format == "0.0 %"
    sessions = next(r for r in book["Chiffres clés"].iter_rows() if r[0].value == "Séances réalisées")[1]
    assert sessions.value == 2 and isinstance(sessions.value, int) and sessions.number_format == "#,##0"
    means = [c for c in column(book["Questions"], "Moyenne") if c.value is not None]
    assert means and {c.number_format for c in means} == {"0.00"}
    # No machine code as a header: they are in the dictionary, with meaning, type and unit.
    codes = dictionary(book)
    assert codes[("Chiffres clés", "Valeur", "Séances réalisées")][0] == "key_figures/sessions"
    assert codes[("Profil", "Pourcentage", "Femmes")][0] == "profile/women_pct"
    assert codes[("Profil", "Pourcentage", "Femmes")][2].startswith("pourcentage")
    assert codes[("Questions", "Moyenne", "")][:1] == ("items/<code>/mean",)
    assert codes[("Besoins", "Part des besoins catégorisés", "")][0] == "needs/categories/<code>/pct"
    assert codes[("Régions", "Participant·es", "")][3] == "personnes"
    for sheet in book.worksheets[1:-1]:
        for cell in sheet[1]:
            assert (sheet.title, cell.value, "") in codes, (sheet.title, cell.value)


def test_funder_workbook_writes_what_the_engine_hid(programme):  # noqa: F811
    data = compute_bilan(Scope.build(**SEASON), funder=True)
    content = bilan_workbook(data)
    regions = rows(content, "Régions")
    assert regions[1] == ["93", "Provence-Alpes-Côte d'Azur", 2, 13, "< 5"]
    assert regions[2] == ["32", "Hauts-de-France", 1, 10, "< 5"]
    assert ["Questionnaires reçus", "< 5"] in rows(content, "Chiffres clés")  # 3, hidden in every sheet
    assert rows(content, "Questions")[1] == ["sat_logistique", "Organisation logistique", "1 à 5", "< 5", "< 5"]
    assert any("« < 5 »" in r[0] for r in rows(content, "Méthode"))
    book = load_workbook(io.BytesIO(content))
    assert book.properties.title == "Bilan – Saison 2022-2023 (version financeurs)"
    hidden = [c for c in column(book["Régions"], "Questionnaires") if c.value == "< 5"]
    assert hidden and all(c.data_type == "s" and c.alignment.horizontal == "right" for c in hidden)
    # The spreadsheet hides nothing itself: the staff's bilan is written as it is.
    assert rows(bilan_workbook(compute_bilan(Scope.build(**SEASON))), "Régions")[1][-1] == 3


def test_an_edition_workbook_carries_its_publication_time(programme):  # noqa: F811
    published = dt.datetime(2024, 1, 5, 9, 30, tzinfo=dt.UTC)
    book = load_workbook(io.BytesIO(bilan_workbook(compute_bilan(Scope.build(**SEASON)), created=published)))
    assert book.properties.created == dt.datetime(2024, 1, 5, 9, 30)


def test_responses_export(programme):  # noqa: F811
    Need.objects.filter(text="Des formations").update(text='=HYPERLINK("http://x")')
    Need.objects.filter(text="Se connaître entre acteurs").update(text="@SUM(1;2)")
    Response.objects.filter(needs__text="Un lieu d'écoute").update(comment="-2+3\x01")
    held = Scope.build(**SEASON).held_sessions()
    content = responses_workbook(held, include_free_text=True, label="Saison 2022-2023")
    staff = rows(content, "Réponses")
    header = staff[0]
    assert header[:6] == ["Séance", "Date de la séance", "Saison", "QPV", "Régions", "Organisation logistique"]
    assert len(staff) == 4  # three responses of held sessions
    first = dict(zip(header, staff[1], strict=True))
    assert first["QPV"] == "QN01330M;QN05971M" and first["Régions"] == "32;93"
    assert first["Date de la séance"] == dt.datetime(2023, 3, 12)
    assert first["Organisation logistique"] == 5 and first["Identifier votre CLSM"] == 3
    assert first["Durée de l'animation"] is None  # a blank answer is a blank cell
    # Formula signs as typed, with no apostrophe, as texts: no spreadsheet runs an inline string.
    assert first["Besoin 1"] == '=HYPERLINK("http://x")' and first["Besoin 2"] == "@SUM(1;2)"
    assert first["Catégorie du besoin 1"] == "Développement de compétences"
    assert dict(zip(header, staff[2], strict=True))["Commentaire"] == "-2+3"  # a control character dropped
    book = load_workbook(io.BytesIO(content))
    assert_tables(book)
    assert book["Réponses"].freeze_panes == "B2"
    assert book.properties.title == "Réponses anonymisées aux questionnaires – Saison 2022-2023"
    assert book["Réponses"]["B2"].number_format == "dd/mm/yyyy"
    hostile = next(c for c in book["Réponses"][2] if c.value == '=HYPERLINK("http://x")')
    assert hostile.data_type == "s"
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        xml = archive.read("xl/worksheets/sheet2.xml").decode()
    assert "<f>" not in xml and "<f " not in xml and '=HYPERLINK("http://x")' in xml.replace("&quot;", '"')
    codes = dictionary(book)
    assert codes[("Réponses", "Organisation logistique", "")][0] == "sat_logistique"
    assert codes[("Réponses", "Organisation logistique", "")][3] == "note de 1 à 5"
    assert codes[("Réponses", "Catégorie du besoin 1", "")][0] == "besoin_1_categorie"
    assert codes[("Réponses", "Catégorie du besoin 1 à 3", "Développement de compétences")][0] == "competences"
    coordinator = rows(responses_workbook(held, include_free_text=False), "Réponses")
    assert "Besoin 1" not in coordinator[0] and "Commentaire" not in coordinator[0]
    assert not any(isinstance(v, str) and "HYPERLINK" in v for row in coordinator for v in row)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("=1+1", "'=1+1"), ("+33", "'+33"), ("-2", "'-2"), ("@x", "'@x"), ("\tx", "'\tx"), ("ok", "ok"), (3, 3)],
)
def test_csv_keeps_the_apostrophe(text, expected):
    assert csv_safe(text) == expected
