"""`import_data clsm FILE [--dry-run]`: CLSM keyed by `nom`, all-or-nothing, re-runnable."""

import contextlib
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from territories.models import CLSM
from tests.factories import CLSMFactory

HEADER = "nom;communes;qpv;statut;email_contact"


def write_csv(tmp_path, rows, *, header=HEADER, bom=True, name="clsm.csv") -> Path:
    text = "\n".join([header, *rows]) + "\n"
    path = tmp_path / name
    path.write_bytes((("\ufeff" if bom else "") + text).encode())
    return path


def run_import(path, *args) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_data", "clsm", str(path), *args, stdout=out, stderr=err)
    assert err.getvalue() == ""
    return out.getvalue()


def run_failing(path, *args) -> tuple[str, list[str]]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_data", "clsm", str(path), *args, stdout=out, stderr=err)
    assert out.getvalue() == ""
    return str(excinfo.value), err.getvalue().splitlines()


def state(name) -> tuple:
    clsm = CLSM.objects.get(name=name)
    return (
        clsm.status,
        clsm.contact_email,
        sorted(clsm.qpvs.values_list("code", flat=True)),
        sorted(clsm.communes.values_list("code", flat=True)),
    )


TWO_CLSM = [
    'CLSM de Bourg-en-Bresse;;"QN00101M;QN00102M";;clsm@bourgenbresse.fr',
    "CLSM de Saint-Quentin;;QN00201M;en_projet;",
]


def test_import_two_clsm_with_communes_from_qpvs(db, tmp_path):
    path = write_csv(tmp_path, TWO_CLSM)
    assert run_import(path) == "2 CLSM importés (2 créés, 0 mis à jour)\n"
    assert CLSM.objects.count() == 2
    assert state("CLSM de Bourg-en-Bresse") == (
        CLSM.Status.ACTIVE,
        "clsm@bourgenbresse.fr",
        ["QN00101M", "QN00102M"],
        ["01053"],
    )
    assert state("CLSM de Saint-Quentin") == (CLSM.Status.PLANNED, "", ["QN00201M"], ["02571", "02691"])

    assert run_import(path) == "2 CLSM importés (0 créé, 0 mis à jour)\n"
    assert CLSM.objects.count() == 2

    changed = write_csv(tmp_path, [TWO_CLSM[0], "CLSM de Saint-Quentin;;QN00201M;actif;"], name="modifie.csv")
    assert run_import(changed) == "2 CLSM importés (0 créé, 1 mis à jour)\n"
    assert state("CLSM de Saint-Quentin") == (CLSM.Status.ACTIVE, "", ["QN00201M"], ["02571", "02691"])
    assert state("CLSM de Bourg-en-Bresse")[0] == CLSM.Status.ACTIVE
    assert run_import(changed) == "2 CLSM importés (0 créé, 0 mis à jour)\n"


def test_single_clsm_summary_is_singular(db, tmp_path):
    path = write_csv(tmp_path, [TWO_CLSM[1]])
    assert run_import(path) == "1 CLSM importé (1 créé, 0 mis à jour)\n"


def test_changes_to_email_qpvs_and_communes_are_updates(db, tmp_path):
    run_import(write_csv(tmp_path, TWO_CLSM))
    rows = [
        'CLSM de Bourg-en-Bresse;;"QN00101M;QN00102M";;nouveau@bourgenbresse.fr',
        "CLSM de Saint-Quentin;;QN00201M;en_projet;",
    ]
    assert run_import(write_csv(tmp_path, rows, name="b.csv")) == "2 CLSM importés (0 créé, 1 mis à jour)\n"
    assert state("CLSM de Bourg-en-Bresse")[1] == "nouveau@bourgenbresse.fr"

    rows[0] = "CLSM de Bourg-en-Bresse;;QN00101M;;nouveau@bourgenbresse.fr"
    assert run_import(write_csv(tmp_path, rows, name="c.csv")) == "2 CLSM importés (0 créé, 1 mis à jour)\n"
    assert state("CLSM de Bourg-en-Bresse")[2:] == (["QN00101M"], ["01053"])

    rows[0] = "CLSM de Bourg-en-Bresse;1004;QN00101M;;nouveau@bourgenbresse.fr"
    assert run_import(write_csv(tmp_path, rows, name="d.csv")) == "2 CLSM importés (0 créé, 1 mis à jour)\n"
    assert state("CLSM de Bourg-en-Bresse")[2:] == (["QN00101M"], ["01004"])


def test_existing_clsm_is_updated_not_duplicated(db, tmp_path):
    CLSMFactory(name="CLSM de Saint-Quentin", status=CLSM.Status.ACTIVE, contact_email="", qpv_codes=["QN00201M"])
    path = write_csv(tmp_path, TWO_CLSM)
    assert run_import(path) == "2 CLSM importés (1 créé, 1 mis à jour)\n"
    assert CLSM.objects.filter(name="CLSM de Saint-Quentin").count() == 1
    assert state("CLSM de Saint-Quentin")[0] == CLSM.Status.PLANNED


def test_explicit_communes_column(db, tmp_path):
    path = write_csv(
        tmp_path,
        [
            "CLSM de l'Ain;1053;QN00103M;actif;",
            'CLSM des Deux Communes;" 01004 ; 2A247 ";;en_projet;',
            'CLSM zéro de tête;="01053";;;',
        ],
    )
    assert run_import(path) == "3 CLSM importés (3 créés, 0 mis à jour)\n"
    # The communes column wins over the QPVs' communes (QN00103M lies in 01004).
    assert state("CLSM de l'Ain") == (CLSM.Status.ACTIVE, "", ["QN00103M"], ["01053"])
    assert state("CLSM des Deux Communes") == (CLSM.Status.PLANNED, "", [], ["01004", "2A247"])
    assert state("CLSM zéro de tête")[3] == ["01053"]
    assert run_import(path) == "3 CLSM importés (0 créé, 0 mis à jour)\n"


def test_lowercase_qpv_codes_and_spaces_are_accepted(db, tmp_path):
    path = write_csv(tmp_path, ['  CLSM Espacé  ;;" qn00101m ; QN00102M ";  actif ;  a@b.fr  '])
    assert run_import(path) == "1 CLSM importé (1 créé, 0 mis à jour)\n"
    assert state("CLSM Espacé") == (CLSM.Status.ACTIVE, "a@b.fr", ["QN00101M", "QN00102M"], ["01053"])


def test_comma_separated_without_bom(db, tmp_path):
    path = write_csv(
        tmp_path,
        [
            'CLSM de Bourg-en-Bresse,,"QN00101M;QN00102M",,clsm@bourgenbresse.fr',
            'CLSM de Saint-Quentin,"02571;02691",QN00201M,en_projet,',
        ],
        header=HEADER.replace(";", ","),
        bom=False,
    )
    assert run_import(path) == "2 CLSM importés (2 créés, 0 mis à jour)\n"
    assert state("CLSM de Bourg-en-Bresse")[2:] == (["QN00101M", "QN00102M"], ["01053"])
    assert state("CLSM de Saint-Quentin")[3] == ["02571", "02691"]


def test_columns_in_any_order_and_extra_columns_ignored(db, tmp_path):
    path = write_csv(
        tmp_path,
        ["en_projet;remarque libre;QN02A01M;CLSM d'Ajaccio"],
        header="statut;commentaire;qpv;nom",
    )
    assert run_import(path) == "1 CLSM importé (1 créé, 0 mis à jour)\n"
    assert state("CLSM d'Ajaccio") == (CLSM.Status.PLANNED, "", ["QN02A01M"], ["2A247"])


def test_dry_run_writes_nothing(db, tmp_path):
    existing = CLSMFactory(name="CLSM de Saint-Quentin", status=CLSM.Status.ACTIVE, qpv_codes=["QN00201M"])
    before = state(existing.name)
    path = write_csv(tmp_path, TWO_CLSM)
    output = run_import(path, "--dry-run")
    assert output.startswith("Simulation :")
    assert output == "Simulation : 2 CLSM importés (1 créé, 1 mis à jour) — rien n'a été enregistré.\n"
    assert CLSM.objects.count() == 1
    assert state(existing.name) == before
    assert run_import(path) == "2 CLSM importés (1 créé, 1 mis à jour)\n"


def test_dry_run_reports_errors_too(db, tmp_path):
    path = write_csv(tmp_path, [*TWO_CLSM, "CLSM Faux;;QN99999Z;;"])
    _, errors = run_failing(path, "--dry-run")
    assert errors == ["ligne 4, colonne qpv : QPV inconnu « QN99999Z »"]
    assert CLSM.objects.count() == 0


# Errors: every bad row reported, nothing written --------------------------------------------------------

EXISTING = "CLSM existant"


@pytest.fixture
def existing_clsm(db):
    return CLSMFactory(name=EXISTING, status=CLSM.Status.ACTIVE, contact_email="avant@clsm.fr", qpv_codes=["QN00101M"])


def good_rows():
    return [
        *TWO_CLSM,
        f"{EXISTING};;QN00101M;en_projet;apres@clsm.fr",  # would be an update
    ]


def assert_nothing_written():
    assert list(CLSM.objects.values_list("name", flat=True)) == [EXISTING]
    assert state(EXISTING) == (CLSM.Status.ACTIVE, "avant@clsm.fr", ["QN00101M"], ["01053"])


@pytest.mark.parametrize(
    ("bad_row", "expected"),
    [
        ("CLSM Faux;;QN99999Z;;", ["ligne 5, colonne qpv : QPV inconnu « QN99999Z »"]),
        (
            "CLSM Faux;;QN00101M;QX123;",
            ["ligne 5, colonne statut : valeur inconnue « QX123 » (valeurs possibles : actif, en_projet)"],
        ),
        (
            "CLSM Faux;99999;QN00101M;;",
            ["ligne 5, colonne communes : commune inconnue « 99999 » (code INSEE du COG 2024 attendu)"],
        ),
        (
            "CLSM Faux;;QN00101M;ferme;",
            ["ligne 5, colonne statut : valeur inconnue « ferme » (valeurs possibles : actif, en_projet)"],
        ),
        (
            "CLSM Faux;;QN00101M;Actif;",
            ["ligne 5, colonne statut : valeur inconnue « Actif » (valeurs possibles : actif, en_projet)"],
        ),
        (
            "CLSM Faux;;QN00101M;;pas-une-adresse",
            ["ligne 5, colonne email_contact : adresse e-mail invalide « pas-une-adresse »"],
        ),
        (
            "CLSM de Saint-Quentin;;QN00201M;;",
            ["ligne 5, colonne nom : le CLSM « CLSM de Saint-Quentin » figure déjà ligne 3"],
        ),
        (
            "clsm de saint-quentin;;QN00201M;;",
            ["ligne 5, colonne nom : le CLSM « clsm de saint-quentin » figure déjà ligne 3"],
        ),
        (";;QN00101M;;", ["ligne 5, colonne nom : valeur obligatoire manquante"]),
        (
            "N" * 201 + ";;QN00101M;;",
            ["ligne 5, colonne nom : texte trop long (201 caractères, 200 au maximum)"],
        ),
    ],
    ids=[
        "unknown-qpv",
        "code-in-status",
        "unknown-commune",
        "bad-status",
        "status-case",
        "bad-email",
        "duplicate-name",
        "duplicate-name-case",
        "missing-name",
        "name-too-long",
    ],
)
def test_bad_row_is_reported_and_nothing_is_written(existing_clsm, tmp_path, bad_row, expected):
    path = write_csv(tmp_path, [*good_rows(), bad_row])
    message, errors = run_failing(path)
    assert errors == expected
    assert message == (
        f"{len(expected)} erreur{'s' if len(expected) > 1 else ''} dans {path} : rien n'a été importé. "
        "Corrigez le fichier et relancez."
    )
    assert_nothing_written()


def test_every_bad_row_is_reported_in_line_order(existing_clsm, tmp_path):
    path = write_csv(
        tmp_path,
        [
            "CLSM Un;1053;QN99999Z;pause;@",
            *good_rows(),
            ";;;;",
            "",
            'CLSM Deux;"01053;99999;ABCDE";"QN00101M;QN00000A";;',
            ";;QN00101M;;",
        ],
    )
    message, errors = run_failing(path)
    assert errors == [
        "ligne 2, colonne qpv : QPV inconnu « QN99999Z »",
        "ligne 2, colonne statut : valeur inconnue « pause » (valeurs possibles : actif, en_projet)",
        "ligne 2, colonne email_contact : adresse e-mail invalide « @ »",
        "ligne 8, colonne qpv : QPV inconnu « QN00000A »",
        "ligne 8, colonne communes : commune inconnue « 99999 » (code INSEE du COG 2024 attendu)",
        "ligne 8, colonne communes : commune inconnue « ABCDE » (code INSEE du COG 2024 attendu)",
        "ligne 9, colonne nom : valeur obligatoire manquante",
    ]
    assert message == f"7 erreurs dans {path} : rien n'a été importé. Corrigez le fichier et relancez."
    assert_nothing_written()


def test_missing_nom_column(existing_clsm, tmp_path):
    path = write_csv(
        tmp_path,
        ["CLSM Neuf;;QN00101M;actif;", f"{EXISTING};;QN00101M;en_projet;"],
        header="name;communes;qpv;statut;email_contact",
    )
    message, errors = run_failing(path)
    assert errors == ["ligne 1, colonne nom : colonne obligatoire absente de la ligne d'en-têtes"]
    assert message == f"1 erreur dans {path} : rien n'a été importé. Corrigez le fichier et relancez."
    assert_nothing_written()


def test_header_only_file(existing_clsm, tmp_path):
    path = write_csv(tmp_path, [";;;;"])
    _, errors = run_failing(path)
    assert errors == ["ligne 1 : le fichier ne contient aucune ligne de données sous les en-têtes"]
    assert_nothing_written()


def test_file_errors(existing_clsm, tmp_path):
    empty = tmp_path / "vide.csv"
    empty.write_bytes(b"")
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(f"{HEADER}\nCLSM de Béziers;;;;\n".encode("latin-1"))
    missing = tmp_path / "absent.csv"
    cases = [
        (empty, "Le fichier est vide."),
        (
            latin1,
            "Le fichier n'est pas encodé en UTF-8 (premier caractère illisible ligne 2). "
            "Enregistrez-le au format « CSV UTF-8 » ou en XLSX.",
        ),
        (missing, f"Fichier introuvable : {missing}"),
    ]
    for path, expected in cases:
        out, err = io.StringIO(), io.StringIO()
        with pytest.raises(CommandError) as excinfo:
            call_command("import_data", "clsm", str(path), stdout=out, stderr=err)
        assert str(excinfo.value) == expected
        assert out.getvalue() == err.getvalue() == ""
    assert_nothing_written()


# XLSX --------------------------------------------------------------------------------------------------


def write_xlsx(tmp_path, rows, *, header=HEADER) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header.split(";"))
    for row in rows:
        sheet.append(list(row))
    path = tmp_path / "clsm.xlsx"
    workbook.save(path)
    workbook.close()
    return path


def test_xlsx_import(db, tmp_path):
    path = write_xlsx(
        tmp_path,
        [
            ("CLSM de Bourg-en-Bresse", None, "QN00101M;QN00102M", None, "clsm@bourgenbresse.fr"),
            (None, None, None, None, None),
            ("CLSM de Saint-Quentin", None, "QN00201M", "en_projet", None),
            ("CLSM numérique", 1053, None, "actif", None),
            ("CLSM flottant", 1004.0, None, None, None),
        ],
    )
    assert run_import(path) == "4 CLSM importés (4 créés, 0 mis à jour)\n"
    assert state("CLSM de Bourg-en-Bresse") == (
        CLSM.Status.ACTIVE,
        "clsm@bourgenbresse.fr",
        ["QN00101M", "QN00102M"],
        ["01053"],
    )
    assert state("CLSM de Saint-Quentin") == (CLSM.Status.PLANNED, "", ["QN00201M"], ["02571", "02691"])
    assert state("CLSM numérique")[3] == ["01053"]
    assert state("CLSM flottant")[3] == ["01004"]
    assert run_import(path) == "4 CLSM importés (0 créé, 0 mis à jour)\n"


def test_xlsx_errors_use_spreadsheet_rows(db, tmp_path):
    path = write_xlsx(
        tmp_path,
        [
            ("CLSM de Bourg-en-Bresse", None, "QN00101M", None, None),
            (None,),
            ("CLSM Faux", 99999, None, "ferme", None),
        ],
    )
    _, errors = run_failing(path)
    assert errors == [
        "ligne 4, colonne communes : commune inconnue « 99999 » (code INSEE du COG 2024 attendu)",
        "ligne 4, colonne statut : valeur inconnue « ferme » (valeurs possibles : actif, en_projet)",
    ]
    assert CLSM.objects.count() == 0


def test_name_differing_only_by_case_does_not_duplicate_a_clsm(db, tmp_path):
    CLSMFactory(name="CLSM de Bourg", status=CLSM.Status.ACTIVE)
    path = write_csv(tmp_path, ["clsm de bourg;;;en_projet;"])
    with contextlib.suppress(CommandError):  # refusing the row would be a fix too
        run_import(path)
    names = [name.casefold() for name in CLSM.objects.values_list("name", flat=True)]
    assert names == ["clsm de bourg"]
