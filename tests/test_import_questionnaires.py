"""`import_data questionnaires FILE [--dry-run]`: one row per questionnaire, all-or-nothing, every bad value
reported as `ligne N, colonne X : message`, re-runs that change nothing, and the replace rule per session."""

import datetime
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from evaluation.importers import QuestionnaireImporter
from evaluation.models import Answer, Need, NeedCategory, Response, SessionItemSummary
from evaluation.responses import Sheet, create_response, refresh_summaries
from imports.tables import read_table
from tests.factories import AwarenessSessionFactory

pytestmark = pytest.mark.django_db

CODES = [
    "sat_logistique",
    "sat_dynamique",
    "sat_animation",
    "sat_duree",
    "sat_contenu",
    "sat_attentes",
    "cap_expliquer",
    "cap_posture",
    "cap_ressources",
    "cap_clsm",
    "eng_concerne",
    "eng_formation",
    "eng_investir",
]
NEED_COLUMNS = ["besoin_1", "besoin_1_categorie", "besoin_2", "besoin_2_categorie", "besoin_3", "besoin_3_categorie"]
HEADER = ["session", *CODES, *NEED_COLUMNS, "commentaire"]


def line(session, values, needs=(), comment=""):
    """A row: the session reference, 13 values (None = blank), up to three (text, category) needs, a comment."""
    values = list(values) + [None] * (len(CODES) - len(values))
    cells = [session] + ["" if value is None else str(value) for value in values]
    needs = list(needs) + [("", "")] * (3 - len(needs))
    for text, category in needs:
        cells += [text, category]
    return [*cells, comment]


def write_csv(tmp_path, rows, *, header=HEADER, name="questionnaires.csv") -> Path:
    text = "\n".join(";".join(cells) for cells in [header, *rows]) + "\n"
    path = tmp_path / name
    path.write_bytes(("\ufeff" + text).encode())
    return path


def run_import(path, *args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_data", "questionnaires", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(path) -> tuple[str, list[str]]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_data", "questionnaires", str(path), stdout=out, stderr=err)
    assert out.getvalue() == ""
    return str(excinfo.value), err.getvalue().splitlines()


def contents(session) -> list[tuple]:
    """A session's responses as (sheet number, channel, answers, needs, comment), in sheet order."""
    result = []
    for response in Response.objects.filter(session=session).order_by("sheet_number"):
        answers = dict(response.answers.values_list("item__code", "value"))
        needs = list(response.needs.order_by("position").values_list("text", "category__code"))
        result.append((response.sheet_number, response.channel, answers, needs, response.comment))
    return result


def summaries(session) -> dict:
    return {s.item_code: (s.answers, s.total) for s in SessionItemSummary.objects.filter(session=session)}


def counts() -> tuple:
    return Response.objects.count(), Answer.objects.count(), Need.objects.count(), SessionItemSummary.objects.count()


@pytest.fixture
def confirmed(clsm_a):
    return AwarenessSessionFactory(clsm=clsm_a, confirmed=True, date=datetime.date(2024, 4, 2), reference="2024-010")


GOOD_ROWS = [
    line(
        "2024-001",
        [5, 4, 5, 3, 4, 5, 3, 4, 2, 1, 4, 3, 2],
        [("Se former à l'écoute", "competences"), ("Mieux connaître le CLSM", "")],
        "Merci !",
    ),
    line("2024-001", [4, None, 5, None, 4, 4, 3], [("", ""), ("Un annuaire des acteurs", "reseau")]),
    line("2024-010", [1, 2, 3, 4, 5, 1, 1, 2, 3, 4, 4, 4, 4]),
]


def test_import_good_file_then_rerun_changes_nothing(tmp_path, session_a, confirmed, claire):
    create_response(session_a, Sheet(answers={"sat_logistique": 2}), channel="papier", user=claire)
    path = write_csv(tmp_path, GOOD_ROWS)
    out, err = run_import(path)
    assert (out, err) == ("3 questionnaires importés (3 créés, 0 mis à jour)\n", "")

    paper, first, second = contents(session_a)
    assert paper == (1, "papier", {"sat_logistique": 2}, [], "")
    # Sheet numbers continue after the session's highest; blanks are no answer, never 0.
    assert first == (
        2,
        "import",
        dict(zip(CODES, [5, 4, 5, 3, 4, 5, 3, 4, 2, 1, 4, 3, 2], strict=True)),
        [("Se former à l'écoute", "competences"), ("Mieux connaître le CLSM", None)],
        "Merci !",
    )
    assert second == (
        3,
        "import",
        {"sat_logistique": 4, "sat_animation": 5, "sat_contenu": 4, "sat_attentes": 4, "cap_expliquer": 3},
        [("Un annuaire des acteurs", "reseau")],  # a blank first need: the second one becomes need 1
        "",
    )
    assert contents(confirmed)[0][2] == dict(zip(CODES, [1, 2, 3, 4, 5, 1, 1, 2, 3, 4, 4, 4, 4], strict=True))
    assert Response.objects.get(session=session_a, sheet_number=2).entered_by is None

    # The bilan's summaries include the imported answers.
    assert summaries(session_a)["sat_logistique"] == (3, 2 + 5 + 4)
    assert summaries(session_a)["sat_dynamique"] == (1, 4)
    assert summaries(confirmed)["eng_investir"] == (1, 4)

    before = counts()
    assert run_import(path) == ("3 questionnaires importés (0 créé, 0 mis à jour)\n", "")
    assert counts() == before
    assert contents(session_a)[1] == first


def test_the_same_need_twice_once_categorised_reruns_unchanged(tmp_path, session_a, claire):
    """Issue #11: the file's category of one need spread to a blank-category need of the same text, so the
    second run rewrote the response (« 21 mis à jour » on 100,000 rows) and only the third found it equal."""
    need = "Se former à l'écoute"
    path = write_csv(tmp_path, [line("2024-001", [5], [(need, "competences"), (need, ""), (need, "")])])
    run_import(path)
    assert run_import(path)[0] == "1 questionnaire importé (0 créé, 0 mis à jour)\n"
    assert contents(session_a)[0][3] == [(need, "competences"), (need, None), (need, None)]
    # A category given on the screen to the third one stays with it, and with it only.
    third = Need.objects.get(position=3)
    third.category = NeedCategory.objects.get(code="reseau")
    third.save()
    assert run_import(path)[0] == "1 questionnaire importé (0 créé, 0 mis à jour)\n"
    assert contents(session_a)[0][3] == [(need, "competences"), (need, None), (need, "reseau")]
    # A need that moved keeps the category of the need of the same text it replaces.
    run_import(write_csv(tmp_path, [line("2024-001", [4], [("Autre", "actions"), (need, "")])], name="a.csv"))
    Need.objects.filter(position=2).update(category=NeedCategory.objects.get(code="reseau"))
    swapped = write_csv(tmp_path, [line("2024-001", [4], [(need, ""), ("Autre", "actions")])], name="b.csv")
    assert run_import(swapped)[0] == "1 questionnaire importé (0 créé, 1 mis à jour)\n"
    assert contents(session_a)[0][3] == [(need, "reseau"), ("Autre", "actions")]


def test_single_row_summary_is_singular(tmp_path, session_a):
    path = write_csv(tmp_path, [line("2024-001", [5])])
    assert run_import(path)[0] == "1 questionnaire importé (1 créé, 0 mis à jour)\n"


def test_replace_rule_rewrites_only_the_modified_session(tmp_path, session_a, confirmed, claire):
    create_response(session_a, Sheet(answers={"sat_logistique": 2}), channel="papier", user=claire)
    run_import(write_csv(tmp_path, GOOD_ROWS))
    create_response(session_a, Sheet(answers={"sat_duree": 1}), channel="en_ligne")  # sheet 4, online
    assert [sheet[:2] for sheet in contents(session_a)][1:] == [(2, "import"), (3, "import"), (4, "en_ligne")]
    untouched = contents(confirmed)
    first_response = Response.objects.get(session=session_a, sheet_number=2)

    modified = [GOOD_ROWS[0], line("2024-001", [1, 1, 1]), GOOD_ROWS[2]]
    out, _err = run_import(write_csv(tmp_path, modified, name="modifie.csv"))
    assert out == "3 questionnaires importés (0 créé, 1 mis à jour)\n"
    assert contents(confirmed) == untouched
    sheets = contents(session_a)
    assert [sheet[:2] for sheet in sheets] == [(1, "papier"), (2, "import"), (3, "import"), (4, "en_ligne")]
    assert sheets[2][2:] == ({"sat_logistique": 1, "sat_dynamique": 1, "sat_animation": 1}, [], "")
    assert Response.objects.get(session=session_a, sheet_number=2).pk == first_response.pk  # unchanged row kept
    assert summaries(session_a)["sat_logistique"] == (3, 2 + 5 + 1)
    assert summaries(session_a)["sat_duree"] == (2, 3 + 1)
    assert run_import(write_csv(tmp_path, modified, name="modifie.csv"))[0].endswith("(0 créé, 0 mis à jour)\n")

    # One more row for the session: created after its highest sheet number; one row less: deleted, and said.
    more = [*modified, line("2024-001", [2])]
    assert run_import(write_csv(tmp_path, more, name="plus.csv"))[0] == (
        "4 questionnaires importés (1 créé, 0 mis à jour)\n"
    )
    assert [sheet[0] for sheet in contents(session_a)] == [1, 2, 3, 4, 5]
    out, _err = run_import(write_csv(tmp_path, [GOOD_ROWS[0]], name="moins.csv"))
    assert out == (
        "2 questionnaires importés auparavant ont été retirés : leur séance a moins de lignes dans ce fichier.\n"
        "1 questionnaire importé (0 créé, 0 mis à jour)\n"
    )
    assert [sheet[:2] for sheet in contents(session_a)] == [(1, "papier"), (2, "import"), (4, "en_ligne")]
    assert len(contents(confirmed)) == 1  # absent from the file: left as it was
    assert summaries(session_a)["sat_logistique"] == (2, 2 + 5)


def test_categories_given_on_the_screen_survive_a_reimport(tmp_path, session_a, claire):
    path = write_csv(tmp_path, GOOD_ROWS[:1])
    run_import(path)
    need = Need.objects.get(text="Mieux connaître le CLSM")
    need.category = NeedCategory.objects.get(code="ressources_locales")
    need.categorised_by = claire
    need.save()
    assert run_import(path)[0] == "1 questionnaire importé (0 créé, 0 mis à jour)\n"
    need.refresh_from_db()
    assert need.category.code == "ressources_locales" and need.categorised_by == claire

    # A changed answer rewrites the response; the need's text is unchanged, so it keeps its category.
    changed = [line("2024-001", [1], [("Se former à l'écoute", "competences"), ("Mieux connaître le CLSM", "")])]
    assert run_import(write_csv(tmp_path, changed, name="change.csv"))[0].endswith("(0 créé, 1 mis à jour)\n")
    assert contents(session_a)[0][3] == [
        ("Se former à l'écoute", "competences"),
        ("Mieux connaître le CLSM", "ressources_locales"),
    ]
    # A category in the file wins over the one given on the screen.
    recategorised = [
        line("2024-001", [1], [("Se former à l'écoute", "competences"), ("Mieux connaître le CLSM", "reseau")])
    ]
    run_import(write_csv(tmp_path, recategorised, name="recat.csv"))
    assert contents(session_a)[0][3][1] == ("Mieux connaître le CLSM", "reseau")


def test_every_error_is_reported_and_nothing_is_written(tmp_path, session_a, session_b, confirmed, clsm_a):
    cancelled = AwarenessSessionFactory(clsm=clsm_a, cancelled=True, reference="2024-003")
    postponed = AwarenessSessionFactory(clsm=clsm_a, status="reportee", reference="2024-004")
    assert (cancelled.status, postponed.status) == ("annulee", "reportee")
    rows = [
        GOOD_ROWS[0],
        line("2024-999", [5]),
        line("2024-003", [5]),
        line("2024-002", [5]),
        line("2024-004", [5]),
        line("", [5]),
        line("2024-001", [0, 6, 5, 5, 5, 5, 5]),  # 0 and 6 on /5; 5 on /4
        line("2024-001", ["4,5", "beaucoup"]),
        line("2024-001", [4], [("Des formations", "formation"), ("", "reseau")]),
        line("2024-001", [4], [("x" * 1001, "")]),
    ]
    message, errors = run_failing(write_csv(tmp_path, rows))
    assert errors == [
        "ligne 3, colonne session : séance inconnue « 2024-999 »",
        "ligne 4, colonne session : la séance 2024-003 est annulée : elle ne reçoit pas de questionnaire",
        "ligne 5, colonne session : la séance 2024-002 est planifiée : elle ne reçoit pas de questionnaire",
        "ligne 6, colonne session : la séance 2024-004 est reportée : elle ne reçoit pas de questionnaire",
        "ligne 7, colonne session : référence de séance obligatoire manquante",
        "ligne 8, colonne sat_logistique : 0 est hors de l'échelle de cette question (1 à 5)",
        "ligne 8, colonne sat_dynamique : 6 est hors de l'échelle de cette question (1 à 5)",
        "ligne 8, colonne cap_expliquer : 5 est hors de l'échelle de cette question (1 à 4)",
        "ligne 9, colonne sat_logistique : « 4,5 » n'est pas un nombre entier (attendu de 1 à 5, vide = sans réponse)",
        "ligne 9, colonne sat_dynamique : « beaucoup » n'est pas un nombre entier (attendu de 1 à 5, vide = sans "
        "réponse)",
        "ligne 10, colonne besoin_1_categorie : catégorie inconnue « formation » (valeurs possibles : competences, "
        "actions, connaissances, implication, reseau, ressources_locales, prise_en_charge)",
        "ligne 10, colonne besoin_2 : la colonne besoin_2_categorie indique une catégorie mais le texte du besoin "
        "est vide",
        "ligne 11, colonne besoin_1 : texte trop long (1001 caractères, 1000 au maximum)",
    ]
    assert message.startswith("13 erreurs dans ") and message.endswith(
        "rien n'a été importé. Corrigez le fichier et relancez."
    )
    assert counts() == (0, 0, 0, 0)


def test_a_row_with_no_answer_is_an_error_naming_the_row(tmp_path, session_a):
    """A blank questionnaire would count in « questionnaires reçus » and the response rate."""
    rows = [GOOD_ROWS[0], line("2024-001", []), line("2024-001", [None, 3]), line("2024-001", [], [(" ", "")], " ")]
    _message, errors = run_failing(write_csv(tmp_path, rows))
    assert errors == ["ligne 3 : questionnaire vide", "ligne 5 : questionnaire vide"]
    assert counts() == (0, 0, 0, 0)


def test_a_row_with_only_a_need_or_a_comment_is_imported(tmp_path, session_a):
    rows = [line("2024-001", [], [("Un annuaire", "")]), line("2024-001", [], comment="Séance trop courte")]
    assert run_import(write_csv(tmp_path, rows))[0] == "2 questionnaires importés (2 créés, 0 mis à jour)\n"


def test_scale_bounds_are_inclusive(tmp_path, session_a):
    path = write_csv(tmp_path, [line("2024-001", [1, 5, 1, 5, 1, 5, 1, 4, 1, 4, 1, 4, 4])])
    assert run_import(path)[0].startswith("1 questionnaire importé (1 créé")
    assert Answer.objects.filter(value=5).count() == 3 and Answer.objects.filter(item__scale=4, value=4).count() == 4


def test_a_row_with_many_errors_lists_three_then_counts_the_rest(tmp_path, session_a):
    _message, errors = run_failing(write_csv(tmp_path, [line("2024-001", ["x"] * 13)]))
    assert errors[3:] == ["ligne 2 : et 10 autres erreurs sur cette ligne"]
    assert len(errors) == 4


def test_missing_item_column_is_refused(tmp_path, session_a):
    header = [name for name in HEADER if name != "sat_duree"]
    _message, errors = run_failing(write_csv(tmp_path, [["2024-001", *["4"] * 12]], header=header))
    assert errors == ["ligne 1, colonne sat_duree : colonne obligatoire absente de la ligne d'en-têtes"]


def test_every_missing_column_is_reported(tmp_path, session_a):
    _message, errors = run_failing(write_csv(tmp_path, [["2024-001"]], header=["session"]))
    assert errors == [f"ligne 1, colonne {code} : colonne obligatoire absente de la ligne d'en-têtes" for code in CODES]


def test_need_columns_and_comment_are_optional(tmp_path, session_a):
    path = write_csv(tmp_path, [["2024-001", *["4"] * 13]], header=["session", *CODES])
    assert run_import(path)[0] == "1 questionnaire importé (1 créé, 0 mis à jour)\n"
    assert Answer.objects.count() == 13


def test_xlsx(tmp_path, session_a):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(["2024-001", 5, 4.0, None, 3, None, None, 2, 3, None, None, 4, 1, 1, "Des formations", "competences"])
    path = tmp_path / "questionnaires.xlsx"
    workbook.save(path)
    workbook.close()
    assert run_import(path)[0] == "1 questionnaire importé (1 créé, 0 mis à jour)\n"
    (_number, channel, answers, needs, _comment) = contents(session_a)[0]
    assert channel == "import"
    assert answers == {
        "sat_logistique": 5,
        "sat_dynamique": 4,
        "sat_duree": 3,
        "cap_expliquer": 2,
        "cap_posture": 3,
        "eng_concerne": 4,
        "eng_formation": 1,
        "eng_investir": 1,
    }
    assert needs == [("Des formations", "competences")]


def test_dry_run_writes_nothing(tmp_path, session_a, confirmed):
    out, _err = run_import(write_csv(tmp_path, GOOD_ROWS), "--dry-run")
    assert out == "Simulation : 3 questionnaires importés (3 créés, 0 mis à jour) — rien n'a été enregistré.\n"
    assert counts() == (0, 0, 0, 0)


def test_summaries_follow_the_import(tmp_path, session_a):
    run_import(write_csv(tmp_path, GOOD_ROWS[:2]))
    from_answers = dict(summaries(session_a))
    refresh_summaries([session_a.pk])
    assert summaries(session_a) == from_answers
    assert from_answers["sat_dynamique"] == (1, 4) and "sat_duree" in from_answers


def test_history_entries_for_imported_responses(tmp_path, session_a, claire):
    table = read_table(write_csv(tmp_path, GOOD_ROWS[:2]))
    QuestionnaireImporter(user=claire).run(table)
    entries = Response.history.filter(session_id=session_a.pk)
    assert sorted(entries.values_list("sheet_number", "history_type")) == [(1, "+"), (2, "+")]
    assert {entry.history_user for entry in entries} == {claire}
    assert set(Response.objects.values_list("entered_by", flat=True)) == {claire.pk}

    QuestionnaireImporter(user=claire).run(read_table(write_csv(tmp_path, [GOOD_ROWS[1]], name="moins.csv")))
    types = sorted(Response.history.filter(session_id=session_a.pk).values_list("sheet_number", "history_type"))
    assert types == [(1, "+"), (1, "~"), (2, "+"), (2, "-")]


def test_template_lists_the_format_columns():
    header, example = QuestionnaireImporter.template_csv().splitlines()
    assert header.split(";") == HEADER
    assert example.startswith("2024-001;5;4;5;4;5;4;3;3;4;2;4;3;;Se former à l'écoute;competences;")
