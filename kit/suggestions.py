"""From needs to actions: the need categories most expressed in a bilan lead to catalogue sheets that answer
them, nearest first.

Which sheets answer which category is data (`NeedActionMapping`, edited in the admin): a published sheet
answers a category when it has one of the category's project types or determinants. « Nearest » is: the
same département first, then the same région, then by distance between the bilan's place and the centre of
the sheet's département (the mean position of that département's QPV), then by title.

`suggest_actions` makes five queries whatever the number of sheets; `territory_of_scope` one or two.
"""

import math
from collections import defaultdict
from urllib.parse import urlencode

from django.db.models import Avg, Count
from django.template.loader import render_to_string
from django.urls import reverse

from kit.models import ActionSheet, NeedActionMapping
from territories.models import QPV, Department

EARTH_RADIUS_KM = 6371.0


def _distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    (lat1, lon1), (lat2, lon2) = (tuple(map(math.radians, point)) for point in (a, b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def department_centres() -> dict[str, dict]:
    """{département code: {"region": code, "point": (lat, lon)}} from the QPV positions, in one query."""
    rows = (
        QPV.objects.filter(latitude__isnull=False, longitude__isnull=False)
        .order_by()
        .values("department", "department__region")
        .annotate(lat=Avg("latitude"), lon=Avg("longitude"))
    )
    return {row["department"]: {"region": row["department__region"], "point": (row["lat"], row["lon"])} for row in rows}


def _top_categories(needs: dict, top: int) -> list[tuple[str, dict]]:
    categories = needs.get("categories", needs) if isinstance(needs, dict) else {}
    expressed = [(code, value) for code, value in categories.items() if (value or {}).get("count")]
    # A stable sort: equal counts keep the bilan's order of the categories.
    expressed.sort(key=lambda item: -item[1]["count"])
    return expressed[:top]


def _catalogue_links(items: dict[str, dict[str, str]]) -> list[dict]:
    """One link per taxonomy: within one catalogue filter the ticked options add up, as here."""
    catalogue = reverse("kit:catalogue")
    links = []
    for parameter in ("type", "determinant"):
        chosen = items[parameter]
        if chosen:
            links.append(
                {
                    "label": " · ".join(chosen.values()),
                    "url": f"{catalogue}?{urlencode([(parameter, code) for code in chosen])}",
                }
            )
    return links


def suggest_actions(
    needs: dict,
    *,
    latitude: float | None = None,
    longitude: float | None = None,
    department_code: str | None = None,
    region_code: str | None = None,
    top: int = 3,
    per_category: int = 3,
) -> list[dict]:
    """For the `top` need categories by count in `needs` (the bilan's `needs`, or its `needs["categories"]`;
    categories with no need are left out): the published sheets answering each, nearest first.

    [{"category": code, "label": str, "count": int, "pct": float | None, "actions": [ActionSheet, ...],
      "catalogue_links": [{"label": str, "url": str}, ...]}, ...]"""
    chosen = _top_categories(needs, top)
    if not chosen:
        return []
    codes = [code for code, _value in chosen]

    # Query 1: the mapping of the chosen categories (a few rows: types × determinants of each category).
    types_of, determinants_of = defaultdict(set), defaultdict(set)
    labels = {code: {"type": {}, "determinant": {}} for code in codes}
    rows = NeedActionMapping.objects.filter(need_category_code__in=codes).values_list(
        "need_category_code",
        "project_types",
        "project_types__code",
        "project_types__label",
        "determinants",
        "determinants__code",
        "determinants__label",
    )
    for code, type_id, type_code, type_label, determinant_id, determinant_code, determinant_label in rows:
        if type_id is not None:
            types_of[code].add(type_id)
            labels[code]["type"][type_code] = type_label
        if determinant_id is not None:
            determinants_of[code].add(determinant_id)
            labels[code]["determinant"][determinant_code] = determinant_label

    # Queries 2 and 3: which published sheets have which of these types and determinants.
    all_types = set().union(*types_of.values())
    all_determinants = set().union(*determinants_of.values())
    sheet_types, sheet_determinants = defaultdict(set), defaultdict(set)
    published = ActionSheet.Status.PUBLISHED
    for through, field, wanted, target in (
        (ActionSheet.project_types.through, "projecttype_id", all_types, sheet_types),
        (ActionSheet.determinants.through, "determinant_id", all_determinants, sheet_determinants),
    ):
        if wanted:
            links = through.objects.filter(**{f"{field}__in": wanted, "actionsheet__status": published})
            for sheet_id, item_id in links.values_list("actionsheet_id", field):
                target[sheet_id].add(item_id)

    # Query 4: the sheets themselves, with what the list shows.
    sheet_ids = set(sheet_types) | set(sheet_determinants)
    sheets = (
        {sheet.pk: sheet for sheet in ActionSheet.objects.filter(pk__in=sheet_ids).select_related("department")}
        if sheet_ids
        else {}
    )

    # Query 5: the centre of every département, for distances (computed once).
    centres = department_centres() if sheets else {}
    origin = None
    if latitude is not None and longitude is not None:
        origin = (float(latitude), float(longitude))
    elif department_code and department_code in centres:
        origin = centres[department_code]["point"]
    elif region_code:
        points = [c["point"] for c in centres.values() if c["region"] == region_code]
        if points:
            origin = (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))

    def nearness(sheet):
        if department_code and sheet.department_id == department_code:
            rank = 0
        elif region_code and sheet.region_id == region_code:
            rank = 1
        else:
            rank = 2
        centre = centres.get(sheet.department_id)
        if origin is None:
            distance = 0.0
        elif centre is None:
            distance = math.inf  # a sheet without a placed département comes after the placed ones
        else:
            distance = _distance_km(origin, centre["point"])
        return (rank, distance, sheet.title.casefold(), sheet.pk)

    ordered = sorted(sheets.values(), key=nearness)
    suggestions = []
    for code, value in chosen:
        answering = [
            sheet
            for sheet in ordered
            if sheet_types[sheet.pk] & types_of[code] or sheet_determinants[sheet.pk] & determinants_of[code]
        ]
        suggestions.append(
            {
                "category": code,
                "label": value.get("label") or code,
                "count": value["count"],
                "pct": value.get("pct"),
                "actions": answering[:per_category],
                "catalogue_links": _catalogue_links(labels[code]),
            }
        )
    return suggestions


def territory_of_scope(scope) -> dict:
    """The place of a bilan's scope (evaluation.bilan.Scope), as keyword arguments of `suggest_actions`.

    A session or a CLSM: the mean position of its QPV, and the département (and its région) that holds most of
    them. A département or région filter: that territory. The national bilan: no place (catalogue order)."""
    place = {"latitude": None, "longitude": None, "department_code": None, "region_code": None}
    qpvs = None
    if getattr(scope, "session", None):
        qpvs = QPV.objects.filter(sessions__reference=scope.session)
    elif getattr(scope, "clsm", None):
        qpvs = QPV.objects.filter(clsms__name__iexact=scope.clsm)
    if qpvs is not None:
        rows = list(
            qpvs.order_by()
            .values("department", "department__region")
            .annotate(n=Count("pk", distinct=True), lat=Avg("latitude"), lon=Avg("longitude"))
        )
        if rows:
            main = max(rows, key=lambda row: (row["n"], row["department"]))
            placed = [row for row in rows if row["lat"] is not None and row["lon"] is not None]
            total = sum(row["n"] for row in placed)
            if total:
                place["latitude"] = sum(row["lat"] * row["n"] for row in placed) / total
                place["longitude"] = sum(row["lon"] * row["n"] for row in placed) / total
            place["department_code"] = main["department"]
            place["region_code"] = main["department__region"]
    if getattr(scope, "department", None):
        place["department_code"] = scope.department
        place["region_code"] = Department.objects.filter(pk=scope.department).values_list("region", flat=True).first()
    elif getattr(scope, "region", None):
        place["region_code"] = scope.region
    return place


def bilan_section(scope, data: dict):
    """The bilan page's « Des besoins aux actions » (registered with evaluation.sections by KitConfig.ready)."""
    return render_to_string(
        "kit/includes/suggested_actions.html",
        {"suggestions": suggest_actions(data["needs"], **territory_of_scope(scope))},
    )
