from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.access import staff_required
from imports import registry
from imports.base import ImportFailed
from imports.forms import UploadForm
from imports.models import PendingImport
from imports.tables import FileError, read_table

PREVIEW_ROWS = 10


def _check(pending: PendingImport, *, dry_run: bool):
    importer = registry.get(pending.kind)(user=pending.user)
    table = read_table(bytes(pending.content), filename=pending.filename, columns=importer.read_columns())
    return table, importer.run(table, dry_run=dry_run)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    context = {"form": form, "importers": registry.all_importers()}
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        pending = PendingImport.objects.create(
            user=request.user,
            kind=form.cleaned_data["kind"],
            filename=upload_file.name,
            content=upload_file.read(),
        )
        context["pending"] = pending
        try:
            table, result = _check(pending, dry_run=True)
            preview = [(row.line, [row.get(h) for h in table.headers]) for row in table.rows[:PREVIEW_ROWS]]
            context.update(result=result, headers=table.headers, preview=preview, ignored=table.ignored)
        except FileError as exc:
            context["file_error"] = str(exc)
        except ImportFailed as exc:
            context["errors"] = exc.errors
    return render(request, "imports/upload.html", context)


@require_POST
@staff_required
def confirm(request, pk):
    pending = get_object_or_404(PendingImport, pk=pk, user=request.user, applied_at__isnull=True)
    try:
        _table, result = _check(pending, dry_run=False)
    except (FileError, ImportFailed):
        messages.error(request, _("Le fichier n'est plus valide (les données ont changé depuis la vérification)."))
        return redirect("imports:upload")
    pending.applied_at = timezone.now()
    pending.summary = result.summary()
    pending.content = b""  # the data now lives in its tables; no need to keep a second copy
    pending.save(update_fields=["applied_at", "summary", "content"])
    messages.success(request, result.summary())
    return redirect("imports:upload")


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
