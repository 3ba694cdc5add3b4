"""The PDF report of a bilan: the engine's figures, the charts and the map, through a Django template."""

from django.utils import timezone

from evaluation.bilan import Scope, comparison_legend, compute_bilan, compute_seasons, with_previous_means
from evaluation.suppression import THRESHOLD, for_display, suppress_for_funder, suppress_season_for_funder


def report_context(
    scope: Scope, *, funder: bool = False, data: dict | None = None, seasons: list | None = None
) -> dict:
    """What the PDF shows. `funder`: the financeur's version, made of the engine's suppressed figures. `data` and
    `seasons` (the staff's, or the funder's) are computed here unless given: an edition computes them once for both
    of its PDFs."""
    from evaluation import charts

    data = data or compute_bilan(scope, funder=funder)
    seasons = compute_seasons(scope) if seasons is None else seasons
    if funder:
        # As they are when already the financeur's version.
        data = suppress_for_funder(data)
        seasons = [suppress_season_for_funder(row) for row in seasons]
    shown = for_display(data)
    seasons = [for_display(row) for row in seasons]
    previous_items, legend = with_previous_means(shown), comparison_legend(shown)
    held = scope.held_sessions()
    groups = [
        ("satisfaction", "Satisfaction des participant·es", 5),
        ("capacites", "Capacités", 4),
        ("engagement", "Engagement", 4),
    ]
    return {
        "data": shown,
        "scope": scope,
        "seasons": seasons,
        "funder_version": funder,
        "threshold": THRESHOLD,
        "edited_on": timezone.localdate(),
        # Drawn as the dashboard draws them, and kept by what they draw: those the dashboard drew are not drawn again.
        "item_charts": [
            (label, scale, charts.drawn("items_chart", shown["items"], group, previous_items, legend))
            for group, label, scale in groups
        ],
        "needs_chart": charts.drawn("needs_chart", shown["needs"]),
        "profile_chart": charts.drawn("profile_chart", shown["profile"]),
        "map": charts.drawn("france_map", shown["breakdown"]["departments"], charts.qpv_points_for(held)),
        "item_groups": groups,
        "annex": _annex(shown["breakdown"]),
    }


# Rows of the département and CLSM tables a PDF shows in full; longer ones (a national bilan: about 100
# départements and 300 CLSM, half the pages and the layout time) go to an annex cut at this length, the
# spreadsheet having them all.
PDF_BREAKDOWN_ROWS = 25


def _annex(breakdown: dict) -> dict | None:
    departments, clsm = breakdown["departments"], breakdown["clsm"]
    if len(departments) <= PDF_BREAKDOWN_ROWS and len(clsm) <= PDF_BREAKDOWN_ROWS:
        return None
    return {
        "limit": PDF_BREAKDOWN_ROWS,
        "departments": departments[:PDF_BREAKDOWN_ROWS],
        "more_departments": max(0, len(departments) - PDF_BREAKDOWN_ROWS),
        "clsm": clsm[:PDF_BREAKDOWN_ROWS],
        "more_clsm": max(0, len(clsm) - PDF_BREAKDOWN_ROWS),
    }


def bilan_pdf(
    scope: Scope, *, funder: bool = False, data: dict | None = None, seasons: list | None = None, attachments=None
) -> bytes:
    """The report as a tagged PDF (PDF/UA-1); with `attachments` (a list of `smdq.pdf.EmbeddedFile`), an archive
    (PDF/A-3b) carrying them, for an official edition."""
    from smdq.pdf import ACCESSIBLE, ARCHIVE, render_pdf

    context = report_context(scope, funder=funder, data=data, seasons=seasons)
    if attachments is None:
        return render_pdf("evaluation/pdf/bilan.html", context, variant=ACCESSIBLE)
    return render_pdf("evaluation/pdf/bilan.html", context, variant=ARCHIVE, attachments=attachments)
