"""The bilan through HTTP: a coordinator's scope (none, one or several CLSM), the comparison of a season still
running with the same dates of the previous one, and the effects of the follow-ups."""

import io
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from evaluation.models import Effect, FollowUp
from tests.factories import AwarenessSessionFactory, CLSMFactory, UserFactory
from tests.test_bilan import programme  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
FILES = ("evaluation:bilan_json", "evaluation:bilan_pdf", "evaluation:bilan_xlsx")


def freeze_today(monkeypatch, day: date):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: day)


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages)


# 6. A coordinator attached to no CLSM ----------------------------------------------------------------------------
def test_a_coordinator_without_clsm_gets_an_explained_page_and_no_figures(login, programme):  # noqa: F811
    client = login(UserFactory(username="orpheline"))
    response = client.get(reverse("evaluation:dashboard"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "votre compte n&#x27;est rattaché à aucun CLSM" in html or "votre compte n'est rattaché à aucun CLSM" in html
    assert "CLSM B de Marseille" not in html and "Provence" not in html and "participant·es" not in html
    for name in FILES:
        assert client.get(reverse(name), {"period": "tout"}).status_code == 403, name
    assert client.get(reverse("evaluation:bilan_chart", args=["carte"])).status_code == 403


# 8. A coordinator's CLSM, all at once -----------------------------------------------------------------------------
@pytest.fixture
def clsm_c(alice):
    """A second CLSM of Alice (Roubaix), with a session held in 2023-2024."""
    clsm = CLSMFactory(name="CLSM C de Roubaix", qpv_codes=["QN05972M"], coordinators=[alice])
    AwarenessSessionFactory(clsm=clsm, date=date(2024, 2, 1), held=True, actual_attendance=20)
    return clsm


def test_a_coordinator_sees_all_their_clsm_on_the_latest_season_with_data(
    login,
    alice,
    clsm_a,
    clsm_b,
    clsm_c,
    programme,  # noqa: F811
):
    client = login(alice)
    response = client.get(reverse("evaluation:dashboard"))
    scope = response.context["scope"]
    # The current season (2026-2027) is empty: the bilan opens on 2023-2024, the latest with a held session.
    assert scope.season == "2023-2024"
    assert scope.clsms == ("CLSM A de Lille", "CLSM C de Roubaix") and scope.clsm is None
    figures = response.context["data"]["key_figures"]
    assert (figures["sessions"], figures["participants"]) == (2, 27)  # S5 (7) in Lille and 20 in Roubaix
    html = response.content.decode()
    assert "Tous mes CLSM" in html and "CLSM B de Marseille" not in html
    data = client.get(reverse("evaluation:bilan_json"), {"period": "saison", "season": "2023-2024"}).json()
    assert data["key_figures"]["sessions"] == 2 and data["scope"]["filters"] == {"clsms": list(scope.clsms)}
    assert {r["label"] for r in data["breakdown"]["clsm"]} == {"CLSM A de Lille", "CLSM C de Roubaix"}
    # Narrowed to one of theirs.
    one = client.get(reverse("evaluation:bilan_json"), {"period": "saison", "season": "2023-2024", "clsm": clsm_c.pk})
    assert one.json()["key_figures"]["participants"] == 20
    # Another's CLSM is ignored: all of theirs, never Marseille's figures.
    other = client.get(reverse("evaluation:bilan_json"), {"period": "tout", "clsm": clsm_b.pk}).json()
    assert other["scope"]["filters"] == {"clsms": ["CLSM A de Lille", "CLSM C de Roubaix"]}
    assert "CLSM B de Marseille" not in {r["label"] for r in other["breakdown"]["clsm"]}
    # The files of the page cover the same CLSM.
    workbook = load_workbook(io.BytesIO(client.get(reverse("evaluation:bilan_xlsx")).content), read_only=True)
    assert {r[1] for r in list(workbook["CLSM"].iter_rows(values_only=True))[1:]} == {
        "CLSM A de Lille",
        "CLSM C de Roubaix",
    }


def test_a_coordinator_of_one_clsm_lands_on_its_latest_season(login, alice, clsm_a, programme):  # noqa: F811
    response = login(alice).get(reverse("evaluation:dashboard"))
    assert response.context["scope"].season == "2023-2024" and response.context["scope"].clsm == "CLSM A de Lille"
    assert response.context["data"]["key_figures"]["sessions"] == 1
    # The cache keys the whole scope: the national bilan of the same season is not the coordinator's one.
    staff = login(UserFactory(username="centre", national_staff=True))
    national = staff.get(reverse("evaluation:dashboard"), {"period": "saison", "season": "2023-2024"})
    assert national.context["scope"].clsm is None


# 7. The comparison with the previous season ----------------------------------------------------------------------
@pytest.fixture
def two_seasons(clsm_a):
    """2022-2023: 3 sessions, one before 29 November 2022 (12 present), two after (10 and 8).
    2023-2024: one session before 29 November 2023 (9 present)."""
    for day, present in ((date(2022, 10, 3), 12), (date(2023, 1, 10), 10), (date(2023, 5, 2), 8)):
        AwarenessSessionFactory(clsm=clsm_a, date=day, held=True, actual_attendance=present)
    AwarenessSessionFactory(clsm=clsm_a, date=date(2023, 10, 20), held=True, actual_attendance=9)


def test_a_running_season_is_compared_with_the_same_dates_of_the_previous_one(
    login, claire, monkeypatch, two_seasons, report_pdf
):
    freeze_today(monkeypatch, date(2023, 11, 29))
    client = login(claire)
    response = client.get(reverse("evaluation:dashboard"), {"period": "saison", "season": "2023-2024"})
    comparison = response.context["comparison"]
    assert comparison["label"] == "saison 2022-2023 au 29 novembre" and comparison["partial"] is True
    assert comparison["to"] == "2022-11-29"
    # 1 session and 9 present against 1 session and 12 present at the same date, not 3 sessions and 30.
    assert comparison["key_figures"]["sessions"] == 1 and comparison["key_figures"]["participants"] == 12
    assert comparison["differences"]["key_figures"]["sessions"] == 0
    assert comparison["differences"]["key_figures"]["participants"] == -3
    html = response.content.decode()
    assert "comparaison avec la saison 2022-2023 au 29 novembre" in html
    assert "−3 par rapport à la saison 2022-2023 au 29 novembre" in html and "−21" not in html
    data = client.get(reverse("evaluation:bilan_json"), {"period": "saison", "season": "2023-2024"}).json()
    assert data["comparison"]["differences"]["key_figures"]["participants"] == -3
    text = pdf_text(report_pdf(client, {"period": "saison", "season": "2023-2024"}))
    assert "Par rapport à la saison 2022-2023 au 29 novembre : 0 séance, −3 participant·es" in text


def test_a_finished_season_is_compared_with_the_whole_previous_one(login, claire, monkeypatch, two_seasons):
    freeze_today(monkeypatch, date(2024, 9, 15))
    response = login(claire).get(reverse("evaluation:dashboard"), {"period": "saison", "season": "2023-2024"})
    comparison = response.context["comparison"]
    assert comparison["label"] == "saison 2022-2023" and comparison["partial"] is False
    assert (
        comparison["key_figures"]["sessions"] == 3 and comparison["differences"]["key_figures"]["participants"] == -21
    )
    html = response.content.decode()
    assert "comparaison avec la saison 2022-2023" in html and "au 29 novembre" not in html


def test_no_comparison_for_a_year_nor_without_a_previous_season(login, claire, monkeypatch, two_seasons):
    freeze_today(monkeypatch, date(2023, 11, 29))
    client = login(claire)
    assert client.get(reverse("evaluation:bilan_json"), {"period": "annee", "year": 2023}).json()["comparison"] is None
    earliest = client.get(reverse("evaluation:bilan_json"), {"period": "saison", "season": "2022-2023"}).json()
    assert earliest["comparison"] is None  # nothing held in 2021-2022


# 9. The effects of the follow-ups ---------------------------------------------------------------------------------
@pytest.fixture
def effects_answered(programme):  # noqa: F811
    """Season 2022-2023: both held sessions followed up; « partenariats » twice, « diagnostic » once."""
    effects = {e.code: e for e in Effect.objects.all()}
    for session, codes in ((programme["s1"], ["partenariats", "diagnostic"]), (programme["s2"], ["partenariats"])):
        followup = FollowUp.objects.create(session=session, due_on=date(2023, 9, 1), answered_at=timezone.now())
        followup.effects.set([effects[code] for code in codes])
    return effects


def test_effects_are_shown_with_their_counts(login, claire, fanny, effects_answered, report_pdf):
    season = {"period": "saison", "season": "2022-2023"}
    label = effects_answered["partenariats"].label
    staff = login(claire)
    html = " ".join(staff.get(reverse("evaluation:dashboard"), season).content.decode().split())
    assert "Effets constatés après les séances" in html
    assert f'<td>{label}</td><td class="text-end">2</td>' in html.replace("&#x27;", "'")
    assert "Suivis renseignés par les CLSM quelques mois après la séance : 2." in html
    text = pdf_text(report_pdf(staff, season))
    assert "Effets constatés après les séances" in text and f"{label} 2" in text
    assert "Suivis renseignés : 2" in text
    # The funder: 2 follow-ups and counts of 1 and 2 are hidden like every small count.
    funder = login(fanny)
    html = " ".join(funder.get(reverse("evaluation:dashboard"), season).content.decode().split())
    assert f'<td>{label}</td><td class="text-end">&lt; 5</td>' in html.replace("&#x27;", "'")
    assert "quelques mois après la séance : &lt; 5." in html
    text = pdf_text(report_pdf(funder, season))
    assert f"{label} < 5" in text and f"{label} 2" not in text
    data = funder.get(reverse("evaluation:bilan_json"), season).json()
    assert data["effects"]["effects"]["partenariats"]["count"] is None
    assert "effects/effects/partenariats/count" in data["suppressed"]


def test_the_funder_reads_the_national_bilan_of_a_season_and_nothing_narrower(
    login,
    fanny,
    claire,
    clsm_a,
    programme,  # noqa: F811
):
    """A range of days, a CLSM, a mode, a région, all seasons or a calendar year would let two scopes be subtracted
    down to a few people (« all seasons » minus « from the next day on »: one session of 3), which no suppression
    within one bilan prevents. Whatever the address asks, the funder reads the season, nationally."""
    client = login(fanny)
    url = reverse("evaluation:bilan_json")
    season = {"season": "2022-2023"}
    national = client.get(url, season).json()
    assert national["scope"]["filters"] == {} and national["key_figures"]["sessions"] == 2
    narrower = [
        {"period": "dates", "date_from": "2023-03-12", "date_to": "2023-03-12"},
        {"period": "tout"},
        {"period": "annee", "year": "2023"},
        {"clsm": clsm_a.pk},
        {"mode": "territoire"},
        {"region": "32"},
        {"department": "59"},
    ]
    for asked in narrower:
        assert client.get(url, {**season, **asked}).json() == national, asked
    html = client.get(reverse("evaluation:dashboard"), season).content.decode()
    for field in ("period", "year", "date_from", "date_to", "region", "department", "clsm", "mode"):
        assert f'name="{field}"' not in html, field
    # The national centre still chooses any scope.
    staff = login(claire).get(url, {**season, "clsm": clsm_a.pk}).json()
    assert staff["key_figures"]["sessions"] == 1
