"""Spreadsheets of the bilan (openpyxl): the bilan tables, and an anonymised export of the responses.

Numbers are written as numbers (a spreadsheet user computes with them); what the engine hid from the funder
is written as the text « < 5 ». Text that a spreadsheet would run as a formula (=, +, -, @ at the start) is
neutralised.
"""

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from evaluation.models import Answer, Item, Need, Questionnaire, Response
from evaluation.suppression import Hidden, for_display
from sessions_app.models import AwarenessSession, Profile

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E5F")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value):
    """Neutralises spreadsheet formulas in text (CSV/XLSX injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _sheet(workbook, title, headers, rows, widths=None):
    sheet = workbook.create_sheet(title)
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append([safe_text(str(v) if isinstance(v, Hidden) else v) for v in row])
    for index, header in enumerate(headers, start=1):
        width = (widths or {}).get(index) or max(12, min(60, len(str(header)) + 2))
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    return sheet


def _round(value, digits=2):
    return value if value is None or isinstance(value, Hidden) else round(value, digits)


def _pending_rows(data: dict) -> list[list]:
    """A CLSM's own bilan counts its self-run sessions before the national centre validates them: said so."""
    pending = data.get("pending_validation") or {}
    if not pending.get("sessions"):
        return []
    return [
        ["dont séances en attente de validation", pending["sessions"]],
        ["dont questionnaires en attente de validation", pending.get("responses")],
    ]


def bilan_workbook(data: dict) -> bytes:
    """The bilan's tables; `data` from `compute_bilan`, the financeur's version already hidden by the engine."""
    funder_version = "suppressed" in data
    data = for_display(data)
    workbook = Workbook()
    workbook.remove(workbook.active)
    scope = data["scope"]
    figures = data["key_figures"]
    labels = {
        "sollicitations": "Sollicitations",
        "clsm": "CLSM impliqués",
        "sessions": "Séances réalisées",
        "qpv": "QPV couverts",
        "participants": "Participant·es",
        "structures": "Structures représentées",
        "responses": "Questionnaires reçus",
        "self_run_sessions": "dont séances animées par le territoire",
    }
    _sheet(
        workbook,
        "Chiffres clés",
        ["Indicateur", "Valeur"],
        [["Périmètre", scope["label"]], ["Du", scope["from"] or "début"], ["Au", scope["to"] or "aujourd'hui"]]
        + [[labels.get(k, k), v] for k, v in figures.items()]
        + _pending_rows(data),
        {1: 32, 2: 40},
    )
    profile = data["profile"]
    _sheet(
        workbook,
        "Profil",
        ["Indicateur", "Pourcentage"],
        [
            ["Femmes", _round(profile["women_pct"])],
            ["Habitent le QPV de la séance", _round(profile["lives_in_qpv_pct"])],
            ["Agissent dans le QPV de la séance", _round(profile["acts_in_qpv_pct"])],
        ]
        + [[f"Profil : {Profile(code).label}", _round(pct)] for code, pct in profile["categories"].items()],
        {1: 40},
    )
    _sheet(
        workbook,
        "Questions",
        ["Code", "Question", "Échelle", "Moyenne", "Nombre de réponses"],
        [[code, i["label"], f"1 à {i['scale']}", _round(i["mean"]), i["answers"]] for code, i in data["items"].items()],
        {2: 70},
    )
    needs = data["needs"]
    _sheet(
        workbook,
        "Besoins",
        ["Catégorie", "Nombre", "Part des besoins catégorisés (%)"],
        [[c.get("label", code), c["count"], _round(c["pct"])] for code, c in needs["categories"].items()]
        + [["Non catégorisés", needs["uncategorised"], None], ["Total", needs["total"], None]],
        {1: 40},
    )
    for key, title in (
        ("regions", "Régions"),
        ("departments", "Départements"),
        ("clsm", "CLSM"),
        ("modes", "Modes d'animation"),
    ):
        _sheet(
            workbook,
            title,
            ["Code", "Nom", "Séances", "Participant·es", "Questionnaires"],
            [
                [
                    r["code"],
                    r["label"],
                    r["sessions"],
                    r["participants"],
                    r["responses"],
                ]
                for r in data["breakdown"].get(key, [])
            ],
            {2: 40},
        )
    effects = data.get("effects") or {"followups": 0, "effects": {}}
    _sheet(
        workbook,
        "Effets",
        ["Effet constaté après les séances", "Séances concernées"],
        [[e["label"], e["count"]] for e in effects["effects"].values()]
        + [["Suivis renseignés (une séance peut avoir plusieurs effets)", effects["followups"]]],
        {1: 70},
    )
    notes = [
        ["Seules les séances réalisées sont comptées, sauf pour les sollicitations (date de la demande)."],
        ["Chaque moyenne et chaque pourcentage excluent les « sans réponse » de leur dénominateur."],
        ["Participant·es : le nombre de présents déclaré, ou à défaut le nombre de lignes de la feuille d'émargement."],
        ["Une séance couvrant des QPV de plusieurs régions compte dans chacune de ces régions."],
    ]
    if funder_version:
        notes.append(
            [
                "Pour protéger l'anonymat, « < 5 » remplace les effectifs de 1 à 4 personnes, les moyennes et "
                "pourcentages calculés sur moins de 5 personnes, et les cases qui permettraient de les recalculer."
            ]
        )
    _sheet(workbook, "Méthode", ["Notes de méthode"], notes, {1: 110})
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def responses_workbook(held_sessions, *, include_free_text: bool) -> bytes:
    """One row per response of these sessions: reference, season, QPV, régions, items, need categories.

    Written in openpyxl's write-only mode and read in chunks, so memory stays flat on the national data.
    """
    items = list(Item.objects.filter(questionnaire=Questionnaire.current()).order_by("order"))
    codes = [item.code for item in items]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Réponses")
    headers = ["seance", "saison", "qpv", "region", *codes]
    for n in range(1, 4):
        headers += [f"besoin_{n}", f"besoin_{n}_categorie"] if include_free_text else [f"besoin_{n}_categorie"]
    if include_free_text:
        headers.append("commentaire")
    sheet.append(headers)

    sessions = {}
    for pk, reference, season, qpv, region in AwarenessSession.qpvs.through.objects.filter(
        awarenesssession__in=held_sessions
    ).values_list(
        "awarenesssession_id",
        "awarenesssession__reference",
        "awarenesssession__season",
        "qpv__code",
        "qpv__department__region_id",
    ):
        entry = sessions.setdefault(pk, [reference, season, [], []])
        entry[2].append(qpv)
        if region and region not in entry[3]:
            entry[3].append(region)
    for pk, reference, season in held_sessions.values_list("pk", "reference", "season"):
        sessions.setdefault(pk, [reference, season, [], []])

    responses = Response.objects.filter(session__in=held_sessions).order_by("session_id", "sheet_number")
    chunk = 5000
    ids = list(responses.values_list("pk", "session_id", "comment"))
    for start in range(0, len(ids), chunk):
        batch = ids[start : start + chunk]
        batch_ids = [pk for pk, _, _ in batch]
        answers: dict[int, dict] = {}
        for response_id, code, value in Answer.objects.filter(response_id__in=batch_ids).values_list(
            "response_id", "item__code", "value"
        ):
            answers.setdefault(response_id, {})[code] = value
        needs: dict[int, list] = {}
        for response_id, text, category in (
            Need.objects.filter(response_id__in=batch_ids)
            .order_by("position")
            .values_list("response_id", "text", "category__code")
        ):
            needs.setdefault(response_id, []).append((text, category))
        for pk, session_id, comment in batch:
            reference, season, qpvs, regions = sessions[session_id]
            row = [reference, season, ";".join(sorted(qpvs)), ";".join(sorted(regions))]
            row += [answers.get(pk, {}).get(code) for code in codes]
            expressed = needs.get(pk, [])
            for n in range(3):
                text, category = expressed[n] if n < len(expressed) else ("", "")
                row += [safe_text(text), category or ""] if include_free_text else [category or ""]
            if include_free_text:
                row.append(safe_text(comment))
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
