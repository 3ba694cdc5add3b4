"""The change history of an object (who, when, what changed), for the national centre."""

from django.apps import apps
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from accounts.access import staff_required

# URL name of each kind → the model whose history is kept (django-simple-history).
HISTORY_KINDS = {
    "clsm": "territories.CLSM",
    "sollicitation": "sessions_app.SessionRequest",
    "seance": "sessions_app.AwarenessSession",
    "participant": "sessions_app.Participant",
    "reponse": "evaluation.Response",
}
TYPES = {"+": "création", "~": "modification", "-": "suppression"}


def _changes(record) -> list[list]:
    """[field label, old value, new value] of each field that changed; values as they are stored (codes, ids),
    put into words by `_in_words`."""
    if record.prev_record is None:
        return []
    delta = record.diff_against(record.prev_record)
    return [[record.instance_type._meta.get_field(change.field), change.old, change.new] for change in delta.changes]


def _in_words(rows: list) -> None:
    """Status labels instead of codes, names instead of ids (« Lille », not 59350), « oui »/« non »: the objects a
    page's changes point to are fetched in one query per model, not one per row."""
    wanted: dict = {}
    for _record, _action, changes in rows:
        for field, old, new in changes:
            if field.is_relation and field.many_to_one:
                wanted.setdefault(field.related_model, set()).update(v for v in (old, new) if v not in (None, ""))
    found = {model: model._default_manager.in_bulk(list(ids)) for model, ids in wanted.items()}
    for _record, _action, changes in rows:
        for change in changes:
            field = change[0]
            change[1:] = [_value_in_words(field, value, found) for value in change[1:]]
            change[0] = str(field.verbose_name)


def _value_in_words(field, value, found: dict):
    if value is None or value == "":
        return None
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.is_relation and field.many_to_one:
        target = found.get(field.related_model, {}).get(value)
        return str(target) if target is not None else _("%(value)s (supprimé)") % {"value": value}
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    return value


@require_safe
@staff_required
def object_history(request, kind, pk):
    if kind not in HISTORY_KINDS:
        raise Http404
    model = apps.get_model(HISTORY_KINDS[kind])
    obj = get_object_or_404(model._default_manager.all(), pk=pk)
    records = obj.history.select_related("history_user").order_by("-history_date", "-history_id")
    page = Paginator(records, 25).get_page(request.GET.get("page"))
    rows = [(record, TYPES.get(record.history_type, record.history_type), _changes(record)) for record in page]
    # A save that changed nothing (an import re-run, a form sent unchanged) is not a modification worth a row.
    rows = [row for row in rows if row[2] or row[1] != TYPES["~"]]
    _in_words(rows)
    return render(
        request,
        "programme/object_history.html",
        {"object": obj, "model_name": model._meta.verbose_name, "rows": rows, "page": page},
    )
