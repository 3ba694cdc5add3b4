"""The bilan engine: a scope goes in, the figures of the JSON contract come out (shared/interfaces.md).

Every page, document, export and the `bilan` command read their figures from `compute_bilan`; nothing
else computes them. It reads per-session summaries maintained on write (`evaluation.responses.refresh_summaries`,
`sessions_app.summaries.refresh_participant_summaries`; `manage.py rebuild_summaries` rebuilds them), never the
participants, responses or answers: sums over the summaries are done by the database, and only one row per held
session (tens of thousands at the national scale, as plain tuples, no ORM objects) comes into Python for the
breakdowns. Every summary is read through the scope's session queryset (`Scope.held_sessions`), so a filter added
there applies to every figure.

Counting rules (the contract): only held sessions (`realisee`) count, except `sollicitations`; every mean
and percentage leaves blanks out of its denominator; a session counts in the breakdown row of each région
and département its QPV belong to (QPV outside any région under code "").

The financeur's bilan is the same bilan passed through `evaluation.suppression.suppress_for_funder`
(`compute_bilan(scope, funder=True)`): renderers get the figures already hidden and never hide anything themselves.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date

from django.db import connections
from django.db.models import Count, Q

from evaluation.models import (
    Effect,
    FollowUp,
    Item,
    NeedCategory,
    Questionnaire,
    SessionItemSummary,
    SessionSummary,
)
from sessions_app.models import (
    AwarenessSession,
    Profile,
    SessionParticipantSummary,
    SessionRequest,
    SessionStructure,
    season_bounds,
)
from smdq.formatting import MONTHS, fr_date
from territories.models import CLSM, QPV, Department, Region

Mode = AwarenessSession.Mode

NO_REGION_LABEL = "Hors région (collectivités d'outre-mer)"


@dataclass(frozen=True)
class Scope:
    """A period (inclusive bounds, None = open) and optional territorial filters."""

    label: str = "Toutes les données"
    date_from: date | None = None
    date_to: date | None = None
    clsm: str | None = None  # CLSM name
    region: str | None = None  # INSEE code
    department: str | None = None  # INSEE code
    session: str | None = None  # session reference
    filters: dict = field(default_factory=dict, compare=False)
    period: str = "all"  # "season", "year", "range" or "all"
    season: str | None = None
    clsms: tuple[str, ...] = ()  # CLSM names: a coordinator's CLSM, all at once
    mode: str | None = None  # "centre" or "territoire": sessions of one mode of animation only
    # A CLSM's own bilan counts its self-run sessions at once (marked « en attente de validation »); every other
    # scope, and the funder's documents, only the sessions that count nationally (AwarenessSession.counted).
    pending: bool = False

    @classmethod
    def build(
        cls,
        *,
        season=None,
        year=None,
        date_from=None,
        date_to=None,
        clsm=None,
        region=None,
        department=None,
        session=None,
        clsms=(),
        mode=None,
        pending=None,
    ) -> Scope:
        if season:
            date_from, date_to = season_bounds(season)
            label, period = f"Saison {season}", "season"
        elif year:
            date_from, date_to = date(int(year), 1, 1), date(int(year), 12, 31)
            label, period = f"Année {year}", "year"
        elif date_from or date_to:
            period = "range"
            label = "Du {} au {}".format(
                fr_date(date_from) if date_from else "début",
                fr_date(date_to) if date_to else "…",
            )
        else:
            label, period = "Toutes les données", "all"
        clsms = tuple(sorted(clsms))
        filters = {
            k: v
            for k, v in {
                "clsm": clsm,
                "clsms": list(clsms),
                "region": region,
                "department": department,
                "session": session,
                "mode": mode,
            }.items()
            if v
        }
        if filters:
            label += " – " + ", ".join(_filter_label(k, v) for k, v in filters.items())
        if pending is None:
            pending = bool(clsm or clsms)
        return cls(
            label,
            date_from,
            date_to,
            clsm,
            region,
            department,
            session,
            filters,
            period,
            season or None,
            clsms,
            mode or None,
            pending,
        )

    @property
    def within_a_year(self) -> bool:
        """A bounded period of a year at most (a season, a calendar year): its held sessions are read by index."""
        return self.date_from is not None and self.date_to is not None and (self.date_to - self.date_from).days <= 366

    # Querysets of the scope ------------------------------------------------------------------------------
    def _dates(self, field_name: str) -> Q:
        condition = Q()
        if self.date_from:
            condition &= Q(**{f"{field_name}__gte": self.date_from})
        if self.date_to:
            condition &= Q(**{f"{field_name}__lte": self.date_to})
        return condition

    def held_sessions(self):
        sessions = (
            AwarenessSession.objects.held()
            .counted(include_pending=self.pending)
            .of_mode(self.mode)
            .filter(self._dates("date"))
        )
        if self.clsm:
            sessions = sessions.filter(clsm__name__iexact=self.clsm)
        if self.clsms:
            sessions = sessions.filter(clsm__name__in=self.clsms)
        if self.session:
            sessions = sessions.filter(reference=self.session)
        if self.region is not None:
            sessions = sessions.filter(
                pk__in=AwarenessSession.objects.filter(qpvs__department__region_id=self.region or None).values("pk")
            )
        if self.department:
            sessions = sessions.filter(
                pk__in=AwarenessSession.objects.filter(qpvs__department_id=self.department).values("pk")
            )
        return sessions

    def requests(self):
        requests = SessionRequest.objects.filter(self._dates("requested_on"))
        if self.mode == AwarenessSession.Mode.TERRITORY:
            return requests.none()  # a territory's own sessions are created without a request
        if self.clsm:
            requests = requests.filter(clsm__name__iexact=self.clsm)
        if self.clsms:
            requests = requests.filter(clsm__name__in=self.clsms)
        if self.session:
            requests = requests.filter(sessions__reference=self.session)
        # A request without QPV belongs to the territory of its CLSM's perimeter.
        if self.region is not None:
            requests = requests.in_region(self.region or None)
        if self.department:
            requests = requests.in_department(self.department)
        return requests


def _filter_label(key, value) -> str:
    if key == "region":
        name = Region.objects.filter(code=value).values_list("name", flat=True).first()
        return f"région {name or value}"
    if key == "department":
        name = Department.objects.filter(code=value).values_list("name", flat=True).first()
        return f"département {name or value} ({value})"
    if key == "session":
        return f"séance {value}"
    if key == "clsms":
        return ", ".join(value)
    if key == "mode":
        return str(AwarenessSession.Mode(value).label) if value in AwarenessSession.Mode.values else str(value)
    return str(value)


def _pct(part, whole):
    return part * 100 / whole if whole else None


PROFILE_COLUMNS = {code: f"profile_{code}" for code in Profile.values}
PARTICIPANT_COUNTS = (
    "rows",
    "with_gender",
    "women",
    "lives_known",
    "lives",
    "acts_known",
    "acts",
    *PROFILE_COLUMNS.values(),
)


WIDTH = len(PARTICIPANT_COUNTS)  # figures per row of `_figures`


# Up to this many held sessions (a session, a CLSM, a small territory), their ids are read once and every grouped read
# takes them as a list of values, instead of re-running the scope's subquery in each part of the statement.
SMALL_SCOPE = 500
# Up to this many, the list is written in each part (the fewest statements to plan: one session); more, once, in a
# common table expression the parts read (a CLSM's 75 sessions: 825 parameters to quote and parse otherwise,
# 14 to 17 ms against 11 ms).
INLINE_IDS = 16
# What the bilan reads of each held session (see _figures).
SESSION_COLUMNS = ("id", "clsm_id", "mode", "actual_attendance", "validation")


# Per held session `a`, joined with its summaries (`_with_summaries`): the contract's participants_presents, or the
# number of sign-in rows where it is blank, and its responses.
SESSION_PARTICIPANTS = "COALESCE(a.actual_attendance, ps.rows, 0)"
SESSION_RESPONSES = "COALESCE(ss.responses, 0)"


def _with_summaries(sessions_sql: str) -> str:
    """FROM clause: the sessions of `sessions_sql` as `a`, with their participant (`ps`) and response (`ss`)
    summaries, which a session without sign-in rows or responses has not."""
    return (
        f"({sessions_sql}) a LEFT JOIN {SessionParticipantSummary._meta.db_table} ps ON ps.session_id = a.id "
        f"LEFT JOIN {SessionSummary._meta.db_table} ss ON ss.session_id = a.id"
    )


@dataclass(frozen=True)
class HeldSource:
    """How a bilan statement names the held sessions of a period (see _held_source)."""

    name: str  # of the per-session CTE: "h" for the scope, "c" for the period it is compared with
    ids: str  # SQL for the ids of the held sessions, read by the parts that sum a summary table
    ids_params: list
    sessions: str  # SQL for their SESSION_COLUMNS, from which the per-session CTE is built
    sessions_params: list
    listed: list = field(default_factory=list)  # ids written once, in a list of values (CTE `<name>_ids`)
    # On PostgreSQL, for a period of a year at most: the ids as one array, which the summaries' indexes are looked up
    # with (a national season: its items 24 → 12 ms, its structures 21 → 11 ms, read from the indexes alone), where
    # `IN` hashes the sessions against a full read of each table. Not for longer periods: the planner takes the array
    # for a few ids, and all seasons' 22,500 read this way took 57 → 80 ms for the items alone.
    array: bool = False

    def where(self, column: str) -> str:
        """The condition that `column` names one of these sessions."""
        return f"{column} = ANY(ARRAY({self.ids}))" if self.array else f"{column} IN ({self.ids})"

    def ctes(self, vendor: str) -> tuple[list[str], list]:
        """The common table expressions of the statement for these sessions, and their parameters: the list of
        values if any, then the per-session CTE (id, clsm_id, mode, participants, responses, waiting), where
        waiting is 1 for a self-run session not validated yet."""
        ctes, params = [], []
        if self.listed:
            ctes.append(f"{self.name}_ids(pk) AS (VALUES {', '.join(['(%s)'] * len(self.listed))})")
            params.extend(self.listed)
        per_session = (
            f"SELECT a.id, a.clsm_id, a.mode, {SESSION_PARTICIPANTS}, {SESSION_RESPONSES}, "
            f"CASE WHEN a.mode = %s AND a.validation <> %s THEN 1 ELSE 0 END FROM {_with_summaries(self.sessions)}"
        )
        materialized = "MATERIALIZED " if vendor == "postgresql" else ""
        columns = "id, clsm_id, mode, participants, responses, waiting"
        ctes.append(f"{self.name}({columns}) AS {materialized}({per_session})")
        params.extend([Mode.TERRITORY, AwarenessSession.Validation.VALIDATED, *self.sessions_params])
        return ctes, params


def _held_source(
    held, *, territorial: bool = False, name: str = "h", shares: int = 1, within_a_year: bool = False
) -> HeldSource:
    """How the statement names the held sessions: a list of values for small scopes (in each part up to INLINE_IDS,
    else in a CTE); else the scope's own queryset (built from Scope.held_sessions, so its filters apply to every
    figure): its subquery in each part (a filter on the sessions' own columns costs less again than the planner's
    blind estimates of a CTE's rows: all seasons 238 ms in parts, 554 ms through a CTE), but for a `territorial`
    scope, whose sessions are found through their QPV (12 to 17 ms each time, about a dozen times a statement), the
    ids of the per-session CTE, computed once (région 11 of the national data: 286 → 143 ms). Those two, for a period
    `within_a_year` on PostgreSQL, as one array the summaries' indexes are looked up with (HeldSource.array)."""
    # Within the backend's parameter limit (999 on SQLite builds that have it, none on PostgreSQL), which the
    # statement's `shares` sources (a season and the season it is compared with) share: the inline list is repeated
    # in each part (about a dozen), the CTE's is written once.
    connection = connections[held.db]
    max_params = connection.features.max_query_params
    limit = SMALL_SCOPE if max_params is None else min(SMALL_SCOPE, (max_params - 100) // shares)
    ids = list(held.order_by().values_list("pk", flat=True)[: limit + 1])
    columns = ", ".join(SESSION_COLUMNS)
    table = AwarenessSession._meta.db_table
    if len(ids) <= INLINE_IDS:
        inline = ", ".join(["%s"] * len(ids)) or "NULL"
        return HeldSource(name, inline, ids, f"SELECT {columns} FROM {table} WHERE id IN ({inline})", ids)
    if len(ids) <= limit:
        listed = f"SELECT {name}_ids.pk FROM {name}_ids"
        sessions = f"SELECT {columns} FROM {table} WHERE id IN ({listed})"
        return HeldSource(name, listed, [], sessions, [], ids)
    # The scope's sessions read with its filters on their own columns, not matched against its subquery again.
    sessions, sessions_params = held.order_by().values(*SESSION_COLUMNS).query.sql_with_params()
    array = within_a_year and connection.vendor == "postgresql"
    if territorial:
        return HeldSource(name, f"SELECT {name}.id FROM {name}", [], sessions, list(sessions_params), array=array)
    held_sql, params = held.order_by().values("pk").query.sql_with_params()
    return HeldSource(name, held_sql, list(params), sessions, list(sessions_params), array=array)


def _profile(totals: dict[str, int]) -> dict:
    with_profile = sum(totals[column] for column in PROFILE_COLUMNS.values())
    return {
        "women_pct": _pct(totals["women"], totals["with_gender"]),
        "lives_in_qpv_pct": _pct(totals["lives"], totals["lives_known"]),
        "acts_in_qpv_pct": _pct(totals["acts"], totals["acts_known"]),
        "categories": {
            code: _pct(totals[column], with_profile) for code, column in PROFILE_COLUMNS.items() if totals[column]
        },
        # The number of people each percentage is computed from (a new key of the contract): the base the
        # funder's version needs to hide a percentage of fewer than 5 people.
        "bases": {
            "women_pct": totals["with_gender"],
            "lives_in_qpv_pct": totals["lives_known"],
            "acts_in_qpv_pct": totals["acts_known"],
            "categories": with_profile,
        },
    }


def _items(sums: dict[str, tuple[int, int]], reference: dict) -> dict:
    """`sums`: item code → (answers, total) over the held sessions; labels from the current questionnaire."""
    definitions = reference["item"]
    known = {code for code, *_rest in definitions}
    # Items of older versions that were answered in this scope still appear, after the current ones.
    older = {}
    unknown = set(sums) - known
    for item in Item.objects.filter(code__in=unknown).order_by("-questionnaire__valid_from") if unknown else ():
        older.setdefault(item.code, (item.code, item.label, item.group, item.scale))
    items = {}
    for code, label, group, scale in [*definitions, *older.values()]:
        answers, total = sums.get(code, (0, 0))
        items[code] = {
            "label": label,
            "scale": scale,
            "mean": total / answers if answers else None,
            "answers": answers,
            "group": group,
        }
    return items


def _reference() -> dict[str, list[tuple]]:
    """The reference labels a bilan prints (régions, départements, need categories, effects, the current
    questionnaire's items), in one statement: a few hundred short rows, always fresh (no cache to invalidate when
    the reference data change, in any process), instead of one query each."""
    region, department = Region._meta.db_table, Department._meta.db_table
    category, effect = NeedCategory._meta.db_table, Effect._meta.db_table
    item, questionnaire = Item._meta.db_table, Questionnaire._meta.db_table
    sql = (
        f"SELECT 'region', code, name, CAST(NULL AS TEXT), 0, 0 FROM {region} "
        f"UNION ALL SELECT 'department', code, name, CAST(NULL AS TEXT), 0, 0 FROM {department} "
        f"UNION ALL SELECT 'category', code, label, CAST(NULL AS TEXT), 0, \"order\" FROM {category} "
        f"UNION ALL SELECT 'effect', code, label, CAST(NULL AS TEXT), 0, \"order\" FROM {effect} "
        f'UNION ALL SELECT \'item\', code, label, "group", scale, "order" FROM {item} '
        f"WHERE questionnaire_id = (SELECT id FROM {questionnaire} WHERE is_current = %s)"
    )
    rows: dict[str, list[tuple]] = {"region": [], "department": [], "category": [], "effect": [], "item": []}
    with connections[Region.objects.db].cursor() as cursor:
        cursor.execute(sql, [True])
        fetched = cursor.fetchall()
    for kind, code, label, group, scale, _order in sorted(fetched, key=lambda row: (row[0], row[5], row[1])):
        rows[kind].append((code, label, group, scale) if kind == "item" else (code, label))
    return rows


def _figures(
    held, need_codes: list[str], *, territorial: bool = False, compared=None, within_a_year: bool = False
) -> dict[str, list[tuple]]:
    """Every grouped read of the bilan over the held sessions and their summaries, in one statement (UNION ALL),
    read without ORM conversion: kind → [(key, label, figures…)], each row WIDTH figures long (zeros at the end).

    - clsm, mode, region, department (and `pending`, the self-run sessions not validated yet, by mode):
      (key, None, sessions, participants, responses); a session counts once in each territory of its QPV;
    - clsm_name: (clsm id, name, …) of the held sessions' CLSM;
    - item: (item code, None, answers, total, 0); effect: (effect code, None, answered follow-ups reporting it, …);
    - qpv, structures, followups: (None, None, distinct count, 0, 0);
    - participants: (None, None, the PARTICIPANT_COUNTS sums); need: (category code or "", None, needs, …), for
      each of `need_codes`.

    The held sessions and their per-session figures (participants, responses) are read once, from the scope's own
    queryset (Scope.held_sessions(), so a filter added to the scope applies to every figure), into a common table
    expression `h` that the per-CLSM, per-territory and CLSM-name parts read: its sessions are filtered on their own
    columns, not matched against the scope's subquery again, and the summaries are joined once for both groupings
    (national data, these two parts: all seasons 100 → 82 ms, one season 38 → 22 ms, région 11 72 → 46 ms). The
    parts that read a summary table take the held ids as `_held_source` gives them: the planner knows nothing of a
    CTE's distinct values, and read through `h` the 292,500 item summaries of all seasons were joined row by row
    (68 → 216 ms)."""
    connection = connections[held.db]
    shares = 1 if compared is None else 2
    source = _held_source(held, territorial=territorial, shares=shares, within_a_year=within_a_year)
    sources = [source]
    if compared is not None:
        sources.append(
            _held_source(compared, territorial=territorial, name="c", shares=shares, within_a_year=within_a_year)
        )
    ctes, prefix_params = [], []
    for each in sources:
        each_ctes, each_params = each.ctes(connection.vendor)
        ctes.extend(each_ctes)
        prefix_params.extend(each_params)
    prefix = "WITH " + ", ".join(ctes) + " "
    links = AwarenessSession.qpvs.through._meta.db_table
    followup, followup_effects = FollowUp._meta.db_table, FollowUp.effects.through._meta.db_table
    parts: list[str] = []
    arguments: list = []

    def padded(values: str, count: int) -> str:
        # Every part has WIDTH figures (the participant sums need the most): the others end with zeros.
        return values + ", 0" * (WIDTH - count)

    def over_held(sql: str, *arguments_before: object, held: HeldSource = source):
        # A part that reads the held sessions (held.where), with its own arguments before theirs.
        parts.append(sql)
        arguments.extend([*arguments_before, *held.ids_params])

    def item_sums(kind: str, held: HeldSource) -> str:
        return (
            f"SELECT '{kind}', s.item_code, CAST(NULL AS TEXT), {padded('SUM(s.answers), SUM(s.total)', 2)} "
            f"FROM {SessionItemSummary._meta.db_table} s WHERE {held.where('s.session_id')} GROUP BY s.item_code"
        )

    def distinct_qpv(kind: str, held: HeldSource) -> str:
        return (
            f"SELECT '{kind}', CAST(NULL AS TEXT), CAST(NULL AS TEXT), {padded('COUNT(*)', 1)} "
            f"FROM (SELECT DISTINCT l.qpv_id FROM {links} l WHERE {held.where('l.awarenesssession_id')}) x"
        )

    # Per CLSM, mode and « waiting » (self-run, not validated yet): summed in Python into the CLSM, mode and pending
    # rows, so that the held sessions are grouped once for the three.
    parts.append(
        "SELECT 'sessions', CAST(h.clsm_id AS TEXT), h.mode, "
        + padded("COUNT(*), SUM(h.participants), SUM(h.responses), h.waiting", 4)
        + " FROM h GROUP BY h.clsm_id, h.mode, h.waiting"
    )
    # A session counts once in each territory its QPV are in (DISTINCT), even with two QPV in two départements of one
    # région; both levels from one read of the QPV links.
    parts.append(
        "SELECT 'territory', x.key, CAST(NULL AS TEXT), "
        + padded("COUNT(*), SUM(x.participants), SUM(x.responses)", 3)
        + " FROM (SELECT DISTINCT h.id, "
        "CASE k.level WHEN 'd' THEN 'd' || q.department_id ELSE 'r' || COALESCE(d.region_id, '') END AS key, "
        f"h.participants, h.responses FROM h JOIN {links} l ON l.awarenesssession_id = h.id "
        f"JOIN {QPV._meta.db_table} q ON q.id = l.qpv_id "
        f"LEFT JOIN {Department._meta.db_table} d ON d.code = q.department_id "
        "CROSS JOIN (SELECT 'd' AS level UNION ALL SELECT 'r') k) x GROUP BY x.key"
    )
    parts.append(
        f"SELECT 'clsm_name', CAST(cl.id AS TEXT), cl.name, {padded('0', 1)} FROM {CLSM._meta.db_table} cl "
        "WHERE cl.id IN (SELECT h.clsm_id FROM h)"
    )
    over_held(item_sums("item", source))
    # Distinct counts as a count of a DISTINCT subquery: hashed, where COUNT(DISTINCT …) sorts (the structures of the
    # national data, 294,000 pairs: 33 ms against 64 to 80 ms).
    over_held(distinct_qpv("qpv", source))
    over_held(
        f"SELECT 'structures', CAST(NULL AS TEXT), CAST(NULL AS TEXT), {padded('COUNT(*)', 1)} "
        f"FROM (SELECT DISTINCT s.structure_id FROM {SessionStructure._meta.db_table} s "
        f"WHERE {source.where('s.session_id')}) x"
    )
    # Answered follow-ups (FollowUp.objects.answered(): answered_at set), and how many report each effect.
    over_held(
        "SELECT 'followups', CAST(NULL AS TEXT), CAST(NULL AS TEXT), "
        + padded("COUNT(*)", 1)
        + f" FROM {followup} f WHERE {source.where('f.session_id')} AND f.answered_at IS NOT NULL"
    )
    over_held(
        "SELECT 'effect', e.code, CAST(NULL AS TEXT), "
        + padded("COUNT(*)", 1)
        + f" FROM {followup} f JOIN {followup_effects} fe ON fe.followup_id = f.id "
        f"JOIN {Effect._meta.db_table} e ON e.id = fe.effect_id "
        f"WHERE {source.where('f.session_id')} AND f.answered_at IS NOT NULL GROUP BY e.code"
    )
    # The held sessions' sign-in rows counted by gender, profile and QPV flags (PARTICIPANT_COUNTS, in order).
    over_held(
        "SELECT 'participants', CAST(NULL AS TEXT), CAST(NULL AS TEXT), "
        + padded(", ".join(f"SUM(ps.{name})" for name in PARTICIPANT_COUNTS), len(PARTICIPANT_COUNTS))
        + f" FROM {SessionParticipantSummary._meta.db_table} ps WHERE {source.where('ps.session_id')}"
    )
    # Needs per category code ("" for those not categorised yet), from each session's summary (a JSON object): one
    # sum per known code (WIDTH codes a row), 21 ms on the national data where expanding every object into rows
    # (jsonb_each) took 64 to 82 ms. Codes are parameters, never part of the SQL.
    if connection.vendor == "postgresql":
        value, path = "CAST(ss.needs ->> %s AS INTEGER)", str
    else:
        value, path = "CAST(json_extract(ss.needs, %s) AS INTEGER)", lambda code: '$."' + code + '"'
    for start in range(0, len(need_codes), WIDTH):
        chunk = need_codes[start : start + WIDTH]
        over_held(
            f"SELECT 'need', '{start}', CAST(NULL AS TEXT), "
            + padded(", ".join(f"SUM({value})" for _code in chunk), len(chunk))
            + f" FROM {SessionSummary._meta.db_table} ss WHERE {source.where('ss.session_id')}",
            *(path(code) for code in chunk),
        )
    if compared is not None:
        # The period the scope is compared with (the previous season): its key figures and item sums, read with
        # the scope's (three grouped queries of their own otherwise: a national season 50 → 33 ms).
        other = sources[1]
        parts.append(
            "SELECT 'compared', CAST(NULL AS TEXT), CAST(NULL AS TEXT), "
            + padded("COUNT(*), SUM(c.participants), SUM(c.responses)", 3)
            + " FROM c"
        )
        over_held(distinct_qpv("compared_qpv", other), held=other)
        over_held(item_sums("compared_item", other), held=other)
    figures: dict[str, list[tuple]] = {
        kind: []
        for kind in (
            "compared",
            "compared_qpv",
            "compared_item",
            "sessions",
            "territory",
            "clsm_name",
            "item",
            "qpv",
            "structures",
            "followups",
            "effect",
            "participants",
            "need",
        )
    }
    with connection.cursor() as cursor:
        cursor.execute(prefix + " UNION ALL ".join(parts), [*prefix_params, *arguments])
        for kind, key, label, *values in cursor.fetchall():
            figures[kind].append((key, label, *(int(value or 0) for value in values)))
    by_clsm: dict[str, list[int]] = {}
    by_mode: dict[str, list[int]] = {}
    pending: dict[str, list[int]] = {}
    for clsm, mode, sessions, participants, responses, waiting, *_zeros in figures.pop("sessions"):
        targets = [by_clsm.setdefault(clsm, [0, 0, 0]), by_mode.setdefault(mode, [0, 0, 0])]
        if waiting:
            targets.append(pending.setdefault(mode, [0, 0, 0]))
        for target in targets:
            target[0] += sessions
            target[1] += participants
            target[2] += responses
    for kind, grouped_rows in (("clsm", by_clsm), ("mode", by_mode), ("pending", pending)):
        figures[kind] = [(key, None, *counts) for key, counts in grouped_rows.items()]
    figures["region"], figures["department"] = [], []
    for key, *counts in figures.pop("territory"):
        figures["department" if key[0] == "d" else "region"].append((key[1:], *counts))
    figures["need"] = [
        (code, None, count)
        for start, _label, *counts in figures["need"]
        for code, count in zip(need_codes[int(start) : int(start) + WIDTH], counts, strict=False)
    ]
    return figures


def _single(rows: list[tuple]) -> int:
    return rows[0][2] if rows else 0


def _needs(counts: dict[str, int], categories: list[tuple[str, str]]) -> dict:
    uncategorised = counts.get("", 0)
    categorised = sum(n for code, n in counts.items() if code)
    return {
        "total": categorised + uncategorised,
        "categories": {
            code: {"count": counts[code], "pct": _pct(counts[code], categorised), "label": label}
            for code, label in categories
        },
        "uncategorised": uncategorised,
        # `categorised` is a figure of its own (suppressed like any count), so that no renderer works it out as
        # total − uncategorised and prints a small number the funder must not see.
        "categorised": categorised,
    }


def _effects(figures: dict, reference: dict) -> dict:
    """Follow-ups answered for the held sessions of the scope, and how many report each effect."""
    counts = {code: n for code, _label, n, *_zeros in figures["effect"]}
    return {
        "followups": _single(figures["followups"]),
        "effects": {code: {"label": label, "count": counts.get(code, 0)} for code, label in reference["effect"]},
    }


def _rows(grouped: list[tuple]) -> list[tuple]:
    """(key, sessions, participants, responses) from a grouped kind of `_figures`."""
    return [(key, n, p, r) for key, _label, n, p, r, *_zeros in grouped]


def _breakdown_rows(grouped: list[tuple], labels: dict) -> list[dict]:
    rows = [
        {
            "code": str(key),
            "label": labels.get(key, str(key)),
            "sessions": sessions,
            "participants": participants,
            "responses": responses,
        }
        for key, sessions, participants, responses in grouped
    ]
    return sorted(rows, key=lambda r: (-r["sessions"], r["label"]))


def compute_bilan(scope: Scope, *, funder: bool = False, today: date | None = None) -> dict:
    """The bilan of `scope`; `funder`: the financeur's version (small numbers hidden, `suppressed` listed).
    `today` decides whether the scope's season is still running (the comparison then stops at the same date).

    Reads the per-session summaries maintained on write (SessionParticipantSummary, SessionSummary,
    SessionItemSummary, SessionStructure), never the participants, responses or answers,
    always through the scope's session queryset."""
    if funder and scope.pending:
        # The funder's documents count only what the national centre validated, whatever the scope.
        scope = dataclasses.replace(scope, pending=False)
    held = scope.held_sessions()
    reference = _reference()
    categories = reference["category"]
    territorial = scope.region is not None or bool(scope.department)
    period = _compared_period(scope, today or _today())
    compared = None
    if period is not None:
        compared = dataclasses.replace(scope, date_from=period.start, date_to=period.end).held_sessions()
    figures = _figures(
        held,
        [*(code for code, _label in categories), ""],
        territorial=territorial,
        compared=compared,
        within_a_year=scope.within_a_year,
    )
    participant_totals = dict(zip(PARTICIPANT_COUNTS, figures["participants"][0][2:], strict=True))
    counted = {code: n for code, _label, n, *_zeros in figures["need"]}
    need_counts = {code: counted.get(code, 0) for code in [*(code for code, _label in categories), ""]}
    requests = dict(scope.requests().order_by().values_list("clsm_id").annotate(n=Count("*")))
    region_labels = dict(reference["region"])
    region_labels[""] = NO_REGION_LABEL
    department_labels = {code: f"{name} ({code})" for code, name in reference["department"]}
    by_clsm = _rows(figures["clsm"])
    clsm_ids = {int(clsm) for clsm, *_figures in by_clsm}
    clsm_labels = {key: name for key, name, *_zeros in figures["clsm_name"]}
    sessions = sum(n for _clsm, n, _p, _r in by_clsm)
    participants = sum(p for _clsm, _n, p, _r in by_clsm)
    responses = sum(r for _clsm, _n, _p, r in by_clsm)

    data = {
        "scope": {
            "label": scope.label,
            "from": scope.date_from.isoformat() if scope.date_from else None,
            "to": scope.date_to.isoformat() if scope.date_to else None,
            "filters": dict(scope.filters),
        },
        "key_figures": {
            "sollicitations": sum(requests.values()),
            "clsm": len(set(requests) | clsm_ids),
            "sessions": sessions,
            "qpv": _single(figures["qpv"]),
            "participants": participants,
            "structures": _single(figures["structures"]),
            "responses": responses,
        },
        # Responses ÷ participants, the method notes' response rate (a new key of the contract).
        "response_rate": _pct(responses, participants) if sessions else None,
        "profile": _profile(participant_totals),
        "items": _items({code: (answers, total) for code, _l, answers, total, *_z in figures["item"]}, reference),
        "needs": _needs(need_counts, categories),
        "effects": _effects(figures, reference),
        "breakdown": {
            "regions": _breakdown_rows(_rows(figures["region"]), region_labels),
            "departments": _breakdown_rows(_rows(figures["department"]), department_labels),
            "clsm": _breakdown_rows(by_clsm, clsm_labels),
        },
    }
    by_mode = _rows(figures["mode"])
    data["key_figures"]["self_run_sessions"] = sum(n for mode, n, _p, _r in by_mode if mode == Mode.TERRITORY)
    data["breakdown"]["modes"] = _breakdown_rows(by_mode, {code: str(label) for code, label in Mode.choices})
    data["pending_validation"] = _pending_validation(figures)
    data["comparison"] = _comparison(period, figures, data)
    if funder:
        from evaluation.suppression import suppress_for_funder

        return suppress_for_funder(data)
    return data


def _pending_validation(figures: dict) -> dict:
    """What a CLSM's own bilan counts before the national centre has validated it (zero elsewhere: other scopes
    count validated sessions only): the self-run sessions of the scope not validated yet."""
    totals = [0, 0, 0]
    for _mode, *counts in _rows(figures["pending"]):
        totals = [total + figure for total, figure in zip(totals, counts, strict=True)]
    return dict(zip(("sessions", "participants", "responses"), totals, strict=True))


def _today() -> date:
    from django.utils import timezone

    return timezone.localdate()


def previous_season(season: str) -> str:
    start, _ = season_bounds(season)
    return f"{start.year - 1}-{start.year}"


def _season_rows(held) -> dict[str, dict]:
    """Key figures, item means and their numbers of answers per season of the `held` sessions, in one statement
    (UNION ALL) over the per-session summaries, never one bilan per season. Each part joins the scope's sessions,
    read with its filters on their own columns (five national seasons: 118 → 89 ms, against three grouped queries
    that each matched the sessions against the scope's subquery again)."""
    sessions_sql, params = held.order_by().values("id", "season", "actual_attendance").query.sql_with_params()
    held_sessions = f"({sessions_sql}) a"
    links = AwarenessSession.qpvs.through._meta.db_table
    statement = (
        "SELECT 'totals', a.season, CAST(NULL AS TEXT), COUNT(*), "
        f"SUM({SESSION_PARTICIPANTS}), SUM({SESSION_RESPONSES}) FROM {_with_summaries(sessions_sql)} GROUP BY a.season "
        "UNION ALL SELECT 'qpv', x.season, CAST(NULL AS TEXT), COUNT(*), 0, 0 FROM (SELECT DISTINCT a.season, "
        f"l.qpv_id FROM {links} l JOIN {held_sessions} ON a.id = l.awarenesssession_id) x GROUP BY x.season "
        "UNION ALL SELECT 'item', a.season, s.item_code, 0, SUM(s.answers), SUM(s.total) "
        f"FROM {SessionItemSummary._meta.db_table} s JOIN {held_sessions} ON a.id = s.session_id "
        "GROUP BY a.season, s.item_code"
    )
    with connections[held.db].cursor() as cursor:
        cursor.execute(statement, [*params, *params, *params])
        fetched = cursor.fetchall()
    rows: dict[str, dict] = {}
    for kind, season, _code, count, participants, responses in fetched:
        if kind == "totals":
            rows[season] = {"season": season, "sessions": int(count), "participants": int(participants or 0)}
            rows[season].update(responses=int(responses or 0), qpv=0, items={}, answers={})
    for kind, season, code, count, answers, total in fetched:
        if kind == "qpv":
            rows[season]["qpv"] = int(count)
        elif kind == "item":
            answers = int(answers or 0)
            rows[season]["items"][code] = int(total or 0) / answers if answers else None
            rows[season]["answers"][code] = answers
    return rows


def compute_seasons(scope: Scope, last: int = 5, *, funder: bool = False) -> list[dict]:
    """Key figures and item means per season, for the table of earlier seasons.

    Same territorial filters as `scope`, the `last` seasons ending with the scope's own (or the latest one).
    Each row also gives each item's number of answers (`answers`); `funder`: rows of the financeur's version.
    """
    unbounded = dataclasses.replace(scope, date_from=None, pending=scope.pending and not funder)
    held = unbounded.held_sessions()
    # order_by(): with the model's ordering (date, start time) DISTINCT would return one row per session.
    seasons = sorted(held.order_by().values_list("season", flat=True).distinct())[-last:]
    if not seasons:
        return []
    by_season = _season_rows(held.filter(season__in=seasons))
    rows = [by_season[season] for season in seasons]
    if funder:
        from evaluation.suppression import suppress_season_for_funder

        rows = [suppress_season_for_funder(row) for row in rows]
    return rows


COMPARED_FIGURES = ("sessions", "qpv", "participants", "responses")


def _a_year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _day_month(day: date) -> str:
    return f"{'1er' if day.day == 1 else day.day} {MONTHS[day.month - 1]}"


@dataclass(frozen=True)
class ComparedPeriod:
    season: str
    start: date
    end: date
    partial: bool
    label: str


def _compared_period(scope: Scope, today: date) -> ComparedPeriod | None:
    """The period a season is compared with: the whole previous season for a finished one; for the season still
    running, the previous one up to the same date (« au 29 novembre »), so that three months are not set against
    twelve. None for other scopes and for a season not started yet."""
    if scope.period != "season" or not scope.season or scope.date_from is None or today < scope.date_from:
        return None
    previous = previous_season(scope.season)
    start, end = season_bounds(previous)
    partial = today < scope.date_to
    if partial:
        end = _a_year_before(today)
    label = f"saison {previous} au {_day_month(today)}" if partial else f"saison {previous}"
    return ComparedPeriod(previous, start, end, partial, label)


def _comparison(period: ComparedPeriod | None, figures: dict, data: dict) -> dict | None:
    """The compared period's figures (the `compared…` kinds of `_figures`) and the differences; None without a
    compared period or when it has no held session."""
    if period is None or not figures["compared"] or not figures["compared"][0][2]:
        return None
    sessions, participants, responses = figures["compared"][0][2:5]
    compared = {"sessions": sessions, "qpv": _single(figures["compared_qpv"]), "participants": participants}
    compared["responses"] = responses
    sums = {code: (answers, total) for code, _label, answers, total, *_zeros in figures["compared_item"]}
    items = {}
    for code in data["items"]:
        answers, total = sums.get(code, (0, 0))
        items[code] = {"mean": total / answers if answers else None, "answers": answers}
    return {
        "season": period.season,
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "partial": period.partial,
        "label": period.label,
        "key_figures": {key: compared[key] for key in COMPARED_FIGURES},
        "items": items,
        "differences": {
            "key_figures": {key: data["key_figures"][key] - compared[key] for key in COMPARED_FIGURES},
            "means": {
                code: item["mean"] - items[code]["mean"]
                for code, item in data["items"].items()
                if item["mean"] is not None and items[code]["mean"] is not None
            },
        },
    }


def comparison_legend(data: dict) -> tuple[str, str] | None:
    """What the charts call the two periods they compare (« saison 2025-2026 », « saison 2024-2025 »), never « en
    cours » for a season that ended."""
    comparison = data.get("comparison")
    if not comparison:
        return None
    start = int(comparison["season"][:4]) + 1
    return f"saison {start}-{start + 1}", comparison["label"]


def with_previous_means(data: dict) -> dict | None:
    """The bilan's items with the compared season's means, for the charts' comparison markers."""
    comparison = data.get("comparison")
    if not comparison:
        return None
    return {code: {**item, "mean": comparison["items"][code]["mean"]} for code, item in data["items"].items()}
