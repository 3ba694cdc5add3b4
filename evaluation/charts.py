"""The bilan's charts and map as SVG documents (str) to inline in HTML pages and in the PDF.

Drawn with matplotlib's object API (`Figure`, never pyplot, which keeps global figures). Every chart reads well
printed in black and white: greys only, shapes rather than colours for the previous season and the QPV, and the
figures written next to the bars in French (`formatting`). Text stays text in the SVG, so the PDF can be searched
and copied from.

rcParams are process-wide and `rc_context` changes them for every thread, so one chart renders at a time
(`_LOCK`); a chart takes tens of milliseconds, the map a few hundred.
"""

import functools
import gzip
import hashlib
import io
import json
import math
import re
import textwrap
import threading
from contextlib import contextmanager
from xml.sax.saxutils import escape, quoteattr

import matplotlib
import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path
from matplotlib.textpath import TextToPath

from evaluation.suppression import Hidden, is_shown
from sessions_app.models import Profile
from smdq.formatting import fr_int, fr_mean, fr_pct, french_key
from territories.models import QPV

GEOJSON = settings.BASE_DIR / "fixtures" / "geo" / "departements.geojson.gz"

# Sizes in inches: the charts are drawn at the width of the A4 report's text (174 mm), so that 8.5 pt
# in the chart prints as 8.5 pt; on screen the SVG scales to its container (width="100%").
WIDTH = 6.85
FONT_SIZE = 8.5
SMALL_SIZE = 7.5
LABEL_WRAP = 40  # characters per line of an item or category label

INK = "#1a1a1a"
MUTED = "#595959"  # small text: 7:1 contrast on white
BAR = "#8c8c8c"
RULE = "#bfbfbf"

RC = {
    "svg.fonttype": "none",  # <text> elements, not glyph outlines
    "svg.hashsalt": "smdq",  # stable ids, so the same figures give the same SVG
    "font.family": "DejaVu Sans",
    "font.size": FONT_SIZE,
    "text.color": INK,
    "axes.edgecolor": RULE,
    "axes.linewidth": 0.6,
    "xtick.color": RULE,
    "xtick.labelcolor": MUTED,
    "xtick.labelsize": SMALL_SIZE,
    "ytick.labelcolor": INK,
    "ytick.labelsize": FONT_SIZE,
    "legend.fontsize": SMALL_SIZE,
    "legend.title_fontsize": FONT_SIZE,
}
_LOCK = threading.Lock()
_TEXT = TextToPath()


@contextmanager
def _drawing():
    with _LOCK, matplotlib.rc_context(RC):
        yield


def _labels_width(labels: list[str]) -> float:
    """Width in inches of the longest line of these labels in the charts' font (call it under `_LOCK`)."""
    font = FontProperties(family="DejaVu Sans", size=FONT_SIZE)
    return max(
        _TEXT.get_text_width_height_descent(line, font, ismath=False)[0] / 72
        for label in labels
        for line in label.split("\n")
    )


def _wrap(label: str) -> str:
    return textwrap.fill(label, LABEL_WRAP, break_long_words=False, break_on_hyphens=False)


def _capitalise(label: str) -> str:
    return label[:1].upper() + label[1:]


# SVG output ----------------------------------------------------------------------------------------------------
_PROLOG = re.compile(r"^.*?(?=<svg\b)", re.S)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.S)
_GLOBAL_STYLE = re.compile(r"\s*<defs>\s*<style type=\"text/css\">[^<]*</style>\s*</defs>")
_PATH_DATA = re.compile(r'\bd="([^"]*)"')
_NUMBER = re.compile(r"-?\d+\.\d+")
_REFERENCE = re.compile(r'(?:url\(#|xlink:href="#)([^")]+)')
_ID = re.compile(r'\s+id="([^"]*)"')
_VIEWBOX = re.compile(r'viewBox="([^"]*)"')
_GROUP_WITH_TOOLTIP = re.compile(r'<g id="tip-([^"]*)">')
_GROUP_TAG = re.compile(r"<g\b[^>]*>|</g>")


def _without_bare_groups(svg: str) -> str:
    """`svg` without the groups that have no attribute: matplotlib wraps every artist in one, half the
    elements of a chart, which change nothing drawn but that a browser and the PDF's layout (its styles computed
    for every element) pay for."""
    opened, dropped = [], []
    for tag in _GROUP_TAG.finditer(svg):
        if tag.group().endswith("/>"):  # empty: nothing to keep if bare
            if tag.group() == "<g/>":
                dropped.append(tag.span())
        elif tag.group() == "</g>":
            if opened.pop():
                dropped.append(tag.span())
        else:
            bare = tag.group() == "<g>"
            opened.append(bare)
            if bare:
                dropped.append(tag.span())
    kept, position = [], 0
    for start, end in sorted(dropped):
        kept.append(svg[position:start])
        position = end
    kept.append(svg[position:])
    return "".join(kept)


_USE = re.compile(r"<use [^>]*>")
_STYLE = re.compile(r' style="([^"]*)"')
# Every property matplotlib writes in style="" has an SVG presentation attribute: as attributes, WeasyPrint
# applies them without logging each as an unknown CSS property (a thousand lines per PDF otherwise).
PRESENTATION = {
    "clip-path",
    "fill",
    "fill-opacity",
    "fill-rule",
    "font-family",
    "font-size",
    "font-style",
    "font-weight",
    "opacity",
    "stroke",
    "stroke-dasharray",
    "stroke-dashoffset",
    "stroke-linecap",
    "stroke-linejoin",
    "stroke-miterlimit",
    "stroke-opacity",
    "stroke-width",
    "text-anchor",
}
# A group of markers (the map's QPV dots) which all carry the same style: written once, on the group.
_MARKERS = re.compile(
    r'<g((?: clip-path="[^"]*")?)>((?:\s*<use [^>]*? style="([^"]*)"/>)(?:\s*<use [^>]*? style="\3"/>)*)(\s*</g>)'
)


def _shared_style(match: re.Match) -> str:
    uses = match.group(2).replace(f' style="{match.group(3)}"', "")
    return f'<g{match.group(1)} style="{match.group(3)}">{uses}{match.group(4)}'


def _attributes(match: re.Match) -> str:
    declarations = [part.split(":", 1) for part in match.group(1).split(";") if ":" in part]
    attributes, rest = [], []
    for name, value in ((name.strip(), value.strip()) for name, value in declarations):
        if name in PRESENTATION:
            attributes.append(f" {name}={quoteattr(value)}")
        else:
            rest.append(f"{name}: {value}")
    return "".join(attributes) + (' style="{}"'.format("; ".join(rest)) if rest else "")


def _round(match: re.Match) -> str:
    text = f"{float(match.group()):.1f}"
    text = text[:-2] if text.endswith(".0") else text
    return "0" if text == "-0" else text


def _short_path(match: re.Match) -> str:
    return 'd="{}"'.format(" ".join(_NUMBER.sub(_round, match.group(1)).split()))


class Chart(str):
    """An SVG chart: the <svg> element as a str, which also carries its figures as a table (`columns`, `rows` of
    text, first column the label), for a text alternative next to it: in the tagged PDF each label is read with
    its value, where the SVG's own text gives all the labels, then all the values."""

    columns: tuple = ()
    rows: tuple = ()


def _finish(
    fig: Figure,
    *,
    title: str,
    description: str,
    tooltips: dict[str, str] | None = None,
    table: tuple[tuple, list] | None = None,
) -> Chart:
    """The figure as an <svg> element to inline in HTML: no XML prolog, no document-wide <style>,
    ids unique to this chart, width="100%" with the viewBox kept, and a French title and description.
    `table`, (column headings, rows), is the same figures as text."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg")
    svg = _PROLOG.sub("", buffer.getvalue().decode("utf-8"), count=1)
    svg = _METADATA.sub("", svg, count=1)
    # matplotlib's `*{stroke-linejoin: round}` would style every SVG of the HTML page: the root's
    # presentation attributes below give the same result, for this chart only.
    svg = _GLOBAL_STYLE.sub("", svg, count=1)
    svg = _PATH_DATA.sub(_short_path, svg)  # 1/10 pt is finer than any screen or printer shows
    svg = _USE.sub(lambda m: _NUMBER.sub(_round, m.group()), svg)  # marker positions too
    svg = _MARKERS.sub(_shared_style, svg)
    svg = svg.replace("font-family: 'DejaVu Sans'", "font-family: 'DejaVu Sans', Verdana, sans-serif")
    svg = _STYLE.sub(_attributes, svg)
    tooltips = tooltips or {}
    svg = _GROUP_WITH_TOOLTIP.sub(
        lambda m: (
            f'<g class="departement" data-code="{escape(m.group(1))}">'
            f"<title>{escape(tooltips.get(m.group(1), ''))}</title>"
        ),
        svg,
    )
    # matplotlib names every group (figure_1, patch_3…): in a page holding several charts those ids would
    # repeat. Keep only the ids something refers to, prefixed with this chart's fingerprint.
    referenced = set(_REFERENCE.findall(svg))
    svg = _without_bare_groups(_ID.sub(lambda m: m.group(0) if m.group(1) in referenced else "", svg))
    prefix = "c" + hashlib.sha256(svg.encode()).hexdigest()[:8] + "-"
    svg = _ID.sub(lambda m: f' id="{prefix}{m.group(1)}"', svg)
    svg = _REFERENCE.sub(lambda m: m.group(0).replace("#", "#" + prefix), svg)
    viewbox = _VIEWBOX.search(svg).group(1)
    opening = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1" '
        f'viewBox="{viewbox}" width="100%" class="bilan-chart" role="img" aria-label={quoteattr(title)} '
        'stroke-linejoin="round" stroke-linecap="butt">'
        f"<title>{escape(title)}</title><desc>{escape(description)}</desc>"
    )
    chart = Chart(opening + svg[svg.index(">") + 1 :].strip() + "\n")
    if table:
        chart.columns, chart.rows = tuple(table[0]), tuple(tuple(row) for row in table[1])
    return chart


def _empty_chart(title: str, message: str) -> str:
    with _drawing():
        fig = Figure(figsize=(WIDTH, 0.5))
        fig.text(0.01, 0.5, message, va="center", color=MUTED, style="italic")
        return _finish(fig, title=title, description=message)


# Horizontal bars -------------------------------------------------------------------------------------------------
def _layout(fig: Figure, rows: int, pitch: float, *, left: float, right: float, top: float, bottom: float):
    """Axes placed in inches inside a figure whose height is computed from the number of rows."""
    height = top + rows * pitch + bottom
    fig.set_size_inches(WIDTH, height)
    ax = fig.add_axes((left / WIDTH, bottom / height, (WIDTH - left - right) / WIDTH, rows * pitch / height))
    ax.set_ylim(rows - 0.5, -0.5)  # first row at the top
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0, pad=6)
    return ax


ITEMS_RIGHT = 1.55  # inches right of the scale's end, for « 4,8/5  1 234 réponses »
MARKER = 5.5  # points: the previous season's hollow diamond

GROUP_TITLES = {
    "satisfaction": gettext_lazy("Satisfaction des participant·es"),
    "capacites": gettext_lazy("Capacités des participant·es à l'issue de la séance"),
    "engagement": gettext_lazy("Engagement des participant·es"),
}


def items_chart(items: dict, group: str, previous: dict | None = None, legend: tuple[str, str] | None = None) -> str:
    """One bar per question of `group` (« satisfaction », « capacites », « engagement »): its mean on the scale,
    written « 4,5/5 », with its number of answers. `previous`, the items of the compared season, adds a
    marker at each earlier mean; `legend` names the two seasons (bilan.comparison_legend). A mean the engine hid
    from the funder (`Hidden`) is written, not drawn."""
    shown_label, earlier_label = legend or (_("période affichée"), _("période comparée"))
    rows = [(code, item) for code, item in items.items() if item.get("group") == group]
    title = _("{group}, moyenne par question").format(group=GROUP_TITLES.get(group, group))
    if not rows:
        return _empty_chart(title, _("Aucune question dans ce groupe."))
    scale = max(item["scale"] for _code, item in rows)
    labels = [_wrap(item["label"]) for _code, item in rows]
    earlier = {
        code: (previous or {}).get(code, {}).get("mean")
        for code, _item in rows
        if is_shown((previous or {}).get(code, {}).get("mean"))
    }
    lines = max(label.count("\n") + 1 for label in labels)
    pitch = max(0.34, 0.15 * lines + 0.14)
    summary = []
    table = []
    with _drawing():
        left = max(2.6, _labels_width(labels) + 0.15)  # the three groups' bars start at the same place
        fig = Figure()
        ax = _layout(fig, len(rows), pitch, left=left, right=ITEMS_RIGHT, top=0.32 if earlier else 0.08, bottom=0.42)
        ax.set_xlim(0, scale)
        ax.set_xticks(range(1, scale + 1), [str(n) for n in range(1, scale + 1)])
        ax.set_xlabel(_("moyenne, de 1 à {scale}").format(scale=scale), fontsize=SMALL_SIZE, color=MUTED, labelpad=3)
        ax.set_yticks(range(len(rows)), labels)
        ax.grid(axis="x", color="#d9d9d9", linewidth=0.5)
        ax.set_axisbelow(True)
        thickness = min(0.62, 0.2 / pitch)
        marker_radius = (MARKER / 2 + 0.5) / 72 * scale / (WIDTH - left - ITEMS_RIGHT)  # in units of the scale
        for y, (code, item) in enumerate(rows):
            mean, answers = item["mean"], item["answers"]
            if isinstance(mean, Hidden):
                hidden = _("moyenne masquée ({answers})").format(answers=_answers(answers))
                ax.annotate(
                    hidden,
                    xy=(0, y),
                    xytext=(4, 0),
                    textcoords="offset points",
                    va="center",
                    color=MUTED,
                    style="italic",
                )
                summary.append(item["label"] + _colon(item["label"]) + hidden)
                continue
            if mean is None or not answers:
                ax.annotate(
                    _("sans réponse"),
                    xy=(0, y),
                    xytext=(4, 0),
                    textcoords="offset points",
                    va="center",
                    color=MUTED,
                    style="italic",
                )
                summary.append(item["label"] + _colon(item["label"]) + _("sans réponse"))
                table.append((item["label"], _("sans réponse"), "", ""))
                continue
            ax.barh(y, mean, height=thickness, color=BAR, linewidth=0)
            end = mean
            text = "{label}{colon}{mean} ({answers})".format(
                label=item["label"],
                colon=_colon(item["label"]),
                mean=fr_mean(mean, item["scale"]),
                answers=_answers(answers),
            )
            if code in earlier:
                ax.plot(earlier[code], y, marker="D", markersize=MARKER, mfc="white", mec=INK, mew=0.9, ls="none")
                end = max(end, earlier[code] + marker_radius)  # the value is written after the marker too
                text += ", {label}{colon}{mean}".format(
                    label=earlier_label, colon=_colon(earlier_label), mean=fr_mean(earlier[code], item["scale"])
                )
            summary.append(text)
            previous_mean = fr_mean(earlier[code], item["scale"]) if code in earlier else ""
            table.append((item["label"], fr_mean(mean, item["scale"]), _answers(answers), previous_mean))
            value = ax.annotate(
                fr_mean(mean, item["scale"]),
                xy=(end, y),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontweight="bold",
                annotation_clip=False,
            )
            ax.annotate(
                _answers(answers),
                xy=(1, 0.5),
                xycoords=value,
                xytext=(5, 0),
                textcoords="offset points",
                va="center",
                color=MUTED,
                fontsize=SMALL_SIZE,
            )
        if earlier:
            marker = Line2D([], [], marker="D", markersize=MARKER, mfc="white", mec=INK, mew=0.9, ls="none")
            ax.legend(
                [Patch(color=BAR), marker],
                [shown_label, earlier_label],
                loc="lower left",
                bbox_to_anchor=(0, 1.0),
                ncols=2,
                frameon=False,
                borderaxespad=0.2,
                handlelength=1.4,
                handleheight=0.8,
            )
        columns = [_("Question"), _("Moyenne"), _("Réponses"), earlier_label[:1].upper() + earlier_label[1:]]
        if not earlier:
            columns, table = columns[:3], [row[:3] for row in table]
        return _finish(fig, title=title, description=" ; ".join(summary) + ".", table=(columns, table))


def _agreement(count: int) -> int:
    """The number to give ngettext for French agreement: 0 takes the singular (« 0 séance ») in French, while
    ngettext without a catalog applies the English rule (« 0 séances »)."""
    return 1 if count < 2 else count


def _colon(label: str) -> str:
    return " " if label.endswith("?") else " : "  # « …dans le quartier ? 3/4 », not « ? : 3/4 »


def _answers(answers) -> str:
    if isinstance(answers, Hidden):  # « < 5 réponses », plural whatever the hidden count
        return ngettext("{n} réponse", "{n} réponses", 5).format(n=answers)
    return ngettext("{n} réponse", "{n} réponses", _agreement(answers)).format(n=fr_int(answers))


def _shown_or_hidden(value, fmt) -> str:
    return value if isinstance(value, Hidden) else fmt(value)


def _hbar_chart(
    rows: list[tuple[str, float | None, str]], *, title: str, description: str, note: str = "", columns: tuple = ()
) -> Chart:
    """Bars for shares (percentages): one row per (label, value, text written after the bar), in that order.
    `columns` names the label's and the text's columns of the chart's table."""
    labels = [_wrap(label) for label, _value, _text in rows]
    lines = max(label.count("\n") + 1 for label in labels)
    pitch = max(0.27, 0.15 * lines + 0.1)
    with _drawing():
        left = max(2.2, _labels_width(labels) + 0.15)
        fig = Figure()
        ax = _layout(fig, len(rows), pitch, left=left, right=1.3, top=0.06, bottom=0.3 if note else 0.06)
        largest = max((value or 0) for _label, value, _text in rows)
        ax.set_xlim(0, largest or 1)
        ax.set_yticks(range(len(rows)), labels)
        ax.xaxis.set_visible(False)
        ax.spines["bottom"].set_visible(False)
        ax.axvline(0, color=INK, linewidth=0.6)
        for y, (_label, value, text) in enumerate(rows):
            if value:
                ax.barh(y, value, height=min(0.66, 0.18 / pitch), color=BAR, linewidth=0)
            ax.annotate(
                text, xy=(value or 0, y), xytext=(4, 0), textcoords="offset points", va="center", annotation_clip=False
            )
        if note:
            fig.text(0.15 / WIDTH, 0.08 / fig.get_figheight(), note, color=MUTED, fontsize=SMALL_SIZE, va="bottom")
        table = (columns, [(label, text) for label, _value, text in rows]) if columns else None
        return _finish(fig, title=title, description=description, table=table)


def needs_chart(needs: dict) -> str:
    """The categories of the expressed needs, largest first, written « 28 % (280) »; shares are of the
    categorised needs, as in the engine. What the engine hid from the funder reads « < 5 », after the rest."""
    title = _("Besoins exprimés par catégorie")
    # Stable: ties keep the bilan's order; hidden counts come last, in that order (their rank would tell).
    categories = sorted(
        needs["categories"].items(),
        key=lambda pair: (not is_shown(pair[1]["count"]), -pair[1]["count"] if is_shown(pair[1]["count"]) else 0),
    )
    if not categories:
        return _empty_chart(title, _("Aucune catégorie de besoins."))
    rows = [
        (
            category.get("label", code),
            category["pct"] if is_shown(category["pct"]) else None,
            "{} ({})".format(_shown_or_hidden(category["pct"], fr_pct), _shown_or_hidden(category["count"], fr_int)),
        )
        for code, category in categories
    ]
    uncategorised = needs["uncategorised"]
    # The engine's own figure, suppressed for the funder like any count: never total − uncategorised, which
    # would print a number of 1 to 4 needs that the engine hid.
    categorised = needs.get("categorised")
    if is_shown(categorised):
        notes = [
            ngettext(
                "Parts calculées sur {n} besoin catégorisé",
                "Parts calculées sur {n} besoins catégorisés",
                _agreement(categorised),
            ).format(n=fr_int(categorised))
        ]
    else:  # the number of categorised needs would give the hidden one away
        notes = [_("Parts calculées sur les besoins catégorisés")]
    if isinstance(uncategorised, Hidden):
        notes.append(ngettext("{n} besoin non catégorisé", "{n} besoins non catégorisés", 5).format(n=uncategorised))
    elif uncategorised:
        notes.append(
            ngettext("{n} besoin non catégorisé", "{n} besoins non catégorisés", _agreement(uncategorised)).format(
                n=fr_int(uncategorised)
            )
        )
    note = " ; ".join(notes) + "."
    description = " ; ".join(f"{label} : {text}" for label, _value, text in rows) + ". " + note
    columns = (_("Catégorie"), _("Part (nombre de besoins)"))
    return _hbar_chart(rows, title=title, description=description, note=note, columns=columns)


def profile_label(code: str) -> str:
    try:
        return _capitalise(str(Profile(code).label))
    except ValueError:  # a code of an older import, no longer in the list
        return code


def profile_chart(profile: dict) -> str:
    """The participants' profiles, largest share first, written « 40 % »."""
    title = _("Profils des participant·es, en part des participant·es au profil renseigné")
    shares = [(profile_label(code), pct) for code, pct in profile["categories"].items() if pct is not None]
    if not shares:
        return _empty_chart(title, _("Aucun profil renseigné."))
    # Shares hidden from the funder come last, by name (their rank would tell their size).
    shares.sort(key=lambda pair: (not is_shown(pair[1]), -pair[1] if is_shown(pair[1]) else 0, french_key(pair[0])))
    rows = [(label, pct if is_shown(pct) else None, _shown_or_hidden(pct, fr_pct)) for label, pct in shares]
    description = " ; ".join(f"{label} : {text}" for label, _value, text in rows) + "."
    return _hbar_chart(rows, title=title, description=description, columns=(_("Profil"), _("Part")))


# Map -------------------------------------------------------------------------------------------------------------
METROPOLE = (-5.5, 10.0, 41.0, 51.5)  # lon min, lon max, lat min, lat max
OVERSEAS = [("971", "Guadeloupe"), ("972", "Martinique"), ("973", "Guyane"), ("974", "La Réunion"), ("976", "Mayotte")]
PARIS = ["75", "92", "93", "94"]  # zoomed on: 162 QPV of the 2024 list, within 2 cm of the main map
PARIS_REGION = ["75", "77", "78", "91", "92", "93", "94", "95"]
MAP_HEIGHT = 6.2  # inches of the main map
INSET_HEIGHT = 1.05
INSET_TITLE = 0.2
FOOTER = 0.34
PARIS_BOX = (WIDTH - 1.42, 0.98, 1.36)  # left, height, width (inches), at the top right, over Belgium and Germany
SIMPLIFY_PT = 1.0  # outline details smaller than this (in points, at print size) are dropped
EDGE = "#666666"
DOT = 3.0  # diameter in points of a QPV on the map
DOT_MERGE = 1.0  # dots whose centres fall in the same cell of one dot are drawn once
GREYS = {1: ["#8c8c8c"], 2: ["#bfbfbf", "#595959"], 3: ["#d4d4d4", "#8c8c8c", "#404040"]}
GREYS[4] = ["#d9d9d9", "#a6a6a6", "#737373", "#404040"]


def _aspect(latitude: float) -> float:
    return 1 / math.cos(math.radians(latitude))


def _simplify(ring: np.ndarray, tolerance: float, x_scale: float) -> np.ndarray:
    """Douglas–Peucker on a closed ring (first point = last point), distances in isotropic units."""
    points = ring * (x_scale, 1.0)
    keep = np.zeros(len(ring), dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(ring) - 1)]
    while stack:
        first, last = stack.pop()
        if last - first < 2:
            continue
        start, chord = points[first], points[last] - points[first]
        inner = points[first + 1 : last] - start
        length = math.hypot(*chord)
        if length:
            distances = np.abs(chord[0] * inner[:, 1] - chord[1] * inner[:, 0]) / length
        else:  # the closed ring's first split: distance to the starting point
            distances = np.hypot(inner[:, 0], inner[:, 1])
        farthest = int(np.argmax(distances))
        if distances[farthest] > tolerance:
            middle = first + 1 + farthest
            keep[middle] = True
            stack += [(first, middle), (middle, last)]
    return ring[keep]


def _oriented(ring: np.ndarray, counter_clockwise: bool) -> np.ndarray:
    x, y = ring[:, 0], ring[:, 1]
    area = np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1])
    return ring if (area > 0) == counter_clockwise else ring[::-1]


@functools.cache
def _features() -> dict[str, tuple[str, list]]:
    """INSEE code → (name, polygons as lists of rings, each an array of (longitude, latitude))."""
    with gzip.open(GEOJSON, "rt", encoding="utf-8") as file:
        features = json.load(file)["features"]
    outlines = {}
    for feature in features:
        shape = feature["geometry"]
        polygons = [shape["coordinates"]] if shape["type"] == "Polygon" else shape["coordinates"]
        outlines[feature["properties"]["insee_dep"]] = (
            feature["properties"]["lib_dep"],
            [[np.asarray(ring, dtype=float) for ring in polygon] for polygon in polygons],
        )
    return outlines


def _outline(polygons: list, points_per_degree: float) -> Path:
    """One compound Path (holes turning the other way, for the non-zero fill rule), simplified to that scale."""
    middle = np.mean([ring[:, 1].mean() for polygon in polygons for ring in polygon])
    x_scale = 1 / _aspect(middle)
    tolerance = SIMPLIFY_PT / points_per_degree
    vertices, codes = [], []
    for polygon in polygons:
        for index, ring in enumerate(polygon):
            simple = _simplify(ring, tolerance, x_scale)
            if len(simple) < 4:  # an islet smaller than the tolerance
                continue
            vertices.append(_oriented(simple, counter_clockwise=index == 0))
            codes.append([Path.MOVETO] + [Path.LINETO] * (len(simple) - 2) + [Path.CLOSEPOLY])
    return Path(np.concatenate(vertices), np.concatenate(codes))


def _fitted_extent(bounds, box_width: float, box_height: float):
    """(lon min, lon max, lat min, lat max) around `bounds` (x0, y0, x1, y1) with a 5 % margin, widened to fill a
    box of that size (inches); with the aspect to draw it at and the scale in points per degree of latitude."""
    x0, y0, x1, y1 = bounds
    aspect = _aspect((y0 + y1) / 2)
    width, height = (x1 - x0) * 1.1, (y1 - y0) * 1.1
    if width / (height * aspect) < box_width / box_height:
        width = height * aspect * box_width / box_height
    else:
        height = width * box_height / (box_width * aspect)
    x, y = (x0 + x1) / 2, (y0 + y1) / 2
    return (x - width / 2, x + width / 2, y - height / 2, y + height / 2), aspect, box_height * 72 / height


def _bounds(polygons: list) -> tuple[float, float, float, float]:
    every = np.concatenate([ring for polygon in polygons for ring in polygon])
    return (*every.min(axis=0), *every.max(axis=0))


def _inset_boxes() -> list[tuple[float, float, float, float]]:
    """(left, bottom, width, height) in inches of the overseas insets, in a row under the main map."""
    width = WIDTH / len(OVERSEAS)
    return [(i * width + 0.06, FOOTER, width - 0.12, INSET_HEIGHT) for i in range(len(OVERSEAS))]


@functools.cache
def map_layers() -> list[tuple[str, tuple, float, dict[str, tuple[str, Path]]]]:
    """The map's panes: (name, extent, aspect, {INSEE code: (name, outline)}), outlines simplified for the scale
    each pane is drawn at. Built once per process (about 0.3 s): of the file's 50,000 points the map keeps a fifth.
    """
    features = _features()
    metropolitan = [code for code in features if len(code) == 2]
    extent = METROPOLE
    scale = MAP_HEIGHT * 72 / (extent[3] - extent[2])
    layers = [
        (
            "",
            extent,
            _aspect(46),
            {code: (features[code][0], _outline(features[code][1], scale)) for code in metropolitan},
        )
    ]
    for (code, name), (_left, _bottom, box_width, box_height) in zip(OVERSEAS, _inset_boxes(), strict=True):
        extent, aspect, scale = _fitted_extent(_bounds(features[code][1]), box_width, box_height)
        layers.append((name, extent, aspect, {code: (features[code][0], _outline(features[code][1], scale))}))
    _left, box_height, box_width = PARIS_BOX
    bounds = np.array([_bounds(features[code][1]) for code in PARIS])
    extent, aspect, scale = _fitted_extent(
        (*bounds[:, :2].min(axis=0), *bounds[:, 2:].max(axis=0)), box_width, box_height
    )
    outlines = {code: (features[code][0], _outline(features[code][1], scale)) for code in PARIS_REGION}
    layers.append(("Paris et petite couronne", extent, aspect, outlines))
    return layers


def _classes(counts: list[int]) -> list[tuple[int, int]]:
    """Up to 4 classes (low, high) of positive counts: one per value up to 4, quartile limits above."""
    positive = sorted(n for n in counts if n > 0)
    if not positive:
        return []
    highest = positive[-1]
    if highest <= 4:
        return [(n, n) for n in range(1, highest + 1)]
    cuts = sorted({int(np.quantile(positive, q)) for q in (0.25, 0.5, 0.75)} - {0})
    classes, low = [], 1
    for high in [cut for cut in cuts if cut < highest] + [highest]:
        classes.append((low, high))
        low = high + 1
    return classes


def _class_label(low: int, high: int) -> str:
    return fr_int(low) if low == high else _("{low} à {high}").format(low=fr_int(low), high=fr_int(high))


DOT_STYLE = {"ls": "none", "marker": "o", "ms": DOT, "mfc": INK, "mec": "white", "mew": 0.4}


def _merged_dots(points: np.ndarray, extent, aspect: float, box_height: float) -> np.ndarray:
    """The QPV dots of a pane, one per cell of DOT_MERGE × DOT points at print size: dots closer than that overlap
    on paper anyway, and each dot drawn is path data the PDF's layout parses and draws (a national map: 1,584 QPV,
    many in the same towns)."""
    if not len(points):
        return points
    x0, _x1, y0, y1 = extent
    per_degree = box_height * 72 / (y1 - y0)  # points of print per degree of latitude
    cells = np.column_stack(((points[:, 0] - x0) * per_degree / aspect, (points[:, 1] - y0) * per_degree))
    _cells, first = np.unique(np.floor(cells / (DOT * DOT_MERGE)), axis=0, return_index=True)
    return points[np.sort(first)]


def _dots_path(points: np.ndarray):
    """The dots of a pane as one compound path of zero-length segments, drawn with round caps (a dot the width of
    the line, round on paper whatever the pane's aspect, in PDF as in SVG): 4 numbers a dot where a circle of four
    Bézier arcs takes 26, drawn twice (its ring, then the dot: a national map's path data 29,650 → 15,790 numbers,
    which WeasyPrint parses and draws one by one)."""
    if not len(points):
        return None
    vertices = np.repeat(points, 2, axis=0)
    path = Path(vertices, [Path.MOVETO, Path.LINETO] * len(points))
    path.should_simplify = False  # matplotlib would drop the segments as too short to see
    return path


def france_map(departments: list[dict], qpv_points: list[tuple[float, float]]) -> str:
    """France by département, in greys by number of held sessions, with the QPV covered as dots.

    `departments` are the bilan's breakdown rows (code, label, sessions); `qpv_points` the (longitude,
    latitude) of the QPV covered (`qpv_points_for`). The overseas départements are drawn in insets, each at
    its own scale, Paris and its inner suburbs in a zoom; QPV of the overseas collectivities (Polynésie
    française…), which the map does not show, are counted in a note.
    """
    metropole, *overseas, paris = map_layers()
    drawn = {code for *_pane, outlines in (metropole, *overseas) for code in outlines}
    sessions = {row["code"]: row["sessions"] for row in departments}
    labels = {row["code"]: row["label"] for row in departments}
    classes = _classes([count for code, count in sessions.items() if code in drawn])
    greys = GREYS.get(len(classes), [])

    def fill(count: int) -> str:
        for (low, high), grey in zip(classes, greys, strict=True):
            if low <= count <= high:
                return grey
        return "#ffffff"

    lon_min, lon_max, lat_min, lat_max = METROPOLE
    main_width = MAP_HEIGHT * (lon_max - lon_min) / _aspect(46) / (lat_max - lat_min)
    height = MAP_HEIGHT + INSET_TITLE + INSET_HEIGHT + FOOTER + 0.1
    points = np.asarray(qpv_points, dtype=float).reshape(-1, 2)
    shown = np.zeros(len(points), dtype=bool)
    tooltips = {}

    def pane(box, layer, *, title=None, frame=False):
        _name, extent, aspect, outlines = layer
        left, bottom, box_width, box_height = box
        ax = fig.add_axes((left / WIDTH, bottom / height, box_width / WIDTH, box_height / height))
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
        ax.set_aspect(aspect)
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(frame)
            spine.set_edgecolor(RULE)
        for code, (department, outline) in outlines.items():
            count = sessions.get(code, 0)
            label = labels.get(code, f"{department} ({code})")
            tooltips[code] = ngettext("{label} : {n} séance", "{label} : {n} séances", _agreement(count)).format(
                label=label, n=fr_int(count)
            )
            grey = fill(count)
            # Borders in white on the dark greys, where a grey line would vanish.
            edge = "#ffffff" if int(grey[1:3], 16) < 0x80 else EDGE
            # add_artist, not add_patch: the limits are set above, and add_patch would measure every outline's
            # curves to update them (a national season's map: 0.33 → 0.13 s, the same SVG).
            ax.add_artist(PathPatch(outline, facecolor=grey, edgecolor=edge, linewidth=0.35, gid=f"tip-{code}"))
        x0, x1, y0, y1 = extent
        inside = (points[:, 0] >= x0) & (points[:, 0] <= x1) & (points[:, 1] >= y0) & (points[:, 1] <= y1)
        shown[inside] = True
        dots = _dots_path(_merged_dots(points[inside], extent, aspect, box_height))
        if dots is not None:
            # A white ring under the dots, then the dots: each dot stands out from the greys and the borders. The
            # legend's marker (DOT_STYLE) strokes its edge across the dot's outline: the same sizes here.
            edge = DOT_STYLE["mew"]
            for colour, width in (("white", DOT + edge), (INK, DOT - edge)):
                ax.add_artist(PathPatch(dots, fill=False, edgecolor=colour, linewidth=width, capstyle="round"))
        if title:
            ax.set_title(title, fontsize=FONT_SIZE, pad=3)
        return ax

    with _drawing():
        fig = Figure(figsize=(WIDTH, height))
        main_bottom = FOOTER + INSET_HEIGHT + INSET_TITLE + 0.1
        pane(((WIDTH - main_width) / 2, main_bottom, main_width, MAP_HEIGHT), metropole)
        for box, layer in zip(_inset_boxes(), overseas, strict=True):
            pane(box, layer, title=layer[0])
        paris_left, paris_height, paris_width = PARIS_BOX
        paris_box = (paris_left, height - paris_height - INSET_TITLE - 0.04, paris_width, paris_height)
        pane(paris_box, paris, title=_("Paris et petite couronne"), frame=True)

        handles = [Patch(facecolor="#ffffff", edgecolor=EDGE, linewidth=0.4)]
        names = [_("aucune séance")]
        for (low, high), grey in zip(classes, greys, strict=True):
            handles.append(Patch(facecolor=grey, edgecolor=EDGE, linewidth=0.4))
            names.append(_class_label(low, high))
        handles.append(Line2D([], [], **DOT_STYLE))
        names.append(_("QPV couvert"))
        # In the Channel, where nothing is drawn (England is not).
        fig.legend(
            handles,
            names,
            title=_("Séances par département"),
            loc="upper left",
            bbox_to_anchor=(0.04 / WIDTH, (height - 0.05) / height),
            borderaxespad=0,
            frameon=False,
            alignment="left",
            handlelength=1.6,
            handleheight=1.0,
        )
        outside = int((~shown).sum())
        footer = [_("Sources : IGN, INSEE (contours), ANCT (QPV). Territoires d'outre-mer à des échelles différentes.")]
        if outside:
            # « QPV » is invariable: one sentence for 1 and for 12.
            footer.insert(0, _("+ {n} QPV dans les collectivités d'outre-mer").format(n=fr_int(outside)))
        fig.text(0.06 / WIDTH, 0.06 / height, "\n".join(footer), color=MUTED, fontsize=SMALL_SIZE, va="bottom")

        title = _("Carte de France des séances réalisées par département et des QPV couverts")
        rows = sorted(departments, key=lambda row: (-row["sessions"], row["label"]))
        description = _("Séances réalisées par département : {list}.").format(
            list=" ; ".join(f"{row['label']} : {fr_int(row['sessions'])}" for row in rows) or _("aucune")
        )
        description += " " + ngettext(
            "{n} QPV couvert, représenté par un point.",
            "{n} QPV couverts, représentés par des points.",
            _agreement(len(points)),
        ).format(n=fr_int(len(points)))
        if outside:
            description += " " + footer[0] + "."
        table = ((_("Département"), _("Séances réalisées")), [(row["label"], fr_int(row["sessions"])) for row in rows])
        return _finish(fig, title=title, description=description, tooltips=tooltips, table=table)


def qpv_points_for(sessions) -> list[tuple[float, float]]:
    """The distinct (longitude, latitude) of the QPV covered by `sessions` (a queryset), in one query."""
    return list(
        QPV.objects.filter(sessions__in=sessions, latitude__isnull=False, longitude__isnull=False)
        .order_by()
        .values_list("longitude", "latitude")
        .distinct()
    )


def drawn(draw: str, *args) -> str:
    """The chart `draw(*args)` (the name of a function of this module), kept in the cache by what it draws: the
    dashboard and the PDF draw the same charts from the same figures, so a funder's PDF asked after the dashboard
    finds its six charts drawn (0.5 to 0.7 s of the national season's PDF), and a write that leaves a chart's
    figures as they were (a typed sheet changes no map) finds it drawn too."""
    from django.core.cache import cache

    from evaluation.documents import FIGURES_CACHE_SECONDS  # kept as long as the figures they are drawn from

    key = "bilan:chart:" + hashlib.sha1(json.dumps([draw, args], sort_keys=True, default=str).encode()).hexdigest()
    return cache.get_or_set(key, lambda: globals()[draw](*args), FIGURES_CACHE_SECONDS)
