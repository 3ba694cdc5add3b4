"""The bilan engine: a scope goes in, the figures of the JSON contract come out (shared/interfaces.md).

Every page, document, export and the `bilan` command read their figures from `compute_bilan`; nothing
else computes them. Aggregation happens in the database (grouped queries over held sessions); only
per-session aggregates (tens of thousands of rows at the national scale, never responses or answers)
come into Python, where pandas shapes the breakdowns.

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
from typing import TYPE_CHECKING

from django.db.models import Count, Q, Sum

from evaluation.models import Effect, FollowUp, Item, Need, NeedCategory, Questionnaire, Response, SessionItemSummary
from sessions_app.models import AwarenessSession, Participant, Profile, SessionRequest, season_bounds
from smdq.formatting import MONTHS
from territories.models import CLSM, Department, Region

if TYPE_CHECKING:
    import pandas as pd

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
                date_from.strftime("%d/%m/%Y") if date_from else "début",
                date_to.strftime("%d/%m/%Y") if date_to else "…",
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
            region = self.region or None
            requests = requests.filter(
                pk__in=SessionRequest.objects.filter(
                    Q(qpvs__department__region_id=region)
                    | Q(qpvs__isnull=True, clsm__qpvs__department__region_id=region)
                ).values("pk")
            )
        if self.department:
            requests = requests.filter(
                pk__in=SessionRequest.objects.filter(
                    Q(qpvs__department_id=self.department)
                    | Q(qpvs__isnull=True, clsm__qpvs__department_id=self.department)
                ).values("pk")
            )
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
PARTICIPANT_COUNTS = {
    "rows": Q(),
    "with_gender": ~Q(gender=""),
    "women": Q(gender="femme"),
    "lives_known": Q(lives_in_qpv__isnull=False),
    "lives": Q(lives_in_qpv=True),
    "acts_known": Q(acts_in_qpv__isnull=False),
    "acts": Q(acts_in_qpv=True),
    **{column: Q(profile=code) for code, column in PROFILE_COLUMNS.items()},
}


def _participant_counts(held) -> pd.DataFrame:
    """Per held session, in one grouped query over the sign-in rows: their number and what the profile needs."""
    import pandas as pd  # imported when a bilan is computed, not when the application starts

    annotations = {
        name: Count("pk", filter=condition) if condition else Count("pk")
        for name, condition in PARTICIPANT_COUNTS.items()
    }
    records = list(Participant.objects.filter(session__in=held).values("session").annotate(**annotations).order_by())
    return pd.DataFrame.from_records(records, columns=["session", *PARTICIPANT_COUNTS])


def _profile(counts: pd.DataFrame) -> dict:
    import pandas as pd  # imported when a bilan is computed, not when the application starts

    totals = counts.drop(columns="session").sum() if not counts.empty else pd.Series(0, index=list(PARTICIPANT_COUNTS))
    with_profile = int(sum(totals[column] for column in PROFILE_COLUMNS.values()))
    return {
        "women_pct": _pct(int(totals["women"]), int(totals["with_gender"])),
        "lives_in_qpv_pct": _pct(int(totals["lives"]), int(totals["lives_known"])),
        "acts_in_qpv_pct": _pct(int(totals["acts"]), int(totals["acts_known"])),
        "categories": {
            code: _pct(int(totals[column]), with_profile) for code, column in PROFILE_COLUMNS.items() if totals[column]
        },
        # The number of people each percentage is computed from (a new key of the contract): the base the
        # funder's version needs to hide a percentage of fewer than 5 people.
        "bases": {
            "women_pct": int(totals["with_gender"]),
            "lives_in_qpv_pct": int(totals["lives_known"]),
            "acts_in_qpv_pct": int(totals["acts_known"]),
            "categories": with_profile,
        },
    }


def _items(held) -> dict:
    sums = {
        row["item_code"]: row
        for row in SessionItemSummary.objects.filter(session__in=held)
        .values("item_code")
        .annotate(answers=Sum("answers"), total=Sum("total"))
        .order_by()
    }
    items = {}
    current = Questionnaire.objects.filter(is_current=True).first()
    definitions = list(Item.objects.filter(questionnaire=current).order_by("order")) if current else []
    known = {item.code for item in definitions}
    # Items of older versions that were answered in this scope still appear, after the current ones.
    older = {}
    for item in Item.objects.filter(code__in=set(sums) - known).order_by("-questionnaire__valid_from"):
        older.setdefault(item.code, item)
    for item in [*definitions, *older.values()]:
        row = sums.get(item.code)
        answers = row["answers"] if row else 0
        items[item.code] = {
            "label": item.label,
            "scale": item.scale,
            "mean": row["total"] / answers if answers else None,
            "answers": answers,
            "group": item.group,
        }
    return items


def _needs(held) -> dict:
    needs = Need.objects.filter(response__session__in=held)
    counts = dict(needs.values_list("category__code").annotate(n=Count("pk")).order_by())
    uncategorised = counts.pop(None, 0)
    categorised = sum(counts.values())
    categories = {}
    for category in NeedCategory.objects.order_by("order"):
        count = counts.get(category.code, 0)
        categories[category.code] = {"count": count, "pct": _pct(count, categorised), "label": category.label}
    # `categorised` is a figure of its own (suppressed like any count), so that no renderer works it out as
    # total − uncategorised and prints a small number the funder must not see.
    return {
        "total": categorised + uncategorised,
        "categories": categories,
        "uncategorised": uncategorised,
        "categorised": categorised,
    }


def _effects(held) -> dict:
    """Follow-ups answered for the held sessions of the scope, and how many report each effect."""
    answered = FollowUp.objects.filter(session__in=held).answered()
    counts = dict(answered.values_list("effects__code").annotate(n=Count("pk")).order_by())
    return {
        "followups": answered.count(),
        "effects": {
            effect.code: {"label": effect.label, "count": counts.get(effect.code, 0)} for effect in Effect.objects.all()
        },
    }


def _session_frame(held, counts: pd.DataFrame) -> pd.DataFrame:
    """One row per held session: its CLSM, its participants figure and its number of responses."""
    import pandas as pd  # imported when a bilan is computed, not when the application starts

    sessions = pd.DataFrame.from_records(
        list(held.values_list("pk", "clsm_id", "actual_attendance", "mode", "validation")),
        columns=["session", "clsm", "attendance", "mode", "validation"],
    )
    if sessions.empty:
        return sessions.assign(participants=[], responses=[])
    rows = dict(zip(counts["session"], counts["rows"], strict=True))
    responses = dict(
        Response.objects.filter(session__in=held).values_list("session").annotate(n=Count("pk")).order_by()
    )
    sessions["rows"] = sessions["session"].map(rows).fillna(0).astype(int)
    # The contract: participants_presents, or the number of sign-in rows where it is blank.
    sessions["participants"] = sessions["attendance"].fillna(sessions["rows"]).astype(int)
    sessions["responses"] = sessions["session"].map(responses).fillna(0).astype(int)
    return sessions


def _breakdown_rows(frame: pd.DataFrame, key: str, labels: dict) -> list[dict]:
    if frame.empty:
        return []
    grouped = (
        frame.drop_duplicates(["session", key])
        .groupby(key, dropna=False)
        .agg(sessions=("session", "nunique"), participants=("participants", "sum"), responses=("responses", "sum"))
        .reset_index()
    )
    rows = [
        {
            "code": str(row[key]),
            "label": labels.get(row[key], str(row[key])),
            "sessions": int(row["sessions"]),
            "participants": int(row["participants"]),
            "responses": int(row["responses"]),
        }
        for row in grouped.to_dict("records")
        if row["sessions"]
    ]
    return sorted(rows, key=lambda r: (-r["sessions"], r["label"]))


def compute_bilan(scope: Scope, *, funder: bool = False, today: date | None = None) -> dict:
    """The bilan of `scope`; `funder`: the financeur's version (small numbers hidden, `suppressed` listed).
    `today` decides whether the scope's season is still running (the comparison then stops at the same date)."""
    import pandas as pd  # imported when a bilan is computed, not when the application starts

    if funder and scope.pending:
        # The funder's documents count only what the national centre validated, whatever the scope.
        scope = dataclasses.replace(scope, pending=False)
    held = scope.held_sessions()
    counts = _participant_counts(held)
    sessions = _session_frame(held, counts)
    links = pd.DataFrame.from_records(
        list(
            AwarenessSession.qpvs.through.objects.filter(awarenesssession__in=held).values_list(
                "awarenesssession_id", "qpv_id", "qpv__department_id", "qpv__department__region_id"
            )
        ),
        columns=["session", "qpv", "department", "region"],
    )
    links["region"] = links["region"].fillna("")
    request_clsms = set(scope.requests().values_list("clsm_id", flat=True).distinct())
    participants = Participant.objects.filter(session__in=held)

    territorial = (
        links.merge(sessions[["session", "participants", "responses"]], on="session") if not sessions.empty else links
    )
    region_labels = dict(Region.objects.values_list("code", "name"))
    region_labels[""] = NO_REGION_LABEL
    department_labels = {code: f"{name} ({code})" for code, name in Department.objects.values_list("code", "name")}
    clsm_ids = set(sessions["clsm"]) if not sessions.empty else set()
    clsm_labels = {str(pk): name for pk, name in CLSM.objects.filter(pk__in=clsm_ids).values_list("pk", "name")}
    by_clsm = sessions.assign(clsm=sessions["clsm"].astype(str)) if not sessions.empty else sessions

    data = {
        "scope": {
            "label": scope.label,
            "from": scope.date_from.isoformat() if scope.date_from else None,
            "to": scope.date_to.isoformat() if scope.date_to else None,
            "filters": dict(scope.filters),
        },
        "key_figures": {
            "sollicitations": scope.requests().count(),
            "clsm": len(request_clsms | clsm_ids),
            "sessions": len(sessions),
            "qpv": int(links["qpv"].nunique()),
            "participants": int(sessions["participants"].sum()) if not sessions.empty else 0,
            "structures": participants.exclude(structure=None).values("structure").distinct().count(),
            "responses": int(sessions["responses"].sum()) if not sessions.empty else 0,
        },
        # Responses ÷ participants, the method notes' response rate (a new key of the contract).
        "response_rate": _pct(int(sessions["responses"].sum()), int(sessions["participants"].sum()))
        if not sessions.empty
        else None,
        "profile": _profile(counts),
        "items": _items(held),
        "needs": _needs(held),
        "effects": _effects(held),
        "breakdown": {
            "regions": _breakdown_rows(territorial, "region", region_labels),
            "departments": _breakdown_rows(territorial, "department", department_labels),
            "clsm": _breakdown_rows(by_clsm, "clsm", clsm_labels),
        },
    }
    data["key_figures"]["self_run_sessions"] = (
        int((sessions["mode"] == AwarenessSession.Mode.TERRITORY).sum()) if not sessions.empty else 0
    )
    mode_labels = {code: str(label) for code, label in AwarenessSession.Mode.choices}
    data["breakdown"]["modes"] = _breakdown_rows(sessions, "mode", mode_labels)
    data["pending_validation"] = _pending_validation(sessions)
    data["comparison"] = _comparison(scope, data, today or _today())
    if funder:
        from evaluation.suppression import suppress_for_funder

        return suppress_for_funder(data)
    return data


def _pending_validation(sessions: pd.DataFrame) -> dict:
    """What a CLSM's own bilan counts before the national centre has validated it (zero elsewhere: other scopes
    count validated sessions only)."""
    if sessions.empty:
        return {"sessions": 0, "participants": 0, "responses": 0}
    self_run = sessions["mode"] == AwarenessSession.Mode.TERRITORY
    waiting = sessions[self_run & (sessions["validation"] != AwarenessSession.Validation.VALIDATED)]
    return {
        "sessions": len(waiting),
        "participants": int(waiting["participants"].sum()),
        "responses": int(waiting["responses"].sum()),
    }


def _today() -> date:
    from django.utils import timezone

    return timezone.localdate()


def previous_season(season: str) -> str:
    start, _ = season_bounds(season)
    return f"{start.year - 1}-{start.year}"


def _season_rows(held) -> dict[str, dict]:
    """Key figures, item means and their numbers of answers per season of the `held` sessions, in five
    grouped queries (never one bilan per season)."""
    import pandas as pd  # imported when a bilan is computed, not when the application starts

    per_session = pd.DataFrame.from_records(
        list(held.values_list("pk", "season", "actual_attendance")), columns=["session", "season", "attendance"]
    )
    if per_session.empty:
        return {}
    rows = dict(Participant.objects.filter(session__in=held).values_list("session").annotate(n=Count("pk")).order_by())
    responses = dict(
        Response.objects.filter(session__in=held).values_list("session").annotate(n=Count("pk")).order_by()
    )
    per_session["participants"] = (
        per_session["attendance"].fillna(per_session["session"].map(rows).fillna(0)).astype(int)
    )
    per_session["responses"] = per_session["session"].map(responses).fillna(0).astype(int)
    totals = per_session.groupby("season").agg(
        sessions=("session", "nunique"), participants=("participants", "sum"), responses=("responses", "sum")
    )
    qpvs = dict(
        AwarenessSession.qpvs.through.objects.filter(awarenesssession__in=held)
        .values_list("awarenesssession__season")
        .annotate(n=Count("qpv", distinct=True))
        .order_by()
    )
    means: dict[str, dict] = {}
    answers: dict[str, dict] = {}
    for row in (
        SessionItemSummary.objects.filter(session__in=held)
        .values("session__season", "item_code")
        .annotate(answers=Sum("answers"), total=Sum("total"))
        .order_by()
    ):
        season, code = row["session__season"], row["item_code"]
        means.setdefault(season, {})[code] = row["total"] / row["answers"] if row["answers"] else None
        answers.setdefault(season, {})[code] = int(row["answers"] or 0)
    return {
        season: {
            "season": season,
            "sessions": int(totals.loc[season, "sessions"]),
            "participants": int(totals.loc[season, "participants"]),
            "responses": int(totals.loc[season, "responses"]),
            "qpv": qpvs.get(season, 0),
            "items": means.get(season, {}),
            "answers": answers.get(season, {}),
        }
        for season in totals.index
    }


def compute_seasons(scope: Scope, last: int = 5, *, funder: bool = False) -> list[dict]:
    """Key figures and item means per season, for the table of earlier seasons.

    Same territorial filters as `scope`, the `last` seasons ending with the scope's own (or the latest one).
    Each row also gives each item's number of answers (`answers`); `funder`: rows of the financeur's version.
    """
    unbounded = dataclasses.replace(scope, date_from=None, pending=scope.pending and not funder)
    held = unbounded.held_sessions()
    seasons = sorted(set(held.values_list("season", flat=True).distinct()))[-last:]
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


def _comparison(scope: Scope, data: dict, today: date) -> dict | None:
    """The previous season's figures to compare a season with, and the differences.

    A finished season is compared with the whole previous one; the season still running with the previous
    one up to the same date (« au 29 novembre »), so that three months are not set against twelve. None for
    other scopes, for a season not started yet, and when the previous period has no held session.
    """
    if scope.period != "season" or not scope.season or scope.date_from is None or today < scope.date_from:
        return None
    previous = previous_season(scope.season)
    start, end = season_bounds(previous)
    partial = today < scope.date_to
    if partial:
        end = _a_year_before(today)
    row = _season_rows(dataclasses.replace(scope, date_from=start, date_to=end).held_sessions()).get(previous)
    if row is None:
        return None
    figures = {key: row[key] for key in COMPARED_FIGURES}
    items = {code: {"mean": row["items"].get(code), "answers": row["answers"].get(code, 0)} for code in data["items"]}
    return {
        "season": previous,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "partial": partial,
        "label": f"saison {previous} au {_day_month(today)}" if partial else f"saison {previous}",
        "key_figures": figures,
        "items": items,
        "differences": {
            "key_figures": {key: data["key_figures"][key] - figures[key] for key in COMPARED_FIGURES},
            "means": {
                code: item["mean"] - items[code]["mean"]
                for code, item in data["items"].items()
                if item["mean"] is not None and items[code]["mean"] is not None
            },
        },
    }


def with_previous_means(data: dict) -> dict | None:
    """The bilan's items with the compared season's means, for the charts' comparison markers."""
    comparison = data.get("comparison")
    if not comparison:
        return None
    return {code: {**item, "mean": comparison["items"][code]["mean"]} for code, item in data["items"].items()}
