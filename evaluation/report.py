"""The PDF report of a bilan: the engine's figures, the charts and the map, through a Django template."""

from django.utils import timezone

from evaluation.bilan import Scope, compute_bilan, compute_seasons, with_previous_means
from evaluation.formatting import SMALL_NUMBER_THRESHOLD


def report_context(scope: Scope, *, hide_small: bool, data: dict | None = None) -> dict:
    from evaluation import charts

    data = data or compute_bilan(scope)
    seasons = compute_seasons(scope)
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


def bilan_pdf(scope: Scope, *, hide_small: bool, data: dict | None = None) -> bytes:
    from sessions_app.pdf import render_pdf

    return render_pdf("evaluation/pdf/bilan.html", report_context(scope, hide_small=hide_small, data=data))
