"""The financeur's bilan: aggregates only, no small number of people, nothing that lets one be recomputed.

One rule, applied by the engine (`compute_bilan(scope, funder=True)`) before any renderer sees the bilan:

- primary: every count of people (participants, questionnaires, answers, needs, and the follow-ups of
  sessions) from 1 to 4 is hidden, and every mean or percentage computed from fewer than 5 people;
- a percentage of a hidden count is hidden (count = percentage × base), and so is a difference with a
  hidden figure (figure = other figure ± difference);
- secondary: where cells add up to a total the reader sees (the breakdown rows to the key figure, the
  départements of a région to the région, the need categories to the needs, the profiles to 100 %), a group
  with exactly one hidden cell would give it away (total − the others): the smallest other cell is hidden
  too, and this is repeated until no group has exactly one hidden cell.

Hidden values become None (`null` in JSON) and their paths are listed, in the bilan's order, under
`suppressed`. A path is the JSON Pointer of the value (RFC 6901) without its leading slash: keys joined by
« / », list positions as numbers, e.g. `needs/categories/actions/count`, `items/sat_logistique/mean`,
`breakdown/clsm/0/participants`, `comparison/differences/key_figures/participants`.

Renderers show a hidden value as « < 5 » (`for_display`): they never decide what to hide.
"""

from __future__ import annotations

import copy

THRESHOLD = 5
HIDDEN_LABEL = "< 5"
ALWAYS_KNOWN = None  # the total of a group that the reader can always work out


class Hidden(str):
    """A hidden value as renderers show it: the text « < 5 »; formatting and charts leave it as it is."""


HIDDEN = Hidden(HIDDEN_LABEL)


def _small(value) -> bool:
    return value is not None and 0 < value < THRESHOLD


def pointer(*parts) -> str:
    return "/".join(str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def _parts(path: str) -> list[str]:
    return [part.replace("~1", "/").replace("~0", "~") for part in path.split("/")]


def _locate(data, path: str):
    """The container holding `path` and the key (or position) of the value in it."""
    *parents, last = _parts(path)
    for part in parents:
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data, int(last) if isinstance(data, list) else last


def _get(data, path: str):
    container, key = _locate(data, path)
    return container[key]


class _Rule:
    """The hidden paths of one document, worked out from its counts, groups and rates."""

    def __init__(self):
        self.values: dict[str, float] = {}  # count cells (real or derived from a percentage), by path
        self.hidden: set[str] = set()
        self.groups: list[tuple[str | None, list[str]]] = []  # (path of the total or ALWAYS_KNOWN, cell paths)
        self.rates: list[tuple[str, float | None, list[str]]] = []  # (path, base, paths it gives away)

    def count(self, path: str, value) -> None:
        if value is None:
            return
        self.values[path] = value
        if _small(value):
            self.hidden.add(path)

    def group(self, total: str | None, cells: list[str]) -> None:
        cells = [cell for cell in cells if cell in self.values]
        if cells:
            self.groups.append((total, cells))

    def rate(self, path: str, base, sources=(), *, gives_away_a_count=False) -> None:
        """A mean, percentage or difference: hidden when computed from fewer than 5 people (`base`, None when
        it has none of its own), when a value it is computed from (`sources`, counts or earlier rates) is hidden,
        or when it would give away a count of 1 to 4 people by itself (`gives_away_a_count`)."""
        self.rates.append((path, 0 if gives_away_a_count else base, list(sources)))

    def solve(self) -> set[str]:
        changed = True
        while changed:  # every pass hides at least one more cell, so this ends
            changed = False
            for total, cells in self.groups:
                if total is not ALWAYS_KNOWN and (total in self.hidden or total not in self.values):
                    continue
                if sum(cell in self.hidden for cell in cells) != 1:
                    continue
                shown = [cell for cell in cells if cell not in self.hidden]
                # The smallest non-zero cell protects best (hiding a zero hides nothing); a zero if nothing else.
                candidates = sorted(shown, key=lambda cell: (self.values[cell] == 0, self.values[cell]))
                if candidates:
                    self.hidden.add(candidates[0])
                    changed = True
                elif total is not ALWAYS_KNOWN:
                    self.hidden.add(total)  # a group of one cell, short of its total: the total goes
                    changed = True
        hidden = set(self.hidden)
        for path, base, sources in self.rates:  # in order: a difference of two means comes after them
            if (base is not None and base < THRESHOLD) or any(source in hidden for source in sources):
                hidden.add(path)
        return hidden


def _apply(data: dict, rule: _Rule, order: list[str]) -> dict:
    hidden = rule.solve()
    suppressed = []
    for path in order:
        if path in hidden:
            container, key = _locate(data, path)
            if container[key] is not None:
                container[key] = None
                suppressed.append(path)
    data["suppressed"] = suppressed
    return data


def _derived(pct, base) -> int | None:
    """The number of people behind a percentage of `base` people."""
    return None if pct is None or base is None else round(pct * base / 100)


def _profile(rule: _Rule, profile: dict, order: list[str]) -> None:
    # A bilan frozen before the bases were kept (an old edition) cannot show that its percentages rest on
    # 5 people or more: they are hidden (base 0).
    bases = profile.get("bases") or dict.fromkeys(("women_pct", "lives_in_qpv_pct", "acts_in_qpv_pct", "categories"), 0)
    for key, base in bases.items():
        rule.count(pointer("profile", "bases", key), base)
        order.append(pointer("profile", "bases", key))
    for key in ("women_pct", "lives_in_qpv_pct", "acts_in_qpv_pct"):
        path = pointer("profile", key)
        order.append(path)
        base = bases.get(key)
        part = _derived(profile.get(key), base)
        # A share of two (women / the others): either side of 1 to 4 people gives the other away.
        small_side = part is not None and (_small(part) or _small(base - part))
        rule.rate(path, base, [pointer("profile", "bases", key)], gives_away_a_count=small_side)
    base = bases.get("categories")
    cells = []
    for code, pct in profile.get("categories", {}).items():
        path = pointer("profile", "categories", code)
        order.append(path)
        rule.count(path, _derived(pct, base))
        rule.rate(path, base, [pointer("profile", "bases", "categories")])
        cells.append(path)
    rule.group(pointer("profile", "bases", "categories") if base is not None else ALWAYS_KNOWN, cells)


def _breakdown(rule: _Rule, data: dict, order: list[str], parents: dict[str, str]) -> None:
    breakdown = data.get("breakdown") or {}
    for kind, rows in breakdown.items():
        for index, row in enumerate(rows):
            for key in ("participants", "responses"):
                path = pointer("breakdown", kind, index, key)
                rule.count(path, row.get(key))
                order.append(path)
        for key in ("participants", "responses"):
            rule.group(pointer("key_figures", key), [pointer("breakdown", kind, i, key) for i in range(len(rows))])
    # The départements of a région add up to the région's row.
    regions = {row["code"]: index for index, row in enumerate(breakdown.get("regions", []))}
    children: dict[int, list[int]] = {}
    for index, row in enumerate(breakdown.get("departments", [])):
        region = parents.get(row["code"])
        if region in regions:
            children.setdefault(regions[region], []).append(index)
    for region_index, department_indexes in children.items():
        for key in ("participants", "responses"):
            rule.group(
                pointer("breakdown", "regions", region_index, key),
                [pointer("breakdown", "departments", i, key) for i in department_indexes],
            )


def _department_regions(data: dict) -> dict[str, str]:
    from territories.models import Department

    codes = [row["code"] for row in (data.get("breakdown") or {}).get("departments", [])]
    if not codes:
        return {}
    return {
        code: region or "" for code, region in Department.objects.filter(code__in=codes).values_list("code", "region")
    }


def suppress_for_funder(bilan: dict) -> dict:
    """The financeur's version of a bilan of `compute_bilan` (a new dict; the bilan itself is left as it is)."""
    if "suppressed" in bilan:
        return bilan  # already the financeur's version
    data = copy.deepcopy(bilan)
    rule, order = _Rule(), []

    # Every part is optional, so that any bilan ever frozen in an edition goes through.
    figures = data.get("key_figures") or {}
    for key in ("participants", "responses"):
        rule.count(pointer("key_figures", key), figures.get(key))
        order.append(pointer("key_figures", key))
    rule.rate(
        "response_rate",
        figures.get("participants"),
        [pointer("key_figures", "participants"), pointer("key_figures", "responses")],
    )
    order.append("response_rate")

    if data.get("profile"):
        _profile(rule, data["profile"], order)

    for code, item in (data.get("items") or {}).items():
        answers, mean = pointer("items", code, "answers"), pointer("items", code, "mean")
        rule.count(answers, item.get("answers"))
        rule.rate(mean, item.get("answers"), [answers])
        order += [mean, answers]

    needs = data.get("needs") or {"total": 0, "uncategorised": 0, "categories": {}}
    categorised = (needs.get("total") or 0) - (needs.get("uncategorised") or 0)
    if "categorised" in needs:  # a figure of its own since self-run sessions (older editions lack it)
        rule.count(pointer("needs", "categorised"), needs.get("categorised"))
        order.append(pointer("needs", "categorised"))
    cells = []
    for code, category in needs.get("categories", {}).items():
        count, pct = pointer("needs", "categories", code, "count"), pointer("needs", "categories", code, "pct")
        rule.count(count, category.get("count"))
        rule.rate(pct, categorised, [count])
        cells.append(count)
        order += [count, pct]
    for key in ("total", "uncategorised"):
        rule.count(pointer("needs", key), needs.get(key))
        order.append(pointer("needs", key))
    rule.group(pointer("needs", "total"), [*cells, pointer("needs", "uncategorised")])
    if "categorised" in needs:
        # categorised + uncategorised = total: a hidden number of categorised needs is not left to a subtraction.
        rule.group(pointer("needs", "total"), [pointer("needs", "categorised"), pointer("needs", "uncategorised")])
    # A count shown with its share gives the number of categorised needs away: it is always known.
    rule.group(ALWAYS_KNOWN, cells)

    effects = data.get("effects")
    if effects:
        rule.count(pointer("effects", "followups"), effects.get("followups"))
        order.append(pointer("effects", "followups"))
        for code, effect in effects.get("effects", {}).items():
            rule.count(pointer("effects", "effects", code, "count"), effect.get("count"))
            order.append(pointer("effects", "effects", code, "count"))

    _breakdown(rule, data, order, _department_regions(data))

    # Always zero in the funder's version (only validated sessions count there); listed all the same, so that
    # a count of 1 to 4 people could never pass here.
    for key in ("participants", "responses"):
        path = pointer("pending_validation", key)
        rule.count(path, (data.get("pending_validation") or {}).get(key))
        order.append(path)

    comparison = data.get("comparison")
    if comparison:
        for key in ("participants", "responses"):
            previous = pointer("comparison", "key_figures", key)
            rule.count(previous, comparison["key_figures"].get(key))
            difference = pointer("comparison", "differences", "key_figures", key)
            rule.rate(difference, None, [previous, pointer("key_figures", key)])
            order += [previous, difference]
        for code, item in comparison["items"].items():
            answers, mean = (
                pointer("comparison", "items", code, "answers"),
                pointer("comparison", "items", code, "mean"),
            )
            rule.count(answers, item.get("answers"))
            rule.rate(mean, item.get("answers"), [answers])
            order += [mean, answers]
        for code in comparison["differences"]["means"]:
            difference = pointer("comparison", "differences", "means", code)
            rule.rate(difference, None, [pointer("items", code, "mean"), pointer("comparison", "items", code, "mean")])
            order.append(difference)
    return _apply(data, rule, order)


def suppress_season_for_funder(row: dict) -> dict:
    """A row of `compute_seasons` (one season's key figures and means) in the financeur's version."""
    if "suppressed" in row:
        return row
    data = copy.deepcopy(row)
    rule, order = _Rule(), []
    for key in ("participants", "responses"):
        rule.count(key, data.get(key))
        order.append(key)
    for code in data.get("items", {}):
        answers, mean = pointer("answers", code), pointer("items", code)
        rule.count(answers, data.get("answers", {}).get(code))
        rule.rate(mean, data.get("answers", {}).get(code), [answers])
        order += [mean, answers]
    return _apply(data, rule, order)


def for_display(data: dict) -> dict:
    """The bilan as renderers show it: each suppressed value is `HIDDEN` (« < 5 »), other None stay None
    (a mean of no answer, « – »). The bilan of staff and coordinators, with nothing suppressed, is returned as is."""
    if not data or not data.get("suppressed"):
        return data
    shown = copy.deepcopy(data)
    for path in data["suppressed"]:
        container, key = _locate(shown, path)
        container[key] = HIDDEN
    return shown


def is_shown(value) -> bool:
    """A number a renderer can compute with (not hidden, not missing)."""
    return isinstance(value, int | float) and not isinstance(value, bool)
