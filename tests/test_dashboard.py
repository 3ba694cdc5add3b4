import io
import json

import pytest
from django.core import mail
from django.urls import reverse
from openpyxl import load_workbook

from evaluation.bilan import Scope, compute_bilan
from evaluation.models import BilanEdition
from evaluation.suppression import suppress_for_funder
from tests.test_bilan import programme  # noqa: F401  (fixture)
from tests.test_bilan_pdf import text_of

pytestmark = pytest.mark.django_db
SEASON = {"period": "saison", "season": "2022-2023"}


def test_anonymous_goes_to_login(client):
    for name in ("evaluation:dashboard", "evaluation:bilan_json", "evaluation:bilan_pdf", "evaluation:edition_list"):
        assert client.get(reverse(name)).status_code == 302


def test_staff_dashboard_shows_the_engine_figures_in_french(login, claire, programme):  # noqa: F811
    response = login(claire).get(reverse("evaluation:dashboard"), SEASON)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Saison 2022-2023" in html
    assert "3,7/5" in html  # sat_logistique 11/3
    assert "66,7\u00a0%" in html  # women
    assert "Provence-Alpes-Côte d&#x27;Azur" in html or "Provence-Alpes-Côte d'Azur" in html
    assert "Publier ce bilan" in html
    assert response.context["data"] == compute_bilan(Scope.build(season="2022-2023"))


def test_dashboard_htmx_returns_the_fragment(login, claire, programme):  # noqa: F811
    response = login(claire).get(reverse("evaluation:dashboard"), SEASON, headers={"HX-Request": "true"})
    assert "<html" not in response.content.decode()
    assert "Saison 2022-2023" in response.content.decode()


def test_comparison_with_the_previous_season(login, claire, programme):  # noqa: F811
    response = login(claire).get(reverse("evaluation:dashboard"), {"period": "saison", "season": "2023-2024"})
    comparison = response.context["comparison"]
    assert comparison["season"] == "2022-2023"
    assert comparison["label"] == "saison 2022-2023"  # a finished season: the whole previous one
    differences = comparison["differences"]
    assert differences["key_figures"] == {"sessions": -1, "participants": -6, "responses": -2, "qpv": 0}
    assert differences["means"]["sat_logistique"] == pytest.approx(1 - 11 / 3)
    assert "↓" in response.content.decode()


def test_coordinator_gets_only_their_clsm(login, alice, clsm_b, programme):  # noqa: F811
    client = login(alice)
    response = client.get(reverse("evaluation:dashboard"), SEASON)
    assert response.context["scope"].clsm == "CLSM A de Lille"
    assert response.context["data"]["key_figures"]["sessions"] == 1
    # Asking for another CLSM falls back to their own: no figure of another territory.
    other = client.get(reverse("evaluation:bilan_json"), {**SEASON, "clsm": clsm_b.pk}).json()
    assert other["scope"]["filters"] == {"clsm": "CLSM A de Lille"}
    assert "Publier ce bilan" not in response.content.decode()
    assert client.get(reverse("evaluation:responses_export")).status_code == 403


def test_funder_sees_small_numbers_hidden(login, fanny, programme):  # noqa: F811
    html = login(fanny).get(reverse("evaluation:dashboard"), SEASON).content.decode()
    assert "&lt; 5" in html
    assert "Publier ce bilan" not in html


def test_json_endpoint_is_the_contract(login, claire, fanny, programme):  # noqa: F811
    data = login(claire).get(reverse("evaluation:bilan_json"), SEASON).json()
    assert data == json.loads(json.dumps(compute_bilan(Scope.build(season="2022-2023"))))
    assert data["breakdown"]["regions"][0]["responses"] == 3 and "suppressed" not in data
    # The funder's JSON is the engine's financeur's version: 3 questionnaires is null, and its path listed.
    funder = login(fanny).get(reverse("evaluation:bilan_json"), SEASON).json()
    assert funder == json.loads(json.dumps(compute_bilan(Scope.build(season="2022-2023"), funder=True)))
    assert funder["breakdown"]["regions"][0]["responses"] is None
    assert "breakdown/regions/0/responses" in funder["suppressed"]


def test_spreadsheet_download(login, claire, fanny, programme):  # noqa: F811
    response = login(claire).get(reverse("evaluation:bilan_xlsx"), SEASON)
    assert response["Content-Disposition"] == 'attachment; filename="bilan-saison-2022-2023.xlsx"'
    regions = list(load_workbook(io.BytesIO(response.content))["Régions"].iter_rows(values_only=True))
    assert regions[1][-1] == 3
    funder = login(fanny).get(reverse("evaluation:bilan_xlsx"), SEASON)
    assert list(load_workbook(io.BytesIO(funder.content))["Régions"].iter_rows(values_only=True))[1][-1] == "< 5"


def test_responses_export_is_for_staff_only(login, claire, fanny, programme):  # noqa: F811
    staff = load_workbook(io.BytesIO(login(claire).get(reverse("evaluation:responses_export"), SEASON).content))
    assert "Commentaire" in next(staff["Réponses"].iter_rows(values_only=True))
    # One row per respondent (session, QPV, answers): never for the funder, who sees aggregates only.
    client = login(fanny)
    assert client.get(reverse("evaluation:responses_export"), SEASON).status_code == 403
    assert "Réponses anonymisées" not in client.get(reverse("evaluation:dashboard"), SEASON).content.decode()


def test_dashboard_query_count(login, claire, programme, django_assert_max_num_queries):  # noqa: F811
    client = login(claire)
    with django_assert_max_num_queries(45):
        client.get(reverse("evaluation:dashboard"), SEASON)
    # Second time: figures, seasons and breakdown tables come from the cache; what runs is the session and user
    # (2), the data version (1), the scope form's choices as pairs (3), the editions (1), the kit's suggested
    # actions (≤ 6).
    with django_assert_max_num_queries(13):
        client.get(reverse("evaluation:dashboard"), SEASON)


def test_publishing_is_for_staff(login, alice, fanny):
    for user in (alice, fanny):
        assert login(user).post(reverse("evaluation:edition_publish"), SEASON).status_code == 403
    assert not BilanEdition.objects.exists()


@pytest.mark.usefixtures("programme")
def test_publish_editions_and_notify_coordinators(login, claire, alice, bob, fanny):
    """The worker runs in the request here (immediate mode): tests/test_editions.py has the steps between."""
    client = login(claire)
    response = client.post(reverse("evaluation:edition_publish"), SEASON)
    first = BilanEdition.objects.get()
    assert response["Location"] == reverse("evaluation:edition_detail", args=[first.pk])
    assert (first.number, first.label, first.state) == (1, "Saison 2022-2023", BilanEdition.State.READY)
    assert bytes(first.pdf).startswith(b"%PDF-") and bytes(first.pdf_funder).startswith(b"%PDF-")
    # The funder's PDF is made of the engine's financeur's version: 3 questionnaires of 13 (23,1 %) are hidden.
    assert "23,1" in text_of(bytes(first.pdf)) and "23,1" not in text_of(bytes(first.pdf_funder))
    assert first.data["key_figures"]["sessions"] == 2
    assert sorted(mail.outbox[0].to) == sorted([alice.email, bob.email])
    assert "Bilan disponible\xa0: Saison 2022-2023" in mail.outbox[0].subject
    client.post(reverse("evaluation:edition_publish"), SEASON)
    assert list(BilanEdition.objects.values_list("number", flat=True)) == [2, 1]
    assert len(mail.outbox) == 2
    assert login(fanny).get(reverse("evaluation:edition_pdf", args=[first.pk])).content == bytes(first.pdf_funder)
    # A national edition holds other CLSMs' figures: a coordinator reads its hidden version, as the funder.
    assert login(alice).get(reverse("evaluation:edition_json", args=[first.pk])).json() == suppress_for_funder(
        first.data
    )
    assert "n° 1" in login(alice).get(reverse("evaluation:edition_list")).content.decode()
