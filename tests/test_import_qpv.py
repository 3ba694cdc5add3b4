"""`import_qpv FILE`: the official QPV lists (ANCT CSV/XLSX of 2024, 2015 GeoJSON perimeters).

The reference data (COG 2024 and the 1,584 QPV of 2024) is already in the test database."""

import contextlib
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from territories.models import QPV, QPVPerimeter

DATA = Path(__file__).parent / "data"
SAMPLE_CSV = DATA / "listeqp2024_sample.csv"
GEOJSON_2015 = DATA / "qp2015_occitanie.geojson"

HEADER = "code_qp;lib_qp;insee_reg;lib_reg;insee_dep;lib_dep;insee_com;lib_com;siren_epci;lib_epci"
CODE_HELP = "attendu QN + département sur 3 caractères + 2 chiffres + une lettre (QN07501M), ou QP + 6 chiffres"


def run_import(path) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_qpv", str(path), stdout=out, stderr=err)
    assert err.getvalue() == ""
    return out.getvalue()


def run_failing(path) -> tuple[str, list[str]]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_qpv", str(path), stdout=out, stderr=err)
    assert out.getvalue() == ""
    return str(excinfo.value), err.getvalue().splitlines()


def line(code, name, dep, communes, *, sep=";") -> str:
    """One row laid out like the ANCT file (region, labels and EPCI left blank)."""
    return sep.join([code, name, "", "", dep, "", communes, "", "", ""])


def write_csv(tmp_path, rows, *, header=HEADER, bom=True, name="liste.csv", trailing=";;;;") -> Path:
    text = "\n".join([header + trailing, *(r + trailing for r in rows), trailing]) + "\n"
    path = tmp_path / name
    path.write_bytes((("\ufeff" if bom else "") + text).encode())
    return path


def snapshot(codes=None) -> dict:
    """code → (name, department, list year, communes, latitude, longitude) of QPV in the database."""
    qpvs = QPV.objects.prefetch_related("communes")
    if codes is not None:
        qpvs = qpvs.filter(code__in=codes)
    return {
        q.code: (
            q.name,
            q.department_id,
            q.list_year,
            sorted(c.code for c in q.communes.all()),
            q.latitude,
            q.longitude,
        )
        for q in qpvs
    }


def communes_of(code) -> list[str]:
    return sorted(QPV.objects.get(code=code).communes.values_list("code", flat=True))


def quote(cell: str, sep=";") -> str:
    if sep in cell or '"' in cell or "\n" in cell:
        return '"' + cell.replace('"', '""') + '"'
    return cell


def drop_zeros(code: str) -> str:
    return str(int(code)) if code.isdigit() else code


def official_csv(tmp_path, *, rename=None) -> Path:
    """The whole 2024 list written from the database like the ANCT publishes it."""
    rows = []
    qpvs = QPV.objects.select_related("department__region").prefetch_related("communes").order_by("code")
    for index, qpv in enumerate(qpvs):
        communes = sorted(qpv.communes.all(), key=lambda c: c.code)
        region = qpv.department.region
        if len(communes) > 1:
            com_cell = '"' + "; ".join(c.code for c in communes) + '"'
            com_names = quote("; ".join(c.name for c in communes))
        elif index % 7 == 0:
            com_cell = f'="{communes[0].code}"'
            com_names = quote(communes[0].name)
        else:
            com_cell = drop_zeros(communes[0].code)
            com_names = quote(communes[0].name)
        dep_cell = f'="{qpv.department_id}"' if index % 11 == 0 else drop_zeros(qpv.department_id)
        name = rename if rename and qpv.code == rename[0] else None
        rows.append(
            ";".join(
                [
                    qpv.code,
                    quote(name[1] if name else qpv.name),
                    region.code if region else "",
                    quote(region.name) if region else "",
                    dep_cell,
                    quote(qpv.department.name),
                    com_cell,
                    com_names,
                    "200071751",
                    "CA Quelque Part",
                ]
            )
            + ";;;;;;;;;;;;;"
        )
    text = "\ufeff" + HEADER + ";;;;;;;;;;;;;\n" + "\n".join(rows) + "\n" + ";" * 22 + "\n"
    path = tmp_path / "listeqp2024.csv"
    path.write_bytes(text.encode())
    return path


# The real sample ---------------------------------------------------------------------------------------


def test_sample_csv_imports_its_four_qpv_unchanged(db):
    before = snapshot()
    assert run_import(SAMPLE_CSV) == "4 QPV importés (0 créé, 0 mis à jour)\n"
    assert snapshot() == before
    assert QPV.objects.count() == 1584
    assert communes_of("QN00201M") == ["02571", "02691"]
    assert communes_of("QN00101M") == ["01053"]
    assert communes_of("QN00102M") == ["01053"]
    assert communes_of("QN00103M") == ["01004"]
    assert QPV.objects.get(code="QN00201M").department_id == "02"


def test_sample_csv_restores_changed_values(db):
    qpv = QPV.objects.get(code="QN00201M")
    qpv.name = "Ancien nom"
    qpv.save()
    qpv.communes.set(["02691"])
    QPV.objects.filter(code="QN00101M").update(name="Autre")
    assert run_import(SAMPLE_CSV) == "4 QPV importés (0 créé, 2 mis à jour)\n"
    assert QPV.objects.get(code="QN00201M").name == "Europe"
    assert QPV.objects.get(code="QN00101M").name == "Grande Reyssouze Terre Des Fleurs"
    assert communes_of("QN00201M") == ["02571", "02691"]
    assert run_import(SAMPLE_CSV) == "4 QPV importés (0 créé, 0 mis à jour)\n"


def test_csv_import_keeps_existing_perimeters(db):
    perimeter = QPVPerimeter.objects.get(qpv__code="QN00101M").geometry
    location = QPV.objects.filter(code="QN00101M").values_list("latitude", "longitude").get()
    run_import(SAMPLE_CSV)
    assert QPVPerimeter.objects.get(qpv__code="QN00101M").geometry == perimeter
    assert QPV.objects.filter(code="QN00101M").values_list("latitude", "longitude").get() == location


# The full official list --------------------------------------------------------------------------------


def test_full_official_csv_creates_then_changes_nothing(db, tmp_path):
    before = {code: values[:4] for code, values in snapshot().items()}
    assert len(before) == 1584
    path = official_csv(tmp_path)
    text = path.read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    assert len(lines) == 1 + 1584 + 1
    assert lines[0] == HEADER + ";" * 13
    assert lines[1].startswith('QN00101M;Grande Reyssouze Terre Des Fleurs;84;Auvergne-Rhône-Alpes;="01";Ain;="01053";')
    assert lines[2].startswith("QN00102M;Croix Blanche;84;Auvergne-Rhône-Alpes;1;Ain;1053;Bourg-en-Bresse;")
    assert any(row.startswith('QN00201M;Europe;32;Hauts-de-France;2;Aisne;"02571; 02691";') for row in lines)
    assert lines[-1] == ";" * 22

    QPV.objects.all().delete()
    assert QPV.objects.count() == 0

    assert run_import(path) == "1584 QPV importés (1584 créés, 0 mis à jour)\n"
    assert QPV.objects.count() == 1584
    assert {code: values[:4] for code, values in snapshot().items()} == before
    assert communes_of("QN00201M") == ["02571", "02691"]
    assert QPV.objects.get(code="QN02A01M").department_id == "2A"
    assert communes_of("QN02A01M") == ["2A247"]
    assert QPV.objects.get(code="QN98701M").department_id == "987"
    assert communes_of("QN98701M") == ["98712"]
    assert set(QPV.objects.values_list("list_year", flat=True)) == {2024}

    assert run_import(path) == "1584 QPV importés (0 créé, 0 mis à jour)\n"
    assert QPV.objects.count() == 1584

    renamed = official_csv(tmp_path, rename=("QN00102M", "Croix Blanche ; Nouveau nom"))
    assert run_import(renamed) == "1584 QPV importés (0 créé, 1 mis à jour)\n"
    assert QPV.objects.get(code="QN00102M").name == "Croix Blanche ; Nouveau nom"
    assert QPV.objects.count() == 1584


def test_full_official_csv_over_existing_list_changes_nothing(db, tmp_path):
    assert run_import(official_csv(tmp_path)) == "1584 QPV importés (0 créé, 0 mis à jour)\n"


# Variants of the CSV -----------------------------------------------------------------------------------


def test_new_qpv_created_with_department_and_communes(db, tmp_path):
    path = write_csv(
        tmp_path,
        [
            line("QN00199M", "Quartier Neuf", "1", "1053"),
            line("QN00299M", "Deux Communes", "2", '"02571; 02691"'),
            line("qn02a99m", "  Corse Neuve  ", "2A", "2A247"),
            line("QN98799M", "Polynésie Neuve", "987", "98712"),
        ],
    )
    assert run_import(path) == "4 QPV importés (4 créés, 0 mis à jour)\n"
    assert snapshot(["QN00199M", "QN00299M", "QN02A99M", "QN98799M"]) == {
        "QN00199M": ("Quartier Neuf", "01", 2024, ["01053"], None, None),
        "QN00299M": ("Deux Communes", "02", 2024, ["02571", "02691"], None, None),
        "QN02A99M": ("Corse Neuve", "2A", 2024, ["2A247"], None, None),
        "QN98799M": ("Polynésie Neuve", "987", 2024, ["98712"], None, None),
    }
    assert QPV.objects.count() == 1588
    assert run_import(path) == "4 QPV importés (0 créé, 0 mis à jour)\n"


def test_2015_list_as_csv(db, tmp_path):
    path = write_csv(
        tmp_path,
        [
            line("QP001001", "Ancien Quartier", "1", "1053"),
            line("QP02A001", "Ancien Quartier Corse", "2A", "2A247"),
        ],
    )
    assert run_import(path) == "2 QPV importés (2 créés, 0 mis à jour)\n"
    assert snapshot(["QP001001", "QP02A001"]) == {
        "QP001001": ("Ancien Quartier", "01", 2015, ["01053"], None, None),
        "QP02A001": ("Ancien Quartier Corse", "2A", 2015, ["2A247"], None, None),
    }
    assert not QPVPerimeter.objects.filter(qpv__code__startswith="QP").exists()


def test_department_column_is_optional(db, tmp_path):
    header = "code_qp;lib_qp;insee_com"
    path = tmp_path / "sans_dep.csv"
    path.write_bytes(
        f"{header}\nQN00199M;Quartier Neuf;1053\nQN00101M;Grande Reyssouze Terre Des Fleurs;1053\n".encode()
    )
    assert run_import(path) == "2 QPV importés (1 créé, 0 mis à jour)\n"
    assert QPV.objects.get(code="QN00199M").department_id == "01"


def test_comma_separated_variant(db, tmp_path):
    rows = [
        line("QN00102M", "Croix Blanche", "1", "1053", sep=","),
        line("QN00201M", "Europe", "2", '"02571, 02691"', sep=","),
        line("QN00199M", '"Quartier Neuf, Sud"', "1", "1053", sep=","),
    ]
    path = write_csv(tmp_path, rows, header=HEADER.replace(";", ","), trailing=",,,")
    assert run_import(path) == "3 QPV importés (1 créé, 0 mis à jour)\n"
    assert QPV.objects.get(code="QN00199M").name == "Quartier Neuf, Sud"
    assert communes_of("QN00201M") == ["02571", "02691"]


def test_comma_separated_sample_layout(db, tmp_path):
    text = SAMPLE_CSV.read_text(encoding="utf-8-sig")
    path = tmp_path / "virgules.csv"
    path.write_bytes(("\ufeff" + text.replace(";", ",").replace('"02571, 02691"', '"02571; 02691"')).encode())
    assert run_import(path) == "4 QPV importés (0 créé, 0 mis à jour)\n"


def test_utf8_without_bom_variant(db, tmp_path):
    data = SAMPLE_CSV.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    path = tmp_path / "sans_bom.csv"
    path.write_bytes(data[3:].replace(b"Croix Blanche", "Croix Blanche Élargie".encode()))
    assert run_import(path) == "4 QPV importés (0 créé, 1 mis à jour)\n"
    assert QPV.objects.get(code="QN00102M").name == "Croix Blanche Élargie"


def test_header_aliases_are_recognised(db, tmp_path):
    path = tmp_path / "alias.csv"
    path.write_bytes("Code_QPV;Nom QPV;Code département;Code commune\nQN00199M;Neuf;01;01053\n".encode())
    assert run_import(path) == "1 QPV importé (1 créé, 0 mis à jour)\n"
    assert snapshot(["QN00199M"])["QN00199M"][:4] == ("Neuf", "01", 2024, ["01053"])


# XLSX --------------------------------------------------------------------------------------------------


def write_xlsx(tmp_path, rows, *, name="liste.xlsx") -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([*HEADER.split(";"), None, None])
    for row in rows:
        sheet.append(list(row))
    path = tmp_path / name
    workbook.save(path)
    workbook.close()
    return path


def test_xlsx_sample_imports_like_the_csv(db, tmp_path):
    before = snapshot()
    path = write_xlsx(
        tmp_path,
        [
            ("QN00102M", "Croix Blanche", 84, "Auvergne-Rhône-Alpes", 1, "Ain", 1053, "Bourg-en-Bresse", 200071751),
            ("QN00101M", "Grande Reyssouze Terre Des Fleurs", 84, None, 1.0, "Ain", 1053.0, None, None),
            ("QN00103M", "Les Courbes De L'Albarine", 84, None, "01", "Ain", "01004", None, None),
            (),
            ("QN00201M", "Europe", 32, None, 2, "Aisne", "02571; 02691", "Omissy; Saint-Quentin", None),
        ],
    )
    assert run_import(path) == "4 QPV importés (0 créé, 0 mis à jour)\n"
    assert snapshot() == before


def test_xlsx_creates_and_updates(db, tmp_path):
    path = write_xlsx(
        tmp_path,
        [
            ("QN00102M", "Croix Blanche Nord", 84, None, 1, "Ain", 1053),
            ("QN00199M", "Quartier Neuf", 84, None, 1, "Ain", 1053),
        ],
    )
    assert run_import(path) == "2 QPV importés (1 créé, 1 mis à jour)\n"
    assert QPV.objects.get(code="QN00102M").name == "Croix Blanche Nord"
    assert snapshot(["QN00199M"])["QN00199M"][:4] == ("Quartier Neuf", "01", 2024, ["01053"])
    assert run_import(path) == "2 QPV importés (0 créé, 0 mis à jour)\n"


def test_xlsx_error_reports_spreadsheet_row(db, tmp_path):
    path = write_xlsx(
        tmp_path,
        [
            ("QN00102M", "Croix Blanche Nord", 84, None, 1, "Ain", 1053),
            (None,),
            ("QN00199M", "Quartier Neuf", 84, None, 1, "Ain", 99999),
        ],
    )
    message, errors = run_failing(path)
    assert errors == ["ligne 4, colonne insee_com : commune inconnue « 99999 » (absente du COG 2024)"]
    assert message == f"1 erreur dans {path} : aucun QPV n'a été importé."
    assert QPV.objects.get(code="QN00102M").name == "Croix Blanche"
    assert not QPV.objects.filter(code="QN00199M").exists()


# GeoJSON of the 2015 list ------------------------------------------------------------------------------


def test_geojson_2015_creates_qpv_with_perimeters(db):
    features = json.loads(GEOJSON_2015.read_text(encoding="utf-8"))["features"]
    assert len(features) == 105
    assert run_import(GEOJSON_2015) == "105 QPV importés (105 créés, 0 mis à jour)\n"
    qpvs = QPV.objects.filter(code__startswith="QP")
    assert qpvs.count() == 105
    assert QPV.objects.count() == 1584 + 105
    assert set(qpvs.values_list("list_year", flat=True)) == {2015}
    assert QPVPerimeter.objects.filter(qpv__code__startswith="QP").count() == 105
    assert not qpvs.filter(latitude__isnull=True).exists()
    assert not qpvs.filter(longitude__isnull=True).exists()

    by_code = {q.code: q for q in qpvs.select_related("perimeter").prefetch_related("communes")}
    for feature in features:
        props = feature["properties"]
        qpv = by_code[props["code_qp"]]
        assert qpv.name == props["nom_qp"]
        assert qpv.department_id == props["code_departement"]
        assert [c.code for c in qpv.communes.all()] == [props["code_commune"]]
        assert qpv.perimeter.geometry == feature["geometry"]
        ring = feature["geometry"]["coordinates"][0]
        longitudes, latitudes = [p[0] for p in ring], [p[1] for p in ring]
        assert qpv.latitude == pytest.approx((min(latitudes) + max(latitudes)) / 2)
        assert qpv.longitude == pytest.approx((min(longitudes) + max(longitudes)) / 2)
        assert 42 < qpv.latitude < 45.5 and -0.5 < qpv.longitude < 5

    perpignan = by_code["QP066007"]
    assert (perpignan.name, perpignan.department_id) == ("Bas-Vernet Nouveau QPV", "66")

    assert run_import(GEOJSON_2015) == "105 QPV importés (0 créé, 0 mis à jour)\n"
    assert QPV.objects.count() == 1584 + 105


def geojson_file(tmp_path, features, name="perimetres.geojson") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def feature(code, name, commune, dep, ring):
    return {
        "type": "Feature",
        "properties": {"code_qp": code, "nom_qp": name, "code_commune": commune, "code_departement": dep},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def test_geojson_perimeter_update(db, tmp_path):
    ring = [[5.0, 46.0], [5.2, 46.0], [5.2, 46.4], [5.0, 46.0]]
    path = geojson_file(tmp_path, [feature("QN00101M", "Grande Reyssouze Terre Des Fleurs", "01053", "01", ring)])
    assert run_import(path) == "1 QPV importé (0 créé, 1 mis à jour)\n"
    qpv = QPV.objects.get(code="QN00101M")
    assert qpv.perimeter.geometry == {"type": "Polygon", "coordinates": [ring]}
    assert (qpv.latitude, qpv.longitude) == (pytest.approx(46.2), pytest.approx(5.1))
    assert run_import(path) == "1 QPV importé (0 créé, 0 mis à jour)\n"


def test_geojson_errors_speak_of_entities(db, tmp_path):
    ring = [[5.0, 46.0], [5.2, 46.0], [5.2, 46.4], [5.0, 46.0]]
    path = geojson_file(
        tmp_path,
        [
            feature("QP001001", "Bon", "01053", "01", ring),
            feature("QP00100", "Code court", "01053", "01", ring),
        ],
    )
    _, errors = run_failing(path)
    assert errors == [f"entité 2, colonne code_qp : code QPV mal formé « QP00100 » ({CODE_HELP})"]
    assert not QPV.objects.filter(code="QP001001").exists()


def test_geojson_unreadable(db, tmp_path):
    path = tmp_path / "casse.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    with pytest.raises(CommandError) as excinfo:
        call_command("import_qpv", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert str(excinfo.value).startswith("Le fichier JSON est illisible : ")


def test_json_not_a_qpv_list(db, tmp_path):
    path = tmp_path / "autre.json"
    path.write_text('{"type": "Feature"}', encoding="utf-8")
    with pytest.raises(CommandError) as excinfo:
        call_command("import_qpv", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert str(excinfo.value) == "Ce JSON n'est ni une FeatureCollection GeoJSON ni une liste de QPV reconnue."


# Errors: nothing is written ----------------------------------------------------------------------------

GOOD_ROWS = [
    line("QN00102M", "Croix Blanche Modifiée", "1", "1053"),  # would be an update
    line("QN00199M", "Quartier Neuf", "1", "1053"),  # would be a creation
]


def assert_nothing_written():
    assert QPV.objects.count() == 1584
    assert QPV.objects.get(code="QN00102M").name == "Croix Blanche"
    assert not QPV.objects.filter(code="QN00199M").exists()


@pytest.mark.parametrize(
    ("bad_row", "expected"),
    [
        (
            line("QX123", "Mauvais code", "1", "1053"),
            f"ligne 4, colonne code_qp : code QPV mal formé « QX123 » ({CODE_HELP})",
        ),
        (
            line("QN0010M", "Code trop court", "1", "1053"),
            f"ligne 4, colonne code_qp : code QPV mal formé « QN0010M » ({CODE_HELP})",
        ),
        (
            line("", "Sans code", "1", "1053"),
            "ligne 4, colonne code_qp : code du QPV manquant",
        ),
        (
            line("QN00198M", "Commune inconnue", "1", "99999"),
            "ligne 4, colonne insee_com : commune inconnue « 99999 » (absente du COG 2024)",
        ),
        (
            line("QN00198M", "Sans commune", "1", ""),
            "ligne 4, colonne insee_com : aucune commune (code INSEE) indiquée",
        ),
        (
            line("QN00102M", "Croix Blanche", "1", "1053"),
            "ligne 4, colonne code_qp : QPV QN00102M en double (déjà présent ligne 2)",
        ),
        (
            line("QN00198M", "", "1", "1053"),
            "ligne 4, colonne lib_qp : nom du QPV manquant",
        ),
        (
            line("QN00198M", "Mauvais département", "2", "1053"),
            "ligne 4, colonne insee_dep : le département « 02 » ne correspond pas au code QN00198M (01)",
        ),
        (
            line("QN99998M", "Département inconnu", "", "1053"),
            "ligne 4, colonne insee_dep : département inconnu « 999 »",
        ),
    ],
    ids=[
        "malformed",
        "too-short",
        "no-code",
        "unknown-commune",
        "no-commune",
        "duplicate",
        "no-name",
        "wrong-department",
        "unknown-department",
    ],
)
def test_bad_row_is_reported_and_nothing_is_written(db, tmp_path, bad_row, expected):
    path = write_csv(tmp_path, [*GOOD_ROWS, bad_row])
    message, errors = run_failing(path)
    assert errors == [expected]
    assert message == f"1 erreur dans {path} : aucun QPV n'a été importé."
    assert_nothing_written()


def test_every_bad_row_is_reported_in_line_order(db, tmp_path):
    path = write_csv(
        tmp_path,
        [
            line("QN00102M", "", "1", "1053"),
            *GOOD_ROWS,
            "",
            line("QX123", "Mauvais", "1", '"1053; 99999"'),
            line("QN00199M", "Doublon", "1", "1053"),
        ],
    )
    message, errors = run_failing(path)
    assert errors == [
        "ligne 2, colonne lib_qp : nom du QPV manquant",
        "ligne 3, colonne code_qp : QPV QN00102M en double (déjà présent ligne 2)",
        f"ligne 6, colonne code_qp : code QPV mal formé « QX123 » ({CODE_HELP})",
        "ligne 6, colonne insee_com : commune inconnue « 99999 » (absente du COG 2024)",
        "ligne 7, colonne code_qp : QPV QN00199M en double (déjà présent ligne 4)",
    ]
    assert message == f"5 erreurs dans {path} : aucun QPV n'a été importé."
    assert_nothing_written()


def test_missing_required_column(db, tmp_path):
    header = "code_qp;insee_reg;lib_reg;insee_dep;lib_dep;insee_com;lib_com;siren_epci;lib_epci"
    path = write_csv(tmp_path, ["QN00102M;;;1;;1053;;;", "QN00199M;;;1;;1053;;;"], header=header)
    message, errors = run_failing(path)
    assert errors == [
        "ligne 1, colonne lib_qp : colonne obligatoire absente de la ligne d'en-têtes "
        "(noms reconnus : lib_qp, nom_qp, libelle_qp, lib_qpv, nom_qpv)"
    ]
    assert message == f"1 erreur dans {path} : aucun QPV n'a été importé."
    assert_nothing_written()


def test_missing_every_required_column(db, tmp_path):
    path = write_csv(tmp_path, ["a;b"], header="colonne_a;colonne_b")
    _, errors = run_failing(path)
    assert [e.split(" : ")[0] for e in errors] == [
        "ligne 1, colonne code_qp",
        "ligne 1, colonne lib_qp",
        "ligne 1, colonne insee_com",
    ]
    assert_nothing_written()


def assert_file_error(path, expected):
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_qpv", str(path), stdout=out, stderr=err)
    assert str(excinfo.value) == expected
    assert out.getvalue() == ""
    assert_nothing_written()


def test_empty_file(db, tmp_path):
    path = tmp_path / "vide.csv"
    path.write_bytes(b"")
    assert_file_error(path, "Le fichier est vide.")


def test_blank_header_file(db, tmp_path):
    path = tmp_path / "vide.csv"
    path.write_bytes(b"\xef\xbb\xbf;;;;\n;;;;\n")
    assert_file_error(path, "La première ligne du fichier doit contenir les noms des colonnes ; elle est vide.")


def test_latin1_file(db, tmp_path):
    path = tmp_path / "latin1.csv"
    text = "\n".join([HEADER, *GOOD_ROWS, line("QN00201M", "Europe Élargie", "2", '"02571; 02691"')]) + "\n"
    path.write_bytes(text.encode("latin-1"))
    assert_file_error(
        path,
        "Le fichier n'est pas encodé en UTF-8 (premier caractère illisible ligne 2). "
        "Enregistrez-le au format « CSV UTF-8 » ou en XLSX.",
    )


def test_file_not_found(db, tmp_path):
    path = tmp_path / "absent.csv"
    assert_file_error(path, f"Fichier introuvable : {path}")


def test_damaged_xlsx(db, tmp_path):
    path = tmp_path / "liste.xlsx"
    path.write_bytes(b"PK\x03\x04 pas vraiment un zip")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_qpv", str(path), stdout=out, stderr=err)
    assert str(excinfo.value).startswith("Le fichier XLSX est illisible ou endommagé")
    assert_nothing_written()


def test_geojson_polygon_with_empty_coordinates_does_not_crash(db, tmp_path):
    empty = feature("QP001001", "Sans périmètre", "01053", "01", [])
    empty["geometry"]["coordinates"] = []
    path = geojson_file(tmp_path, [empty])
    with contextlib.suppress(CommandError):  # a reported error would be acceptable; a traceback is not
        run_import(path)
