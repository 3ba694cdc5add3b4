"""Spreadsheets of the bilan (openpyxl): the bilan tables, and an anonymised export of the responses.

They render what the engine computed (`compute_bilan`), nothing more: the financeur's version comes hidden by
the engine (`evaluation/suppression.py`) and a hidden value is written as the text « < 5 ». The rest is
`smdq/spreadsheets.py`: typed cells (percentages as fractions with a % format, dates as dates), French headers
with the codes in a « Dictionnaire des données » sheet, frozen headers and autofilters, texts never formulas.
"""

from django.utils import timezone

from evaluation.models import Answer, Item, Need, NeedCategory, Questionnaire, Response
from evaluation.suppression import for_display
from sessions_app.models import AwarenessSession, Profile
from smdq.spreadsheets import DATE, DATETIME, DECIMAL, INTEGER, PERCENT, TEXT, Book, Field, Typed

KEY_FIGURES = {
    "sollicitations": ("Sollicitations", "demandes de séance dont la date de demande est dans la période", "demandes"),
    "clsm": ("CLSM impliqués", "CLSM distincts ayant une sollicitation ou une séance réalisée", "CLSM"),
    "sessions": ("Séances réalisées", "séances au statut « réalisée »", "séances"),
    "qpv": ("QPV couverts", "QPV distincts concernés par les séances réalisées", "QPV"),
    "participants": (
        "Participant·es",
        "présents déclarés, ou à défaut lignes de la feuille d'émargement",
        "personnes",
    ),
    "structures": ("Structures représentées", "structures distinctes des participant·es", "structures"),
    "responses": (
        "Questionnaires reçus",
        "questionnaires de satisfaction saisis ou remplis en ligne",
        "questionnaires",
    ),
    "self_run_sessions": (
        "dont séances animées par le territoire",
        "séances réalisées animées par le CLSM lui-même (« animée par le territoire »)",
        "séances",
    ),
}
BREAKDOWNS = (
    ("regions", "Régions", "Code INSEE de la région", "Région"),
    ("departments", "Départements", "Code INSEE du département", "Département"),
    ("clsm", "CLSM", "Identifiant du CLSM", "CLSM"),
    ("modes", "Modes d'animation", "Code du mode d'animation", "Mode d'animation"),
)
NOTES = [
    "Seules les séances réalisées sont comptées, sauf pour les sollicitations (date de la demande).",
    "Chaque moyenne et chaque pourcentage excluent les « sans réponse » de leur dénominateur.",
    "Participant·es : le nombre de présents déclaré, ou à défaut le nombre de lignes de la feuille d'émargement.",
    "Une séance couvrant des QPV de plusieurs régions compte dans chacune de ces régions.",
]
FUNDER_NOTE = (
    "Pour protéger l'anonymat, « < 5 » remplace les effectifs de 1 à 4 personnes, les moyennes et "
    "pourcentages calculés sur moins de 5 personnes, et les cases qui permettraient de les recalculer."
)


def _indicators(book: Book, sheet: str, column: str, rows: list[tuple]) -> list[list]:
    """A table of one value per row (label, value): each row's code goes to the dictionary."""
    for label, _value, code, meaning, kind, unit in rows:
        book.describe(sheet, column, label, code, meaning, kind, unit)
    return [[label, Typed(value, kind)] for label, value, _code, _meaning, kind, _unit in rows]


def bilan_workbook(data: dict, *, created=None) -> bytes:
    """The bilan's tables; `data` from `compute_bilan`, the financeur's version already hidden by the engine.
    `created`: when the figures were frozen (an edition's publication), now by default."""
    funder_version = "suppressed" in data
    data = for_display(data)
    scope = data["scope"]
    title = f"Bilan – {scope['label']}" + (" (version financeurs)" if funder_version else "")
    book = Book(title, subject="La santé mentale dans mon quartier : bilan", created=created)
    book.cover(
        [
            ("Périmètre", scope["label"], TEXT),
            ("Du", scope["from"] or "début", DATE),
            ("Au", scope["to"] or "aujourd'hui", DATE),
            (
                "Version",
                "financeurs : petits effectifs masqués (« < 5 »)" if funder_version else "complète",
                TEXT,
            ),
            ("Produit le", timezone.localtime(created) if created else timezone.localtime(), DATETIME),
            ("Source", "smdq – La santé mentale dans mon quartier (programme national, CCOMS)", TEXT),
        ],
        [
            "Chaque tableau a sa feuille, avec une ligne d'en-tête figée et un filtre. Les pourcentages sont des "
            "nombres (fractions affichées en %), les dates des dates.",
            f"La feuille « Dictionnaire des données » donne pour chaque colonne son code, sa signification, son "
            f"type et son unité.{' ' + FUNDER_NOTE if funder_version else ''}",
        ],
    )
    figures = data["key_figures"]
    indicator = Field("Indicateur", "", "Libellé de l'indicateur", width=36)
    key_rows = [
        (label, figures[key], f"key_figures/{key}", meaning, INTEGER, unit)
        for key, (label, meaning, unit) in KEY_FIGURES.items()
        if key in figures
    ]
    if "response_rate" in data:
        key_rows.append(
            (
                "Taux de réponse au questionnaire",
                data["response_rate"],
                "response_rate",
                "questionnaires reçus ÷ participant·es",
                PERCENT,
                "% des participant·es",
            )
        )
    pending = data.get("pending_validation") or {}
    if pending.get("sessions"):
        # A CLSM's own bilan counts its self-run sessions before the national centre validates them: said so.
        key_rows += [
            (
                f"dont {label} en attente de validation",
                pending.get(key),
                f"pending_validation/{key}",
                f"{label} des séances animées par le territoire pas encore validées par le Centre national",
                INTEGER,
                label,
            )
            for key, label in (
                ("sessions", "séances"),
                ("participants", "participant·es"),
                ("responses", "questionnaires"),
            )
            if key in pending
        ]
    book.table(
        "Chiffres clés",
        [indicator, Field("Valeur", "", "Valeur de l'indicateur (voir chaque ligne)", INTEGER, width=16)],
        _indicators(book, "Chiffres clés", "Valeur", key_rows),
    )
    profile = data["profile"]
    profile_rows = [
        ("Femmes", profile["women_pct"], "profile/women_pct", "part des femmes (genre renseigné)"),
        (
            "Habitent le QPV de la séance",
            profile["lives_in_qpv_pct"],
            "profile/lives_in_qpv_pct",
            "part des participant·es qui habitent le QPV (réponse donnée)",
        ),
        (
            "Agissent dans le QPV de la séance",
            profile["acts_in_qpv_pct"],
            "profile/acts_in_qpv_pct",
            "part des participant·es qui travaillent ou agissent dans le QPV (réponse donnée)",
        ),
    ] + [
        (
            f"Profil : {Profile(code).label}",
            pct,
            f"profile/categories/{code}",
            f"part du profil « {Profile(code).label} » (profil renseigné)",
        )
        for code, pct in profile["categories"].items()
    ]
    book.table(
        "Profil",
        [indicator, Field("Pourcentage", "", "Part des participant·es (voir chaque ligne)", PERCENT, "%", 16)],
        _indicators(book, "Profil", "Pourcentage", [(*row, PERCENT, "% des participant·es") for row in profile_rows]),
    )
    book.table(
        "Questions",
        [
            Field("Code de la question", "items/<code>", "Code de la question (formats d'import, JSON)", width=18),
            Field("Question", "items/<code>/label", "Intitulé de la question", width=70),
            Field("Échelle", "items/<code>/scale", "Réponses possibles, de 1 à la note maximale", width=10),
            Field("Moyenne", "items/<code>/mean", "Moyenne des réponses données", DECIMAL, "note", 12),
            Field("Nombre de réponses", "items/<code>/answers", "Réponses données à la question", INTEGER, "réponses"),
        ],
        [[code, i["label"], f"1 à {i['scale']}", i["mean"], i["answers"]] for code, i in data["items"].items()],
    )
    needs = data["needs"]
    book.table(
        "Besoins",
        [
            Field("Catégorie", "needs/categories/<code>/label", "Catégorie de besoin (ou total)", width=40),
            Field("Nombre", "needs/categories/<code>/count", "Besoins exprimés de la catégorie", INTEGER, "besoins"),
            Field(
                "Part des besoins catégorisés",
                "needs/categories/<code>/pct",
                "Besoins de la catégorie ÷ besoins catégorisés",
                PERCENT,
                "% des besoins catégorisés",
            ),
        ],
        [[c.get("label", code), c["count"], c["pct"]] for code, c in needs["categories"].items()]
        + [["Non catégorisés", needs["uncategorised"], None], ["Total", needs["total"], None]],
    )
    book.describe(
        "Besoins",
        "Nombre",
        "Non catégorisés",
        "needs/uncategorised",
        "besoins pas encore catégorisés",
        INTEGER,
        "besoins",
    )
    book.describe("Besoins", "Nombre", "Total", "needs/total", "tous les besoins exprimés", INTEGER, "besoins")
    for key, title, code_header, name_header in BREAKDOWNS:
        book.table(
            title,
            [
                Field(code_header, f"breakdown/{key}/<n>/code", code_header, width=16),
                Field(name_header, f"breakdown/{key}/<n>/label", f"Nom ({name_header.lower()})", width=40),
                Field("Séances", f"breakdown/{key}/<n>/sessions", "Séances réalisées", INTEGER, "séances"),
                Field("Participant·es", f"breakdown/{key}/<n>/participants", "Participant·es", INTEGER, "personnes"),
                Field(
                    "Questionnaires",
                    f"breakdown/{key}/<n>/responses",
                    "Questionnaires reçus",
                    INTEGER,
                    "questionnaires",
                ),
            ],
            [
                [r["code"], r["label"], r["sessions"], r["participants"], r["responses"]]
                for r in data["breakdown"].get(key, [])
            ],
        )
    effects = data.get("effects") or {"followups": 0, "effects": {}}
    book.table(
        "Effets",
        [
            Field(
                "Effet constaté après les séances",
                "effects/effects/<code>/label",
                "Effet rapporté par le suivi",
                width=70,
            ),
            Field(
                "Séances concernées",
                "effects/effects/<code>/count",
                "Séances dont le suivi rapporte l'effet",
                INTEGER,
                "séances",
                20,
            ),
        ],
        [[e["label"], e["count"]] for e in effects["effects"].values()]
        + [["Suivis renseignés (une séance peut avoir plusieurs effets)", effects["followups"]]],
    )
    book.describe(
        "Effets",
        "Séances concernées",
        "Suivis renseignés",
        "effects/followups",
        "suivis de séance renseignés",
        INTEGER,
        "suivis",
    )
    book.table(
        "Méthode",
        [Field("Notes de méthode", "", "Comment les chiffres sont calculés", width=110)],
        [[note] for note in NOTES + ([FUNDER_NOTE] if funder_version else [])],
    )
    return book.save()


def responses_workbook(held_sessions, *, include_free_text: bool, label: str = "", created=None) -> bytes:
    """One row per response of these sessions: session, date, season, QPV, régions, answers, needs.

    Written in openpyxl's write-only mode and read in chunks, so memory stays flat on the national data. The
    column names of the import format (`seance`, `sat_logistique`, `besoin_1_categorie`…) are the dictionary's
    codes; the headers are French, the need categories their labels.
    """
    items = list(Item.objects.filter(questionnaire=Questionnaire.current()).order_by("order"))
    codes = [item.code for item in items]
    categories = dict(NeedCategory.objects.values_list("code", "label"))
    title = "Réponses anonymisées aux questionnaires" + (f" – {label}" if label else "")
    book = Book(title, subject="La santé mentale dans mon quartier : questionnaires", write_only=True, created=created)
    book.cover(
        [
            ("Périmètre", label or "séances choisies", TEXT),
            ("Produit le", timezone.localtime(created) if created else timezone.localtime(), DATETIME),
            ("Source", "smdq – La santé mentale dans mon quartier (programme national, CCOMS)", TEXT),
        ],
        [
            "Une ligne par questionnaire d'une séance réalisée, sans nom ni donnée qui identifie la personne.",
            "Une réponse laissée vide est une case vide (jamais un zéro).",
            "La feuille « Dictionnaire des données » donne pour chaque colonne son code (celui des formats d'import), "
            "sa signification, son type et son unité, et les codes des catégories de besoins.",
        ]
        + (
            ["Les textes libres (besoins, commentaires) sont ceux des participant·es, tels qu'ils ont été saisis."]
            if include_free_text
            else []
        ),
    )
    fields = [
        Field("Séance", "seance", "Référence de la séance", width=12),
        Field("Date de la séance", "date", "Jour où la séance a eu lieu", DATE, width=12),
        Field("Saison", "saison", "Saison du programme (1er septembre – 31 août)", width=11),
        Field("QPV", "qpv", "Codes des QPV de la séance, séparés par « ; »", width=20),
        Field("Régions", "region", "Codes INSEE des régions de ces QPV, séparés par « ; »", width=10),
    ]
    group_labels = dict(Item.Group.choices)
    fields += [
        Field(
            item.label,
            item.code,
            f"{group_labels.get(item.group, item.group)} : {item.label}",
            INTEGER,
            f"note de 1 à {item.scale}",
            width=18,
        )
        for item in items
    ]
    for n in range(1, 4):
        if include_free_text:
            fields.append(Field(f"Besoin {n}", f"besoin_{n}", f"Besoin exprimé n° {n} (texte libre)", width=40))
        fields.append(
            Field(
                f"Catégorie du besoin {n}",
                f"besoin_{n}_categorie",
                f"Catégorie attribuée au besoin n° {n} par le centre national (vide : pas encore catégorisé)",
                width=24,
            )
        )
    if include_free_text:
        fields.append(Field("Commentaire", "commentaire", "Commentaire libre", width=60))
    table = book.stream("Réponses", fields, freeze="B2")  # the session stays in sight when scrolling right
    for code, category in categories.items():
        book.describe("Réponses", "Catégorie du besoin 1 à 3", category, code, "catégorie de besoin", TEXT)

    sessions = {}
    for pk, reference, day, season, qpv, region in AwarenessSession.qpvs.through.objects.filter(
        awarenesssession__in=held_sessions
    ).values_list(
        "awarenesssession_id",
        "awarenesssession__reference",
        "awarenesssession__date",
        "awarenesssession__season",
        "qpv__code",
        "qpv__department__region_id",
    ):
        entry = sessions.setdefault(pk, [reference, day, season, [], []])
        entry[3].append(qpv)
        if region and region not in entry[4]:
            entry[4].append(region)
    for pk, reference, day, season in held_sessions.values_list("pk", "reference", "date", "season"):
        sessions.setdefault(pk, [reference, day, season, [], []])

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
            reference, day, season, qpvs, regions = sessions[session_id]
            row = [reference, day, season, ";".join(sorted(qpvs)), ";".join(sorted(regions))]
            row += [answers.get(pk, {}).get(code) for code in codes]
            expressed = needs.get(pk, [])
            for n in range(3):
                text, category = expressed[n] if n < len(expressed) else ("", "")
                category = categories.get(category, category) if category else None
                row += [text or None, category] if include_free_text else [category]
            if include_free_text:
                row.append(comment or None)
            table.append(row)
    table.close()
    return book.save()
