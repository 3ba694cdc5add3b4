"""The PDF report of a bilan: the engine's figures, the charts and the map, through a Django template."""

from django.utils import timezone

from evaluation.bilan import Scope, compute_bilan, compute_seasons, with_previous_means
from smdq.formatting import SMALL_NUMBER_THRESHOLD


def report_context(scope: Scope, *, hide_small: bool, data: dict | None = None, seasons: list | None = None) -> dict:
    """What the PDF shows. `data` and `seasons` are computed here unless given (an edition computes them once for
    both of its PDFs)."""
    from evaluation import charts

    data = data or compute_bilan(scope)
    seasons = compute_seasons(scope) if seasons is None else seasons
    previous_items = with_previous_means(data, seasons, scope)
    held = scope.held_sessions()
    groups = [
        ("satisfaction", "Satisfaction des participant·es", 5),
        ("capacites", "Capacités", 4),
        ("engagement", "Engagement", 4),
    ]
    return {
        "data": data,
        "scope": scope,
        "seasons": seasons,
        "hide_small": hide_small,
        "threshold": SMALL_NUMBER_THRESHOLD,
        "edited_on": timezone.localdate(),
        "item_charts": [
            (label, scale, charts.items_chart(data["items"], group, previous_items, hide_small=hide_small))
            for group, label, scale in groups
        ],
        "needs_chart": charts.needs_chart(data["needs"], hide_small=hide_small),
        "profile_chart": charts.profile_chart(data["profile"]),
        "map": charts.france_map(data["breakdown"]["departments"], charts.qpv_points_for(held)),
        "item_groups": groups,
    }


def bilan_pdf(
    scope: Scope, *, hide_small: bool, data: dict | None = None, seasons: list | None = None, attachments=None
) -> bytes:
    """The report as a tagged PDF (PDF/UA-1); with `attachments` (a list of `smdq.pdf.EmbeddedFile`), an archive
    (PDF/A-3b) carrying them, for an official edition."""
    from smdq.pdf import ACCESSIBLE, ARCHIVE, render_pdf

    context = report_context(scope, hide_small=hide_small, data=data, seasons=seasons)
    if attachments is None:
        return render_pdf("evaluation/pdf/bilan.html", context, variant=ACCESSIBLE)
    return render_pdf("evaluation/pdf/bilan.html", context, variant=ARCHIVE, attachments=attachments)
