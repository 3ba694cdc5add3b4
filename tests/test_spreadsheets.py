import io

import pytest
from openpyxl import load_workbook

from evaluation.bilan import Scope, compute_bilan
from evaluation.models import Need
from evaluation.spreadsheets import bilan_workbook, responses_workbook, safe_text
from tests.test_bilan import programme  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def rows(workbook_bytes, sheet):
    return [
        list(r) for r in load_workbook(io.BytesIO(workbook_bytes), read_only=True)[sheet].iter_rows(values_only=True)
    ]


def test_bilan_workbook_tables(programme):  # noqa: F811
    data = compute_bilan(Scope.build(season="2022-2023"))
    content = bilan_workbook(data)
    figures = rows(content, "Chiffres clés")
    assert ["Séances réalisées", 2] in figures and ["Participant·es", 13] in figures
    questions = rows(content, "Questions")
    assert questions[1] == ["sat_logistique", "Organisation logistique", "1 à 5", 3.67, 3]
    assert rows(content, "Régions")[1] == ["93", "Provence-Alpes-Côte d'Azur", 2, 13, 3]
    assert rows(content, "Profil")[1] == ["Femmes", 66.67]


def test_funder_workbook_writes_what_the_engine_hid(programme):  # noqa: F811
    data = compute_bilan(Scope.build(season="2022-2023"), funder=True)
    content = bilan_workbook(data)
    regions = rows(content, "Régions")
    assert regions[1] == ["93", "Provence-Alpes-Côte d'Azur", 2, 13, "< 5"]
    assert regions[2] == ["32", "Hauts-de-France", 1, 10, "< 5"]
    assert ["Questionnaires reçus", "< 5"] in rows(content, "Chiffres clés")  # 3, hidden in every sheet
    assert rows(content, "Questions")[1] == ["sat_logistique", "Organisation logistique", "1 à 5", "< 5", "< 5"]
    assert any("« < 5 »" in r[0] for r in rows(content, "Méthode"))
    # The spreadsheet hides nothing itself: the staff's bilan is written as it is.
    assert rows(bilan_workbook(compute_bilan(Scope.build(season="2022-2023"))), "Régions")[1][-1] == 3


def test_responses_export(programme):  # noqa: F811
    Need.objects.filter(text="Des formations").update(text='=HYPERLINK("http://x")')
    held = Scope.build(season="2022-2023").held_sessions()
    staff = rows(responses_workbook(held, include_free_text=True), "Réponses")
    header = staff[0]
    assert header[:5] == ["seance", "saison", "qpv", "region", "sat_logistique"]
    assert len(staff) == 4  # three responses of held sessions
    first = dict(zip(header, staff[1], strict=True))
    assert first["qpv"] == "QN01330M;QN05971M" and first["region"] == "32;93"
    assert first["sat_logistique"] == 5 and first["cap_clsm"] == 3 and first["sat_duree"] is None
    assert first["besoin_1"] == '\'=HYPERLINK("http://x")'  # neutralised formula
    assert first["besoin_1_categorie"] == "competences"
    funder = rows(responses_workbook(held, include_free_text=False), "Réponses")
    assert "besoin_1" not in funder[0] and "commentaire" not in funder[0]
    assert not any(isinstance(v, str) and "HYPERLINK" in v for row in funder for v in row)


@pytest.mark.parametrize(
    ("text", "expected"), [("=1+1", "'=1+1"), ("+33", "'+33"), ("@x", "'@x"), ("ok", "ok"), (3, 3)]
)
def test_safe_text(text, expected):
    assert safe_text(text) == expected
