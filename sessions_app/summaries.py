"""What the bilan reads instead of the sign-in rows: per-session participant summaries, the structures present at
each session, and the data version.

Every write path of participants (sign-in sheet, import, demonstration data, deletion) calls
`refresh_participant_summaries(session_ids)` in its own transaction: bulk inserts and one-statement deletes send
no signal, so maintenance is explicit, never a side effect of `save()`. Every write that changes a figure of the
bilan calls `bump_data_version()` (the refresh does it), so that what is cached per data version goes stale at once.
"""

from django.db import transaction
from django.db.models import Count, F, Q

from sessions_app.models import (
    DataVersion,
    Participant,
    Profile,
    SessionParticipantSummary,
    SessionStructure,
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


def bump_data_version() -> None:
    """One more change of the bilan's figures, in the caller's transaction (readers see it when it commits)."""
    if not DataVersion.objects.filter(pk=1).update(counter=F("counter") + 1):
        DataVersion.objects.get_or_create(pk=1, defaults={"counter": 1})


def data_version_counter() -> int:
    """The current data version: one primary-key read."""
    return DataVersion.objects.filter(pk=1).values_list("counter", flat=True).first() or 0


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
        bump_data_version()


def _bump(sender, **kwargs) -> None:
    bump_data_version()


def _bump_on_links(sender, action, **kwargs) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        bump_data_version()


def bump_on_changes_of(*models) -> None:
    """Single-object writes of these models (forms, admin, transitions) bump the data version through their
    signals, in the writer's transaction; their bulk writes call `bump_data_version()` themselves."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    for model in models:
        uid = f"bump-data-version-{model._meta.label_lower}"
        post_save.connect(_bump, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(_bump, sender=model, dispatch_uid=f"{uid}-delete")
        for field in model._meta.many_to_many:
            m2m_changed.connect(_bump_on_links, sender=field.remote_field.through, dispatch_uid=f"{uid}-{field.name}")
