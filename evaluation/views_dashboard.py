"""The bilan in the browser: dashboard, charts, downloads (PDF, spreadsheets, JSON) and official editions."""

import hashlib
from urllib.parse import urlencode

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.access import STAFF_ROLES, has_bilan, has_role, login_required, staff_required
from evaluation import documents
from evaluation.bilan import Scope, comparison_legend, with_previous_means
from evaluation.documents import data_version
from evaluation.editions import publish, scope_key
from evaluation.forms_dashboard import ScopeForm, scope_params
from evaluation.models import BilanDocument, BilanEdition
from evaluation.sections import render_sections
from evaluation.suppression import for_display, suppress_for_funder
from sessions_app.summaries import DataVersions
from smdq.downloads import attach

CHARTS = {
    "satisfaction": gettext_lazy("Satisfaction (sur 5)"),
    "capacites": gettext_lazy("Capacités (sur 4)"),
    "engagement": gettext_lazy("Engagement (sur 4)"),
    "besoins": gettext_lazy("Besoins exprimés par catégorie"),
    "profil": gettext_lazy("Profils représentés"),
    "carte": gettext_lazy("Séances par département et QPV couverts"),
}
# Charts are kept per scope and data version (evaluation.documents.data_version): they never go stale.
CACHE_SECONDS = documents.FIGURES_CACHE_SECONDS


def _cached(kind: str, scope: Scope, version: str, build):
    # The whole scope, not its URL parameters: a coordinator's « all my CLSM » has the national parameters.
    key = f"bilan:{kind}:{hashlib.sha1((repr(scope) + version).encode()).hexdigest()}"
    return cache.get_or_set(key, build, CACHE_SECONDS)


def _qpv_points(scope: Scope) -> list:
    from evaluation import charts

    return charts.qpv_points_for(scope.held_sessions())


def _scope(request, version: str | None = None) -> tuple[ScopeForm, Scope]:
    form = ScopeForm(request.GET or None, user=request.user, version=version)
    return form, form.scope()


def _scope_hash(scope: Scope, version: str) -> str:
    # The whole scope, not its URL parameters: a coordinator's « all my CLSM » has the national parameters. The day
    # too, as for the figures: the running season is compared with the previous one up to the same date.
    return hashlib.sha1((repr(scope) + version + timezone.localdate().isoformat()).encode()).hexdigest()


@require_safe
@login_required
def dashboard(request):
    if not has_bilan(request.user):
        return render(request, "evaluation/dashboard/no_clsm.html")
    versions = DataVersions.read()
    form, scope = _scope(request, data_version(versions=versions))
    version = data_version(scope, versions)
    funder = request.user.is_funder
    data = documents.figures(scope, funder=funder, version=version)
    params = urlencode(scope_params(scope))
    shown = for_display(data)  # what is hidden from the funder reads « < 5 »
    context = {
        "form": form,
        "scope": scope,
        "data": shown,
        "sections": render_sections(scope, data),
        "breakdowns": _breakdowns(scope, version, funder, shown),
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


def _breakdowns(scope: Scope, version: str, funder: bool, shown: dict) -> str:
    """The breakdown tables (a row per région, département, CLSM and mode: most of the page's markup at national
    size), rendered once per scope, variant, data version and language."""
    key = f"bilan:breakdowns:{int(funder)}:{get_language()}:{_scope_hash(scope, version)}"
    html = cache.get_or_set(
        key, lambda: render_to_string("evaluation/dashboard/_breakdowns.html", {"data": shown}), CACHE_SECONDS
    )
    return mark_safe(html)  # rendered by the template engine above, escaped there


@require_safe
@login_required
def bilan_chart(request, name):
    if name not in CHARTS:
        raise Http404
    versions = DataVersions.read()
    _form, scope = _scope(request, data_version(versions=versions))
    version = data_version(scope, versions)
    funder = request.user.is_funder
    # A warm chart is served as it was drawn for this scope, variant and data version: no figures read again.
    served = f"bilan:chart-served:{name}:{int(funder)}:{_scope_hash(scope, version)}"
    svg = cache.get_or_set(served, lambda: _draw_chart(name, scope, version, funder), CACHE_SECONDS)
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


def _draw_chart(name: str, scope: Scope, version: str, funder: bool) -> str:
    # The figures the page computed for this data version (one computation per scope), never the bilan again.
    data = for_display(documents.figures(scope, funder=funder, version=version))
    if name in ("satisfaction", "capacites", "engagement"):
        draw, args = "items_chart", (data["items"], name, with_previous_means(data), comparison_legend(data))
    elif name == "besoins":
        draw, args = "needs_chart", (data["needs"],)
    elif name == "profil":
        draw, args = "profile_chart", (data["profile"],)
    else:
        points = _cached("qpv-points", scope, version, lambda: _qpv_points(scope))
        draw, args = "france_map", (data["breakdown"]["departments"], points)
    from evaluation import charts

    return charts.drawn(draw, *args)  # kept by what it draws, shared with the PDF


@require_safe
@login_required
def bilan_json(request):
    _form, scope = _scope(request)
    data = documents.figures(scope, funder=request.user.is_funder)
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


def _serve(content: bytes, kind: str, name: str) -> HttpResponse:
    response = HttpResponse(bytes(content), content_type=BilanDocument(kind=kind).content_type)
    return attach(response, name, inline=kind == BilanDocument.Kind.PDF)


def _document(request, kind: str, scope: Scope):
    """A small scope's document made now; a large one's served from what the worker made for today's data, or a
    page that asks the worker for it and waits with its progress (README « Background tasks »)."""
    variant = documents.variant(kind, request.user)
    if documents.is_immediate(kind, scope):
        return _serve(documents.render(kind, scope, **variant), kind, documents.filename(kind, scope))
    document = documents.current(kind, scope, request.user)
    if document is not None and document.is_ready:
        return _serve(document.content, kind, document.filename)
    context = {"document": document, "kind": kind, "kind_label": BilanDocument.Kind(kind).label, "scope": scope}
    return render(request, "evaluation/dashboard/document_wait.html", context)


@require_safe
@login_required
def bilan_document(request, fmt):
    _form, scope = _scope(request)
    return _document(request, fmt, scope)


@require_safe
@staff_required  # one row per respondent: never for the funder, who sees aggregates only
def responses_export(request):
    _form, scope = _scope(request)
    return _document(request, BilanDocument.Kind.RESPONSES, scope)


@require_POST
@login_required
def document_prepare(request):
    kind = request.POST.get("kind", "")
    if kind not in BilanDocument.Kind.values:
        raise Http404
    if kind == BilanDocument.Kind.RESPONSES and not has_role(request.user, STAFF_ROLES):
        raise PermissionDenied  # one row per respondent: never for the funder, who sees aggregates only
    form = ScopeForm(request.POST, user=request.user)
    document = documents.request(kind, form.scope(), request.user)
    if request.htmx:
        return render(request, "evaluation/dashboard/_document_status.html", {"document": document})
    return redirect("evaluation:document_detail", pk=document.pk)


@require_safe
@login_required
def document_detail(request, pk):
    """A document on its way: its progress (htmx asks again every 2 s); once ready, htmx is sent to the file."""
    document = get_object_or_404(BilanDocument.objects.visible_to(request.user).defer("content"), pk=pk)
    if request.htmx:
        response = render(request, "evaluation/dashboard/_document_status.html", {"document": document})
        if document.is_ready:
            response["HX-Redirect"] = reverse("evaluation:document_download", args=[document.pk])
        return response
    context = {"document": document, "kind_label": document.get_kind_display()}
    return render(request, "evaluation/dashboard/document_wait.html", context)


@require_safe
@login_required
def document_download(request, pk):
    document = get_object_or_404(BilanDocument.objects.visible_to(request.user), pk=pk)
    if not document.is_ready:
        return redirect("evaluation:document_detail", pk=document.pk)
    return _serve(document.content, document.kind, document.filename)


@require_POST
@staff_required
def edition_publish(request):
    form = ScopeForm(request.POST, user=request.user)
    scope = form.scope()
    edition = publish(scope, request.user, base_url=request.build_absolute_uri(reverse("evaluation:edition_list")))
    messages.success(
        request,
        _("Bilan « %(label)s » : l'édition n° %(n)s est en préparation, vous pouvez quitter cette page.")
        % {"label": edition.label, "n": edition.number},
    )
    return redirect("evaluation:edition_detail", pk=edition.pk)


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
def edition_detail(request, pk):
    """An edition's page: its progress while the worker prepares it (htmx asks again every 2 s), then its
    downloads."""
    edition = get_object_or_404(BilanEdition.objects.visible_to(request.user).defer("data", "pdf", "pdf_funder"), pk=pk)
    context = {"edition": edition, "small_hidden": edition.hides_small_for(request.user)}
    if request.htmx:
        return render(request, "evaluation/dashboard/_edition_status.html", context)
    return render(request, "evaluation/dashboard/edition.html", context)


@require_safe
@login_required
def edition_download(request, pk, fmt):
    edition = get_object_or_404(BilanEdition.objects.visible_to(request.user), pk=pk)
    if not edition.is_ready:
        return redirect("evaluation:edition_detail", pk=edition.pk)
    filename = f"bilan-edition-{edition.number}-{edition.pk}.{fmt}"
    if fmt == "json":
        data = suppress_for_funder(edition.data) if edition.hides_small_for(request.user) else edition.data
        response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    else:
        response = HttpResponse(
            bytes(edition.pdf_funder if edition.hides_small_for(request.user) else edition.pdf),
            content_type="application/pdf",
        )
    return attach(response, filename)
