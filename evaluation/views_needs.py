"""Expressed needs: the chargée de mission gives each one of the seven categories, at typing speed.

One screen per season: the needs (to categorise, or all), the counts per category, and for each need how
many other uncategorised needs of the season say the same thing (case and spaces ignored), so that they can
be categorised together. Keyboard use is static/js/needs.js; without it, each need has its own small form.
"""

import json
from collections import Counter
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case, Count, F, IntegerField, Sum, TextField, Value, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from accounts.access import staff_required
from evaluation.forms_needs import TO_CATEGORISE, NeedAssignForm, NeedBulkAssignForm, NeedListForm
from evaluation.models import Need, NeedCategory, SessionSummary
from evaluation.responses import refresh_summaries
from sessions_app.models import AwarenessSession, season_of
from sessions_app.summaries import DataVersions

PAGE_SIZE = 50
BULK_CHUNK = 2000
# What is read once per data version (sessions_app.summaries): every write of needs, responses or sessions bumps it
# (refresh_summaries, the session's signals), so a cached entry never outlives the data it was read from.
CACHE_SECONDS = 3600


def normalise_need(text: str) -> str:
    """« Se former », « se  former » and « SE FORMER » are the same need."""
    return " ".join(text.split()).casefold()


@dataclass
class NeedRow:
    need: Need
    key: str
    identical: int  # other uncategorised needs of the season with the same text
    bulk: int  # uncategorised needs of the season with the same text, this one included
    assign_url: str = ""
    options: str = ""  # the category <option>s of its select, this need's selected


@dataclass
class CategoryCount:
    category: NeedCategory | None
    count: int
    share: float | None  # percentage of the categorised needs


def _season_needs(season: str):
    return Need.objects.filter(response__session__season=season)


def _per_version(name: str, version: int, read):
    """`read()`, kept in the cache for this data version (read the version before the data: an entry may then
    hold slightly newer data than its version, never older)."""
    return cache.get_or_set(f"needs:{name}:v{version}", read, CACHE_SECONDS)


def _seasons_with_needs(version: int) -> list[str]:
    """The seasons with at least one need, newest first, once per data version.

    The seasons of the sessions (a few), then one EXISTS per season that stops at its first need, walking the
    indexes from the season's sessions: asking « which sessions have a need » at once joins every need with every
    response (300,000 with 400,000 at the national size)."""

    def read():
        seasons = set(AwarenessSession.objects.order_by().values_list("season", flat=True).distinct())
        return sorted((s for s in seasons if _season_needs(s).order_by().exists()), reverse=True)

    return _per_version("seasons", version, read)


def _uncategorised_by_season(version: int) -> dict[str, int]:
    """Season → needs still to categorise, from the sessions' summaries (one row a session, their "" key), once per
    data version: the home page counts every season's, and the screen shows one season at a time."""

    def read():
        uncategorised = Cast(KeyTextTransform("", "needs"), IntegerField())
        rows = SessionSummary.objects.order_by().values_list("session__season").annotate(n=Sum(uncategorised))
        return {season: n for season, n in rows if n}

    return _per_version("uncategorised-by-season", version, read)


def _season_summary(season: str, categories: list[NeedCategory], version: int) -> tuple[dict, Counter]:
    """The season's counts per category, and how many uncategorised needs have each normalised text: one
    grouped read of the season's needs (joining them with their sessions once, not once per figure), kept per
    data version (50 ms at the national size, read at every visit of the screen otherwise)."""
    by_category, texts = _per_version(f"season:{season}", version, lambda: _season_groups(season))
    return _counts(season, categories, by_category), texts


def _season_groups(season: str) -> tuple[Counter, Counter]:
    """The season's needs per category id (None: uncategorised), and its uncategorised needs per normalised text.

    The texts are folded in Python because neither SQLite nor a portable expression folds case and spaces like
    Python does; SQL only groups the identical ones (a few thousand short texts at the national size)."""
    uncategorised_text = Case(When(category__isnull=True, then=F("text")), default=Value(""), output_field=TextField())
    groups = (
        _season_needs(season)
        .order_by()
        .annotate(uncategorised_text=uncategorised_text)
        .values("category_id", "uncategorised_text")
        .annotate(n=Count("pk"))
        .values_list("category_id", "uncategorised_text", "n")
    )
    by_category: Counter = Counter()
    texts: Counter = Counter()
    for category_id, text, n in groups:
        by_category[category_id] += n
        if category_id is None:
            texts[normalise_need(text)] += n
    return by_category, texts


def _rows(needs, uncategorised: Counter, categories: list[NeedCategory]) -> list[NeedRow]:
    """The page's rows. Each row's category options and form address are built here, once per category and row,
    not by the template's loop and {% url %} tags (50 rows × 7 categories: most of the page's rendering time)."""
    options = [
        (
            category.pk,
            format_html('<option value="{}" data-key="{}"', category.code, category.key),
            format_html(">{} · {}</option>", category.key, category.label),
        )
        for category in categories
    ]
    rows = []
    for need in needs:
        key = normalise_need(need.text)
        same = uncategorised[key]
        selects = "".join(f"{start}{' selected' if pk == need.category_id else ''}{end}" for pk, start, end in options)
        rows.append(
            NeedRow(
                need,
                key,
                same - (1 if need.category_id is None else 0),
                same,
                reverse("evaluation:need_assign", args=[need.pk]),
                mark_safe(selects),  # every part built by format_html above
            )
        )
    return rows


def _counts(season: str, categories: list[NeedCategory], by_category: Counter) -> dict:
    categorised = sum(n for category_id, n in by_category.items() if category_id is not None)
    return {
        "season": season,
        "categories": [
            CategoryCount(
                c, by_category.get(c.pk, 0), 100 * by_category.get(c.pk, 0) / categorised if categorised else None
            )
            for c in categories
        ],
        "uncategorised": by_category.get(None, 0),
        "categorised": categorised,
        "total": categorised + by_category.get(None, 0),
    }


def _need_queryset():
    return Need.objects.select_related("response__session__clsm", "category").order_by(
        "response__session__date", "response__session__reference", "response__sheet_number", "position"
    )


def _back_url(request, season: str) -> str:
    """Where a form without JavaScript returns: the list it was posted from, if it is one of ours."""
    url = request.POST.get("next", "")
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return f"{reverse('evaluation:needs_categorise')}?saison={season}"


def _see_other(url: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(url, status=303)


@require_safe
@staff_required
def needs_categorise(request):
    current = season_of(timezone.localdate())
    versions = DataVersions.read()
    seasons = _seasons_with_needs(versions.total)
    if current not in seasons:
        seasons = sorted([*seasons, current], reverse=True)
    form = NeedListForm(request.GET, seasons=seasons, default_season=current)
    season, status = form.season(), form.status()
    categories = list(NeedCategory.objects.all())
    needs = _need_queryset().filter(response__session__season=season)
    if status == TO_CATEGORISE:
        needs = needs.filter(category__isnull=True)
    # Typing another season's sheets leaves this season's counts as they were kept.
    counts, uncategorised = _season_summary(season, categories, versions.of_season(season))
    # The other seasons with needs to categorise, linked: the home page's count is every season's.
    elsewhere = sorted(_uncategorised_by_season(versions.total).items(), reverse=True)
    other_seasons = [(other, n) for other, n in elsewhere if other != season]
    paginator = Paginator(needs, PAGE_SIZE)
    # Known from the counts per category: no second join of the season's needs to count them.
    paginator.count = counts["uncategorised"] if status == TO_CATEGORISE else counts["total"]
    page = paginator.get_page(request.GET.get("page"))
    rows = _rows(page.object_list, uncategorised, categories)
    query = request.GET.copy()
    query.pop("page", None)
    query["saison"], query["statut"] = season, status
    context = {
        "form": form,
        "season": season,
        "status": status,
        "to_categorise": status == TO_CATEGORISE,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "categories": categories,
        "counts": counts,
        "other_seasons": other_seasons,
        "next_url": request.get_full_path(),
        "page_ids": ",".join(str(row.need.pk) for row in rows),
        "bulk_url": reverse("evaluation:need_assign_bulk"),
    }
    return render(request, "evaluation/needs/categorise.html", context)


def _page_ids(request) -> list[int]:
    """The needs shown on the page the request comes from (needs.js sends them), at most one page."""
    return [int(part) for part in request.POST.get("page_ids", "").split(",") if part.strip().isdigit()][:PAGE_SIZE]


def _listed_status(url: str) -> str:
    return parse_qs(urlsplit(url).query).get("statut", [TO_CATEGORISE])[0]


def _rows_response(request, season: str, key: str, *, main: Need | None, announce: str) -> HttpResponse:
    """For htmx: the need that was posted (`main`, swapped in place), the other needs of the page with the
    same text (their count of identical needs changed; swapped out of band) and the season's counts.
    `announce` is read out by needs.js."""
    categories = list(NeedCategory.objects.all())
    shown = set(_page_ids(request)) - {main.pk if main else None}
    same_text = [need for need in _need_queryset().filter(pk__in=shown) if normalise_need(need.text) == key]
    # The write just bumped the data version, in this transaction: the summary is read afresh and kept for the next
    # visit of the screen.
    counts, uncategorised = _season_summary(season, categories, DataVersions.read().of_season(season))
    context = {
        "main": _rows([main], uncategorised, categories)[0] if main else None,
        "others": _rows(same_text, uncategorised, categories),
        "bulk_url": reverse("evaluation:need_assign_bulk"),
        "categories": categories,
        "counts": counts,
        "next_url": request.POST.get("next", ""),
        # The list the page shows (its address, sent back as `next`): only « à catégoriser » counts down.
        "to_categorise": _listed_status(request.POST.get("next", "")) == TO_CATEGORISE,
    }
    response = render(request, "evaluation/needs/_assigned.html", context)
    response["HX-Trigger"] = json.dumps({"needs-assigned": {"message": announce}})
    return response


@require_POST
@staff_required
def need_assign(request, pk):
    need = get_object_or_404(_need_queryset(), pk=pk)
    season = need.response.session.season
    form = NeedAssignForm(request.POST)
    if not form.is_valid():
        message = " ".join(form.errors["category"])
        if request.htmx:
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        messages.error(request, message)
        return _see_other(_back_url(request, season))
    category = form.cleaned_data["category"]
    need.category = category
    need.categorised_by = request.user if category else None
    need.categorised_at = timezone.now() if category else None
    with transaction.atomic():
        need.save(update_fields=["category", "categorised_by", "categorised_at"])
        refresh_summaries([need.response.session_id])  # the bilan's needs per category, and the data version
    if category:
        message = _("Besoin « %(text)s » classé en « %(category)s ».") % {"text": need.text, "category": category}
    else:
        message = _("Besoin « %(text)s » remis à catégoriser.") % {"text": need.text}
    if request.htmx:
        return _rows_response(request, season, normalise_need(need.text), main=need, announce=message)
    messages.success(request, message)
    return _see_other(_back_url(request, season))


@require_POST
@staff_required
def need_assign_bulk(request):
    form = NeedBulkAssignForm(request.POST)
    if not form.is_valid():
        message = " ".join(message for errors in form.errors.values() for message in errors)
        if request.htmx:
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        messages.error(request, message)
        return _see_other(_back_url(request, season_of(timezone.localdate())))
    season, category = form.cleaned_data["season"], form.cleaned_data["category"]
    key = normalise_need(form.cleaned_data["text"])
    candidates = _season_needs(season).filter(category__isnull=True).values_list("pk", "text")
    matching = [pk for pk, text in candidates if normalise_need(text) == key]
    now = timezone.now()
    with transaction.atomic():
        sessions = set()
        for start in range(0, len(matching), BULK_CHUNK):
            part = Need.objects.filter(pk__in=matching[start : start + BULK_CHUNK], category__isnull=True)
            sessions.update(part.values_list("response__session_id", flat=True))
            part.update(category=category, categorised_by=request.user, categorised_at=now)
        refresh_summaries(sessions)  # an update() sends no signal: the bilan's needs per category, explicitly
    message = ngettext(
        "%(n)s besoin « %(text)s » classé en « %(category)s ».",
        "%(n)s besoins « %(text)s » classés en « %(category)s ».",
        len(matching),
    ) % {"n": len(matching), "text": form.cleaned_data["text"], "category": category}
    if request.htmx:
        return _rows_response(request, season, key, main=None, announce=message)
    messages.success(request, message)
    return _see_other(_back_url(request, season))
