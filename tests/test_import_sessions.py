"""`import_data sollicitations|sessions|participants FILE [--dry-run]`: natural keys, all-or-nothing,
every bad value reported as `ligne N, colonne X : message`, re-runs that change nothing, and the
participants' replace rule."""

import datetime
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import Workbook

from sessions_app.models import (
    AwarenessSession,
    AwarenessSessionChange,
    Participant,
    SessionRequest,
    SessionRequestChange,
    Structure,
)
from tests.factories import AwarenessSessionFactory, ParticipantFactory, SessionRequestFactory

pytestmark = pytest.mark.django_db

REQUEST_HEADER = "reference;clsm;qpv;date_demande;statut;public_attendu;message"
SESSION_HEADER = (
    "reference;clsm;qpv;date;heure;duree_minutes;lieu;commune;statut;"
    "participants_attendus;participants_presents;sollicitation"
)
PARTICIPANT_HEADER = "session;genre;profil;structure;habite_qpv;agit_qpv"


def write_csv(tmp_path, header, rows, *, bom=True, sep=";", name="fichier.csv") -> Path:
    text = "\n".join([header.replace(";", sep), *rows]) + "\n"
    path = tmp_path / name
    path.write_bytes((("\ufeff" if bom else "") + text).encode())
    return path


def write_xlsx(tmp_path, header, rows, name="fichier.xlsx") -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header.split(";"))
    for row in rows:
        sheet.append(list(row))
    path = tmp_path / name
    workbook.save(path)
    workbook.close()
    return path


def run_import(kind, path, *args) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_data", kind, str(path), *args, stdout=out, stderr=err)
    assert err.getvalue() == ""
    return out.getvalue()


def run_failing(kind, path, *args) -> list[str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_data", kind, str(path), *args, stdout=out, stderr=err)
    assert out.getvalue() == ""
    errors = err.getvalue().splitlines()
    assert str(excinfo.value) == (
        f"{len(errors)} erreur{'s' if len(errors) > 1 else ''} dans {path} : rien n'a été importé. "
        "Corrigez le fichier et relancez."
    )
    return errors


# Sollicitations ---------------------------------------------------------------------------------------

REQUESTS = [
    'D2024-001;clsm a de lille;"QN05971M;QN05972M";2024-01-15;acceptee;habitants, bailleur;Une séance au printemps.',
    "D2024-002;CLSM B de Marseille;QN01330M;15/02/2024;;;",
    "D2024-003;CLSM A de Lille;;2024-03-01;refusee;;",
]


def request_state(reference) -> tuple:
    request = SessionRequest.objects.get(reference=reference)
    return (
        request.clsm.name,
        sorted(request.qpvs.values_list("code", flat=True)),
        request.requested_on,
        request.status,
        request.expected_audience,
        request.message,
    )


def test_requests_are_imported_then_reimporting_changes_nothing(clsm_a, clsm_b, tmp_path):
    path = write_csv(tmp_path, REQUEST_HEADER, REQUESTS)
    assert run_import("sollicitations", path) == "3 sollicitations importés (3 créés, 0 mis à jour)\n"
    assert request_state("D2024-001") == (
        "CLSM A de Lille",
        ["QN05971M", "QN05972M"],
        datetime.date(2024, 1, 15),
        "acceptee",
        "habitants, bailleur",
        "Une séance au printemps.",
    )
    assert request_state("D2024-002") == (
        "CLSM B de Marseille",
        ["QN01330M"],
        datetime.date(2024, 2, 15),
        "nouvelle",
        "",
        "",
    )
    assert request_state("D2024-003")[1:4] == ([], datetime.date(2024, 3, 1), "refusee")
    # Each creation is in the request's history, « Import ».
    assert sorted(
        SessionRequestChange.objects.values_list("request__reference", "from_status", "to_status", "reason")
    ) == [
        ("D2024-001", "", "acceptee", "Import"),
        ("D2024-002", "", "nouvelle", "Import"),
        ("D2024-003", "", "refusee", "Import"),
    ]

    assert run_import("sollicitations", path) == "3 sollicitations importés (0 créé, 0 mis à jour)\n"
    assert SessionRequest.objects.count() == 3
    assert SessionRequestChange.objects.count() == 3


def test_changed_requests_are_updated_and_status_changes_recorded(clsm_a, clsm_b, tmp_path):
    run_import("sollicitations", write_csv(tmp_path, REQUEST_HEADER, REQUESTS))
    changed = [
        REQUESTS[0],
        "D2024-002;CLSM B de Marseille;QN01330M;15/02/2024;en_etude;;",
        "D2024-003;CLSM A de Lille;QN05971M;2024-03-01;refusee;;",
    ]
    path = write_csv(tmp_path, REQUEST_HEADER, changed, name="modifie.csv")
    assert run_import("sollicitations", path) == "3 sollicitations importés (0 créé, 2 mis à jour)\n"
    assert request_state("D2024-002")[3] == "en_etude"
    assert request_state("D2024-003")[1] == ["QN05971M"]
    assert list(
        SessionRequestChange.objects.filter(request__reference="D2024-002").values_list("from_status", "to_status")
    ) == [("", "nouvelle"), ("nouvelle", "en_etude")]
    assert run_import("sollicitations", path) == "3 sollicitations importés (0 créé, 0 mis à jour)\n"


def test_request_recorded_in_the_application_is_updated_by_its_reference(clsm_a, tmp_path):
    SessionRequestFactory(clsm=clsm_a, reference="D2024-001", message="avant")
    path = write_csv(tmp_path, REQUEST_HEADER, [REQUESTS[0]])
    assert run_import("sollicitations", path) == "1 sollicitation importé (0 créé, 1 mis à jour)\n"
    assert SessionRequest.objects.get().message == "Une séance au printemps."


def test_request_with_a_qpv_outside_its_clsm_is_accepted_with_a_warning(clsm_a, clsm_b, tmp_path):
    path = write_csv(tmp_path, REQUEST_HEADER, ["D2024-009;CLSM A de Lille;QN01330M;2024-01-15;;;"])
    output = run_import("sollicitations", path)
    assert output.splitlines() == [
        "ligne 2 : le QPV QN01330M est hors du périmètre de « CLSM A de Lille » (accepté).",
        "1 sollicitation importé (1 créé, 0 mis à jour)",
    ]
    assert request_state("D2024-009")[1] == ["QN01330M"]


def test_request_dry_run_writes_nothing(clsm_a, clsm_b, tmp_path):
    path = write_csv(tmp_path, REQUEST_HEADER, REQUESTS)
    output = run_import("sollicitations", path, "--dry-run")
    assert output == "Simulation : 3 sollicitations importés (3 créés, 0 mis à jour) — rien n'a été enregistré.\n"
    assert not SessionRequest.objects.exists()
    assert not SessionRequestChange.objects.exists()


def test_requests_comma_separated_without_bom(clsm_a, clsm_b, tmp_path):
    rows = [
        'D2024-001,CLSM A de Lille,"QN05971M;QN05972M",2024-01-15,acceptee,"habitants, bailleur",Au printemps.',
        "D2024-002,CLSM B de Marseille,QN01330M,15/02/2024,,,",
    ]
    path = write_csv(tmp_path, REQUEST_HEADER, rows, bom=False, sep=",")
    assert run_import("sollicitations", path) == "2 sollicitations importés (2 créés, 0 mis à jour)\n"
    assert request_state("D2024-001")[1] == ["QN05971M", "QN05972M"]
    assert request_state("D2024-001")[4:] == ("habitants, bailleur", "Au printemps.")
    assert request_state("D2024-002")[2] == datetime.date(2024, 2, 15)


def test_requests_from_xlsx_with_date_cells(clsm_a, clsm_b, tmp_path):
    path = write_xlsx(
        tmp_path,
        REQUEST_HEADER,
        [
            ("D2024-001", "CLSM A de Lille", "QN05971M", datetime.datetime(2024, 1, 15), "acceptee", None, None),
            ("D2024-002", "CLSM B de Marseille", "QN01330M", "15/02/2024", None, None, "Bonjour"),
        ],
    )
    assert run_import("sollicitations", path) == "2 sollicitations importés (2 créés, 0 mis à jour)\n"
    assert request_state("D2024-001")[2] == datetime.date(2024, 1, 15)
    assert request_state("D2024-002")[2:] == (datetime.date(2024, 2, 15), "nouvelle", "", "Bonjour")
    assert run_import("sollicitations", path) == "2 sollicitations importés (0 créé, 0 mis à jour)\n"


@pytest.mark.parametrize(
    ("bad_row", "expected"),
    [
        (
            "D2024-009;CLSM Inconnu;;2024-01-15;;;",
            "ligne 5, colonne clsm : CLSM inconnu « CLSM Inconnu » (nom d'un CLSM déjà enregistré attendu)",
        ),
        ("D2024-009;CLSM A de Lille;;2024-01-15;;;", None),  # a control row: valid, so the file imports
        ("D2024-009;CLSM A de Lille;QN99999Z;2024-01-15;;;", "ligne 5, colonne qpv : QPV inconnu « QN99999Z »"),
        (
            "D2024-009;CLSM A de Lille;;2024-01-15;acceptée;;",
            "ligne 5, colonne statut : valeur inconnue « acceptée » "
            "(valeurs possibles : nouvelle, en_etude, acceptee, refusee, retiree)",
        ),
        (
            "D2024-009;CLSM A de Lille;;31/02/2024;;;",
            "ligne 5, colonne date_demande : date invalide « 31/02/2024 » (attendu AAAA-MM-JJ ou JJ/MM/AAAA)",
        ),
        ("D2024-009;CLSM A de Lille;;;;;", "ligne 5, colonne date_demande : date obligatoire manquante"),
        (";CLSM A de Lille;;2024-01-15;;;", "ligne 5, colonne reference : valeur obligatoire manquante"),
        ("D2024-009;;;2024-01-15;;;", "ligne 5, colonne clsm : valeur obligatoire manquante"),
        (
            "D2024-002;CLSM A de Lille;;2024-01-15;;;",
            "ligne 5, colonne reference : la référence « D2024-002 » figure déjà ligne 3",
        ),
        (
            "R" * 31 + ";CLSM A de Lille;;2024-01-15;;;",
            "ligne 5, colonne reference : texte trop long (31 caractères, 30 au maximum)",
        ),
    ],
    ids=[
        "unknown-clsm",
        "control",
        "unknown-qpv",
        "unknown-status",
        "malformed-date",
        "missing-date",
        "missing-reference",
        "missing-clsm",
        "duplicate-reference",
        "reference-too-long",
    ],
)
def test_bad_request_row_is_reported_and_nothing_is_written(clsm_a, clsm_b, tmp_path, bad_row, expected):
    SessionRequestFactory(clsm=clsm_a, reference="D2024-003", message="avant", status="nouvelle")
    path = write_csv(tmp_path, REQUEST_HEADER, [*REQUESTS, bad_row])
    if expected is None:
        assert run_import("sollicitations", path) == "4 sollicitations importés (3 créés, 1 mis à jour)\n"
        return
    assert run_failing("sollicitations", path) == [expected]
    assert list(SessionRequest.objects.values_list("reference", "message", "status")) == [
        ("D2024-003", "avant", "nouvelle")
    ]
    assert not SessionRequestChange.objects.exists()


def test_missing_request_columns(clsm_a, tmp_path):
    path = write_csv(tmp_path, "reference;qpv;statut", ["D2024-001;QN05971M;acceptee"])
    assert run_failing("sollicitations", path) == [
        "ligne 1, colonne clsm : colonne obligatoire absente de la ligne d'en-têtes",
        "ligne 1, colonne date_demande : colonne obligatoire absente de la ligne d'en-têtes",
    ]


# Séances ----------------------------------------------------------------------------------------------


@pytest.fixture
def request_a(clsm_a):
    return SessionRequestFactory(clsm=clsm_a, reference="D2024-001", status="acceptee")


SESSIONS = [
    "2024-101;CLSM A de Lille;QN05971M;2024-03-12;9:30;;Centre social Les Moulins;59350;realisee;20;17;D2024-001",
    '2024-102;clsm a de lille;"QN05971M;QN05972M";12/09/2024;14h30;150;Médiathèque;1053;annulee;;;',
    "2099-001;CLSM B de Marseille;QN01330M;2099-01-15;;;;;;;;",
]


def session_state(reference) -> tuple:
    session = AwarenessSession.objects.get(reference=reference)
    return (
        session.clsm.name,
        sorted(session.qpvs.values_list("code", flat=True)),
        session.date,
        session.start_time,
        session.duration_minutes,
        session.venue,
        session.commune_id,
        session.status,
        session.expected_attendance,
        session.actual_attendance,
        session.request.reference if session.request else None,
        session.season,
    )


def test_sessions_are_imported_then_reimporting_changes_nothing(request_a, clsm_b, tmp_path):
    path = write_csv(tmp_path, SESSION_HEADER, SESSIONS)
    assert run_import("sessions", path) == "3 séances importés (3 créés, 0 mis à jour)\n"
    assert session_state("2024-101") == (
        "CLSM A de Lille",
        ["QN05971M"],
        datetime.date(2024, 3, 12),
        datetime.time(9, 30),
        180,
        "Centre social Les Moulins",
        "59350",
        "realisee",
        20,
        17,
        "D2024-001",
        "2023-2024",
    )
    # Leading zero restored (01053); the season turns on 1 September.
    assert session_state("2024-102") == (
        "CLSM A de Lille",
        ["QN05971M", "QN05972M"],
        datetime.date(2024, 9, 12),
        datetime.time(14, 30),
        150,
        "Médiathèque",
        "01053",
        "annulee",
        None,
        None,
        None,
        "2024-2025",
    )
    assert session_state("2099-001")[3:] == (
        datetime.time(14, 0),
        180,
        "",
        None,
        "planifiee",
        None,
        None,
        None,
        "2098-2099",
    )
    assert sorted(AwarenessSessionChange.objects.values_list("session__reference", "to_status", "reason")) == [
        ("2024-101", "realisee", "Import"),
        ("2024-102", "annulee", "Import"),
        ("2099-001", "planifiee", "Import"),
    ]

    assert run_import("sessions", path) == "3 séances importés (0 créé, 0 mis à jour)\n"
    assert AwarenessSession.objects.count() == 3
    assert AwarenessSessionChange.objects.count() == 3


def test_changed_sessions_are_updated_without_transition_checks(request_a, clsm_b, tmp_path):
    run_import("sessions", write_csv(tmp_path, SESSION_HEADER, SESSIONS))
    changed = [
        SESSIONS[0],
        # Historical data: a cancelled session may be imported as held.
        "2024-102;CLSM A de Lille;QN05972M;2024-09-12;14:30;150;Médiathèque;01053;realisee;;12;",
        "2099-001;CLSM B de Marseille;QN01330M;2099-09-15;;;;;confirmee;;;",
    ]
    path = write_csv(tmp_path, SESSION_HEADER, changed, name="modifie.csv")
    assert run_import("sessions", path) == "3 séances importés (0 créé, 2 mis à jour)\n"
    assert session_state("2024-102")[1] == ["QN05972M"]
    assert session_state("2024-102")[7:10] == ("realisee", None, 12)
    # A new date moves the session to its season.
    assert session_state("2099-001")[2] == datetime.date(2099, 9, 15)
    assert session_state("2099-001")[-1] == "2099-2100"
    assert list(
        AwarenessSessionChange.objects.filter(session__reference="2024-102").values_list("from_status", "to_status")
    ) == [("", "annulee"), ("annulee", "realisee")]
    assert run_import("sessions", path) == "3 séances importés (0 créé, 0 mis à jour)\n"


def test_session_recorded_in_the_application_is_updated_by_its_reference(clsm_a, tmp_path):
    AwarenessSessionFactory(clsm=clsm_a, reference="2024-101", venue="Ancien lieu", date=datetime.date(2024, 3, 12))
    row = "2024-101;CLSM A de Lille;QN05971M;2024-03-12;14:00;180;Nouveau lieu;;planifiee;15;;"
    path = write_csv(tmp_path, SESSION_HEADER, [row])
    assert run_import("sessions", path) == "1 séance importé (0 créé, 1 mis à jour)\n"
    assert AwarenessSession.objects.get().venue == "Nouveau lieu"


def test_session_dry_run_writes_nothing(request_a, clsm_b, tmp_path):
    path = write_csv(tmp_path, SESSION_HEADER, SESSIONS)
    output = run_import("sessions", path, "--dry-run")
    assert output == "Simulation : 3 séances importés (3 créés, 0 mis à jour) — rien n'a été enregistré.\n"
    assert not AwarenessSession.objects.exists()
    assert not AwarenessSessionChange.objects.exists()


def test_sessions_comma_separated(request_a, clsm_b, tmp_path):
    rows = [row.replace(";", ",").replace('"QN05971M,QN05972M"', '"QN05971M;QN05972M"') for row in SESSIONS]
    path = write_csv(tmp_path, SESSION_HEADER, rows, sep=",", bom=False)
    assert run_import("sessions", path) == "3 séances importés (3 créés, 0 mis à jour)\n"
    assert session_state("2024-102")[1] == ["QN05971M", "QN05972M"]


def test_sessions_from_xlsx_with_date_and_time_cells(request_a, tmp_path):
    path = write_xlsx(
        tmp_path,
        SESSION_HEADER,
        [
            (
                "2024-101",
                "CLSM A de Lille",
                "QN05971M",
                datetime.datetime(2024, 3, 12),
                datetime.time(9, 30),
                180,
                "Centre social",
                59350,
                "realisee",
                20.0,
                17,
                "D2024-001",
            ),
            ("2024-102", "CLSM A de Lille", None, "12/09/2024", "14:00", None, None, 1053, None, None, None, None),
        ],
    )
    assert run_import("sessions", path) == "2 séances importés (2 créés, 0 mis à jour)\n"
    assert session_state("2024-101")[2:4] == (datetime.date(2024, 3, 12), datetime.time(9, 30))
    assert session_state("2024-101")[8:10] == (20, 17)
    assert session_state("2024-102")[2:8] == (
        datetime.date(2024, 9, 12),
        datetime.time(14, 0),
        180,
        "",
        "01053",
        "planifiee",
    )
    assert run_import("sessions", path) == "2 séances importés (0 créé, 0 mis à jour)\n"


SESSION_ERRORS = [
    (
        "2024-109;CLSM Inconnu;;2024-03-12;;;;;;;;",
        ["ligne 5, colonne clsm : CLSM inconnu « CLSM Inconnu » (nom d'un CLSM déjà enregistré attendu)"],
    ),
    ("2024-109;CLSM A de Lille;QN99999Z;2024-03-12;;;;;;;;", ["ligne 5, colonne qpv : QPV inconnu « QN99999Z »"]),
    (
        "2024-109;CLSM A de Lille;;2024-03-12;;;;99999;;;;",
        ["ligne 5, colonne commune : commune inconnue « 99999 » (code INSEE du COG 2024 attendu)"],
    ),
    (
        "2024-109;CLSM A de Lille;;2024-03-12;;;;;terminee;;;",
        [
            "ligne 5, colonne statut : valeur inconnue « terminee » "
            "(valeurs possibles : planifiee, confirmee, realisee, annulee, reportee)"
        ],
    ),
    (
        "2024-109;CLSM A de Lille;;2024-13-12;;;;;;;;",
        ["ligne 5, colonne date : date invalide « 2024-13-12 » (attendu AAAA-MM-JJ ou JJ/MM/AAAA)"],
    ),
    ("2024-109;CLSM A de Lille;;;;;;;;;;", ["ligne 5, colonne date : date obligatoire manquante"]),
    (
        "2024-109;CLSM A de Lille;;2024-03-12;25:00;;;;;;;",
        ["ligne 5, colonne heure : heure invalide « 25:00 » (attendu HH:MM, par exemple 14:00)"],
    ),
    (
        "2024-109;CLSM A de Lille;;2024-03-12;midi;;;;;;;",
        ["ligne 5, colonne heure : heure invalide « midi » (attendu HH:MM, par exemple 14:00)"],
    ),
    (
        "2024-109;CLSM A de Lille;;2024-03-12;;0;;;;;;",
        ["ligne 5, colonne duree_minutes : 0 est hors de l'échelle (attendu entre 1 et 1440)"],
    ),
    (
        "2024-109;CLSM A de Lille;;2024-03-12;;1441;;;;;;",
        ["ligne 5, colonne duree_minutes : 1441 est hors de l'échelle (attendu entre 1 et 1440)"],
    ),
    (
        "2024-109;CLSM A de Lille;;2024-03-12;;3h;;;;;;",
        ["ligne 5, colonne duree_minutes : « 3h » n'est pas un nombre entier"],
    ),
    (
        "2024-109;CLSM A de Lille;;2024-03-12;;;;;;-2;;",
        ["ligne 5, colonne participants_attendus : -2 est hors de l'échelle (attendu au moins 0)"],
    ),
    (
        "2024-109;CLSM A de Lille;;2024-03-12;;;;;realisee;;douze;",
        ["ligne 5, colonne participants_presents : « douze » n'est pas un nombre entier"],
    ),
    (
        "2024-109;CLSM A de Lille;;2024-03-12;;;;;;;;D2099-999",
        [
            "ligne 5, colonne sollicitation : sollicitation inconnue « D2099-999 » "
            "(référence d'une sollicitation déjà enregistrée attendue)"
        ],
    ),
    (
        "2024-109;CLSM B de Marseille;;2024-03-12;;;;;;;;D2024-001",
        [
            "ligne 5, colonne sollicitation : "
            "la sollicitation « D2024-001 » concerne un autre CLSM que CLSM B de Marseille"
        ],
    ),
    (
        "2024-109;CLSM A de Lille;;2099-03-12;;;;;realisee;;;",
        ["ligne 5, colonne statut : une séance réalisée ne peut pas être datée dans le futur"],
    ),
    (
        "2024-101;CLSM A de Lille;;2024-03-12;;;;;;;;",
        ["ligne 5, colonne reference : la référence « 2024-101 » figure déjà ligne 2"],
    ),
    (
        "2024-109;CLSM A de Lille;;2024-03-12;;;" + "L" * 201 + ";;;;;",
        ["ligne 5, colonne lieu : texte trop long (201 caractères, 200 au maximum)"],
    ),
    (
        "2024-109;Nulle part;QN00000A;32/01/2024;8h75;0;;ABCDE;faite;x;-1;D0",
        [
            "ligne 5, colonne clsm : CLSM inconnu « Nulle part » (nom d'un CLSM déjà enregistré attendu)",
            "ligne 5, colonne qpv : QPV inconnu « QN00000A »",
            "ligne 5, colonne date : date invalide « 32/01/2024 » (attendu AAAA-MM-JJ ou JJ/MM/AAAA)",
            "ligne 5, colonne heure : heure invalide « 8h75 » (attendu HH:MM, par exemple 14:00)",
            "ligne 5, colonne duree_minutes : 0 est hors de l'échelle (attendu entre 1 et 1440)",
            "ligne 5, colonne commune : commune inconnue « ABCDE » (code INSEE du COG 2024 attendu)",
            "ligne 5, colonne statut : valeur inconnue « faite » "
            "(valeurs possibles : planifiee, confirmee, realisee, annulee, reportee)",
            "ligne 5, colonne participants_attendus : « x » n'est pas un nombre entier",
            "ligne 5, colonne participants_presents : -1 est hors de l'échelle (attendu au moins 0)",
            "ligne 5, colonne sollicitation : sollicitation inconnue « D0 » "
            "(référence d'une sollicitation déjà enregistrée attendue)",
        ],
    ),
]


@pytest.mark.parametrize(
    ("bad_row", "expected"),
    SESSION_ERRORS,
    ids=[
        "unknown-clsm",
        "unknown-qpv",
        "unknown-commune",
        "unknown-status",
        "malformed-date",
        "missing-date",
        "hour-out-of-range",
        "hour-in-words",
        "duration-zero",
        "duration-too-long",
        "duration-not-a-number",
        "negative-attendance",
        "attendance-in-words",
        "unknown-request",
        "request-of-another-clsm",
        "held-in-the-future",
        "duplicate-reference",
        "venue-too-long",
        "everything-wrong",
    ],
)
def test_bad_session_row_is_reported_and_nothing_is_written(request_a, clsm_b, tmp_path, bad_row, expected):
    existing = AwarenessSessionFactory(clsm=clsm_b, reference="2099-001", venue="avant", date=datetime.date(2099, 1, 1))
    path = write_csv(tmp_path, SESSION_HEADER, [*SESSIONS, bad_row])
    assert run_failing("sessions", path) == expected
    assert list(AwarenessSession.objects.values_list("reference", "venue", "date")) == [
        ("2099-001", "avant", existing.date)
    ]
    assert not AwarenessSessionChange.objects.exists()


# Participants -----------------------------------------------------------------------------------------

PARTICIPANTS = [
    "2024-001;femme;social;CCAS;non;oui",
    "2024-001;homme;habitant;;oui;oui",
    "2024-001;autre;collectivite;C.C.A.S;;non",
    "2024-001;;;Mission locale;oui;",
    "2024-002;femme;sante_psychiatrie;EPSM;non;oui",
]


def sheet(session) -> list[tuple]:
    return list(
        Participant.objects.filter(session=session)
        .order_by("line")
        .values_list(
            "line", "gender", "profile", "structure__name", "structure_spelling", "lives_in_qpv", "acts_in_qpv"
        )
    )


def test_participants_are_imported_then_reimporting_changes_nothing(session_a, session_b, tmp_path):
    path = write_csv(tmp_path, PARTICIPANT_HEADER, PARTICIPANTS)
    assert run_import("participants", path) == "5 participants importés (5 créés, 0 mis à jour)\n"
    assert sheet(session_a) == [
        (1, "femme", "social", "CCAS", "CCAS", False, True),
        (2, "homme", "habitant", None, "", True, True),
        # « C.C.A.S » is the CCAS of the first row: one structure, the typed spelling kept.
        (3, "autre", "collectivite", "CCAS", "C.C.A.S", None, False),
        (4, "", "", "Mission locale", "Mission locale", True, None),
    ]
    assert sheet(session_b) == [(1, "femme", "sante_psychiatrie", "EPSM", "EPSM", False, True)]
    assert sorted(Structure.objects.values_list("name", "key")) == [
        ("CCAS", "ccas"),
        ("EPSM", "epsm"),
        ("Mission locale", "missionlocale"),
    ]

    pks = set(Participant.objects.values_list("pk", flat=True))
    assert run_import("participants", path) == "5 participants importés (0 créé, 0 mis à jour)\n"
    assert set(Participant.objects.values_list("pk", flat=True)) == pks
    assert Structure.objects.count() == 3


def test_reimporting_one_sessions_rows_replaces_only_that_session(session_a, session_b, tmp_path):
    run_import("participants", write_csv(tmp_path, PARTICIPANT_HEADER, PARTICIPANTS))
    untouched = set(Participant.objects.filter(session=session_b).values_list("pk", flat=True))
    modified = [
        "2024-001;femme;social;ccas;non;oui",
        "2024-001;femme;elu;Ville de Lille;non;oui",
        "2024-002;femme;sante_psychiatrie;EPSM;non;oui",
    ]
    output = run_import("participants", write_csv(tmp_path, PARTICIPANT_HEADER, modified, name="modifie.csv"))
    assert output.splitlines() == [
        "4 participants déjà enregistrés pour 1 séance remplacés par les lignes du fichier.",
        "3 participants importés (0 créé, 2 mis à jour)",
    ]
    assert sheet(session_a) == [
        (1, "femme", "social", "CCAS", "ccas", False, True),
        (2, "femme", "elu", "Ville de Lille", "Ville de Lille", False, True),
    ]
    assert set(Participant.objects.filter(session=session_b).values_list("pk", flat=True)) == untouched

    # A file naming only session B leaves session A's sheet alone.
    only_b = write_csv(tmp_path, PARTICIPANT_HEADER, ["2024-002;homme;sport;Club de foot;oui;oui"], name="b.csv")
    assert run_import("participants", only_b).endswith("1 participant importé (0 créé, 1 mis à jour)\n")
    assert len(sheet(session_a)) == 2
    assert sheet(session_b) == [(1, "homme", "sport", "Club de foot", "Club de foot", True, True)]


def test_participants_added_to_a_session_without_sheet_are_created(session_a, session_b, tmp_path):
    ParticipantFactory(session=session_a)
    path = write_csv(tmp_path, PARTICIPANT_HEADER, PARTICIPANTS)
    output = run_import("participants", path)
    assert output.splitlines()[-1] == "5 participants importés (1 créé, 4 mis à jour)"
    assert Participant.objects.count() == 5


def test_participant_dry_run_writes_nothing(session_a, session_b, tmp_path):
    path = write_csv(tmp_path, PARTICIPANT_HEADER, PARTICIPANTS)
    output = run_import("participants", path, "--dry-run")
    assert output == "Simulation : 5 participants importés (5 créés, 0 mis à jour) — rien n'a été enregistré.\n"
    assert not Participant.objects.exists()
    assert not Structure.objects.exists()


def test_participants_comma_separated_and_xlsx(session_a, session_b, tmp_path):
    rows = [row.replace(";", ",") for row in PARTICIPANTS]
    path = write_csv(tmp_path, PARTICIPANT_HEADER, rows, sep=",", bom=False)
    assert run_import("participants", path) == "5 participants importés (5 créés, 0 mis à jour)\n"
    xlsx = write_xlsx(tmp_path, PARTICIPANT_HEADER, [row.split(";") for row in PARTICIPANTS])
    assert run_import("participants", xlsx) == "5 participants importés (0 créé, 0 mis à jour)\n"


PARTICIPANT_ERRORS = [
    (
        "2099-999;femme;social;;non;oui",
        "ligne 7, colonne session : séance inconnue « 2099-999 » (référence d'une séance déjà enregistrée attendue)",
    ),
    (";femme;social;;non;oui", "ligne 7, colonne session : valeur obligatoire manquante"),
    (
        "2024-001;F;social;;non;oui",
        "ligne 7, colonne genre : valeur inconnue « F » (valeurs possibles : femme, homme, autre)",
    ),
    (
        "2024-001;femme;infirmiere;;non;oui",
        "ligne 7, colonne profil : valeur inconnue « infirmiere » (valeurs possibles : habitant, personne_concernee, "
        "elu, sante_psychiatrie, social, medico_social, emploi_insertion, jeunesse, education, habitat, droits, sport, "
        "citoyennete, culture, collectivite, autre)",
    ),
    (
        "2024-001;femme;social;;peut-être;oui",
        "ligne 7, colonne habite_qpv : « peut-être » n'est pas « oui » ou « non »",
    ),
    ("2024-001;femme;social;;non;2", "ligne 7, colonne agit_qpv : « 2 » n'est pas « oui » ou « non »"),
    (
        "2024-001;femme;social;" + "S" * 201 + ";non;oui",
        "ligne 7, colonne structure : texte trop long (201 caractères, 200 au maximum)",
    ),
]


@pytest.mark.parametrize(("bad_row", "expected"), PARTICIPANT_ERRORS)
def test_bad_participant_row_is_reported_and_nothing_is_written(session_a, session_b, tmp_path, bad_row, expected):
    before = ParticipantFactory(session=session_a, profile="elu")
    path = write_csv(tmp_path, PARTICIPANT_HEADER, [*PARTICIPANTS, bad_row])
    assert run_failing("participants", path) == [expected]
    assert list(Participant.objects.values_list("pk", "profile")) == [(before.pk, "elu")]
    assert not Structure.objects.exists()


# Change history ---------------------------------------------------------------------------------------


def history_of(model) -> list[tuple]:
    return sorted(model.history.values_list("id", "history_type", "history_user__username", "history_change_reason"))


def test_imports_write_the_change_history_in_bulk(request_a, clsm_b, claire, tmp_path):
    from imports.tables import read_table
    from sessions_app.importers import AwarenessSessionImporter, ParticipantImporter

    AwarenessSessionImporter(user=claire).run(read_table(write_csv(tmp_path, SESSION_HEADER, SESSIONS)))
    ids = dict(AwarenessSession.objects.values_list("reference", "pk"))
    assert history_of(AwarenessSession) == sorted((pk, "+", "claire", "import de fichier") for pk in ids.values())
    changed = [SESSIONS[0], SESSIONS[1], "2099-001;CLSM B de Marseille;QN01330M;2099-01-15;;;Salle des fêtes;;;;;"]
    run_import("sessions", write_csv(tmp_path, SESSION_HEADER, changed, name="modifie.csv"))
    record = AwarenessSession.history.filter(history_type="~").get()
    assert (record.id, record.venue, record.history_user) == (ids["2099-001"], "Salle des fêtes", None)

    rows = [row.replace("2024-001", "2099-001") for row in PARTICIPANTS[:4]]
    run_import("participants", write_csv(tmp_path, PARTICIPANT_HEADER, rows, name="p.csv"))
    first = set(Participant.objects.values_list("pk", flat=True))
    ParticipantImporter(user=claire).run(read_table(write_csv(tmp_path, PARTICIPANT_HEADER, rows[:1], name="q.csv")))
    (kept,) = Participant.objects.values_list("pk", flat=True)
    assert history_of(Participant) == sorted(
        [(pk, "+", None, "import de fichier") for pk in first]
        + [(pk, "-", "claire", "import de fichier") for pk in first]
        + [(kept, "+", "claire", "import de fichier")]
    )
    # The deleted rows' last state is in the history, as the signals would have written it.
    assert set(Participant.history.filter(history_type="-").values_list("structure_spelling", flat=True)) == {
        "CCAS",
        "",
        "C.C.A.S",
        "Mission locale",
    }
    before = Participant.history.count()
    run_import("participants", tmp_path / "q.csv")
    assert Participant.history.count() == before


# Volume: the number of queries does not follow the number of rows ----------------------------------------


def test_imports_write_in_bulk(clsm_a, tmp_path, django_assert_max_num_queries):
    """Never a query per row: lookups are one query per kind, writes are bulk inserts. SQLite takes at most 999
    parameters a statement, so there a bulk insert is one statement per 50 to 100 rows (the change history
    doubles them); PostgreSQL sends one. Re-importing a file that changes nothing costs a handful of queries."""
    requests = [f"D2024-{n:03d};CLSM A de Lille;QN05971M;2024-01-15;acceptee;;" for n in range(1, 201)]
    sessions = [
        f"2024-{n:03d};CLSM A de Lille;QN05971M;2024-03-12;;;;59350;realisee;;;D2024-{n:03d}" for n in range(1, 201)
    ]
    structures = ["CCAS", "C.C.A.S", "Mission locale", "EPSM", "Centre social", ""]
    participants = [
        f"2024-{n % 200 + 1:03d};femme;social;{structures[n % len(structures)]};non;oui" for n in range(1, 1201)
    ]
    with django_assert_max_num_queries(10 + len(requests) // 10):
        run_import("sollicitations", write_csv(tmp_path, REQUEST_HEADER, requests, name="s.csv"))
    with django_assert_max_num_queries(10 + len(sessions) // 10):
        run_import("sessions", write_csv(tmp_path, SESSION_HEADER, sessions, name="x.csv"))
    with django_assert_max_num_queries(10 + len(participants) // 20):
        output = run_import("participants", write_csv(tmp_path, PARTICIPANT_HEADER, participants, name="p.csv"))
    assert output == "1200 participants importés (1200 créés, 0 mis à jour)\n"
    assert Structure.objects.count() == 4
    for kind, name in (("sollicitations", "s.csv"), ("sessions", "x.csv"), ("participants", "p.csv")):
        with django_assert_max_num_queries(10):
            assert run_import(kind, tmp_path / name).endswith("(0 créé, 0 mis à jour)\n")


# The web import page offers the three kinds -----------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "header"),
    [("sollicitations", REQUEST_HEADER), ("sessions", SESSION_HEADER), ("participants", PARTICIPANT_HEADER)],
)
def test_template_download_and_upload_page(login, claire, kind, header):
    client = login(claire)
    response = client.get(reverse("imports:template", args=[kind]))
    assert response.status_code == 200
    assert response.content.decode("utf-8-sig").splitlines()[0] == header
    assert f'value="{kind}"' in client.get(reverse("imports:upload")).content.decode()


def test_upload_preview_of_a_participants_file_writes_nothing(login, claire, session_a, session_b):
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = "\n".join([PARTICIPANT_HEADER, *PARTICIPANTS]).encode()
    response = login(claire).post(
        reverse("imports:upload"),
        {"kind": "participants", "file": SimpleUploadedFile("feuille.csv", content)},
    )
    assert "Simulation\xa0: 5 participants importés (5 créés, 0 mis à jour)" in response.content.decode()
    assert not Participant.objects.exists()
