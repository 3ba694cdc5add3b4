"""`import_data questionnaires FILE`: questionnaire responses typed elsewhere (a spreadsheet per season, an
older tool), one row per questionnaire.

Replace rule (the same as for participants): for each session present in the file, the responses that came
from imports (channel « import ») are replaced by the file's rows; paper and online responses are never
touched, nor sessions absent from the file. The replacement is positional, so that re-running a file, or a
file where one session changed, rewrites only what changed:

- the session's N-th row is compared with its N-th imported response (by sheet number): identical → counted
  unchanged; different → its answers, needs and comment are rewritten in place, counted « mis à jour »;
- extra rows are new responses (« créés »), numbered after the session's highest sheet number;
- imported responses beyond the file's rows for that session are deleted (reported as a warning).

A need whose category cell is blank keeps the category the national centre gave it on the categorisation
screen, as long as its text is unchanged: re-importing the file does not undo that work.

Writes are bulk inserts (a 100,000-row file, 1.2 million answers, loads in well under a minute); then the
per-session summaries the bilan reads are refreshed for the sessions that changed. The responses' change
history (django-simple-history) gets one « + » or « ~ » entry per created or rewritten response, written in
bulk with the reason « import de fichier »; deleted ones get theirs from the signals of the delete. No
ResponseChange (the paper-entry screen's history of a sheet, with its contents before and after) is recorded
for imported rows: an import is traced by its file (imports.PendingImport for uploads through the interface).
"""

from collections import defaultdict

from django.db import connection
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from evaluation.forms_entry import COMMENT_MAX_LENGTH, NEED_MAX_LENGTH
from evaluation.models import Answer, Need, NeedCategory, Questionnaire, Response
from evaluation.responses import MAX_NEEDS, Sheet, refresh_summaries
from imports.base import Column, Importer, RowError
from imports.bulk import copy_to_history
from sessions_app.models import AwarenessSession, lock_sessions

# The 13 items of the standard questionnaire, in the order of the import format (shared/interfaces.md).
ITEM_COLUMNS = (
    ("sat_logistique", 5, "organisation logistique"),
    ("sat_dynamique", 5, "dynamique de groupe"),
    ("sat_animation", 5, "qualité de l'animation"),
    ("sat_duree", 5, "durée de l'animation"),
    ("sat_contenu", 5, "qualité du contenu pédagogique"),
    ("sat_attentes", 5, "cohérence du contenu avec les attentes"),
    ("cap_expliquer", 4, "capable d'expliquer les enjeux de la santé mentale"),
    ("cap_posture", 4, "capable d'identifier une posture déstigmatisante"),
    ("cap_ressources", 4, "capable d'identifier des ressources locales"),
    ("cap_clsm", 4, "capable d'identifier votre CLSM"),
    ("eng_concerne", 4, "plus concerné·e par la santé mentale"),
    ("eng_formation", 4, "intention de suivre des formations plus avancées"),
    ("eng_investir", 4, "souhait de s'investir dans le quartier"),
)
ITEM_CODES = {code for code, _scale, _label in ITEM_COLUMNS}
EXAMPLE_VALUES = ("5", "4", "5", "4", "5", "4", "3", "3", "4", "2", "4", "3", "")
CATEGORY_CODES = "competences, actions, connaissances, implication, reseau, ressources_locales, prise_en_charge"

MAX_ERRORS_PER_ROW = 3
CHUNK = 2000  # ids per `IN (…)` list: SQLite accepts at most 32,766 parameters per query
BATCH = 10_000  # rows per INSERT


def _need_columns():
    examples = {1: ("Se former à l'écoute", "competences"), 2: ("Mieux connaître le CLSM", "")}
    for position in range(1, MAX_NEEDS + 1):
        text, category = examples.get(position, ("", ""))
        yield Column(f"besoin_{position}", f"besoin exprimé n° {position} (texte libre)", example=text)
        yield Column(
            f"besoin_{position}_categorie",
            f"catégorie du besoin n° {position} ({CATEGORY_CODES}) ; vide = à catégoriser",
            example=category,
        )


def _chunks(values, size=CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


class QuestionnaireImporter(Importer):
    kind = "questionnaires"
    label = "Questionnaires"
    noun_singular = "questionnaire"
    noun_plural = "questionnaires"
    columns = (
        Column("session", "référence de la séance (confirmée ou réalisée)", required=True, example="2024-001"),
        *(
            Column(code, f"{label} : entier de 1 à {scale} ; vide = sans réponse", required=True, example=example)
            for (code, scale, label), example in zip(ITEM_COLUMNS, EXAMPLE_VALUES, strict=True)
        ),
        *_need_columns(),
        Column("commentaire", "commentaire libre", example=""),
    )

    def __init__(self, user=None):
        super().__init__(user)
        self.row_errors: int | None = None  # errors of the row being parsed (None: not parsing a row)

    def read_columns(self):
        # Items of the questionnaire in use that the format does not list yet are read too.
        codes = Questionnaire.current().items.values_list("code", flat=True)
        return [*super().read_columns(), *(code for code in codes if code not in ITEM_CODES)]

    def prepare(self, table):
        self.questionnaire = Questionnaire.current()
        # Item scales come from the questionnaire in use; a column of an item it does not have is refused at
        # the first row rather than silently dropped.
        self.items = list(self.questionnaire.items.order_by("order"))
        self.item_ids = [item.id for item in self.items]
        self.item_index = {item.id: index for index, item in enumerate(self.items)}
        self.categories = {category.code: category.pk for category in NeedCategory.objects.all()}
        self.category_list = ", ".join(self.categories)
        references = {row.get("session") for row in table.rows} - {""}
        self.sessions = {}
        for chunk in _chunks(references):
            for reference, pk, status in AwarenessSession.objects.filter(reference__in=chunk).values_list(
                "reference", "pk", "status"
            ):
                self.sessions[reference] = (pk, status)
        self.accepting = {AwarenessSession.Status.CONFIRMED, AwarenessSession.Status.HELD}
        known_codes = {item.code for item in self.items}
        self.missing_items = [code for code, _scale, _label in ITEM_COLUMNS if code not in known_codes]

    def error(self, row, column, message):
        """At most MAX_ERRORS_PER_ROW errors are detailed per row, then one line says how many more: a row
        whose columns are shifted gives one error per cell, and the report (which stops at 1,000 errors) is
        more useful when it covers more rows."""
        if self.row_errors is None:
            super().error(row, column, message)
            return
        self.row_errors += 1
        if self.row_errors <= MAX_ERRORS_PER_ROW:
            super().error(row, column, message)

    def parse_row(self, row):
        self.row_errors = 0
        parsed = self._parse(row)
        hidden, self.row_errors = self.row_errors - MAX_ERRORS_PER_ROW, None
        if hidden > 0:
            message = ngettext(
                "et %(n)s autre erreur sur cette ligne", "et %(n)s autres erreurs sur cette ligne", hidden
            ) % {"n": hidden}
            self.errors.append(RowError(row.line, None, message))
        return parsed

    def _parse(self, row):
        session_id = self._session(row)
        answers = tuple(self._value(row, item) for item in self.items)
        for code in self.missing_items:
            if row.get(code):
                self.error(row, code, _("cette question ne figure pas dans le questionnaire en usage"))
        needs = []
        for position in range(1, MAX_NEEDS + 1):
            text_column, category_column = f"besoin_{position}", f"besoin_{position}_categorie"
            text = " ".join(row.get(text_column).split())
            raw_category = row.get(category_column)
            category_id = None
            if raw_category:
                category_id = self.categories.get(raw_category.lower())
                if category_id is None:
                    self.error(
                        row,
                        category_column,
                        _("catégorie inconnue « %(value)s » (valeurs possibles : %(codes)s)")
                        % {"value": raw_category, "codes": self.category_list},
                    )
                if not text:
                    self.error(
                        row,
                        text_column,
                        _("la colonne %(column)s indique une catégorie mais le texte du besoin est vide")
                        % {"column": category_column},
                    )
            if len(text) > NEED_MAX_LENGTH:
                self.error(
                    row,
                    text_column,
                    _("texte trop long (%(n)s caractères, %(max)s au maximum)")
                    % {"n": len(text), "max": NEED_MAX_LENGTH},
                )
            if text:
                needs.append((text, category_id))
        comment = self.text(row, "commentaire", max_length=COMMENT_MAX_LENGTH)
        if (
            session_id is not None
            and self.row_errors == 0
            and Sheet(answers=dict(enumerate(answers)), needs=needs, comment=comment or "").is_empty
        ):
            # A blank questionnaire would count in « questionnaires reçus » and the response rate.
            self.errors.append(RowError(row.line, None, _("questionnaire vide")))
            return None
        if session_id is None:
            return None
        return session_id, (answers, tuple(needs), comment or "")

    def _value(self, row, item) -> int | None:
        raw = row.get(item.code)
        if not raw:
            return None
        try:
            value = int(raw)
        except ValueError:
            self.error(
                row,
                item.code,
                _("« %(value)s » n'est pas un nombre entier (attendu de 1 à %(scale)s, vide = sans réponse)")
                % {"value": raw, "scale": item.scale},
            )
            return None
        if not 1 <= value <= item.scale:
            # The wording of the response service and of the paper entry for the same mistake.
            self.error(
                row,
                item.code,
                _("%(value)s est hors de l'échelle de cette question (1 à %(scale)s)")
                % {"value": value, "scale": item.scale},
            )
            return None
        return value

    def _session(self, row):
        reference = row.get("session")
        if not reference:
            self.error(row, "session", _("référence de séance obligatoire manquante"))
            return None
        found = self.sessions.get(reference)
        if found is None:
            self.error(row, "session", _("séance inconnue « %(ref)s »") % {"ref": reference})
            return None
        pk, status = found
        if status not in self.accepting:
            self.error(
                row,
                "session",
                _("la séance %(ref)s est %(status)s : elle ne reçoit pas de questionnaire")
                % {"ref": reference, "status": AwarenessSession.Status(status).label},
            )
            return None
        return pk

    # Writing -------------------------------------------------------------------------------------------
    def apply(self, parsed, result):
        rows_by_session: dict[int, list] = defaultdict(list)
        for session_id, content in parsed:
            rows_by_session[session_id].append(content)
        # Until the import commits, nobody else writes these sessions' sheets (an online form sent meanwhile
        # waits): the sheet numbers below, and the imported sheets compared with the file, stay as read.
        lock_sessions(rows_by_session)
        existing = self._existing_imports(rows_by_session)

        to_create: list[tuple[int, tuple]] = []  # (session_id, content)
        to_rewrite: dict[int, tuple] = {}  # response pk → content
        to_delete: list[int] = []
        touched = set()
        for session_id, rows in rows_by_session.items():
            old = existing.get(session_id, [])
            for position, content in enumerate(rows):
                if position >= len(old):
                    to_create.append((session_id, content))
                    touched.add(session_id)
                    continue
                pk, old_content = old[position]
                content = self._keep_categories(content, old_content)
                if content == old_content:
                    result.unchanged += 1
                else:
                    to_rewrite[pk] = content
                    touched.add(session_id)
            for pk, _content in old[len(rows) :]:
                to_delete.append(pk)
                touched.add(session_id)

        self._delete(to_delete)
        self._rewrite(to_rewrite)
        self._create(to_create)
        refresh_summaries(sorted(touched))
        result.created += len(to_create)
        result.updated += len(to_rewrite)
        if to_delete:
            result.warnings.append(
                ngettext(
                    "%(n)s questionnaire importé auparavant a été retiré : sa séance a moins de lignes "
                    "dans ce fichier.",
                    "%(n)s questionnaires importés auparavant ont été retirés : leur séance a moins de lignes "
                    "dans ce fichier.",
                    len(to_delete),
                )
                % {"n": len(to_delete)}
            )

    def _existing_imports(self, rows_by_session) -> dict[int, list[tuple[int, tuple]]]:
        """Per session, its imported responses in sheet order as (pk, content) comparable with parsed rows."""
        width = len(self.items)
        responses, answers, needs = {}, defaultdict(lambda: [None] * width), defaultdict(list)
        for chunk in _chunks(rows_by_session):
            imported = Response.objects.filter(session_id__in=chunk, channel=Response.Channel.IMPORT)
            for pk, session_id, sheet_number, comment in imported.values_list(
                "pk", "session_id", "sheet_number", "comment"
            ).order_by():
                responses[pk] = (session_id, sheet_number, comment)
            for response_id, item_id, value in Answer.objects.filter(response__in=imported).values_list(
                "response_id", "item_id", "value"
            ):
                index = self.item_index.get(item_id)
                if index is None:  # an item of another questionnaire version: never equal to a file row
                    answers[response_id].append((item_id, value))
                else:
                    answers[response_id][index] = value
            for response_id, text, category_id in (
                Need.objects.filter(response__in=imported)
                .order_by("response_id", "position")
                .values_list("response_id", "text", "category_id")
            ):
                needs[response_id].append((text, category_id))
        by_session = defaultdict(list)
        for pk, (session_id, sheet_number, comment) in responses.items():
            content = (tuple(answers[pk]), tuple(needs[pk]), comment)
            by_session[session_id].append((sheet_number, pk, content))
        return {
            session_id: [(pk, content) for _number, pk, content in sorted(rows)]
            for session_id, rows in by_session.items()
        }

    @staticmethod
    def _keep_categories(content, old_content):
        """A need whose category cell is blank takes the category of the imported need it stands for: the
        one at its position if the text is the same, else the first other one with that text not yet
        matched. One to one: when a response lists the same need twice, once categorised in the file and
        once not, the file's category must not spread to the other (it did: a re-run rewrote such responses
        once, then found them equal — issue #11, « 21 mis à jour »)."""
        answers, needs, comment = content
        if not any(category is None for _text, category in needs):
            return content
        old_needs = old_content[1]
        kept, matched, unmatched = list(needs), set(), []
        for position, (text, category) in enumerate(needs):
            if position < len(old_needs) and old_needs[position][0] == text:
                matched.add(position)
                if category is None:
                    kept[position] = old_needs[position]
            elif category is None:
                unmatched.append(position)
        for position in unmatched:
            text = needs[position][0]
            for old_position, (old_text, old_category) in enumerate(old_needs):
                if old_position not in matched and old_text == text:
                    matched.add(old_position)
                    kept[position] = (text, old_category)
                    break
        return answers, tuple(kept), comment

    def _delete(self, pks):
        for chunk in _chunks(pks):
            Response.objects.filter(pk__in=chunk).delete()

    def _rewrite(self, contents: dict[int, tuple]):
        now = timezone.now()
        for chunk in _chunks(contents):
            Answer.objects.filter(response_id__in=chunk).delete()
            Need.objects.filter(response_id__in=chunk).delete()
            responses = list(Response.objects.filter(pk__in=chunk))
            for response in responses:
                response.comment = contents[response.pk][2]
                response.questionnaire = self.questionnaire
                response.updated_at = now
            Response.objects.bulk_update(responses, ["comment", "questionnaire", "updated_at"], batch_size=BATCH)
            copy_to_history(Response.objects.filter(pk__in=chunk), "~", self.user)
        self._write_contents(contents.items())

    def _create(self, rows: list[tuple[int, tuple]]):
        """New responses, numbered after each session's highest sheet number (whatever its channel)."""
        by_session: dict[int, list] = defaultdict(list)
        for session_id, content in rows:
            by_session[session_id].append(content)
        user_id = self.user.pk if self.user is not None and self.user.is_authenticated else None
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        questionnaire_id = self.questionnaire.pk
        fields = ["session", "questionnaire", "sheet_number", "channel", "entered_by", "comment"]
        fields += ["created_at", "updated_at"]
        for chunk in _chunks(by_session):
            highest = dict(
                Response.objects.filter(session_id__in=chunk)
                .values("session_id")
                .annotate(n=Max("sheet_number"))
                .order_by()
                .values_list("session_id", "n")
            )
            new, response_rows = {}, []
            for session_id in chunk:
                number = highest.get(session_id) or 0
                for content in by_session[session_id]:
                    number += 1
                    new[session_id, number] = content
                    response_rows.append(
                        (session_id, questionnaire_id, number, Response.Channel.IMPORT, user_id, content[2], now, now)
                    )
            insert_rows(Response, fields, response_rows)
            # The new rows' ids, found back by their natural key (session, sheet number).
            created = Response.objects.filter(session_id__in=chunk, channel=Response.Channel.IMPORT).values_list(
                "session_id", "sheet_number", "pk"
            )
            created = [(pk, s, n) for s, n, pk in created if (s, n) in new]
            for part in _chunks([pk for pk, _s, _n in created]):
                copy_to_history(Response.objects.filter(pk__in=part), "+", self.user)
            self._write_contents((pk, new[s, n]) for pk, s, n in created)

    def _write_contents(self, pairs):
        """Answers and needs of responses that have none (new or just emptied), streamed to the database.

        The ORM's bulk_create spends ~60 µs per row building and preparing model instances: 70 s for the
        1.2 million answers of a 100,000-row file. Plain tuples through COPY (PostgreSQL) or executemany
        (SQLite) take a few seconds; the database still checks every constraint."""
        item_ids = self.item_ids
        answer_rows, need_rows = [], []
        for response_id, (values, response_needs, _comment) in pairs:
            answer_rows.extend(
                (response_id, item_id, value)
                for item_id, value in zip(item_ids, values, strict=False)
                if value is not None
            )
            need_rows.extend(
                (response_id, position, text, category_id)
                for position, (text, category_id) in enumerate(response_needs, start=1)
            )
            if len(answer_rows) >= BATCH:
                insert_rows(Answer, ["response", "item", "value"], answer_rows)
                answer_rows = []
            if len(need_rows) >= BATCH:
                insert_rows(Need, ["response", "position", "text", "category"], need_rows)
                need_rows = []
        insert_rows(Answer, ["response", "item", "value"], answer_rows)
        insert_rows(Need, ["response", "position", "text", "category"], need_rows)


def insert_rows(model, field_names: list[str], rows: list[tuple]) -> None:
    """Inserts plain tuples into `model`'s table, bypassing model instances (no save(), no signals: use it
    only for models that have neither, with values already checked)."""
    if not rows:
        return
    meta = model._meta
    columns = [meta.get_field(name).column for name in field_names]
    table = connection.ops.quote_name(meta.db_table)
    column_list = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({column_list}) VALUES ({placeholders})", rows)
