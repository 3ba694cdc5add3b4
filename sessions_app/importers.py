"""`import_data sollicitations|sessions|participants FILE`: the formats of docs/formats.md.

Each importer loads what the rows are checked against in a few queries (`prepare`), checks every row
(`parse_row`, errors read `ligne N, colonne X : message`) and writes with bulk queries (`apply`), so that a
file of 100,000 sign-in lines imports in seconds. Imports carry historical data: statuses are set as written,
without the transition rules of the interface, and each creation or status change is recorded « Import ».
"""

import re
from collections import defaultdict
from datetime import time

from django.conf import settings
from django.db import connection
from django.db.models import CharField, DateTimeField, IntegerField, Value
from django.utils import timezone

from imports.base import Column, Importer
from sessions_app.models import (
    AwarenessSession,
    AwarenessSessionChange,
    Gender,
    Participant,
    Profile,
    SessionRequest,
    SessionRequestChange,
    Structure,
    normalise_structure_name,
    season_of,
)
from territories.models import CLSM, QPV, Commune
from territories.qpv_import import normalise_commune_code

IMPORT_REASON = "Import"  # the reason of the status changes an import records
HISTORY_REASON = "import de fichier"  # the reason of its entries in the change history, as for questionnaires
# Stay far below the bind-parameter limits of SQLite (32,766) and PostgreSQL (65,535) in `IN (…)` lookups.
CHUNK = 5000
_TIME = re.compile(r"^(\d{1,2})\s*[:hH]\s*(\d{2})?(?::(\d{2}))?$")


def chunks(values, size=CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def through_pairs(field, owner_ids) -> dict[int, set[int]]:
    """{owner pk: {related pks}} of a many-to-many field, one query per CHUNK owners."""
    through = field.through
    owner, related = field.field.m2m_field_name(), field.field.m2m_reverse_field_name()
    pairs = defaultdict(set)
    for ids in chunks(owner_ids):
        for owner_id, related_id in through.objects.filter(**{f"{owner}_id__in": ids}).values_list(
            f"{owner}_id", f"{related}_id"
        ):
            pairs[owner_id].add(related_id)
    return pairs


def replace_pairs(field, changes: dict[int, list[int]]):
    """Sets the many-to-many `field` of each owner in `changes` to the given pks (two bulk queries a chunk)."""
    through = field.through
    owner, related = field.field.m2m_field_name(), field.field.m2m_reverse_field_name()
    for ids in chunks(changes):
        through.objects.filter(**{f"{owner}_id__in": ids}).delete()
    through.objects.bulk_create(
        [through(**{f"{owner}_id": owner_id, f"{related}_id": pk}) for owner_id, pks in changes.items() for pk in pks],
        batch_size=CHUNK,
    )


def copy_to_history(queryset, history_type: str, user=None, reason: str = HISTORY_REASON):
    """Writes the change history (django-simple-history) of the rows of `queryset` as they are now, as its
    signals would have written it row by row, in one INSERT … SELECT: bulk inserts, bulk updates and the
    participants' one-statement deletes send no signal. `history_type`: « + », « ~ » or « - »."""
    model = queryset.model
    history = getattr(model, "history", None)
    if history is None or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    historical = history.model
    fields = [field.attname for field in historical.tracked_fields]
    user_id = user.pk if user is not None and user.is_authenticated else None
    marks = {
        "history_date": Value(timezone.now(), output_field=DateTimeField()),
        "history_type": Value(history_type, output_field=CharField()),
        "history_user_id": Value(user_id, output_field=IntegerField()),
        "history_change_reason": Value(reason, output_field=CharField()),
    }
    # Fields first, then the constants: the SELECT lists them in that order, as the INSERT expects.
    rows = queryset.order_by().annotate(**{f"_{name}": value for name, value in marks.items()})
    select, params = rows.values_list(*fields, *(f"_{name}" for name in marks)).query.sql_with_params()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(historical._meta.get_field(name).column) for name in [*fields, *marks])
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(historical._meta.db_table)} ({columns}) {select}", params)


def write_history(model, created, updated, user):
    """« création » and « modification » entries of the change history for objects written in bulk."""
    for history_type, objects in (("+", created), ("~", updated)):
        for part in chunks(obj.pk for obj in objects):
            copy_to_history(model.objects.filter(pk__in=part), history_type, user)


class _ReferencedImporter(Importer):
    """What requests and sessions share: a `reference` natural key, a `clsm` by name, `qpv` codes."""

    model = None

    def prepare(self, table):
        self.seen: dict[str, int] = {}
        self.clsms = {name.casefold(): (pk, name) for pk, name in CLSM.objects.values_list("pk", "name")}
        codes = {c for row in table.rows for c in self.split_list(row.get("qpv").upper())}
        self.qpvs = {}
        for part in chunks(codes):
            self.qpvs.update(QPV.objects.filter(code__in=part).values_list("code", "pk"))
        self.perimeters = through_pairs(CLSM.qpvs, [pk for pk, _name in self.clsms.values()])

    def reference(self, row):
        reference = self.text(row, "reference", required=True, max_length=30)
        if reference:
            if reference in self.seen:
                self.error(row, "reference", f"la référence « {reference} » figure déjà ligne {self.seen[reference]}")
                return None
            self.seen[reference] = row.line
        return reference

    def clsm(self, row):
        name = self.text(row, "clsm", required=True)
        if not name:
            return None
        found = self.clsms.get(name.casefold())
        if found is None:
            self.error(row, "clsm", f"CLSM inconnu « {name} » (nom d'un CLSM déjà enregistré attendu)")
            return None
        return found

    def qpv_ids(self, row, clsm) -> list[int]:
        ids = []
        for code in self.split_list(row.get("qpv").upper()):
            if code not in self.qpvs:
                self.error(row, "qpv", f"QPV inconnu « {code} »")
                continue
            if self.qpvs[code] not in ids:
                ids.append(self.qpvs[code])
            if clsm and self.qpvs[code] not in self.perimeters.get(clsm[0], ()):
                self.outside.append(
                    f"ligne {row.line} : le QPV {code} est hors du périmètre de « {clsm[1]} » (accepté)."
                )
        return ids

    def existing(self, references) -> dict:
        found = {}
        for part in chunks(references):
            found.update((obj.reference, obj) for obj in self.model.objects.filter(reference__in=part))
        return found

    def run(self, table, *, dry_run=False):
        self.outside: list[str] = []
        result = super().run(table, dry_run=dry_run)
        result.warnings.extend(self.outside)
        return result


class SessionRequestImporter(_ReferencedImporter):
    kind = "sollicitations"
    label = "Sollicitations"
    noun_singular = "sollicitation"
    noun_plural = "sollicitations"
    model = SessionRequest
    columns = (
        Column("reference", "référence de la sollicitation (clé : une ligne par sollicitation)", True, "D2024-001"),
        Column("clsm", "nom d'un CLSM déjà enregistré (majuscules indifférentes)", True, "CLSM de Lille"),
        Column("qpv", "codes des QPV séparés par « ; »", example="QN05971M;QN05972M"),
        Column("date_demande", "date de la demande (AAAA-MM-JJ ou JJ/MM/AAAA)", True, "2024-01-15"),
        Column(
            "statut",
            "nouvelle, en_etude, acceptee, refusee ou retiree (vide = nouvelle)",
            example=SessionRequest.Status.ACCEPTED,
        ),
        Column("public_attendu", "public attendu", example="habitants, professionnels du social"),
        Column("message", "message du CLSM", example="Nous souhaitons organiser une séance au printemps."),
    )
    # The fields an import sets, in the order of `parse_row`'s values.
    FIELDS = ("clsm_id", "requested_on", "status", "expected_audience", "message")

    def parse_row(self, row):
        reference = self.reference(row)
        clsm = self.clsm(row)
        return {
            "reference": reference,
            "clsm_id": clsm[0] if clsm else None,
            "qpvs": self.qpv_ids(row, clsm),
            "requested_on": self.date(row, "date_demande", required=True),
            "status": self.choice(row, "statut", SessionRequest.Status.values, default=SessionRequest.Status.NEW),
            "expected_audience": self.text(row, "public_attendu"),
            "message": self.text(row, "message"),
        }

    def apply(self, parsed, result):
        existing = self.existing(p["reference"] for p in parsed)
        current_qpvs = through_pairs(SessionRequest.qpvs, [r.pk for r in existing.values()])
        now = timezone.now()
        new, changed, qpv_changes, history = [], [], {}, []
        for item in parsed:
            request = existing.get(item["reference"])
            if request is None:
                new.append((SessionRequest(reference=item["reference"], **{f: item[f] for f in self.FIELDS}), item))
                continue
            differs = [f for f in self.FIELDS if getattr(request, f) != item[f]]
            if "status" in differs:
                history.append(
                    SessionRequestChange(
                        request=request,
                        from_status=request.status,
                        to_status=item["status"],
                        changed_by=self.user,
                        reason=IMPORT_REASON,
                    )
                )
            for f in differs:
                setattr(request, f, item[f])
            if differs:
                request.updated_at = now
                changed.append(request)
            if current_qpvs.get(request.pk, set()) != set(item["qpvs"]):
                qpv_changes[request.pk] = item["qpvs"]
            if differs or request.pk in qpv_changes:
                result.updated += 1
            else:
                result.unchanged += 1

        SessionRequest.objects.bulk_create([request for request, _item in new], batch_size=CHUNK)
        for request, item in new:
            qpv_changes[request.pk] = item["qpvs"]
            history.append(
                SessionRequestChange(
                    request=request, to_status=request.status, changed_by=self.user, reason=IMPORT_REASON
                )
            )
        result.created += len(new)
        SessionRequest.objects.bulk_update(changed, [*self.FIELDS, "updated_at"], batch_size=CHUNK)
        replace_pairs(SessionRequest.qpvs, qpv_changes)
        SessionRequestChange.objects.bulk_create(history, batch_size=CHUNK)
        write_history(SessionRequest, [request for request, _item in new], changed, self.user)


class AwarenessSessionImporter(_ReferencedImporter):
    kind = "sessions"
    label = "Séances"
    noun_singular = "séance"
    noun_plural = "séances"
    model = AwarenessSession
    columns = (
        Column("reference", "référence de la séance (clé : une ligne par séance)", True, "2024-001"),
        Column("clsm", "nom d'un CLSM déjà enregistré (majuscules indifférentes)", True, "CLSM de Lille"),
        Column(
            "qpv", "codes des QPV séparés par « ; » (un QPV hors du périmètre du CLSM est accepté)", example="QN05971M"
        ),
        Column("date", "date de la séance (AAAA-MM-JJ ou JJ/MM/AAAA)", True, "2024-03-12"),
        Column("heure", "heure de début HH:MM (vide = 14:00)", example="14:00"),
        Column("duree_minutes", "durée en minutes, de 1 à 1440 (vide = 180)", example="180"),
        Column("lieu", "lieu de la séance", example="Centre social Les Moulins"),
        Column("commune", "code INSEE de la commune du lieu", example="59350"),
        Column(
            "statut",
            "planifiee, confirmee, realisee, annulee ou reportee (vide = planifiee)",
            example=AwarenessSession.Status.HELD,
        ),
        Column("participants_attendus", "nombre de participants attendus", example="15"),
        Column("participants_presents", "nombre de participants présents", example="14"),
        Column("sollicitation", "référence d'une sollicitation déjà enregistrée du même CLSM", example="D2024-001"),
    )
    FIELDS = (
        "clsm_id",
        "date",
        "start_time",
        "duration_minutes",
        "venue",
        "commune_id",
        "status",
        "expected_attendance",
        "actual_attendance",
        "request_id",
    )

    def prepare(self, table):
        super().prepare(table)
        codes = {normalise_commune_code(row.get("commune")) for row in table.rows if row.get("commune")}
        self.communes = set()
        for part in chunks(codes):
            self.communes.update(Commune.objects.filter(code__in=part).values_list("code", flat=True))
        references = {row.get("sollicitation") for row in table.rows if row.get("sollicitation")}
        self.requests = {}
        for part in chunks(references):
            self.requests.update(
                (ref, (pk, clsm_id))
                for ref, pk, clsm_id in SessionRequest.objects.filter(reference__in=part).values_list(
                    "reference", "pk", "clsm_id"
                )
            )
        self.today = timezone.localdate()

    def start_time(self, row):
        value = row.get("heure")
        if not value:
            return time(14, 0)
        match = _TIME.match(value)
        if match:
            hours, minutes, seconds = int(match.group(1)), int(match.group(2) or 0), int(match.group(3) or 0)
            if hours < 24 and minutes < 60 and seconds == 0:
                return time(hours, minutes)
        self.error(row, "heure", f"heure invalide « {value} » (attendu HH:MM, par exemple 14:00)")
        return None

    def commune(self, row):
        raw = row.get("commune")
        if not raw:
            return None
        code = normalise_commune_code(raw)
        if code not in self.communes:
            self.error(row, "commune", f"commune inconnue « {raw} » (code INSEE du COG 2024 attendu)")
        return code

    def request_id(self, row, clsm):
        reference = row.get("sollicitation")
        if not reference:
            return None
        if reference not in self.requests:
            self.error(
                row,
                "sollicitation",
                f"sollicitation inconnue « {reference} » (référence d'une sollicitation déjà enregistrée attendue)",
            )
            return None
        pk, clsm_id = self.requests[reference]
        if clsm and clsm_id != clsm[0]:
            self.error(row, "sollicitation", f"la sollicitation « {reference} » concerne un autre CLSM que {clsm[1]}")
        return pk

    def parse_row(self, row):
        # In the order of the columns, so that a row's errors read from left to right.
        reference = self.reference(row)
        clsm = self.clsm(row)
        parsed = {
            "reference": reference,
            "clsm_id": clsm[0] if clsm else None,
            "qpvs": self.qpv_ids(row, clsm),
            "date": self.date(row, "date", required=True),
            "start_time": self.start_time(row),
            "duration_minutes": self.integer(row, "duree_minutes", minimum=1, maximum=1440) or 180,
            "venue": self.text(row, "lieu", max_length=200),
            "commune_id": self.commune(row),
            "status": self.choice(
                row, "statut", AwarenessSession.Status.values, default=AwarenessSession.Status.PLANNED
            ),
        }
        if parsed["status"] == AwarenessSession.Status.HELD and parsed["date"] and parsed["date"] > self.today:
            self.error(row, "statut", "une séance réalisée ne peut pas être datée dans le futur")
        parsed["expected_attendance"] = self.integer(row, "participants_attendus", minimum=0)
        parsed["actual_attendance"] = self.integer(row, "participants_presents", minimum=0)
        parsed["request_id"] = self.request_id(row, clsm)
        return parsed

    def apply(self, parsed, result):
        existing = self.existing(p["reference"] for p in parsed)
        current_qpvs = through_pairs(AwarenessSession.qpvs, [s.pk for s in existing.values()])
        now = timezone.now()
        new, changed, qpv_changes, history = [], [], {}, []
        for item in parsed:
            fields = {f: item[f] for f in self.FIELDS}
            session = existing.get(item["reference"])
            if session is None:
                # bulk_create skips save(): the season is computed here, the reference is the file's.
                session = AwarenessSession(reference=item["reference"], season=season_of(item["date"]), **fields)
                new.append((session, item))
                continue
            differs = [f for f in self.FIELDS if getattr(session, f) != item[f]]
            if "status" in differs:
                history.append(
                    AwarenessSessionChange(
                        session=session,
                        from_status=session.status,
                        to_status=item["status"],
                        changed_by=self.user,
                        reason=IMPORT_REASON,
                    )
                )
            for f in differs:
                setattr(session, f, item[f])
            if differs:
                session.season = season_of(session.date)
                session.updated_at = now
                changed.append(session)
            if current_qpvs.get(session.pk, set()) != set(item["qpvs"]):
                qpv_changes[session.pk] = item["qpvs"]
            if differs or session.pk in qpv_changes:
                result.updated += 1
            else:
                result.unchanged += 1

        AwarenessSession.objects.bulk_create([session for session, _item in new], batch_size=CHUNK)
        for session, item in new:
            qpv_changes[session.pk] = item["qpvs"]
            history.append(
                AwarenessSessionChange(
                    session=session, to_status=session.status, changed_by=self.user, reason=IMPORT_REASON
                )
            )
        result.created += len(new)
        AwarenessSession.objects.bulk_update(changed, [*self.FIELDS, "season", "updated_at"], batch_size=CHUNK)
        replace_pairs(AwarenessSession.qpvs, qpv_changes)
        AwarenessSessionChange.objects.bulk_create(history, batch_size=CHUNK)
        write_history(AwarenessSession, [session for session, _item in new], changed, self.user)


def structures_by_key(spellings) -> dict[str, int]:
    """{grouping key: Structure pk} for the given spellings, creating the missing structures in bulk.

    A new structure is named after the first spelling met; « CCAS » and « C.C.A.S » are one structure.
    """
    first_spelling = {}
    for spelling in spellings:
        key = normalise_structure_name(spelling)
        if key:
            first_spelling.setdefault(key, spelling.strip())
    found = {}
    for part in chunks(first_spelling):
        found.update(Structure.objects.filter(key__in=part).values_list("key", "pk"))
    missing = [Structure(name=first_spelling[key][:200], key=key) for key in first_spelling if key not in found]
    # bulk_create skips Structure.save(), which computes the key: the key is set above.
    Structure.objects.bulk_create(missing, batch_size=CHUNK)
    found.update((s.key, s.pk) for s in missing)
    return found


class ParticipantImporter(Importer):
    """Sign-in sheets. No natural key: the file's rows replace the participants of each session it names.

    Counting, in participant rows: « créés » are the rows of sessions that had no participant yet, « mis à
    jour » the rows that replaced a different list; a session whose list is identical to the file's is left
    untouched, so re-importing a file reports « 0 créés, 0 mis à jour ».
    """

    kind = "participants"
    label = "Participants (feuilles d'émargement)"
    noun_singular = "participant"
    noun_plural = "participants"
    columns = (
        Column("session", "référence d'une séance déjà enregistrée", True, "2024-001"),
        Column("genre", "femme, homme, autre ou vide", example=Gender.WOMAN),
        Column("profil", "code de profil (" + ", ".join(Profile.values) + ") ou vide", example=Profile.SOCIAL),
        Column("structure", "structure représentée, telle qu'écrite sur la feuille", example="CCAS de Lille"),
        Column("habite_qpv", "habite le QPV de la séance : oui, non ou vide", example="non"),
        Column("agit_qpv", "travaille ou agit dans le QPV de la séance : oui, non ou vide", example="oui"),
    )
    # What a participant is compared on to decide whether a session's list changed.
    COMPARED = ("gender", "profile", "structure_id", "structure_spelling", "lives_in_qpv", "acts_in_qpv")

    def prepare(self, table):
        references = {row.get("session") for row in table.rows if row.get("session")}
        self.sessions = {}
        for part in chunks(references):
            self.sessions.update(AwarenessSession.objects.filter(reference__in=part).values_list("reference", "pk"))

    def parse_row(self, row):
        reference = self.text(row, "session", required=True)
        session_id = None
        if reference:
            session_id = self.sessions.get(reference)
            if session_id is None:
                message = f"séance inconnue « {reference} » (référence d'une séance déjà enregistrée attendue)"
                self.error(row, "session", message)
        return {
            "session_id": session_id,
            "gender": self.choice(row, "genre", Gender.values) or "",
            "profile": self.choice(row, "profil", Profile.values) or "",
            "structure_spelling": self.text(row, "structure", max_length=200),
            "lives_in_qpv": self.boolean(row, "habite_qpv"),
            "acts_in_qpv": self.boolean(row, "agit_qpv"),
        }

    def apply(self, parsed, result):
        structures = structures_by_key(p["structure_spelling"] for p in parsed)
        by_session = defaultdict(list)
        for item in parsed:
            item["structure_id"] = structures.get(normalise_structure_name(item["structure_spelling"]))
            by_session[item["session_id"]].append(tuple(item[f] for f in self.COMPARED))

        current = defaultdict(list)
        for part in chunks(by_session):
            for values in (
                Participant.objects.filter(session_id__in=part)
                .order_by("session_id", "line", "pk")
                .values_list("session_id", *self.COMPARED)
            ):
                current[values[0]].append(values[1:])

        replaced, replaced_rows, new, written = [], 0, [], []
        for session_id, rows in by_session.items():
            before = current.get(session_id)
            if before == rows:
                result.unchanged += len(rows)
                continue
            written.append(session_id)
            if before:
                replaced.append(session_id)
                replaced_rows += len(before)
                result.updated += len(rows)
            else:
                result.created += len(rows)
            new += [
                Participant(session_id=session_id, line=line, **dict(zip(self.COMPARED, values, strict=True)))
                for line, values in enumerate(rows, start=1)
            ]
        for part in chunks(replaced):
            copy_to_history(Participant.objects.filter(session_id__in=part), "-", self.user)
            # One DELETE, no per-row signal: nothing cascades from a participant, and the history is written above.
            Participant.objects.filter(session_id__in=part)._raw_delete(Participant.objects.db)
        Participant.objects.bulk_create(new, batch_size=CHUNK)
        for part in chunks(written):
            copy_to_history(Participant.objects.filter(session_id__in=part), "+", self.user)
        if replaced:
            result.warnings.append(
                f"{replaced_rows} participant(s) déjà enregistré(s) pour {len(replaced)} séance(s) "
                "remplacé(s) par les lignes du fichier."
            )
