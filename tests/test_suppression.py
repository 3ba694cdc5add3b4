"""The financeur's bilan: small numbers hidden by the engine, nothing recomputable, every output the same.

Units of the rule (`evaluation.suppression`), then properties over random small scopes: whatever the data, no
output the funder gets (JSON, dashboard, charts, spreadsheet, PDF) shows a count of 1 to 4 people, a mean or a
percentage of fewer than 5, or lets a hidden cell be recomputed from a total and the other cells.
"""

import html
import io
import re
from datetime import date

import pytest
import tinyhtml5
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from pypdf import PdfReader

from evaluation.bilan import Scope, compute_bilan, compute_seasons
from evaluation.models import Effect, FollowUp
from evaluation.responses import Sheet, create_response
from evaluation.suppression import HIDDEN, for_display, pointer, suppress_for_funder
from evaluation.templatetags.bilan_format import figure_label
from sessions_app.models import Participant
from sessions_app.summaries import refresh_participant_summaries
from smdq.formatting import fr_int, fr_mean, fr_pct
from tests.factories import AwarenessSessionFactory
from tests.test_bilan import programme  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
SEASON = {"period": "saison", "season": "2022-2023"}


def get(data, path):
    for part in path.split("/"):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data


def row(code, participants, responses, sessions=1):
    return {"code": code, "label": code, "sessions": sessions, "participants": participants, "responses": responses}


def bilan(**parts):
    """A hand-made bilan: what `suppress_for_funder` reads, with harmless defaults."""
    base = {
        "scope": {"label": "test", "from": None, "to": None, "filters": {}},
        "key_figures": {"sessions": 3, "participants": 40, "responses": 30},
        "response_rate": 75.0,
        "profile": {
            "women_pct": 50.0,
            "lives_in_qpv_pct": 50.0,
            "acts_in_qpv_pct": 50.0,
            "categories": {"habitant": 50.0, "social": 50.0},
            "bases": {"women_pct": 20, "lives_in_qpv_pct": 20, "acts_in_qpv_pct": 20, "categories": 20},
        },
        "items": {"sat_logistique": {"label": "L", "scale": 5, "mean": 4.0, "answers": 30}},
        "needs": {"total": 0, "uncategorised": 0, "categories": {}},
        "effects": {"followups": 0, "effects": {}},
        "breakdown": {"regions": [], "departments": [], "clsm": []},
        "comparison": None,
    }
    return {**base, **parts}


# The rule -------------------------------------------------------------------------------------------------------
def test_counts_of_one_to_four_people_are_hidden_zero_and_five_are_not():
    data = bilan(
        items={
            "a": {"label": "A", "scale": 5, "mean": 4.0, "answers": 4},
            "b": {"label": "B", "scale": 5, "mean": 3.0, "answers": 5},
            "c": {"label": "C", "scale": 5, "mean": None, "answers": 0},
        }
    )
    funder = suppress_for_funder(data)
    assert funder["items"]["a"] == {"label": "A", "scale": 5, "mean": None, "answers": None}
    assert funder["items"]["b"] == data["items"]["b"] and funder["items"]["c"] == data["items"]["c"]
    assert funder["suppressed"] == ["items/a/mean", "items/a/answers"]
    assert data["items"]["a"]["answers"] == 4  # the engine's bilan itself is left as it was


def test_a_lone_hidden_cell_takes_the_next_smallest_with_it():
    data = bilan(
        breakdown={"regions": [], "departments": [], "clsm": [row("1", 30, 20), row("2", 7, 7), row("3", 3, 3)]}
    )
    funder = suppress_for_funder(data)
    # 3 is hidden; 40 − 30 − 7 would give it back, so 7 goes too (not 30: the smallest protects as well).
    assert [r["participants"] for r in funder["breakdown"]["clsm"]] == [30, None, None]
    assert [r["responses"] for r in funder["breakdown"]["clsm"]] == [20, None, None]
    assert funder["key_figures"]["participants"] == 40


def test_departments_of_a_region_add_up_to_it():
    """Hauts-de-France (32) holds Nord (59) and Pas-de-Calais (62); PACA (93) holds Bouches-du-Rhône (13)."""
    regions = [row("32", 13, 13), row("93", 27, 17)]
    departments = [row("13", 27, 17), row("59", 10, 10), row("62", 3, 3)]
    funder = suppress_for_funder(bilan(breakdown={"regions": regions, "departments": departments, "clsm": []}))
    # 62 is hidden; within the région, 13 − 10 would give it back: 59 goes too. Then the départements are
    # 27 shown and two hidden of a known sum: fine; no région is alone either.
    assert [r["participants"] for r in funder["breakdown"]["departments"]] == [27, None, None]
    assert [r["participants"] for r in funder["breakdown"]["regions"]] == [13, 27]


def test_a_percentage_gives_its_count_away_and_a_difference_its_figure():
    data = bilan(
        needs={
            "total": 20,
            "uncategorised": 3,
            "categories": {
                "competences": {"count": 10, "pct": 10 * 100 / 17, "label": "C"},
                "reseau": {"count": 7, "pct": 7 * 100 / 17, "label": "R"},
                "actions": {"count": 0, "pct": 0.0, "label": "A"},
            },
        },
        comparison={
            "season": "2021-2022",
            "label": "saison 2021-2022",
            "key_figures": {"sessions": 2, "qpv": 1, "participants": 38, "responses": 3},
            "items": {"sat_logistique": {"mean": 3.5, "answers": 3}},
            "differences": {
                "key_figures": {"sessions": 1, "qpv": 0, "participants": 2, "responses": 27},
                "means": {"sat_logistique": 0.5},
            },
        },
    )
    funder = suppress_for_funder(data)
    needs = funder["needs"]
    # Uncategorised (3) alone would be 20 − 10 − 7: reseau goes, then competences (the shares give the base).
    assert needs["uncategorised"] is None and needs["total"] == 20
    assert needs["categories"]["reseau"] == {"count": None, "pct": None, "label": "R"}
    assert needs["categories"]["competences"] == {"count": None, "pct": None, "label": "C"}
    assert needs["categories"]["actions"]["count"] == 0
    comparison = funder["comparison"]
    assert comparison["key_figures"]["participants"] == 38 and comparison["key_figures"]["responses"] is None
    assert comparison["differences"]["key_figures"] == {"sessions": 1, "qpv": 0, "participants": 2, "responses": None}
    assert comparison["items"]["sat_logistique"]["mean"] is None
    assert comparison["differences"]["means"]["sat_logistique"] is None  # 4.0 − 0.5 would give 3.5 back


def test_shares_of_a_profile_hide_either_side_of_a_small_number():
    profile = {
        "women_pct": 90.0,  # 18 women of 20: the 2 others would show
        "lives_in_qpv_pct": 50.0,
        "acts_in_qpv_pct": 50.0,
        "categories": {"habitant": 80.0, "social": 15.0, "elu": 5.0},  # 16, 3, 1 of 20
        "bases": {"women_pct": 20, "lives_in_qpv_pct": 4, "acts_in_qpv_pct": 20, "categories": 20},
    }
    funder = suppress_for_funder(bilan(profile=profile))["profile"]
    assert funder["women_pct"] is None and funder["acts_in_qpv_pct"] == 50.0
    assert funder["lives_in_qpv_pct"] is None and funder["bases"]["lives_in_qpv_pct"] is None  # 4 people
    assert funder["categories"] == {"habitant": 80.0, "social": None, "elu": None}


def test_paths_are_json_pointers_without_the_leading_slash():
    assert pointer("needs", "categories", "actions", "count") == "needs/categories/actions/count"
    assert pointer("breakdown", "clsm", 0, "participants") == "breakdown/clsm/0/participants"
    assert pointer("a/b", "c~d") == "a~1b/c~0d"


def test_staff_bilan_is_untouched_and_the_funder_version_is_made_once(programme):  # noqa: F811
    staff = compute_bilan(Scope.build(season="2022-2023"))
    assert "suppressed" not in staff and for_display(staff) is staff
    funder = compute_bilan(Scope.build(season="2022-2023"), funder=True)
    assert suppress_for_funder(funder) is funder  # already the financeur's version
    assert funder == suppress_for_funder(staff)
    shown = for_display(funder)
    assert shown["key_figures"]["responses"] is HIDDEN and str(HIDDEN) == "< 5"
    assert shown["items"]["sat_duree"]["mean"] is None  # no answer at all: « – », not hidden


def test_the_funder_edition_json_is_the_suppressed_one(login, claire, fanny, alice, programme):  # noqa: F811
    """And a coordinator's: a national edition holds other CLSMs' figures, which their own bilan never shows them
    (only the editions of their own CLSM come whole)."""
    from evaluation.models import BilanEdition

    # An edition as published: the staff's figures frozen (its PDFs do not matter here).
    data = compute_bilan(Scope.build(season="2022-2023"))
    edition = BilanEdition.objects.create(
        scope_key="{}",
        scope_params=SEASON,
        label="Saison 2022-2023",
        number=1,
        data=data,
        data_fingerprint="x",
        pdf=b"",
        pdf_funder=b"",
    )
    url = reverse("evaluation:edition_json", args=[edition.pk])
    assert login(claire).get(url).json()["breakdown"]["regions"][0]["responses"] == 3
    funder = login(fanny).get(url).json()
    assert funder["breakdown"]["regions"][0]["responses"] is None and "key_figures/responses" in funder["suppressed"]
    assert login(alice).get(url).json() == funder
    edition.clsm_name = alice.clsms.get().name
    edition.save()
    assert login(alice).get(url).json()["breakdown"]["regions"][0]["responses"] == 3


def test_the_bilan_command_writes_the_funder_version(programme, tmp_path):  # noqa: F811
    import json

    from django.core.management import call_command

    path = tmp_path / "bilan.json"
    call_command("bilan", "--season", "2022-2023", "--funder", "--output", str(path), stdout=io.StringIO())
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["key_figures"]["responses"] is None and data["suppressed"]


# Properties over random small scopes ----------------------------------------------------------------------------
ITEMS = {"sat_logistique": 5, "cap_clsm": 4, "eng_investir": 4}
CATEGORIES = ["competences", "reseau", "actions"]
QPV_SETS = [["QN05971M"], ["QN01330M"], ["QN05971M", "QN01330M"], ["QN05972M"]]  # Nord (32) and Bouches-du-Rhône (93)
participant = st.tuples(
    st.sampled_from(["femme", "homme", ""]),
    st.sampled_from(["habitant", "social", "elu", ""]),
    st.sampled_from([True, False, None]),
    st.sampled_from([True, False, None]),
)
sheet = st.tuples(
    st.fixed_dictionaries({code: st.one_of(st.none(), st.integers(1, scale)) for code, scale in ITEMS.items()}),
    st.lists(st.sampled_from([None, *CATEGORIES]), max_size=3),
).filter(lambda s: s[1] or any(value is not None for value in s[0].values()))  # a blank sheet is never saved
session = st.fixed_dictionaries(
    {
        "clsm": st.sampled_from(["a", "b"]),
        "qpvs": st.sampled_from(QPV_SETS),
        "previous": st.booleans(),  # held in 2021-2022, the season compared with
        "participants": st.lists(participant, max_size=12),
        "attendance": st.one_of(st.none(), st.integers(0, 12)),
        "sheets": st.lists(sheet, max_size=12),
        "effects": st.one_of(st.none(), st.lists(st.sampled_from(["diagnostic", "partenariats"]), unique=True)),
    }
)
# The first session is in the season of the bilan (one the scope form offers: a season with a session).
scopes = st.lists(session, min_size=1, max_size=4).map(lambda s: [{**s[0], "previous": False}, *s[1:]])


class _Rollback(Exception):
    pass


def _create(sessions, clsms):
    effects = {e.code: e for e in Effect.objects.all()}
    for spec in sessions:
        day = date(2022, 3, 1) if spec["previous"] else date(2023, 3, 1)
        held = AwarenessSessionFactory(
            clsm=clsms[spec["clsm"]], date=day, held=True, actual_attendance=spec["attendance"], qpv_codes=spec["qpvs"]
        )
        Participant.objects.bulk_create(
            Participant(session=held, gender=g, profile=p, lives_in_qpv=lives, acts_in_qpv=acts)
            for g, p, lives, acts in spec["participants"]
        )
        refresh_participant_summaries([held.pk])  # a bulk write refreshes the summaries explicitly
        for answers, needs in spec["sheets"]:
            create_response(held, Sheet(answers=answers, needs=[("besoin", c) for c in needs]), channel="papier")
        if spec["effects"] is not None:
            followup = FollowUp.objects.create(session=held, due_on=day, answered_at=timezone.now())
            followup.effects.set([effects[code] for code in spec["effects"]])


def _small(n) -> bool:
    return n is not None and 0 < n < 5


def _truth(sessions) -> dict:
    """Counts worked out in plain Python from the generated data: the bases the rule must respect."""
    current = [s for s in sessions if not s["previous"]]
    rows = [p for s in current for p in s["participants"]]
    sheets = [sh for s in current for sh in s["sheets"]]
    needs = [c for _answers, cats in sheets for c in cats]
    previous_sheets = [sh for s in sessions if s["previous"] for sh in s["sheets"]]
    profiles = [p for _g, p, _l, _a in rows if p]
    return {
        "participants": sum(len(s["participants"]) if s["attendance"] is None else s["attendance"] for s in current),
        "responses": len(sheets),
        "answers": {code: sum(a[code] is not None for a, _n in sheets) for code in ITEMS},
        "previous_answers": {code: sum(a[code] is not None for a, _n in previous_sheets) for code in ITEMS},
        "shares": {
            "women_pct": (sum(g == "femme" for g, *_ in rows), sum(g != "" for g, *_ in rows)),
            "lives_in_qpv_pct": (sum(r[2] is True for r in rows), sum(r[2] is not None for r in rows)),
            "acts_in_qpv_pct": (sum(r[3] is True for r in rows), sum(r[3] is not None for r in rows)),
        },
        "profiles": {code: profiles.count(code) for code in set(profiles)},
        "profiled": len(profiles),
        "needs": {code: needs.count(code) for code in CATEGORIES},
        "categorised": sum(c is not None for c in needs),
    }


def _count_paths(data) -> list[str]:
    paths = ["key_figures/participants", "key_figures/responses", "needs/total", "needs/uncategorised"]
    paths += [f"items/{code}/answers" for code in data["items"]]
    paths += [f"needs/categories/{code}/count" for code in data["needs"]["categories"]]
    paths += [f"profile/bases/{key}" for key in data["profile"]["bases"]]
    paths += ["effects/followups"] + [f"effects/effects/{code}/count" for code in data["effects"]["effects"]]
    for kind, rows in data["breakdown"].items():
        paths += [f"breakdown/{kind}/{i}/{key}" for i in range(len(rows)) for key in ("participants", "responses")]
    if data["comparison"]:
        paths += ["comparison/key_figures/participants", "comparison/key_figures/responses"]
        paths += [f"comparison/items/{code}/answers" for code in data["comparison"]["items"]]
    return paths


def _groups(data) -> list[tuple[str | None, list[str]]]:
    """Cells that add up to a total (None: a total the reader can always work out)."""
    groups = []
    for key in ("participants", "responses"):
        for kind, rows in data["breakdown"].items():
            groups.append((f"key_figures/{key}", [f"breakdown/{kind}/{i}/{key}" for i in range(len(rows))]))
        regions = {r["code"]: i for i, r in enumerate(data["breakdown"]["regions"])}
        for region, department in (("32", "59"), ("93", "13")):
            cells = [f"breakdown/departments/{i}/{key}" for i, r in enumerate(data["breakdown"]["departments"])]
            cells = [c for c, r in zip(cells, data["breakdown"]["departments"], strict=True) if r["code"] == department]
            if region in regions:
                groups.append((f"breakdown/regions/{regions[region]}/{key}", cells))
    categories = [f"needs/categories/{code}/count" for code in data["needs"]["categories"]]
    groups += [("needs/total", [*categories, "needs/uncategorised"]), (None, categories)]
    groups.append(
        ("profile/bases/categories", [f"profile/categories/{code}" for code in data["profile"]["categories"]])
    )
    return groups


def check_json(funder: dict, staff: dict, truth: dict):
    hidden = set(funder["suppressed"])
    # Hidden values are null and listed; every other value is the staff's, exactly.
    for path in hidden:
        assert get(funder, path) is None and get(staff, path) is not None, path
    assert set(funder) - {"suppressed"} == set(staff)

    def same(f, s, path=""):
        if isinstance(s, dict):
            assert set(f) == set(s), path
            for key in s:
                same(f[key], s[key], f"{path}/{key}".lstrip("/"))
        elif isinstance(s, list):
            assert len(f) == len(s), path
            for i, (fi, si) in enumerate(zip(f, s, strict=True)):
                same(fi, si, f"{path}/{i}")
        elif path not in hidden:
            assert f == s, path

    same({k: v for k, v in funder.items() if k != "suppressed"}, staff)
    # 1. Every count of people shown is 0 or at least 5.
    for path in _count_paths(staff):
        assert not _small(get(funder, path)), (path, get(funder, path))
    # 2. In a group adding up to a shown total, no hidden cell is alone.
    for total, cells in _groups(staff):
        if total is None or get(funder, total) is not None:
            assert sum(cell in hidden for cell in cells) != 1, (total, cells)
    # 3. No mean or percentage of fewer than 5 people, nor one that gives a count of 1 to 4 away.
    for code, item in funder["items"].items():
        if item["mean"] is not None:
            assert truth["answers"][code] >= 5, code
    for key, (part, base) in truth["shares"].items():
        if funder["profile"][key] is not None:
            assert base >= 5 and not _small(part) and not _small(base - part), key
    for code, pct in funder["profile"]["categories"].items():
        if pct is not None:
            assert truth["profiled"] >= 5 and not _small(truth["profiles"][code]), code
    for code, category in funder["needs"]["categories"].items():
        if category["pct"] is not None:
            assert truth["categorised"] >= 5 and not _small(truth["needs"].get(code, 0)), code
    if funder["response_rate"] is not None:
        assert truth["participants"] >= 5 and not _small(truth["responses"])
    comparison = funder["comparison"]
    if comparison:
        for code, item in comparison["items"].items():
            if item["mean"] is not None:
                assert truth["previous_answers"][code] >= 5, code
        for key, difference in comparison["differences"]["key_figures"].items():
            if difference is not None:
                assert get(funder, f"key_figures/{key}") is not None
                assert comparison["key_figures"][key] is not None
        for code, difference in comparison["differences"]["means"].items():
            if difference is not None:
                assert funder["items"][code]["mean"] is not None and comparison["items"][code]["mean"] is not None


# What a renderer must show for each value of the funder's bilan.
def shown(funder, path, fmt=fr_int):
    value = get(funder, path)
    return "< 5" if path in funder["suppressed"] else fmt(value)


def xlsx_value(funder, path, *, percent=False):
    """A cell of the spreadsheet: « < 5 » where hidden; a mean as computed, a percentage as a fraction of 1 (the
    XML of a workbook keeps 16 significant digits)."""
    value = get(funder, path)
    if path in funder["suppressed"]:
        return "< 5"
    if isinstance(value, float):
        return pytest.approx(value / 100 if percent else value, rel=1e-15)
    return value


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# A signed figure (« −3 participant·es ») is the difference of two figures shown beside it, not a count of people.
SMALL_IN_TEXT = re.compile(r"(?<![\d,.+−-])([1-4]) (réponses?|besoins?|participant·es?|questionnaires?)\b")


def assert_no_small_count_in_text(text: str, where: str):
    assert not SMALL_IN_TEXT.search(text), (where, SMALL_IN_TEXT.search(text))


def expected_rows(funder) -> list[list[str]]:
    """The table rows of the dashboard and the PDF, as the funder's bilan says they must read."""
    rows = []
    for kind, breakdown in funder["breakdown"].items():
        for i, r in enumerate(breakdown):
            rows.append(
                [
                    r["label"],
                    fr_int(r["sessions"]),
                    shown(funder, f"breakdown/{kind}/{i}/participants"),
                    shown(funder, f"breakdown/{kind}/{i}/responses"),
                ]
            )
    for code, category in funder["needs"]["categories"].items():
        base = f"needs/categories/{code}"
        rows.append([category["label"], shown(funder, f"{base}/count"), shown(funder, f"{base}/pct", fr_pct)])
    if funder["effects"]["followups"] != 0:
        rows += [
            [e["label"], shown(funder, f"effects/effects/{code}/count")]
            for code, e in funder["effects"]["effects"].items()
        ]
    return [[norm(cell) for cell in r] for r in rows]


def check_dashboard(client, funder):
    page = client.get(reverse("evaluation:dashboard"), SEASON).content.decode()
    root = tinyhtml5.parse(page)
    ns = "{http://www.w3.org/1999/xhtml}"
    rows = [[norm("".join(cell.itertext())) for cell in tr] for tr in root.iter(f"{ns}tr")]
    for expected in expected_rows(funder):
        assert expected in rows, expected
    for code, item in funder["items"].items():
        mean = shown(funder, f"items/{code}/mean", lambda m, s=item["scale"]: fr_mean(m, s))
        assert any(
            r[0] == item["label"] and r[1] == mean and r[3] == shown(funder, f"items/{code}/answers") for r in rows
        )
    for key in ("participants", "responses"):
        path, label = f"key_figures/{key}", figure_label(funder["key_figures"][key], key)  # agrees with the number
        assert f'<div class="value">{html.escape(shown(funder, path))}</div><div>{label}</div>' in page, label
    assert ["Taux de réponse au questionnaire", norm(shown(funder, "response_rate", fr_pct))] in rows
    assert ["Femmes", norm(shown(funder, "profile/women_pct", fr_pct))] in rows
    assert_no_small_count_in_text(norm(html.unescape(re.sub(r"<[^>]+>", " ", page))), "dashboard")
    assert "Réponses anonymisées" not in page


def check_charts(client, funder):
    for name in ("satisfaction", "capacites", "engagement", "besoins", "profil"):
        svg = client.get(reverse("evaluation:bilan_chart", args=[name]), SEASON).content.decode()
        texts = [norm(html.unescape(t)) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
        assert_no_small_count_in_text(" ".join(texts), name)
        if name == "besoins":
            for code in funder["needs"]["categories"]:
                base = f"needs/categories/{code}"
                text = norm(f"{shown(funder, f'{base}/pct', fr_pct)} ({shown(funder, f'{base}/count')})")
                assert text in texts, text


def check_workbook(client, funder):
    book = load_workbook(io.BytesIO(client.get(reverse("evaluation:bilan_xlsx"), SEASON).content), read_only=True)

    def sheet(name):
        return [list(r) for r in book[name].iter_rows(values_only=True)][1:]

    figures = sheet("Chiffres clés")
    assert ["Participant·es", xlsx_value(funder, "key_figures/participants")] in figures
    assert ["Questionnaires reçus", xlsx_value(funder, "key_figures/responses")] in figures
    questions = {r[0]: r for r in sheet("Questions")}
    for code in funder["items"]:
        assert questions[code][3:] == [
            xlsx_value(funder, f"items/{code}/mean"),
            xlsx_value(funder, f"items/{code}/answers"),
        ]
    needs = sheet("Besoins")
    for code, category in funder["needs"]["categories"].items():
        base = f"needs/categories/{code}"
        assert [
            category["label"],
            xlsx_value(funder, f"{base}/count"),
            xlsx_value(funder, f"{base}/pct", percent=True),
        ] in needs
    assert ["Non catégorisés", xlsx_value(funder, "needs/uncategorised"), None] in needs
    assert ["Total", xlsx_value(funder, "needs/total"), None] in needs
    for kind, title in (("regions", "Régions"), ("departments", "Départements"), ("clsm", "CLSM")):
        expected = [
            [
                r["code"],
                r["label"],
                r["sessions"],
                *(xlsx_value(funder, f"breakdown/{kind}/{i}/{k}") for k in ("participants", "responses")),
            ]
            for i, r in enumerate(funder["breakdown"][kind])
        ]
        assert sheet(title) == expected
    assert ["Femmes", xlsx_value(funder, "profile/women_pct", percent=True)] in sheet("Profil")
    effects = sheet("Effets")
    for code, effect in funder["effects"]["effects"].items():
        assert [effect["label"], xlsx_value(funder, f"effects/effects/{code}/count")] in effects
    # The columns of counts of people: 0, at least 5, or « < 5 ».
    counts = [r[1] for r in figures if r[0] in ("Participant·es", "Questionnaires reçus")]
    counts += [r[4] for r in questions.values()] + [r[1] for r in needs] + [r[1] for r in effects]
    counts += [v for title in ("Régions", "Départements", "CLSM") for r in sheet(title) for v in r[3:]]
    assert not any(isinstance(v, int) and _small(v) for v in counts), counts


def _random_scope_test(body):
    """Runs `body(funder, staff, truth)` on a random small scope, created then rolled back."""

    def run(clsm_a, clsm_b, sessions):
        try:
            with transaction.atomic():
                _create(sessions, {"a": clsm_a, "b": clsm_b})
                cache.clear()  # the dashboard's cache is keyed on the data: the rolled-back data reuses keys
                staff = compute_bilan(Scope.build(season="2022-2023"))
                funder = compute_bilan(Scope.build(season="2022-2023"), funder=True)
                body(funder, staff, _truth(sessions))
                raise _Rollback
        except _Rollback:
            pass

    return run


# An example costs about a second (data, five pages and files): no shrinking, which would take minutes on a
# failure; the failing example is printed as generated.
PHASES = (Phase.explicit, Phase.reuse, Phase.generate)


@settings(max_examples=25, deadline=None, phases=PHASES, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sessions=scopes)
def test_no_funder_output_shows_or_gives_away_a_small_number(login, fanny, clsm_a, clsm_b, sessions):
    client = login(fanny)

    def body(funder, staff, truth):
        json_data = client.get(reverse("evaluation:bilan_json"), SEASON).json()
        assert json_data == funder
        check_json(funder, staff, truth)
        check_dashboard(client, funder)
        check_charts(client, funder)
        check_workbook(client, funder)

    _random_scope_test(body)(clsm_a, clsm_b, sessions)


def pdf_text(content: bytes) -> str:
    return norm("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))


@settings(max_examples=6, deadline=None, phases=PHASES, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sessions=scopes)
def test_no_funder_pdf_shows_or_gives_away_a_small_number(
    login, fanny, clsm_a, clsm_b, monkeypatch, report_pdf, sessions
):
    """The PDF costs seconds: fewer examples. Its map shows sessions only (no people), drawn in test_charts."""
    monkeypatch.setattr("evaluation.charts.france_map", lambda *args: "<svg xmlns='http://www.w3.org/2000/svg'/>")
    client = login(fanny)

    def body(funder, staff, truth):
        text = pdf_text(report_pdf(client, SEASON))
        for expected in expected_rows(funder):
            assert " ".join(expected) in text, expected
        for code, item in funder["items"].items():  # the method notes' table: question, answers, mean
            mean = shown(funder, f"items/{code}/mean", lambda m, s=item["scale"]: fr_mean(m, s))
            assert norm(f"{item['label']} {shown(funder, f'items/{code}/answers')} {mean}") in text
        assert_no_small_count_in_text(text, "pdf")
        # The table of seasons: the financeur's version of each season's row.
        seasons = compute_seasons(Scope.build(season="2022-2023"), funder=True)
        for row in seasons:
            assert not _small(row["participants"]) and not _small(row["responses"])
            for code, mean in row["items"].items():
                assert mean is None or row["answers"][code] is None or row["answers"][code] >= 5
        cells = " ".join(norm("< 5" if r["participants"] is None else fr_int(r["participants"])) for r in seasons)
        assert f"Participant·es {cells}" in text

    _random_scope_test(body)(clsm_a, clsm_b, sessions)
