"""The kit's library of downloadable files: everyone sees what they may download, the national centre
manages it. A restricted file is never at a public address: `resource_download` checks who asks and streams
it; to someone who may not have it, it does not exist (404)."""

import logging
from functools import wraps

from django.contrib import messages
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_safe

from accounts.access import STAFF_ROLES, has_role, staff_required
from accounts.models import Role
from kit import resources
from kit.access import get_resource_for_user
from kit.forms import ResourceForm
from kit.models import Resource
from smdq.downloads import attach

logger = logging.getLogger(__name__)


@require_safe
def resource_list(request):
    """Public: anonymous visitors see the public resources, coordinators also theirs, the centre all."""
    visible = list(Resource.objects.visible_to(request.user).order_by("title", "pk"))
    groups = [
        (label, [resource for resource in visible if resource.kind == kind])
        for kind, label in Resource.Kind.choices
        if any(resource.kind == kind for resource in visible)
    ]
    context = {
        "groups": groups,
        "count": len(visible),
        "can_manage": has_role(request.user, STAFF_ROLES),
        # Who sees more than the public resources is told who each one is for.
        "show_audience": has_role(request.user, (Role.COORDINATOR, *STAFF_ROLES)),
        "anonymous": not request.user.is_authenticated,
    }
    return render(request, "kit/resource_list.html", context)


@require_safe
def resource_download(request, pk):
    resource = get_resource_for_user(request.user, pk)
    try:
        handle = resource.file.storage.open(resource.file.name, "rb")
    except FileNotFoundError:
        logger.error("Fichier de la ressource %s introuvable : %s", resource.pk, resource.file.name)
        raise Http404(_("Le fichier de cette ressource est introuvable.")) from None
    response = FileResponse(
        handle, as_attachment=True, filename=resource.original_name, content_type=resource.content_type
    )
    # Only what anyone may download can sit in a shared cache.
    public = resource.is_published and resource.audience == Resource.Audience.PUBLIC
    response["Cache-Control"] = "public, max-age=3600" if public else "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return attach(response, resource.original_name)  # an ASCII name beside the UTF-8 one (Django gives one)


class UploadLimitHandler(FileUploadHandler):
    """Stops storing an uploaded file as soon as it passes the size limit (it would otherwise be written in full
    to a temporary file before the form could refuse it); the form then says it is too large."""

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > resources.MAX_UPLOAD_SIZE:
            self.request.upload_too_large = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None


def limit_uploads(view):
    """Installs `UploadLimitHandler` before the body is read. CSRF middleware would read it first (to find the
    token), so the check moves inside, after the handler: the documented way to change upload handlers."""
    protected = csrf_protect(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.upload_handlers.insert(0, UploadLimitHandler(request))
        return protected(request, *args, **kwargs)

    return csrf_exempt(wrapper)


def _edit(request, resource):
    if request.method == "POST":
        form = ResourceForm(
            request.POST,
            request.FILES,
            instance=resource,
            user=request.user,
            too_large=getattr(request, "upload_too_large", False),
        )
        if form.is_valid():
            saved = form.save()
            if resource is None:
                messages.success(request, _("La ressource « %(title)s » est ajoutée.") % {"title": saved.title})
            else:
                messages.success(request, _("La ressource « %(title)s » est enregistrée.") % {"title": saved.title})
            return redirect("kit:resource_list")
    else:
        form = ResourceForm(instance=resource, user=request.user)
    return render(request, "kit/resource_form.html", {"form": form, "resource": resource})


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
@limit_uploads
def resource_create(request):
    return _edit(request, None)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
@limit_uploads
def resource_edit(request, pk):
    return _edit(request, get_resource_for_user(request.user, pk, write=True))


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def resource_delete(request, pk):
    resource = get_resource_for_user(request.user, pk, write=True)
    if request.method == "POST":
        title = resource.title
        resource.delete()
        messages.success(request, _("La ressource « %(title)s » est supprimée.") % {"title": title})
        return redirect("kit:resource_list")
    return render(request, "kit/resource_confirm_delete.html", {"resource": resource})
