"""The change history of an object (who, when, what changed), for the national centre."""

from django.apps import apps
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
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


def _changes(record):
    if record.prev_record is None:
        return []
    delta = record.diff_against(record.prev_record)
    rows = []
    for change in delta.changes:
        field = record.instance_type._meta.get_field(change.field)
        rows.append((str(field.verbose_name), change.old, change.new))
    return rows


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
    return render(
        request,
        "programme/object_history.html",
        {"object": obj, "model_name": model._meta.verbose_name, "rows": rows, "page": page},
    )
