"""Bulk writes every importer (and the demonstration generators) share: chunked `IN (…)` lookups, many-to-many
links replaced in two queries a chunk, and the change history written in one INSERT … SELECT."""

from collections import defaultdict

from django.conf import settings
from django.db import connection
from django.db.models import CharField, DateTimeField, IntegerField, Value
from django.utils import timezone

HISTORY_REASON = "import de fichier"  # the reason of an import's entries in the change history
# Stay far below the bind-parameter limits of SQLite (32,766) and PostgreSQL (65,535) in `IN (…)` lookups.
CHUNK = 5000


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
