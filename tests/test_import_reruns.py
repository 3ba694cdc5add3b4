"""Re-running the same file changes nothing, the first time (issue #11, point 10): for every import kind, a
large generated file covering each column's edge cases (blanks, accents, spaces around and inside values,
case, both date formats, lists with spaces and repeats, needs with and without categories, the same need
twice in a row…) is imported, then imported again: the second run reports « 0 créé, 0 mis à jour » and the
stored data is identical. The same data as XLSX (typed cells: numbers, dates) changes nothing either."""

import csv
import datetime
import io
import random

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from evaluation.importers import ITEM_COLUMNS, QuestionnaireImporter
from evaluation.models import Answer, Need, Response
from imports import registry
from sessions_app.models import AwarenessSession, Participant, SessionRequest
from territories.models import CLSM, QPV

pytestmark = pytest.mark.django_db

ACCENTS = ["Été", "Saint-Étienne", "Cœur", "Île-de-Ré", "Ça va", "Noël", "Zoë", "Garçon", "L'Haÿ"]
NEEDS = ["Se former à l'écoute", "Mieux connaître le CLSM", "Un annuaire des acteurs", "Groupes  de parole"]
CATEGORIES = ["competences", "actions", "connaissances", "implication", "reseau", "ressources_locales"]
STRUCTURES = ["CCAS", "C.C.A.S", "ccas ", "Centre social Éole", "Mission locale  de Lille", "ÉCOLE", "École"]
YES_NO = ["oui", "non", "", "Oui", "O", "1", "0", "NON", "vrai"]


def spaced(rng, text: str) -> str:
    """The same value as people type it: sometimes with spaces around, or a non-breaking space."""
    return rng.choice([text, f"  {text}  ", f"{text} ", f"\u00a0{text}", text])


def free_text(rng) -> str:
    return rng.choice(
        [
            "",
            " ",
            f"{rng.choice(ACCENTS)} : très bien",
            "Ligne un\nLigne deux",
            "Avec « guillemets » ; et point-virgule",
            "Retour chariot\r\nWindows",
            f"  espaces autour {rng.randint(1, 99)}  ",
            "espaces   internes",
            '="0123"',
            "x" * 300,
        ]
    )


def generate(rng, today):
    """{kind: (header, rows)}, rows as lists of cells (str, or int/date for typed XLSX cells)."""
    qpvs = list(QPV.objects.order_by("code").values_list("code", flat=True)[:120])
    communes = {code: sorted(QPV.objects.get(code=code).communes.values_list("code", flat=True)) for code in qpvs[:60]}
    files = {}

    clsms = []
    rows = []
    for n in range(150):
        name = f"CLSM {rng.choice(ACCENTS)} n° {n}" + ("  bis" if n % 7 == 0 else "")
        clsms.append(name)
        own = rng.sample(qpvs[:60], rng.randint(0, 3))
        codes = [rng.choice([c, c.lower(), f" {c} "]) for c in own] + (own[:1] if n % 5 == 0 else [])
        commune_cells = ""
        if own and n % 3 == 0:
            picked = [c for q in own for c in communes[q]][:3]
            commune_cells = ";".join(rng.choice([c, c.lstrip("0"), f" {c}"]) for c in picked)
            if len(picked) == 1 and n % 2:
                commune_cells = f'="{picked[0]}"'  # how spreadsheets keep a leading zero
        email = rng.choice(["", "Contact@Ville-Lille.FR", f"clsm{n}@exemple.fr", " a.b@ex.fr "])
        rows.append(
            [spaced(rng, name), commune_cells, " ; ".join(codes), rng.choice(["", "actif", "en_projet"]), email]
        )
    files["clsm"] = (["nom", "communes", "qpv", "statut", "email_contact"], rows)

    rows, requests_of = [], {}
    for n in range(1200):
        clsm = rng.choice(clsms)
        reference = f"D2024-{n:04d}"
        requests_of.setdefault(clsm, []).append(reference)
        day = today - datetime.timedelta(days=rng.randint(1, 2000))
        date_cell = rng.choice([day.isoformat(), day.strftime("%d/%m/%Y"), day])
        rows.append(
            [
                spaced(rng, reference),
                rng.choice([clsm, clsm.upper(), clsm.lower()]),
                ";".join(rng.sample(qpvs, rng.randint(0, 2))),
                date_cell,
                rng.choice(["", "nouvelle", "en_etude", "acceptee", "refusee", "retiree"]),
                free_text(rng),
                free_text(rng),
            ]
        )
    files["sollicitations"] = (
        ["reference", "clsm", "qpv", "date_demande", "statut", "public_attendu", "message"],
        rows,
    )

    rows, sessions, answered = [], [], []
    statuses = ["planifiee", "confirmee", "realisee", "annulee", "reportee", ""]
    for n in range(1500):
        clsm = rng.choice(clsms)
        status = rng.choice(statuses)
        past = status in ("realisee", "confirmee") or rng.random() < 0.5
        day = today + datetime.timedelta(days=-rng.randint(1, 2000) if past else rng.randint(1, 300))
        reference = f"S{day.year}-{n:04d}"
        sessions.append(reference)
        if status in ("realisee", "confirmee"):
            answered.append(reference)
        commune = rng.choice(["", "59350", "1053", "01053", 1053, "13055"])
        hour = rng.choice(["", "9:30", "14h30", "14:00", "08:05", "9h", datetime.time(10, 15)])
        rows.append(
            [
                reference,
                rng.choice([clsm, clsm.casefold()]),
                ";".join(rng.sample(qpvs, rng.randint(0, 2))),
                rng.choice([day.isoformat(), day.strftime("%d/%m/%Y"), day]),
                hour,
                rng.choice(["", "120", "180", 90]),
                spaced(rng, rng.choice(["", "Salle « Les Tilleuls »", f"Centre social {rng.choice(ACCENTS)}"])),
                commune,
                status,
                rng.choice(["", "0", "15", 12]),
                rng.choice(["", "0", "14", 9]),
                rng.choice(["", *requests_of.get(clsm, [])[:2]]),
            ]
        )
    files["sessions"] = (
        [
            "reference",
            "clsm",
            "qpv",
            "date",
            "heure",
            "duree_minutes",
            "lieu",
            "commune",
            "statut",
            "participants_attendus",
            "participants_presents",
            "sollicitation",
        ],
        rows,
    )

    rows = []
    for _ in range(4000):
        rows.append(
            [
                rng.choice(sessions[:400]),
                rng.choice(["", "femme", "homme", "autre"]),
                rng.choice(["", "habitant", "social", "elu", "autre"]),
                spaced(rng, rng.choice(["", *STRUCTURES, f"Association {rng.choice(ACCENTS)}"])),
                rng.choice(YES_NO),
                rng.choice(YES_NO),
            ]
        )
    files["participants"] = (["session", "genre", "profil", "structure", "habite_qpv", "agit_qpv"], rows)

    rows = []
    for n in range(4000):
        values = [rng.choice([*range(1, scale + 1), None, None]) for _code, scale, _label in ITEM_COLUMNS]
        cells = [rng.choice(answered[:300]), *("" if v is None else rng.choice([str(v), v]) for v in values)]
        texts = [rng.choice(NEEDS) for _ in range(3)]
        if n % 10 == 0:
            texts[1] = texts[0]  # the same need twice in one response, once categorised and once not
        for position in range(3):
            text = rng.choice([texts[position], "", spaced(rng, texts[position]), texts[position].upper()])
            category = rng.choice(["", *CATEGORIES, "Competences"]) if text.strip() else ""
            if n % 10 == 0 and position < 2:
                text, category = texts[0], ("reseau" if position == 0 else "")
            cells += [text, category]
        cells.append(free_text(rng))
        rows.append(cells)
    files["questionnaires"] = (
        [column.name for column in QuestionnaireImporter.columns],
        rows,
    )
    return files


def as_text(cell) -> str:
    if isinstance(cell, datetime.date):
        return cell.isoformat()
    if isinstance(cell, datetime.time):
        return cell.strftime("%H:%M")
    return str(cell)


def write_csv(path, header, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([as_text(cell) for cell in row] for row in rows)
    path.write_bytes(("\ufeff" + buffer.getvalue()).encode())


def write_xlsx(path, header, rows):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(header)

    def typed(cell):
        if cell == "":
            return None
        if isinstance(cell, str) and cell.startswith("="):
            text = WriteOnlyCell(sheet, cell)
            text.data_type = "s"  # a text holding the `="0123"` wrapper, not a formula
            return text
        return cell

    for row in rows:
        sheet.append([typed(cell) for cell in row])
    workbook.save(path)


def import_file(kind, path) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_data", kind, str(path), stdout=out, stderr=err)
    assert err.getvalue() == ""
    return out.getvalue().strip().splitlines()[-1]


def snapshot(kind):
    """What an import writes, as plain values (to prove the second run left it as it was)."""
    if kind == "clsm":
        return sorted(
            (
                c.name,
                c.status,
                c.contact_email,
                sorted(c.qpvs.values_list("code", flat=True)),
                sorted(c.communes.values_list("code", flat=True)),
            )
            for c in CLSM.objects.prefetch_related("qpvs", "communes")
        )
    if kind == "sollicitations":
        return sorted(
            SessionRequest.objects.values_list(
                "reference", "clsm_id", "requested_on", "status", "expected_audience", "message", "updated_at"
            )
        )
    if kind == "sessions":
        return sorted(
            AwarenessSession.objects.values_list(
                "reference",
                "date",
                "start_time",
                "duration_minutes",
                "venue",
                "commune_id",
                "status",
                "expected_attendance",
                "actual_attendance",
                "request_id",
                "updated_at",
            )
        )
    if kind == "participants":
        return sorted(
            Participant.objects.values_list(
                "pk",
                "session_id",
                "line",
                "gender",
                "profile",
                "structure_id",
                "structure_spelling",
                "lives_in_qpv",
                "acts_in_qpv",
            )
        )
    return (
        sorted(Response.objects.values_list("pk", "session_id", "sheet_number", "comment", "updated_at")),
        sorted(Answer.objects.values_list("pk", "response_id", "item_id", "value")),
        sorted(Need.objects.values_list("pk", "response_id", "position", "text", "category_id")),
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_kind_rerun_changes_nothing(tmp_path, claire, fmt):
    rng = random.Random(20261129)
    files = generate(rng, timezone.localdate())
    assert set(files) == set(registry.kinds())
    write = write_csv if fmt == "csv" else write_xlsx
    for kind in ["clsm", "sollicitations", "sessions", "participants", "questionnaires"]:
        header, rows = files[kind]
        path = tmp_path / f"{kind}.{fmt}"
        write(path, header, rows)
        first = import_file(kind, path)
        assert "(0 créé," not in first, first  # the file did create things
        before = snapshot(kind)
        second = import_file(kind, path)
        assert second.endswith("(0 créé, 0 mis à jour)"), f"{kind}: {second}"
        assert snapshot(kind) == before, kind
    # The same data as the other format changes nothing either.
    other = write_xlsx if fmt == "csv" else write_csv
    for kind in ["clsm", "sollicitations", "sessions", "participants", "questionnaires"]:
        header, rows = files[kind]
        path = tmp_path / f"{kind}-autre.{'xlsx' if fmt == 'csv' else 'csv'}"
        other(path, header, rows)
        assert import_file(kind, path).endswith("(0 créé, 0 mis à jour)"), kind
