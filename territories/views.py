from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts.access import STAFF_ROLES, has_role, login_required, staff_required
from smdq.bounds import MAX_INT
from territories.access import get_clsm_for_user
from territories.filters import CLSMFilter
from territories.forms import CLSMForm
from territories.models import CLSM, QPV, Commune, Department

PAGE_SIZE = 25
AUTOCOMPLETE_LIMIT = 20


def _departments_by_clsm(clsm_ids) -> dict[int, list[Department]]:
    """One query for the départements of a page of CLSM, through their QPVs and communes."""
    links = (
        CLSM.objects.filter(pk__in=clsm_ids)
        .order_by()
        .values_list("pk", "communes__department", "communes__department__name")
        .union(
            CLSM.objects.filter(pk__in=clsm_ids)
            .order_by()
            .values_list("pk", "qpvs__department", "qpvs__department__name")
        )
    )
    result: dict[int, dict[str, str]] = {}
    for clsm_id, code, name in links:
        if code:
            result.setdefault(clsm_id, {})[code] = name
    return {k: [f"{n} ({c})" for c, n in sorted(v.items())] for k, v in result.items()}


@require_safe
@login_required
def clsm_list(request):
    queryset = CLSM.objects.visible_to(request.user).annotate(
        qpv_count=Count("qpvs", distinct=True),
        commune_count=Count("communes", distinct=True),
        coordinator_count=Count("coordinators", distinct=True),
    )
    filterset = CLSMFilter(request.GET, queryset=queryset)
    page = Paginator(filterset.qs.order_by("name"), PAGE_SIZE).get_page(request.GET.get("page"))
    departments = _departments_by_clsm([c.pk for c in page.object_list])
    rows = [(clsm, departments.get(clsm.pk, [])) for clsm in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "can_create": has_role(request.user, STAFF_ROLES),
    }
    template = "territories/includes/clsm_results.html" if request.htmx else "territories/clsm_list.html"
    return render(request, template, context)


@require_safe
@login_required
def clsm_detail(request, pk):
    clsm = get_clsm_for_user(request.user, pk)
    qpvs = (
        clsm.qpvs.select_related("department__region")
        .prefetch_related(Prefetch("communes", queryset=Commune.objects.order_by("name")))
        .order_by("code")
    )
    context = {
        "clsm": clsm,
        "qpvs": qpvs,
        "communes": clsm.communes.select_related("department").order_by("name"),
        "coordinators": clsm.people_visible_to(request.user),
        "can_edit": CLSM.objects.editable_by(request.user).filter(pk=clsm.pk).exists(),
        "can_see_history": has_role(request.user, STAFF_ROLES),
    }
    return render(request, "territories/clsm_detail.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def clsm_create(request):
    form = CLSMForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        clsm = form.save()
        messages.success(request, _("Le CLSM « %(name)s » a été créé.") % {"name": clsm.name})
        return redirect("territories:clsm_detail", pk=clsm.pk)
    return render(request, "territories/clsm_form.html", {"form": form, "clsm": None})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def clsm_edit(request, pk):
    clsm = get_clsm_for_user(request.user, pk, write=True)
    form = CLSMForm(request.POST or None, instance=clsm)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Le CLSM « %(name)s » a été mis à jour.") % {"name": clsm.name})
        return redirect("territories:clsm_detail", pk=clsm.pk)
    return render(request, "territories/clsm_form.html", {"form": form, "clsm": clsm})


@require_safe
@login_required
def qpv_search(request):
    text = request.GET.get("q", "").strip()
    results = []
    if len(text) >= 2:
        qpvs = QPV.objects.search(text).select_related("department").order_by("code")[:AUTOCOMPLETE_LIMIT]
        results = [{"value": q.pk, "text": f"{q.code} – {q.name} ({q.department.name})"} for q in qpvs]
    return JsonResponse({"results": results})


def _commune_results(communes) -> list[dict]:
    return [{"value": c.code, "text": f"{c.name} ({c.code}, {c.department.name})"} for c in communes]


@require_safe
@login_required
def commune_search(request):
    """The communes matching `q`, best match first; or, with `qpv` (ids, repeated), the communes of those QPV:
    the session form pre-fills its commune from the QPV chosen."""
    # An id past the database's integer range is no QPV (SQLite would raise OverflowError on it).
    qpv_ids = [
        int(value)
        for value in request.GET.getlist("qpv")
        if value.isdecimal() and len(value) <= 10 and int(value) <= MAX_INT
    ][:AUTOCOMPLETE_LIMIT]
    if qpv_ids:
        communes = Commune.objects.filter(qpvs__in=qpv_ids).distinct().select_related("department")
        return JsonResponse({"results": _commune_results(communes.order_by("name", "code")[:AUTOCOMPLETE_LIMIT])})
    text = request.GET.get("q", "").strip()
    results = []
    if len(text) >= 2:
        results = _commune_results(Commune.objects.search(text).select_related("department")[:AUTOCOMPLETE_LIMIT])
    return JsonResponse({"results": results})
