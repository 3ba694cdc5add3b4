"""The bilan in the browser: dashboard, charts, downloads (PDF, spreadsheets, JSON) and official editions."""

import hashlib
import json
from urllib.parse import urlencode

from django.contrib import messages
from django.core.cache import cache
from django.db.models import Count, Max
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from accounts.access import STAFF_ROLES, has_bilan, has_role, login_required, staff_required
from evaluation.bilan import Scope, compute_bilan, with_previous_means
from evaluation.editions import publish, scope_key
from evaluation.forms_dashboard import ScopeForm, scope_params
from evaluation.models import BilanEdition, Need, Response
from evaluation.renderers import render as render_document
from evaluation.sections import render_sections
from evaluation.spreadsheets import responses_workbook
from evaluation.suppression import for_display, suppress_for_funder
from sessions_app.models import AwarenessSession, Participant

CHARTS = {
    "satisfaction": gettext_lazy("Satisfaction (sur 5)"),
    "capacites": gettext_lazy("Capacités (sur 4)"),
    "engagement": gettext_lazy("Engagement (sur 4)"),
    "besoins": gettext_lazy("Besoins exprimés par catégorie"),
    "profil": gettext_lazy("Profils représentés"),
    "carte": gettext_lazy("Séances par département et QPV couverts"),
}
CACHE_SECONDS = 300


def _data_version() -> str:
    """Changes whenever data a bilan reads changes, so cached figures and charts never go stale."""
    stamps = [
        AwarenessSession.objects.aggregate(m=Max("updated_at"), n=Count("pk")),
        Response.objects.aggregate(m=Max("updated_at"), n=Count("pk")),
        Participant.objects.aggregate(m=Max("created_at"), n=Count("pk")),
        Need.objects.aggregate(m=Max("categorised_at"), n=Count("category")),
    ]
    return hashlib.sha1(json.dumps(stamps, default=str).encode()).hexdigest()


def _cached(kind: str, scope: Scope, version: str, build):
    # The whole scope, not its URL parameters: a coordinator's « all my CLSM » has the national parameters.
    key = f"bilan:{kind}:{hashlib.sha1((repr(scope) + version).encode()).hexdigest()}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, CACHE_SECONDS)
    return value


def _scope(request) -> tuple[ScopeForm, Scope]:
    form = ScopeForm(request.GET or None, user=request.user)
    return form, form.scope()


@require_safe
@login_required
def dashboard(request):
    if not has_bilan(request.user):
        return render(request, "evaluation/dashboard/no_clsm.html")
    form, scope = _scope(request)
    version = _data_version()
    funder = request.user.is_funder
    data = _cached(f"data-{'funder' if funder else 'all'}", scope, version, lambda: compute_bilan(scope, funder=funder))
    params = urlencode(scope_params(scope))
    shown = for_display(data)  # what is hidden from the funder reads « < 5 »
    context = {
        "form": form,
        "scope": scope,
        "data": shown,
        "sections": render_sections(scope, data),
        "comparison": shown["comparison"] or {},
        "params": params,
        "charts": [
            (name, title, f"{reverse('evaluation:bilan_chart', args=[name])}?{params}")
            for name, title in CHARTS.items()
        ],
        "funder_version": funder,
        "can_publish": has_role(request.user, STAFF_ROLES),
        "can_export_responses": has_role(request.user, STAFF_ROLES),
        # Editions are of one CLSM at most: none is the edition of a coordinator's several CLSM.
        "editions": BilanEdition.objects.none()
        if scope.clsms
        else BilanEdition.objects.visible_to(request.user).filter(scope_key=scope_key(scope)).order_by("-number"),
    }
    template = "evaluation/dashboard/_content.html" if request.htmx else "evaluation/dashboard/dashboard.html"
    return render(request, template, context)


@require_safe
@login_required
def bilan_chart(request, name):
    if name not in CHARTS:
        raise Http404
    _form, scope = _scope(request)
    version = _data_version()
    funder = request.user.is_funder

    def build():
        from evaluation import charts

        data = for_display(compute_bilan(scope, funder=funder))
        if name in ("satisfaction", "capacites", "engagement"):
            return charts.items_chart(data["items"], name, with_previous_means(data))
        if name == "besoins":
            return charts.needs_chart(data["needs"])
        if name == "profil":
            return charts.profile_chart(data["profile"])
        return charts.france_map(data["breakdown"]["departments"], charts.qpv_points_for(scope.held_sessions()))

    svg = _cached(f"chart-{name}-{'funder' if funder else 'all'}", scope, version, build)
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_safe
@login_required
def bilan_json(request):
    _form, scope = _scope(request)
    data = compute_bilan(scope, funder=request.user.is_funder)
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


def _filename(scope: Scope, extension: str) -> str:
    slug = "".join(c if c.isalnum() else "-" for c in scope.label.lower()).strip("-")
    while "--" in slug:
        slug = slug.replace("--", "-")
    return f"bilan-{slug}.{extension}"


@require_safe
@login_required
def bilan_document(request, fmt):
    _form, scope = _scope(request)
    funder = request.user.is_funder
    content = render_document(fmt, compute_bilan(scope, funder=funder), scope, funder=funder)
    content_type = {
        "pdf": "application/pdf",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }[fmt]
    response = HttpResponse(content, content_type=content_type)
    disposition = "inline" if fmt == "pdf" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{_filename(scope, fmt)}"'
    return response


@require_safe
@staff_required  # one row per respondent: never for the funder, who sees aggregates only
def responses_export(request):
    _form, scope = _scope(request)
    content = responses_workbook(scope.held_sessions(), include_free_text=request.user.is_national_staff)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = (
        f'attachment; filename="{_filename(scope, "xlsx").replace("bilan-", "reponses-")}"'
    )
    return response


@require_POST
@staff_required
def edition_publish(request):
    form = ScopeForm(request.POST, user=request.user)
    scope = form.scope()
    edition = publish(scope, request.user, base_url=request.build_absolute_uri(reverse("evaluation:edition_list")))
    messages.success(
        request, _("Bilan « %(label)s » publié (édition n° %(n)s).") % {"label": edition.label, "n": edition.number}
    )
    return redirect(f"{reverse('evaluation:dashboard')}?{urlencode(edition.scope_params)}")


@require_safe
@login_required
def edition_list(request):
    editions = (
        BilanEdition.objects.visible_to(request.user)
        .select_related("published_by")
        .defer("data", "pdf", "pdf_funder")
        .order_by("-published_at")
    )
    return render(request, "evaluation/dashboard/editions.html", {"editions": editions})


@require_safe
@login_required
def edition_download(request, pk, fmt):
    edition = get_object_or_404(BilanEdition.objects.visible_to(request.user), pk=pk)
    filename = f"bilan-edition-{edition.number}-{edition.pk}.{fmt}"
    if fmt == "json":
        data = suppress_for_funder(edition.data) if request.user.is_funder else edition.data
        response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    else:
        response = HttpResponse(
            bytes(edition.pdf_funder if request.user.is_funder else edition.pdf), content_type="application/pdf"
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
