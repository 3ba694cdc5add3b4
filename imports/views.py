from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.access import staff_required
from imports import processing, registry
from imports.forms import UploadForm
from imports.models import PendingImport


def _hand_to_worker(task_name: str, pending_id: int) -> None:
    from imports import tasks

    try:
        getattr(tasks, task_name)(pending_id)
    except Exception as exc:
        # The queue is unreachable: say so on the page rather than leave the file « en cours » for ever.
        processing.fail(pending_id, f"File des tâches injoignable : {exc}")


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        with transaction.atomic():
            pending = PendingImport.objects.create(
                user=request.user,
                kind=form.cleaned_data["kind"],
                filename=upload_file.name,
                content=upload_file.read(),
            )
            # The worker checks the file once it is committed; the page shows the progress.
            transaction.on_commit(lambda: _hand_to_worker("check_import", pending.pk))
        return redirect("imports:detail", pk=pending.pk)
    return render(request, "imports/upload.html", {"form": form, "importers": registry.all_importers()})


@require_safe
@staff_required
def detail(request, pk):
    """One uploaded file: its check (progress, then preview or errors), its confirmation, its import."""
    pending = get_object_or_404(PendingImport.objects.defer("content"), pk=pk, user=request.user)
    template = "imports/_pending.html" if request.htmx else "imports/detail.html"
    return render(request, template, {"pending": pending})


@require_POST
@staff_required
def confirm(request, pk):
    pending = get_object_or_404(PendingImport.objects.defer("content"), pk=pk, user=request.user)
    if not processing.confirm(pending):
        # Not waiting for confirmation: already applied, being applied (a double click), or refused.
        if pending.state in (PendingImport.State.APPLIED, PendingImport.State.INVALID, PendingImport.State.FAILED):
            raise Http404
        return redirect("imports:detail", pk=pending.pk)
    transaction.on_commit(lambda: _hand_to_worker("apply_import", pending.pk))
    return redirect("imports:detail", pk=pending.pk)


@require_safe
@staff_required
def template(request, kind):
    try:
        importer = registry.get(kind)
    except KeyError:
        raise Http404 from None
    response = HttpResponse("\ufeff" + importer.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="modele_{kind}.csv"'
    return response
