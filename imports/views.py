from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.access import staff_required
from imports import background, registry
from imports.base import ImportFailed
from imports.forms import UploadForm
from imports.models import PendingImport, expiry_limit, purge_expired_pending_imports
from imports.tables import FileError, inspect_table, read_table
from smdq.downloads import attach


def _check(importer, content: bytes, filename: str, *, dry_run: bool):
    table = read_table(content, filename=filename, columns=importer.read_columns())
    return table, importer.run(table, dry_run=dry_run)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    context = {"form": form, "importers": registry.all_importers()}
    if request.method == "POST" and form.is_valid():
        purge_expired_pending_imports()  # one DELETE: abandoned files go even if the hourly job does not run
        upload_file = form.cleaned_data["file"]
        kind = form.cleaned_data["kind"]
        content = upload_file.read()
        importer = registry.get(kind)(user=request.user)
        try:
            # The bounded structural checks, always here: size, encoding or archive, dimensions, then the headers.
            header, rows = inspect_table(content, filename=upload_file.name, columns=importer.read_columns())
            importer.check_columns(header)
            if background.in_background(rows):
                # Stored now that its structure passed; the worker reads and checks its rows, and erases it if
                # one is wrong.
                pending = background.start_check(request.user, kind, upload_file.name, content, rows)
                return redirect("imports:detail", pk=pending.pk)
            table = read_table(content, filename=upload_file.name, columns=importer.read_columns())
            result = importer.run(table, dry_run=True)
        except FileError as exc:
            context["file_error"] = str(exc)
        except ImportFailed as exc:
            context["errors"] = exc.errors
        else:
            # Stored only now that it passed, and only until it is confirmed or expires (PENDING_IMPORT_HOURS).
            pending = PendingImport.objects.create(
                user=request.user, kind=kind, filename=upload_file.name, content=content, rows_total=len(table.rows)
            )
            context.update(
                pending=pending,
                result=result,
                headers=table.headers,
                preview=background.preview(table),
                ignored=table.ignored,
                warnings=result.warnings,
            )
    return render(request, "imports/upload.html", context)


@require_safe
@staff_required
def detail(request, pk):
    """A file in the worker's hands: « en cours : N / M lignes » (polled by htmx), then its preview and
    confirmation, its errors, or its result."""
    pending = get_object_or_404(PendingImport, pk=pk, user=request.user)
    template = "imports/_pending.html" if request.headers.get("HX-Request") else "imports/pending.html"
    return render(request, template, {"pending": pending, "report": pending.report})


@require_POST
@staff_required
def confirm(request, pk):
    pending = get_object_or_404(
        PendingImport, pk=pk, user=request.user, applied_at__isnull=True, state=PendingImport.State.READY
    )
    if pending.created_at < expiry_limit():
        pending.delete()
        messages.error(request, _("Cette vérification a expiré : déposez le fichier à nouveau."))
        return redirect("imports:upload")
    if pending.background:
        background.start_apply(pending)
        return redirect("imports:detail", pk=pending.pk)
    importer = registry.get(pending.kind)(user=request.user)
    try:
        _table, result = _check(importer, bytes(pending.content), pending.filename, dry_run=False)
    except (FileError, ImportFailed):
        pending.delete()  # a refused file is not kept
        messages.error(request, _("Le fichier n'est plus valide (les données ont changé depuis la vérification)."))
        return redirect("imports:upload")
    pending.applied_at = timezone.now()
    pending.state = PendingImport.State.APPLIED
    pending.summary = result.summary()
    pending.content = b""  # the data now lives in its tables; the file itself is not kept
    pending.save(update_fields=["applied_at", "state", "summary", "content"])
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
    return attach(response, f"modele_{kind}.csv")
