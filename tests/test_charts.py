"""The bilan's charts: inline SVG with the French figures as text, black and white only, and a fast map."""

import re
import threading
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import matplotlib
import pytest

from evaluation import charts
from evaluation.bilan import Scope, comparison_legend, compute_bilan
from evaluation.responses import Sheet, create_response
from evaluation.suppression import HIDDEN
from smdq.formatting import NBSP, THIN_NBSP
from tests.factories import AwarenessSessionFactory, ParticipantFactory

SVG = "{http://www.w3.org/2000/svg}"

ITEMS = {
    "sat_logistique": {
        "label": "Organisation logistique",
        "scale": 5,
        "mean": 4.5,
        "answers": 1234,
        "group": "satisfaction",
    },
    "sat_animation": {
        "label": "Qualité de l'animation",
        "scale": 5,
        "mean": 4.8,
        "answers": 1180,
        "group": "satisfaction",
    },
    "sat_duree": {"label": "Durée de l'animation", "scale": 5, "mean": None, "answers": 0, "group": "satisfaction"},
    "cap_posture": {
        "label": "Identifier des éléments de posture favorisant une approche déstigmatisante de la santé mentale",
        "scale": 4,
        "mean": 3.0,
        "answers": 3,
        "group": "capacites",
    },
    "eng_investir": {
        "label": "Souhaiteriez-vous vous investir pour la santé mentale dans le quartier ?",
        "scale": 4,
        "mean": 3.25,
        "answers": 1,
        "group": "engagement",
    },
}
NEEDS = {
    "total": 1042,
    "uncategorised": 42,
    "categorised": 1000,
    "categories": {
        "competences": {"count": 280, "pct": 28.0, "label": "Développement de compétences"},
        "actions": {"count": 160, "pct": 16.0, "label": "Développement d'actions"},
        "reseau": {"count": 100, "pct": 10.0, "label": "Travail en réseau"},
        "ressources_locales": {"count": 85, "pct": 8.5, "label": "Valorisation des ressources locales"},
        "connaissances": {"count": 375, "pct": 37.5, "label": "Renforcement des connaissances"},
        "prise_en_charge": {"count": 0, "pct": 0.0, "label": "Prise en charge / moyens dédiés"},
    },
}
PROFILE = {
    "women_pct": 80.0,
    "lives_in_qpv_pct": 23.0,
    "acts_in_qpv_pct": 54.0,
    "categories": {"elu": 20.0, "habitant": 45.5, "social": 34.5},
}
DEPARTMENTS = [
    {"code": "59", "label": "Nord (59)", "sessions": 12, "participants": 150, "responses": 80},
    {"code": "13", "label": "Bouches-du-Rhône (13)", "sessions": 3, "participants": 40, "responses": 20},
    {"code": "93", "label": "Seine-Saint-Denis (93)", "sessions": 1, "participants": 12, "responses": 9},
    {"code": "974", "label": "La Réunion (974)", "sessions": 2, "participants": 25, "responses": 10},
    {"code": "987", "label": "Polynésie française (987)", "sessions": 1, "participants": 9, "responses": 4},
]
LILLE, MARSEILLE, SAINT_DENIS_REUNION, PAPEETE = (3.06, 50.63), (5.37, 43.30), (55.45, -20.90), (-149.56, -17.53)


def texts(svg: str) -> list[str]:
    """The text of every <text> element, as a reader of the PDF could search it."""
    return ["".join(node.itertext()) for node in ET.fromstring(svg).iter(f"{SVG}text")]


def colours(svg: str) -> set[str]:
    return {colour.lower() for colour in re.findall(r"#[0-9a-fA-F]{6}\b", svg)}


def assert_inline_svg(svg: str, title_words: str):
    """An <svg> element to put in HTML as it is: no prolog, accessible, scalable, ids that resolve."""
    assert svg.startswith("<svg ") and svg.rstrip().endswith("</svg>")
    assert "<?xml" not in svg and "<!DOCTYPE" not in svg and "<metadata" not in svg
    root = ET.fromstring(svg)  # well-formed
    assert root.get("role") == "img" and title_words in root.get("aria-label")
    assert root.find(f"{SVG}title").text == root.get("aria-label")
    assert root.find(f"{SVG}desc").text
    assert root.get("width") == "100%" and root.get("height") is None
    assert len(root.get("viewBox").split()) == 4
    assert "<style" not in svg  # matplotlib's `*{…}` rule would style the whole HTML page
    assert " style=" not in svg  # presentation attributes, which WeasyPrint reads without a warning each
    ids = re.findall(r'\sid="([^"]+)"', svg)
    assert len(ids) == len(set(ids))
    assert set(re.findall(r'(?:url\(#|href="#)([^")]+)', svg)) <= set(ids)
    assert texts(svg) and svg.count("<text ") == svg.count("font-family=\"'DejaVu Sans', Verdana, sans-serif\"")
    assert all(group.attrib for group in root.iter(f"{SVG}g"))  # no bare group


def test_bare_groups_go_and_their_content_stays():
    """matplotlib wraps every artist in a group: those without attributes are dropped (half a chart's elements,
    which change nothing drawn), nested or empty, and their content kept in place."""
    svg = (
        '<svg><g><g clip-path="url(#a)"><g><path d="M 0 0"/></g><g/></g><text>A</text></g>'
        '<g class="departement"><title>Nord</title><g><path d="M 1 1"/></g></g></svg>'
    )
    assert charts._without_bare_groups(svg) == (
        '<svg><g clip-path="url(#a)"><path d="M 0 0"/></g><text>A</text>'
        '<g class="departement"><title>Nord</title><path d="M 1 1"/></g></svg>'
    )


def assert_black_and_white(svg: str):
    """Greys only: nothing on the chart relies on colour, so it prints the same on a black-and-white printer."""
    assert "rgb(" not in svg
    for colour in colours(svg):
        red, green, blue = colour[1:3], colour[3:5], colour[5:7]
        assert red == green == blue, colour


# Items ----------------------------------------------------------------------------------------------------------
def test_items_chart_writes_each_mean_and_its_answers_in_french():
    svg = charts.items_chart(ITEMS, "satisfaction")
    assert_inline_svg(svg, "Satisfaction")
    assert_black_and_white(svg)
    words = texts(svg)
    assert {"Organisation logistique", "Qualité de l'animation", "Durée de l'animation"} <= set(words)
    assert {"4,5/5", "4,8/5", f"1{THIN_NBSP}234 réponses", f"1{THIN_NBSP}180 réponses", "sans réponse"} <= set(words)
    assert "Identifier des éléments de posture" not in svg  # another group
    assert {"1", "2", "3", "4", "5"} <= set(words)  # integer ticks of the 1-5 scale
    # A bar per answered question, none for the one without answers; the values repeat in the description.
    assert svg.count(f'fill="{charts.BAR}"') == 2
    assert "Durée de l'animation : sans réponse" in svg and f"4,5/5 (1{THIN_NBSP}234 réponses)" in svg
    assert "période comparée" not in svg


def test_items_chart_wraps_long_labels_and_uses_the_scale_of_the_group():
    words = texts(charts.items_chart(ITEMS, "capacites"))
    assert "3/4" in words and "3 réponses" in words and "5" not in words
    lines = [w for w in words if "posture" in w or "déstigmatisante" in w or "santé mentale" in w]
    assert len(lines) >= 2 and all(len(line) <= charts.LABEL_WRAP for line in lines)
    engagement = texts(charts.items_chart(ITEMS, "engagement"))
    assert "1 réponse" in engagement and "3,2/4" in engagement  # 3,25 rounds half to even, as fr_mean does


def test_items_chart_marks_the_previous_season():
    previous = {code: {**item, "mean": item["mean"] and item["mean"] - 0.2} for code, item in ITEMS.items()}
    previous["sat_animation"]["mean"] = None  # not asked last season: no marker
    # A season that ended, compared with the one before: never « en cours » (bilan.comparison_legend).
    legend = comparison_legend({"comparison": {"season": "2024-2025", "label": "saison 2024-2025"}})
    svg = charts.items_chart(ITEMS, "satisfaction", previous, legend)
    assert {"saison 2025-2026", "saison 2024-2025"} <= set(texts(svg)) and "en cours" not in svg
    assert "saison 2024-2025 : 4,3/5" in svg
    # One hollow diamond on the first bar, one in the legend (markers are <use> of one shape).
    diamond = re.search(r'<path id="([^"]+)" d="M -?0 [\d.]+ L [\d.]+ 0 L 0 -[\d.]+ L -[\d.]+ -?0 z"', svg).group(1)
    assert svg.count(f'href="#{diamond}"') == 2
    assert_black_and_white(svg)


def test_items_chart_writes_what_the_engine_hid_and_hides_nothing_itself():
    # The funder's items: the engine hid the mean and answers of cap_posture (3 answers); the chart hides nothing.
    hidden = {**ITEMS, "cap_posture": {**ITEMS["cap_posture"], "mean": HIDDEN, "answers": HIDDEN}}
    words = texts(charts.items_chart(hidden, "capacites"))
    assert "moyenne masquée (< 5 réponses)" in words and "3 réponses" not in words
    assert "3 réponses" in texts(charts.items_chart(ITEMS, "capacites"))  # shown when the engine shows it
    previous = {code: {**item, "mean": HIDDEN} for code, item in ITEMS.items()}
    assert "période comparée" not in charts.items_chart(ITEMS, "satisfaction", previous)  # no hidden marker


def test_items_chart_of_an_empty_group_says_so():
    svg = charts.items_chart({}, "satisfaction")
    assert_inline_svg(svg, "Satisfaction")
    assert texts(svg) == ["Aucune question dans ce groupe."]


# Needs and profiles -----------------------------------------------------------------------------------------------
def test_needs_chart_sorts_categories_and_writes_share_and_count():
    svg = charts.needs_chart(NEEDS)
    assert_inline_svg(svg, "Besoins")
    assert_black_and_white(svg)
    words = texts(svg)
    assert f"28{NBSP}% (280)" in words and f"8,5{NBSP}% (85)" in words and f"0{NBSP}% (0)" in words
    labels = [w for w in words if w in {c["label"] for c in NEEDS["categories"].values()}]
    assert labels == [
        "Renforcement des connaissances",
        "Développement de compétences",
        "Développement d'actions",
        "Travail en réseau",
        "Valorisation des ressources locales",
        "Prise en charge / moyens dédiés",
    ]
    assert svg.count(f'fill="{charts.BAR}"') == 5  # no bar for the empty category
    note = next(w for w in words if w.startswith("Parts"))
    assert note == f"Parts calculées sur 1{THIN_NBSP}000 besoins catégorisés ; 42 besoins non catégorisés."


def test_needs_chart_without_uncategorised_or_any_categorised_need():
    complete = charts.needs_chart({**NEEDS, "total": 1000, "uncategorised": 0})
    assert "non catégorisé" not in complete
    nothing = {
        "total": 1,
        "uncategorised": 1,
        "categorised": 0,
        "categories": {"reseau": {"count": 0, "pct": None, "label": "Travail en réseau"}},
    }
    words = texts(charts.needs_chart(nothing))
    assert "– (0)" in words and "Parts calculées sur 0 besoin catégorisé ; 1 besoin non catégorisé." in words
    # The funder's needs: uncategorised hidden by the engine; the number of categorised needs would give it away.
    hidden = texts(charts.needs_chart({**NEEDS, "uncategorised": HIDDEN, "categorised": HIDDEN, "total": 1003}))
    assert "Parts calculées sur les besoins catégorisés ; < 5 besoins non catégorisés." in hidden
    assert f"28{NBSP}% (280)" in hidden
    categories = {**NEEDS["categories"], "reseau": {**NEEDS["categories"]["reseau"], "count": HIDDEN, "pct": HIDDEN}}
    words = texts(charts.needs_chart({**NEEDS, "categories": categories}))
    assert "< 5 (< 5)" in words
    labels = [w for w in words if w in {c["label"] for c in NEEDS["categories"].values()}]
    assert labels[-1] == "Travail en réseau"  # a hidden count comes last: its rank would tell its size


def test_needs_chart_never_works_out_the_categorised_needs_the_engine_hid():
    """The funder's chart once printed « 3 besoins catégorisés » as total − uncategorised: the figure is now the
    engine's own, hidden like any count of 1 to 4."""
    categories = {code: {**c, "count": HIDDEN, "pct": HIDDEN} for code, c in NEEDS["categories"].items()}
    needs = {"total": 20, "uncategorised": 17, "categorised": HIDDEN, "categories": categories}
    words = texts(charts.needs_chart(needs))
    note = next(w for w in words if w.startswith("Parts"))
    assert note == "Parts calculées sur les besoins catégorisés ; 17 besoins non catégorisés."
    assert not any("3 besoin" in w for w in words)


def test_profile_chart_uses_french_labels_largest_first():
    svg = charts.profile_chart(PROFILE)
    assert_inline_svg(svg, "Profils")
    assert_black_and_white(svg)
    words = texts(svg)
    assert [w for w in words if w in {"Habitant·e", "Social", "Élu·e"}] == ["Habitant·e", "Social", "Élu·e"]
    assert {f"45,5{NBSP}%", f"34,5{NBSP}%", f"20{NBSP}%"} <= set(words)
    assert "Femmes" not in svg and "80" not in " ".join(words)  # the chart is only the categories
    assert charts.profile_label("code_disparu") == "code_disparu"
    empty = charts.profile_chart({**PROFILE, "categories": {}})
    assert texts(empty) == ["Aucun profil renseigné."]


# Map --------------------------------------------------------------------------------------------------------------
def test_france_map_fills_departments_and_draws_the_qpv():
    charts.map_layers.cache_clear()
    charts._features.cache_clear()
    svg = charts.france_map(DEPARTMENTS, [LILLE, MARSEILLE, SAINT_DENIS_REUNION, PAPEETE])
    assert_inline_svg(svg, "Carte")
    assert_black_and_white(svg)
    codes = re.findall(r'<g class="departement" data-code="([0-9AB]+)">', svg)
    assert len({c for c in codes if len(c) == 2}) == 96 and {"971", "972", "973", "974", "976"} <= set(codes)
    assert codes.count("93") == 2  # the main map and the zoom on Paris
    words = texts(svg)
    assert {"Guadeloupe", "Martinique", "Guyane", "La Réunion", "Mayotte", "Paris et petite couronne"} <= set(words)
    assert {"Séances par département", "aucune séance", "1", "2", "3 à 5", "6 à 12", "QPV couvert"} <= set(words)
    assert "+ 1 QPV dans les collectivités d'outre-mer" in words  # Papeete

    # Lille, Marseille and Saint-Denis (La Réunion) as dots: one path a pane of zero-length segments drawn with round
    # caps, over the same path in white, wider (the ring); the legend's as a marker.
    def dots(colour, width):
        pattern = f'<path d="([^"]+)"[^>]*fill="none" stroke="{colour}" stroke-width="{width}"[^>]*round'
        return re.findall(pattern, svg)

    ink, rings = dots("#1a1a1a", "2.6"), dots("#ffffff", "3.4")  # as the legend's marker: 3 pt, a 0.4 pt white edge
    assert len(ink) == 2 and ink == rings
    segments = re.findall(r"M ([\d.]+ [\d.]+) L ([\d.]+ [\d.]+)", " ".join(ink))
    assert len(segments) == 3 and all(start == end for start, end in segments)
    dot = re.search(r'<path id="([^"]+)" d="M 0 1\.\d', svg).group(1)
    assert svg.count(f'href="#{dot}"') == 1
    assert "<title>Nord (59) : 12 séances</title>" in svg and "<title>Seine-Saint-Denis (93) : 1 séance</title>" in svg
    assert "<title>Cantal (15) : 0 séance</title>" in svg
    assert "Nord (59) : 12 ; Bouches-du-Rhône (13) : 3" in svg  # the description, for screen readers
    fills = dict(
        re.findall(r'data-code="(\d+)"><title>[^<]*</title>\s*<path d="[^"]*" [^>]*?fill="(#[0-9a-f]{6})"', svg)
    )
    assert fills["15"] == "#ffffff" and fills["59"] != fills["13"] != fills["15"]


def test_france_map_stays_small_with_many_qpv():
    # Its speed is the benchmarks' business (bench/bench_bilan.py); its size is checked here.
    svg = charts.france_map(DEPARTMENTS, [LILLE] * 1500)
    assert len(svg) < 400_000  # simplified outlines, coordinates to 1/10 pt
    empty = charts.france_map([], [])
    assert "aucune séance" in texts(empty) and "collectivités" not in empty


@pytest.mark.parametrize(
    ("counts", "classes"),
    [
        ([], []),
        ([0, 0], []),
        ([1, 2, 2], [(1, 1), (2, 2)]),
        ([4, 1], [(1, 1), (2, 2), (3, 3), (4, 4)]),
        ([1, 1, 1, 1, 30], [(1, 1), (2, 30)]),
        (list(range(1, 21)), [(1, 5), (6, 10), (11, 15), (16, 20)]),
    ],
)
def test_map_classes_are_contiguous_and_cover_every_count(counts, classes):
    assert charts._classes(counts) == classes


# Output ---------------------------------------------------------------------------------------------------------
def test_charts_are_deterministic_and_their_ids_do_not_collide_in_one_page():
    page = [
        charts.items_chart(ITEMS, "satisfaction"),
        charts.items_chart(ITEMS, "capacites"),
        charts.items_chart(ITEMS, "engagement"),
        charts.needs_chart(NEEDS),
        charts.profile_chart(PROFILE),
        charts.france_map(DEPARTMENTS, [LILLE]),
    ]
    assert charts.needs_chart(NEEDS) == page[3]  # cacheable: same figures, same SVG
    ids = [i for svg in page for i in re.findall(r'\sid="([^"]+)"', svg)]
    assert len(ids) == len(set(ids))


def test_charts_render_the_same_from_several_threads():
    expected = charts.items_chart(ITEMS, "satisfaction"), charts.needs_chart(NEEDS)
    fonttype = matplotlib.rcParams["svg.fonttype"]
    barrier = threading.Barrier(4)

    def render(_):
        barrier.wait()
        return charts.items_chart(ITEMS, "satisfaction"), charts.needs_chart(NEEDS)

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(render, range(4))) == [expected] * 4
    assert matplotlib.rcParams["svg.fonttype"] == fonttype  # the process-wide settings are left as they were


# From the database ------------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_qpv_points_for_held_sessions_in_one_query(clsm_a, clsm_b, django_assert_num_queries):
    from territories.models import QPV

    AwarenessSessionFactory(clsm=clsm_a, date=date(2023, 3, 12), held=True, qpv_codes=["QN05971M", "QN01330M"])
    AwarenessSessionFactory(clsm=clsm_b, date=date(2023, 5, 1), held=True, qpv_codes=["QN01330M"])
    AwarenessSessionFactory(clsm=clsm_a, date=date(2023, 6, 1), status="confirmee", qpv_codes=["QN05972M"])
    held = Scope.build(season="2022-2023").held_sessions()
    with django_assert_num_queries(1):
        points = charts.qpv_points_for(held)
    expected = QPV.objects.filter(code__in=["QN05971M", "QN01330M"]).values_list("longitude", "latitude")
    assert sorted(points) == sorted(expected) and len(points) == 2


@pytest.mark.django_db
def test_charts_of_a_computed_bilan(clsm_a, clsm_b):
    """The engine's output goes into the charts as it is."""
    s1 = AwarenessSessionFactory(clsm=clsm_a, date=date(2023, 3, 12), held=True, qpv_codes=["QN05971M"])
    s2 = AwarenessSessionFactory(clsm=clsm_b, date=date(2023, 5, 1), held=True)
    for session, profile in [(s1, "habitant"), (s1, "social"), (s2, "habitant"), (s2, "elu")]:
        ParticipantFactory(session=session, gender="femme", profile=profile)
    create_response(
        s1,
        Sheet(answers={"sat_logistique": 5, "cap_clsm": 3}, needs=[("Des formations", "competences")]),
        channel="papier",
    )
    create_response(s2, Sheet(answers={"sat_logistique": 4}, needs=[("Un lieu", None)]), channel="papier")
    scope = Scope.build(season="2022-2023")
    bilan = compute_bilan(scope)

    satisfaction = texts(charts.items_chart(bilan["items"], "satisfaction"))
    assert "Organisation logistique" in satisfaction and "4,5/5" in satisfaction and "2 réponses" in satisfaction
    assert texts(charts.items_chart(bilan["items"], "capacites")).count("sans réponse") == 3
    needs = texts(charts.needs_chart(bilan["needs"]))
    assert f"100{NBSP}% (1)" in needs and "Parts calculées sur 1 besoin catégorisé ; 1 besoin non catégorisé." in needs
    profile = texts(charts.profile_chart(bilan["profile"]))
    assert f"50{NBSP}%" in profile and "Habitant·e" in profile
    svg = charts.france_map(bilan["breakdown"]["departments"], charts.qpv_points_for(scope.held_sessions()))
    assert "<title>Nord (59) : 1 séance</title>" in svg and "<title>Bouches-du-Rhône (13) : 1 séance</title>" in svg
    assert "collectivités" not in svg
