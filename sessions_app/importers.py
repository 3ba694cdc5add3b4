"""`import_data sollicitations|sessions|participants FILE`: the formats of docs/formats.md.

Each importer loads what the rows are checked against in a few queries (`prepare`), checks every row
(`parse_row`, errors read `ligne N, colonne X : message`) and writes with bulk queries (`apply`), so that a
file of 100,000 sign-in lines imports in seconds. Imports carry historical data: statuses are set as written,
without the transition rules of the interface, and each creation or status change is recorded « Import ».
"""

import re
from collections import defaultdict
from datetime import time

from django.utils import timezone
from django.utils.translation import ngettext

from imports.base import Column, Importer
from imports.bulk import CHUNK, chunks, copy_to_history, through_pairs
from imports.keyed import KeyedImporter
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
from sessions_app.summaries import bump_data_version, refresh_participant_summaries
from territories.models import CLSM, QPV, Commune
from territories.qpv_import import normalise_commune_code

_TIME = re.compile(r"^(\d{1,2})\s*[:hH]\s*(\d{2})?(?::(\d{2}))?$")


class _ReferencedImporter(KeyedImporter):
    """What requests and sessions share: a `reference` natural key, a `clsm` by name, `qpv` codes."""

    LINKS = {"qpvs": "qpvs"}

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

    def apply(self, parsed, result):
        super().apply(parsed, result)
        if result.created or result.updated:
            # Bulk writes send no signal: the figures of the bilan (requests, sessions, their QPV) changed.
            bump_data_version()

    def run(self, table, *, dry_run=False, progress=None):
        self.outside: list[str] = []
        result = super().run(table, dry_run=dry_run, progress=progress)
        result.warnings.extend(self.outside)
        return result


class SessionRequestImporter(_ReferencedImporter):
    kind = "sollicitations"
    label = "Sollicitations"
    noun_singular = "sollicitation"
    noun_plural = "sollicitations"
    model = SessionRequest
    status_log = (SessionRequestChange, "request")
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


class AwarenessSessionImporter(_ReferencedImporter):
    kind = "sessions"
    label = "Séances"
    noun_singular = "séance"
    noun_plural = "séances"
    model = AwarenessSession
    status_log = (AwarenessSessionChange, "session")
    DERIVED = ("season",)
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

    def derive(self, session):
        session.season = season_of(session.date)

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
        refresh_participant_summaries(written)  # bulk writes send no signal: the bilan's summaries, explicitly
        if replaced:
            rows = ngettext(
                "%(n)s participant déjà enregistré", "%(n)s participants déjà enregistrés", replaced_rows
            ) % {"n": replaced_rows}
            sessions = ngettext("%(n)s séance", "%(n)s séances", len(replaced)) % {"n": len(replaced)}
            replaced_word = ngettext("remplacé", "remplacés", replaced_rows)
            result.warnings.append(f"{rows} pour {sessions} {replaced_word} par les lignes du fichier.")
