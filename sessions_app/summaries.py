"""What the bilan reads instead of the sign-in rows: per-session participant summaries, the structures present at
each session, and the data version.

Every write path of participants (sign-in sheet, import, demonstration data, deletion) calls
`refresh_participant_summaries(session_ids)` in its own transaction: bulk inserts and one-statement deletes send
no signal, so maintenance is explicit, never a side effect of `save()`. Every write that changes a figure of the
bilan bumps the data version (the refresh does it, for its sessions' seasons), so that what is cached per data version
goes stale at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import connections, transaction
from django.db.models import Count, Q

from sessions_app.models import (
    AwarenessSession,
    DataVersion,
    Participant,
    Profile,
    SessionParticipantSummary,
    SessionStructure,
    season_bounds,
)

BATCH = 2000

PROFILE_FIELDS = {code: f"profile_{code}" for code in Profile.values}
COUNTS = {
    "rows": Q(),
    "with_gender": ~Q(gender=""),
    "women": Q(gender="femme"),
    "lives_known": Q(lives_in_qpv__isnull=False),
    "lives": Q(lives_in_qpv=True),
    "acts_known": Q(acts_in_qpv__isnull=False),
    "acts": Q(acts_in_qpv=True),
    **{name: Q(profile=code) for code, name in PROFILE_FIELDS.items()},
}


EVERY_SEASON = ""  # the DataVersion row of writes not tied to one season's sheets: every scope reads it


def bump_data_version(*, seasons=None) -> None:
    """One more change of the bilan's figures, in the caller's transaction (readers see it when it commits).
    `seasons`: the seasons whose figures changed (their sheets, sessions, requests, follow-ups); None: any figure
    may have changed (an import, a bulk write), which every scope sees."""
    table = connections[DataVersion.objects.db].ops.quote_name(DataVersion._meta.db_table)
    # An upsert, not get_or_create: two writers of a season's first sheet at once would otherwise both insert, and
    # the loser's transaction would abort. Seasons in order, so that two writers of the same seasons cannot deadlock.
    with connections[DataVersion.objects.db].cursor() as cursor:
        for season in sorted({EVERY_SEASON} if seasons is None else set(seasons)):
            cursor.execute(
                f"INSERT INTO {table} (season, counter) VALUES (%s, 1) "
                f"ON CONFLICT (season) DO UPDATE SET counter = {table}.counter + 1",
                [season],
            )


def bump_sessions_version(session_ids) -> None:
    """The sheets of these sessions changed: their seasons' versions are bumped (a short read of their seasons, in
    batches: a rebuild names every session, more than SQLite takes in one statement)."""
    session_ids = sorted(set(session_ids))
    seasons: set[str] = set()
    for start in range(0, len(session_ids), BATCH):
        batch = session_ids[start : start + BATCH]
        seasons.update(
            AwarenessSession.objects.filter(pk__in=batch).values_list("season", flat=True).order_by().distinct()
        )
    bump_data_version(seasons=seasons)


@dataclass(frozen=True)
class DataVersions:
    """The data version counters as read at one moment (one query): `total` changes with any write; `of(last_day)`
    with the writes that can change a bilan whose period ends on `last_day` (None: open), i.e. the writes of every
    season that starts by then (the bilan compares a season with the previous one and lists the earlier ones, never
    later ones) and the writes of every season."""

    counters: dict[str, int]

    @classmethod
    def read(cls) -> DataVersions:
        return cls(dict(DataVersion.objects.values_list("season", "counter")))

    @property
    def total(self) -> int:
        # Counters only grow, so their sum grows with every write: it tells one state from another.
        return sum(self.counters.values())

    def of_season(self, season: str) -> int:
        """What changes with the writes that can change figures of this season's sessions alone."""
        return self.counters.get(EVERY_SEASON, 0) + self.counters.get(season, 0)

    def of(self, last_day: date | None) -> int:
        return sum(
            counter
            for season, counter in self.counters.items()
            if season == EVERY_SEASON or last_day is None or season_bounds(season)[0] <= last_day
        )


def data_version_counter() -> int:
    """The current data version of everything (any write changes it): one read of a few short rows."""
    return DataVersions.read().total


@transaction.atomic
def refresh_participant_summaries(session_ids) -> None:
    """Recomputes these sessions' participant summaries and structure pairs from their sign-in rows."""
    session_ids = sorted(set(session_ids))
    annotations = {
        name: Count("pk", filter=condition) if condition else Count("pk") for name, condition in COUNTS.items()
    }
    for start in range(0, len(session_ids), BATCH):
        batch = session_ids[start : start + BATCH]
        SessionParticipantSummary.objects.filter(session_id__in=batch).delete()
        SessionStructure.objects.filter(session_id__in=batch).delete()
        rows = Participant.objects.filter(session_id__in=batch).values("session_id").annotate(**annotations).order_by()
        SessionParticipantSummary.objects.bulk_create([SessionParticipantSummary(**row) for row in rows])
        pairs = (
            Participant.objects.filter(session_id__in=batch, structure__isnull=False)
            .values_list("session_id", "structure_id")
            .distinct()
            .order_by()
        )
        SessionStructure.objects.bulk_create(
            [SessionStructure(session_id=session, structure_id=structure) for session, structure in pairs],
            batch_size=5000,
        )
    if session_ids:
        bump_sessions_version(session_ids)


def _seasons_before(sender, instance, raw=False, **kwargs) -> None:
    """pre_save: the seasons the row counted in before this write, read from the database (the instance in hand
    may have been loaded long ago, or built from a form): a session moved to another date leaves its old season's
    figures too."""
    instance._figure_seasons_before = set()
    if raw or instance.pk is None:
        return
    before = sender._base_manager.filter(pk=instance.pk).first()
    if before is not None:
        instance._figure_seasons_before = set(before.figure_seasons())


def _bump_seasons(sender, instance, raw=False, **kwargs) -> None:
    """post_save and post_delete: the seasons the row counts in now and counted in before. A fixture load (raw)
    bumps every scope."""
    # Taken, not read: the same instance's later deletion must not bump the seasons it had before this save.
    before = instance.__dict__.pop("_figure_seasons_before", set())
    seasons = None if raw else set(instance.figure_seasons()) | before
    bump_data_version(seasons=seasons or None)


def _bump_on_links(sender, instance, action, reverse, **kwargs) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        # From the other side (a QPV's sessions changed), the rows are many: every scope.
        bump_data_version(seasons=None if reverse else (set(instance.figure_seasons()) or None))


def bump_on_changes_of(*models) -> None:
    """Single-object writes of these models (forms, admin, transitions) bump the data version of the seasons their
    row counts in (`figure_seasons()`: before and after the write) through their signals, in the writer's
    transaction: editing this season's sessions, requests and follow-ups leaves last season's bilan, charts, PDF and
    needs counts as they were kept. Their bulk writes call `bump_data_version()` themselves."""
    from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

    for model in models:
        uid = f"bump-data-version-{model._meta.label_lower}"
        pre_save.connect(_seasons_before, sender=model, dispatch_uid=f"{uid}-before")
        post_save.connect(_bump_seasons, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(_bump_seasons, sender=model, dispatch_uid=f"{uid}-delete")
        for field in model._meta.many_to_many:
            m2m_changed.connect(_bump_on_links, sender=field.remote_field.through, dispatch_uid=f"{uid}-{field.name}")
