"""Unit tests of the shared import machinery: `imports.tables.read_table` (CSV/XLSX reading) and the cell
parsers of `imports.base.Importer`, which report `ligne N, colonne X : message`."""

import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from imports import tables
from imports.base import Column, Importer, ImportFailed, ImportResult, RowError
from imports.tables import FileError, Row, clean_cell, read_table


def xlsx_bytes(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    workbook.close()
    return buffer.getvalue()


def row(line=2, **values) -> Row:
    return Row(line=line, values=values)


def messages(importer) -> list[str]:
    return [str(error) for error in importer.errors]


class TinyImporter(Importer):
    """Just enough of an importer to exercise `run` and the parsers."""

    kind = "tiny"
    noun_singular = "chose"
    noun_plural = "choses"
    columns = (
        Column("nom", "nom", required=True),
        Column("quand", "date"),
        Column("actif", "booléen"),
        Column("note", "entier de 1 à 4"),
    )

    def parse_row(self, row):
        return {
            "nom": self.text(row, "nom", required=True),
            "quand": self.date(row, "quand"),
            "actif": self.boolean(row, "actif"),
            "note": self.integer(row, "note", minimum=1, maximum=4),
        }

    def apply(self, parsed, result):
        self.applied = parsed
        result.created = len(parsed)


# read_table: CSV ---------------------------------------------------------------------------------------


def test_csv_bom_is_stripped_from_first_header():
    table = read_table("\ufeffnom;communes\nCLSM A;01053\n".encode())
    assert table.headers == ["nom", "communes"]
    assert table.rows[0].values == {"nom": "CLSM A", "communes": "01053"}


def test_csv_without_bom_reads_the_same():
    table = read_table(b"nom;communes\nCLSM A;01053\n")
    assert table.headers == ["nom", "communes"]
    assert table.rows[0].get("nom") == "CLSM A"


def test_csv_semicolon_separator_detected_even_with_commas_in_cells():
    table = read_table(b"nom;message\nCLSM A;bonjour, au revoir\n")
    assert table.headers == ["nom", "message"]
    assert table.rows[0].get("message") == "bonjour, au revoir"


def test_csv_comma_separator_detected():
    table = read_table(b'nom,qpv,statut\nCLSM A,"QN00101M;QN00102M",actif\n')
    assert table.headers == ["nom", "qpv", "statut"]
    assert table.rows[0].values == {"nom": "CLSM A", "qpv": "QN00101M;QN00102M", "statut": "actif"}


def test_csv_comma_header_with_more_commas_than_semicolons():
    table = read_table(b"a,b,c;d\n1,2,3;4\n")
    assert table.headers == ["a", "b", "c;d"]
    assert table.rows[0].get("c;d") == "3;4"


def test_csv_cells_and_headers_are_stripped():
    table = read_table(b"  nom  ; communes \n  CLSM A  ;  01053 \n")
    assert table.headers == ["nom", "communes"]
    assert table.rows[0].values == {"nom": "CLSM A", "communes": "01053"}


def test_csv_excel_text_wrapper_is_undone():
    # Raw `="01053"` and the form Excel writes when it quotes the cell: "=""01053""".
    table = read_table(b'code;autre\n="01053";"=""2A247"""\n')
    assert table.rows[0].values == {"code": "01053", "autre": "2A247"}


def test_csv_excel_text_wrapper_in_header():
    table = read_table(b'="nom";communes\nA;="1053"\n')
    assert table.headers == ["nom", "communes"]
    assert table.rows[0].values == {"nom": "A", "communes": "1053"}


def test_csv_blank_rows_are_skipped_and_line_numbers_stay_true():
    data = b"nom;statut\nA;actif\n;\n\n   ;  \nB;en_projet\n;;\nC;actif\n"
    table = read_table(data)
    assert [(r.line, r.get("nom")) for r in table.rows] == [(2, "A"), (6, "B"), (8, "C")]


def test_csv_crlf_line_endings():
    table = read_table(b"nom;statut\r\nA;actif\r\nB;en_projet\r\n")
    assert [(r.line, r.get("nom"), r.get("statut")) for r in table.rows] == [
        (2, "A", "actif"),
        (3, "B", "en_projet"),
    ]


def test_csv_trailing_empty_columns_are_ignored():
    table = read_table("\ufeffcode_qp;lib_qp;;;;\nQN00101M;Grande;;;;\n;;;;;\n".encode())
    assert table.headers == ["code_qp", "lib_qp"]
    assert len(table.rows) == 1
    assert table.rows[0].values == {"code_qp": "QN00101M", "lib_qp": "Grande"}


def test_csv_short_rows_give_blank_values_and_extra_cells_are_ignored():
    table = read_table(b"a;b;c\n1\n1;2;3;4;5\n")
    assert table.rows[0].get("b") == ""
    assert table.rows[0].get("c") == ""
    assert table.rows[1].values == {"a": "1", "b": "2", "c": "3"}


def test_csv_duplicate_header_keeps_first_column():
    table = read_table(b"nom;nom\npremier;second\n")
    assert table.rows[0].get("nom") == "premier"


def test_csv_quoted_multiline_cell():
    table = read_table(b'nom;message\nA;"ligne un\nligne deux"\n')
    assert table.rows[0].get("message") == "ligne un\nligne deux"


def test_read_table_from_path_and_open_file(tmp_path):
    path = tmp_path / "clsm.csv"
    path.write_bytes("\ufeffnom;statut\nCLSM é;actif\n".encode())
    assert read_table(path).rows[0].get("nom") == "CLSM é"
    assert read_table(str(path)).rows[0].get("nom") == "CLSM é"
    with path.open("rb") as handle:
        assert read_table(handle).rows[0].get("nom") == "CLSM é"


def test_read_table_file_not_found(tmp_path):
    missing = tmp_path / "absent.csv"
    with pytest.raises(FileError) as excinfo:
        read_table(missing)
    assert str(excinfo.value) == f"Fichier introuvable : {missing}"


def test_read_table_empty_file(tmp_path):
    path = tmp_path / "vide.csv"
    path.write_bytes(b"")
    with pytest.raises(FileError) as excinfo:
        read_table(path)
    assert str(excinfo.value) == "Le fichier est vide."


def test_read_table_whitespace_only_file():
    with pytest.raises(FileError) as excinfo:
        read_table(b"  \n\r\n  \n")
    assert str(excinfo.value) == "Le fichier est vide."


def test_read_table_bom_only_file():
    with pytest.raises(FileError) as excinfo:
        read_table(b"\xef\xbb\xbf")
    assert str(excinfo.value) == ("Le fichier est vide : il doit commencer par une ligne d'en-têtes de colonnes.")


def test_read_table_blank_header_line():
    with pytest.raises(FileError) as excinfo:
        read_table(b";;;\nA;B;C\n")
    assert str(excinfo.value) == "La première ligne du fichier doit contenir les noms des colonnes ; elle est vide."


def test_read_table_not_utf8():
    data = "nom;statut\nCLSM A;actif\nCLSM de Béziers;actif\n".encode("latin-1")
    with pytest.raises(FileError) as excinfo:
        read_table(data)
    assert str(excinfo.value) == (
        "Le fichier n'est pas encodé en UTF-8 (premier caractère illisible ligne 3). "
        "Enregistrez-le au format « CSV UTF-8 » ou en XLSX."
    )


def test_read_table_null_bytes():
    with pytest.raises(FileError) as excinfo:
        read_table(b"nom;statut\nA\x00;actif\n")
    assert "caractères nuls" in str(excinfo.value)


def test_read_table_too_large_path(tmp_path, monkeypatch):
    monkeypatch.setattr(tables, "MAX_FILE_BYTES", 1024 * 1024)
    path = tmp_path / "gros.csv"
    path.write_bytes(b"nom\n" + b"a" * (1024 * 1024))
    with pytest.raises(FileError) as excinfo:
        read_table(path)
    assert str(excinfo.value) == "Le fichier dépasse la taille maximale de 1 Mo."


def test_read_table_too_large_bytes_and_stream(monkeypatch):
    monkeypatch.setattr(tables, "MAX_FILE_BYTES", 1024 * 1024)
    data = b"nom\n" + b"a" * (1024 * 1024)
    for source in (data, io.BytesIO(data)):
        with pytest.raises(FileError) as excinfo:
            read_table(source)
        assert str(excinfo.value) == "Le fichier dépasse la taille maximale de 1 Mo."


def test_read_table_at_size_limit_is_accepted(tmp_path, monkeypatch):
    monkeypatch.setattr(tables, "MAX_FILE_BYTES", 1024 * 1024)
    data = b"nom\n" + b"a" * 1019 + b"\n" + b"b" * 1023 + b"\n" + (b"c" * 1023 + b"\n") * 1022
    assert len(data) == 1024 * 1024
    path = tmp_path / "limite.csv"
    path.write_bytes(data)
    assert len(read_table(path).rows) == 1024


# read_table: XLSX --------------------------------------------------------------------------------------


def test_xlsx_numeric_cells_become_integer_strings():
    data = xlsx_bytes([("code", "dep", "flottant", "texte"), (1053, 1, 1053.0, "01053")])
    table = read_table(data)
    assert table.headers == ["code", "dep", "flottant", "texte"]
    assert table.rows[0].values == {"code": "1053", "dep": "1", "flottant": "1053", "texte": "01053"}


def test_xlsx_non_integer_float_is_kept():
    table = read_table(xlsx_bytes([("note",), (2.5,)]))
    assert table.rows[0].get("note") == "2.5"


def test_xlsx_dates_and_datetimes():
    data = xlsx_bytes(
        [("jour", "minuit", "heure"), (date(2024, 3, 12), datetime(2024, 3, 12), datetime(2024, 3, 12, 14, 30))]
    )
    table = read_table(data)
    assert table.rows[0].values == {"jour": "2024-03-12", "minuit": "2024-03-12", "heure": "2024-03-12T14:30:00"}


def test_xlsx_blank_rows_skipped_with_true_line_numbers():
    data = xlsx_bytes([("nom", "statut"), ("A", "actif"), (None, None), ("", "  "), ("B", "en_projet")])
    table = read_table(data)
    assert [(r.line, r.get("nom")) for r in table.rows] == [(2, "A"), (5, "B")]


def test_xlsx_excel_text_wrapper_and_none_cells():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["code", "vide", None])
    sheet.append([None, None, "ignoré"])
    sheet["A2"].value = '="01053"'
    sheet["A2"].data_type = "s"  # a text cell holding the wrapper, not a formula
    buffer = io.BytesIO()
    workbook.save(buffer)
    workbook.close()
    table = read_table(buffer.getvalue())
    assert table.headers == ["code", "vide"]
    assert table.rows[0].values == {"code": "01053", "vide": ""}


def test_xlsx_detected_by_content_and_by_name(tmp_path):
    data = xlsx_bytes([("nom",), ("A",)])
    assert read_table(data).rows[0].get("nom") == "A"
    path = tmp_path / "fichier.xlsx"
    path.write_bytes(data)
    assert read_table(path).rows[0].get("nom") == "A"


def test_xlsx_damaged_file(tmp_path):
    path = tmp_path / "abime.xlsx"
    path.write_bytes(b"ceci n'est pas un classeur")
    with pytest.raises(FileError) as excinfo:
        read_table(path)
    assert str(excinfo.value).startswith("Le fichier XLSX est illisible ou endommagé")


def test_xlsx_empty_sheet():
    with pytest.raises(FileError) as excinfo:
        read_table(xlsx_bytes([]))
    assert "vide" in str(excinfo.value)


# clean_cell --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        ("  a  ", "a"),
        (1053, "1053"),
        (1053.0, "1053"),
        (0.5, "0.5"),
        ('="01053"', "01053"),
        ('  =" 2A247 "  ', "2A247"),
        ('="', '="'),
        ("=1+1", "=1+1"),
        (date(2024, 3, 12), "2024-03-12"),
        (datetime(2024, 3, 12, 0, 0), "2024-03-12"),
        (True, "True"),
        # Line breaks are "\n" whatever the file (a CSV keeps "\r\n", the same XLSX cell reads "\n").
        ("un\r\ndeux\rtrois\nquatre\r\n", "un\ndeux\ntrois\nquatre"),
    ],
)
def test_clean_cell(value, expected):
    assert clean_cell(value) == expected


def test_clean_cell_keeps_time_shortly_after_midnight():
    assert clean_cell(datetime(2024, 3, 12, 0, 30)) == "2024-03-12T00:30:00"


# Cell parsers ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-03-12", date(2024, 3, 12)),
        ("12/03/2024", date(2024, 3, 12)),
        ("2024-03-12T10:30:00", date(2024, 3, 12)),
        ("2024-03-12 10:30:00", date(2024, 3, 12)),
        ("", None),
    ],
)
def test_date_parser_accepts(raw, expected):
    importer = Importer()
    assert importer.date(row(quand=raw), "quand") == expected
    assert importer.errors == []


@pytest.mark.parametrize("raw", ["31/02/2024", "2024/03/12", "12-03-2024", "12/03/24", "demain", "2024-13-01"])
def test_date_parser_rejects(raw):
    importer = Importer()
    assert importer.date(row(line=7, quand=raw), "quand") is None
    assert messages(importer) == [
        f"ligne 7, colonne quand : date invalide « {raw} » (attendu AAAA-MM-JJ ou JJ/MM/AAAA)"
    ]


def test_date_parser_required():
    importer = Importer()
    assert importer.date(row(line=4, quand=""), "quand", required=True) is None
    assert messages(importer) == ["ligne 4, colonne quand : date obligatoire manquante"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("oui", True),
        ("OUI", True),
        ("Oui", True),
        ("o", True),
        ("1", True),
        ("vrai", True),
        ("non", False),
        ("Non", False),
        ("n", False),
        ("0", False),
        ("faux", False),
        ("", None),
    ],
)
def test_boolean_parser_accepts(raw, expected):
    importer = Importer()
    assert importer.boolean(row(actif=raw), "actif") is expected
    assert importer.errors == []


def test_boolean_parser_rejects():
    importer = Importer()
    assert importer.boolean(row(line=3, actif="Peut-être"), "actif") is None
    assert messages(importer) == ["ligne 3, colonne actif : « Peut-être » n'est pas « oui » ou « non »"]


@pytest.mark.parametrize(("raw", "expected"), [("1", 1), ("4", 4), ("-0", 0), ("", None)])
def test_integer_parser_accepts(raw, expected):
    importer = Importer()
    assert importer.integer(row(note=raw), "note", minimum=0, maximum=4) == expected
    assert importer.errors == []


@pytest.mark.parametrize("raw", ["5", "-1"])
def test_integer_parser_bounds_message(raw):
    importer = Importer()
    assert importer.integer(row(line=9, note=raw), "note", minimum=0, maximum=4) is None
    assert messages(importer) == [f"ligne 9, colonne note : {int(raw)} est hors de l'échelle (attendu entre 0 et 4)"]


def test_integer_parser_minimum_only_message():
    importer = Importer()
    assert importer.integer(row(line=2, duree="0"), "duree", minimum=1) is None
    assert messages(importer) == ["ligne 2, colonne duree : 0 est hors de l'échelle (attendu au moins 1)"]


def test_integer_parser_maximum_only_message():
    importer = Importer()
    assert importer.integer(row(line=2, note="11"), "note", maximum=10) is None
    [message] = messages(importer)
    assert message.startswith("ligne 2, colonne note : 11 est hors de l'échelle")
    assert "None" not in message
    assert "10" in message.split(":", 1)[1].replace("11", "")


@pytest.mark.parametrize("raw", ["2.5", "trois", "3.0", "1 000"])
def test_integer_parser_rejects_non_integers(raw):
    importer = Importer()
    assert importer.integer(row(line=5, note=raw), "note") is None
    assert messages(importer) == [f"ligne 5, colonne note : « {raw} » n'est pas un nombre entier"]


def test_integer_parser_required():
    importer = Importer()
    assert importer.integer(row(line=5, note=""), "note", required=True) is None
    assert messages(importer) == ["ligne 5, colonne note : nombre obligatoire manquant"]


def test_text_parser():
    importer = Importer()
    assert importer.text(row(nom="abc"), "nom", max_length=3) == "abc"
    assert importer.text(row(line=3, nom=""), "nom", required=True) is None
    assert importer.text(row(line=4, nom="abcd"), "nom", max_length=3) is None
    assert messages(importer) == [
        "ligne 3, colonne nom : valeur obligatoire manquante",
        "ligne 4, colonne nom : texte trop long (4 caractères, 3 au maximum)",
    ]


def test_choice_parser():
    importer = Importer()
    choices = ["actif", "en_projet"]
    assert importer.choice(row(statut="en_projet"), "statut", choices) == "en_projet"
    assert importer.choice(row(statut=""), "statut", choices, default="actif") == "actif"
    assert importer.choice(row(line=6, statut="Actif"), "statut", choices) is None
    assert importer.choice(row(line=7, statut=""), "statut", choices, required=True) is None
    assert messages(importer) == [
        "ligne 6, colonne statut : valeur inconnue « Actif » (valeurs possibles : actif, en_projet)",
        "ligne 7, colonne statut : valeur obligatoire manquante",
    ]


def test_email_parser():
    importer = Importer()
    assert importer.email(row(email="clsm@bourgenbresse.fr"), "email") == "clsm@bourgenbresse.fr"
    assert importer.email(row(email=""), "email") == ""
    assert importer.email(row(line=8, email="pas-une-adresse"), "email") is None
    assert messages(importer) == ["ligne 8, colonne email : adresse e-mail invalide « pas-une-adresse »"]


def test_split_list():
    assert Importer.split_list(" QN00101M ; QN00102M;;  ") == ["QN00101M", "QN00102M"]
    assert Importer.split_list("") == []


def test_row_error_format():
    assert str(RowError(3, "nom", "oups")) == "ligne 3, colonne nom : oups"
    assert str(RowError(1, None, "oups")) == "ligne 1 : oups"
    assert str(RowError(2, "code_qp", "oups", unit="entité")) == "entité 2, colonne code_qp : oups"


def test_import_result_summary():
    assert ImportResult("CLSM", "CLSM", created=2).summary() == "2 CLSM importés (2 créés, 0 mis à jour)"
    assert ImportResult("CLSM", "CLSM", updated=1).summary() == "1 CLSM importé (0 créé, 1 mis à jour)"
    assert ImportResult("chose", "choses", created=1, unchanged=2).summary() == (
        "3 choses importés (1 créé, 0 mis à jour)"
    )
    assert ImportResult("CLSM", "CLSM", created=2, dry_run=True).summary() == (
        "Simulation : 2 CLSM importés (2 créés, 0 mis à jour) — rien n'a été enregistré."
    )


# Importer.run ------------------------------------------------------------------------------------------


def test_run_header_only_file_is_an_error():
    table = read_table(b"nom;quand;actif;note\n")
    with pytest.raises(ImportFailed) as excinfo:
        TinyImporter().run(table)
    assert [str(e) for e in excinfo.value.errors] == [
        "ligne 1 : le fichier ne contient aucune ligne de données sous les en-têtes"
    ]


def test_run_header_only_file_with_blank_rows_is_an_error():
    table = read_table(b"nom;quand;actif;note\n;;;\n\n")
    with pytest.raises(ImportFailed) as excinfo:
        TinyImporter().run(table)
    assert [str(e) for e in excinfo.value.errors] == [
        "ligne 1 : le fichier ne contient aucune ligne de données sous les en-têtes"
    ]


def test_run_missing_required_column():
    table = read_table(b"name;quand\nA;2024-03-12\n")
    with pytest.raises(ImportFailed) as excinfo:
        TinyImporter().run(table)
    assert [str(e) for e in excinfo.value.errors] == [
        "ligne 1, colonne nom : colonne obligatoire absente de la ligne d'en-têtes"
    ]


def test_run_reports_every_bad_row_sorted_and_applies_nothing(db):
    data = (
        "\ufeffnom;quand;actif;note\nA;2024-03-12;oui;1\n;12/03/2024;non;2\n\nC;32/01/2024;peut-être;9\nD;;;\n"
    ).encode()
    importer = TinyImporter()
    with pytest.raises(ImportFailed) as excinfo:
        importer.run(read_table(data))
    assert [str(e) for e in excinfo.value.errors] == [
        "ligne 3, colonne nom : valeur obligatoire manquante",
        "ligne 5, colonne quand : date invalide « 32/01/2024 » (attendu AAAA-MM-JJ ou JJ/MM/AAAA)",
        "ligne 5, colonne actif : « peut-être » n'est pas « oui » ou « non »",
        "ligne 5, colonne note : 9 est hors de l'échelle (attendu entre 1 et 4)",
    ]
    assert not hasattr(importer, "applied")


def test_run_good_file(db):
    data = b"nom,quand,actif,note\nA,2024-03-12,oui,1\nB,12/03/2024,non,4\nC,,,\n"
    importer = TinyImporter()
    result = importer.run(read_table(data))
    assert importer.applied == [
        {"nom": "A", "quand": date(2024, 3, 12), "actif": True, "note": 1},
        {"nom": "B", "quand": date(2024, 3, 12), "actif": False, "note": 4},
        {"nom": "C", "quand": None, "actif": None, "note": None},
    ]
    assert result.summary() == "3 choses importés (3 créés, 0 mis à jour)"


def test_run_xlsx_dates_and_numbers(db):
    data = xlsx_bytes([("nom", "quand", "actif", "note"), ("A", date(2024, 3, 12), "Oui", 3), ("B", None, "non", 4.0)])
    importer = TinyImporter()
    importer.run(read_table(data))
    assert importer.applied == [
        {"nom": "A", "quand": date(2024, 3, 12), "actif": True, "note": 3},
        {"nom": "B", "quand": None, "actif": False, "note": 4},
    ]


def test_template_csv():
    assert TinyImporter.template_csv() == "nom;quand;actif;note\n;;;\n"
