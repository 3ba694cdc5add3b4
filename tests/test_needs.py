"""The needs categorisation screen: one key per need, identical texts together, counts per category."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from evaluation.models import Need, NeedCategory
from evaluation.responses import Sheet, create_response
from evaluation.views_needs import normalise_need
from sessions_app.models import season_of
from tests.factories import AwarenessSessionFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("evaluation:needs_categorise")
BULK_URL = reverse("evaluation:need_assign_bulk")
SEASON = "2023-2024"  # session_a is on 12 March 2024


def add_needs(session, *needs):
    """One response holding these needs: texts, or (text, category code) pairs."""
    pairs = [need if isinstance(need, tuple) else (need, None) for need in needs]
    response = create_response(session, Sheet(needs=pairs), channel="papier")
    return list(response.needs.order_by("position"))


def assign_url(need):
    return reverse("evaluation:need_assign", args=[need.pk])


def category(code):
    return NeedCategory.objects.get(code=code)


@pytest.fixture
def other_season_session(clsm_a):
    return AwarenessSessionFactory(clsm=clsm_a, held=True, date=datetime.date(2022, 11, 10), reference="2022-050")


# Access ------------------------------------------------------------------------------------------------


def test_only_the_national_centre_opens_the_screen(login, client, alice, bob, fanny, claire, adam, session_a):
    (need,) = add_needs(session_a, "Des formations")
    response = client.get(LIST_URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    for user in (alice, bob, fanny):
        assert login(user).get(LIST_URL).status_code == 403
        assert login(user).post(assign_url(need), {"category": "1"}).status_code == 403
        assert login(user).post(BULK_URL, {"text": "x", "category": "1", "season": SEASON}).status_code == 403
    need.refresh_from_db()
    assert need.category is None
    for user in (claire, adam):
        assert login(user).get(LIST_URL, {"saison": SEASON}).status_code == 200


def test_writes_are_post_only_and_anonymous_is_sent_to_log_in(client, session_a):
    (need,) = add_needs(session_a, "Des formations")
    assert client.get(assign_url(need)).status_code == 405
    assert client.get(BULK_URL).status_code == 405
    response = client.post(assign_url(need), {"category": "1"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    need.refresh_from_db()
    assert need.category is None


# The list ----------------------------------------------------------------------------------------------


def test_list_shows_the_seasons_uncategorised_needs_with_counts(login, claire, session_a, other_season_session):
    add_needs(session_a, ("Se former à l'écoute", "competences"), "Des formations", "Mieux connaître le CLSM")
    add_needs(session_a, ("Un annuaire des acteurs", "reseau"), "des  FORMATIONS ")
    add_needs(other_season_session, "Des formations", "Plus de psychologues")

    response = login(claire).get(LIST_URL, {"saison": SEASON})
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row.need.text for row in rows] == ["Des formations", "Mieux connaître le CLSM", "des  FORMATIONS"]
    # The same need written differently, in the same season and still to categorise; the other season's
    # « Des formations » does not count.
    assert [row.identical for row in rows] == [1, 0, 1]
    counts = response.context["counts"]
    assert (counts["total"], counts["categorised"], counts["uncategorised"]) == (5, 2, 3)
    by_code = {line.category.code: (line.count, line.share) for line in counts["categories"]}
    assert by_code["competences"] == (1, 50.0) and by_code["reseau"] == (1, 50.0) and by_code["actions"] == (0, 0.0)
    html = response.content.decode()
    assert "2023-001" not in html and "2024-001" in html and "CLSM A de Lille" in html
    assert "1 autre besoin identique à catégoriser cette saison" in html
    assert 'data-count="uncategorised">3<' in html
    assert '<option value="2022-2023">2022-2023</option>' in html
    assert f'<option value="{season_of(timezone.localdate())}"' in html
    # The other season's needs still to categorise are linked (the home page counts every season's).
    other = '<a href="?saison=2022-2023&amp;statut=a_categoriser">saison 2022-2023 (2 besoins)</a>'
    assert other in html
    assert "2023-2024 (" not in html.split('id="needs-other-seasons"')[1].split("</p>")[0]

    everything = login(claire).get(LIST_URL, {"saison": SEASON, "statut": "toutes"})
    assert len(everything.context["rows"]) == 5
    categorised = [row for row in everything.context["rows"] if row.need.category_id]
    assert [row.identical for row in categorised] == [0, 0]
    assert "Développement de compétences" in everything.content.decode()


def test_default_season_is_the_current_one(login, claire, clsm_a):
    today = timezone.localdate()
    session = AwarenessSessionFactory(clsm=clsm_a, held=True, date=today)
    add_needs(session, "Des groupes de parole")
    response = login(claire).get(LIST_URL)
    assert response.context["season"] == season_of(today)
    assert [row.need.text for row in response.context["rows"]] == ["Des groupes de parole"]
    # A season nobody knows falls back to the current one; an unknown status to the needs to categorise.
    assert login(claire).get(LIST_URL, {"saison": "1990-1991"}).context["season"] == season_of(today)
    response = login(claire).get(LIST_URL, {"saison": season_of(today), "statut": "n_importe"})
    assert (response.context["season"], response.context["status"]) == (season_of(today), "a_categoriser")


def test_empty_season_says_so(login, claire, session_a):
    add_needs(session_a, ("Des formations", "competences"))
    response = login(claire).get(LIST_URL, {"saison": SEASON})
    assert response.context["rows"] == []
    assert "Aucun besoin à catégoriser pour la saison 2023-2024." in response.content.decode()


def test_list_query_budget_does_not_grow_with_needs(login, claire, session_a, django_assert_max_num_queries):
    for number in range(20):
        add_needs(session_a, f"Besoin {number}", f"besoin {number} bis", ("Des formations", "competences"))
    client = login(claire)
    # session, user, the data version, the seasons and one EXISTS for the only season with needs, categories, the
    # needs to categorise per season (from the sessions' summaries), page rows, then the counts per category and the
    # uncategorised texts in one grouped query (the page's count is taken from them)
    with django_assert_max_num_queries(9):
        response = client.get(LIST_URL, {"saison": SEASON, "statut": "toutes"})
    assert response.status_code == 200
    assert len(response.context["rows"]) == 50
    assert response.context["page"].paginator.count == 60
    assert "Page 1 sur 2" in response.content.decode()
    # Until the data change, the seasons with needs and the season's counts come from the cache (kept per data
    # version): session, user, the data version, categories, page rows.
    with django_assert_max_num_queries(5):
        response = client.get(LIST_URL, {"saison": SEASON, "statut": "toutes"})
    assert response.context["page"].paginator.count == 60


def test_counts_kept_per_data_version_follow_every_write(login, claire, session_a, other_season_session, monkeypatch):
    """The season's counts and identical texts are cached per data version: a categorisation, a new response and a
    session moved to another season each show at the next visit; needs typed in another season leave them kept."""
    from evaluation import views_needs

    (need, _other) = add_needs(session_a, "Se former", "se  FORMER")
    client = login(claire)
    read = []
    season_groups = views_needs._season_groups
    monkeypatch.setattr(views_needs, "_season_groups", lambda season: read.append(season) or season_groups(season))

    def seen():
        response = client.get(LIST_URL, {"saison": SEASON, "statut": "toutes"})
        counts = response.context["counts"]
        return counts["uncategorised"], counts["categorised"], response.context["form"].fields["saison"].choices

    assert seen()[:2] == (2, 0)
    client.post(assign_url(need), {"category": category("competences").pk})
    assert seen()[:2] == (1, 1)
    add_needs(session_a, "Un lieu d'écoute")
    assert seen()[:2] == (2, 1)
    other_season = other_season_session.season
    assert other_season not in [value for value, _label in seen()[2]]
    reads = len(read)
    add_needs(other_season_session, "Un annuaire")
    assert other_season in [value for value, _label in seen()[2]]
    assert len(read) == reads  # this season's counts were kept: the need was typed in another season
    session_a.date = other_season_session.date
    session_a.save()
    assert seen()[:2] == (0, 0)


# Assigning ---------------------------------------------------------------------------------------------


def test_assign_by_key_then_by_code_then_remove(login, claire, session_a):
    need, other = add_needs(session_a, "Des formations", "Un annuaire")
    client = login(claire)
    next_url = f"{LIST_URL}?saison={SEASON}&page=1"
    response = client.post(assign_url(need), {"category": "2", "next": next_url})
    assert response.status_code == 303 and response["Location"] == next_url
    need.refresh_from_db()
    assert need.category == category("actions") and need.categorised_by == claire
    assert need.categorised_at is not None

    client.post(assign_url(need), {"category": "competences"})
    need.refresh_from_db()
    assert need.category == category("competences")

    response = client.post(assign_url(need), {"category": ""}, follow=True)
    need.refresh_from_db()
    assert (need.category, need.categorised_by, need.categorised_at) == (None, None, None)
    assert "Besoin «\xa0Des formations\xa0» remis à catégoriser." in response.content.decode()
    other.refresh_from_db()
    assert other.category is None


def test_unknown_category_changes_nothing(login, claire, session_a):
    (need,) = add_needs(session_a, "Des formations")
    client = login(claire)
    response = client.post(assign_url(need), {"category": "9"}, follow=True)
    assert "Catégorie inconnue «\xa09\xa0»." in response.content.decode()
    response = client.post(assign_url(need), {"category": "9"}, headers={"HX-Request": "true"})
    assert response.status_code == 400 and response.content.decode() == "Catégorie inconnue « 9 »."
    need.refresh_from_db()
    assert need.category is None


def test_an_outside_next_url_is_not_followed(login, claire, session_a):
    (need,) = add_needs(session_a, "Des formations")
    response = login(claire).post(assign_url(need), {"category": "1", "next": "https://ailleurs.example/"})
    assert response["Location"] == f"{LIST_URL}?saison={SEASON}"


def test_htmx_assign_returns_the_row_and_the_counts_out_of_band(login, claire, session_a):
    need, unrelated = add_needs(session_a, "Des formations", "Un annuaire")
    (twin,) = add_needs(session_a, "DES FORMATIONS")
    page_ids = f"{need.pk},{unrelated.pk},{twin.pk}"
    response = login(claire).post(
        assign_url(need), {"category": "1", "page_ids": page_ids}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<li id="need-{need.pk}" class="card mb-2 need-row bg-body-tertiary"' in html
    assert 'data-categorised="true"' in html and "1 · Développement de compétences" in html
    main, twin_row = html.split(f'<li id="need-{twin.pk}"')
    # The other « formations » is still to categorise: the categorised row says so and keeps its bulk button…
    assert "1 autre besoin identique à catégoriser cette saison" in main and "Classer aussi le besoin identique" in main
    # … and that other row, shown on the page, loses its « 1 autre besoin identique » (out of band).
    assert "identique" not in twin_row and f'<li id="need-{unrelated.pk}"' not in html
    counts = '<section class="card mb-3" id="need-counts" aria-labelledby="need-counts-title" data-hx-swap-oob="true">'
    assert counts in html
    assert html.count('data-hx-swap-oob="true"') == 3
    assert 'data-count="competences">1<' in html and 'data-count="uncategorised">2<' in html
    # The line above the list counts down too (it stayed at 3 until the page was reloaded).
    assert '<span id="needs-summary-count" data-hx-swap-oob="true">2 besoins à catégoriser</span>' in html
    trigger = json.loads(response["HX-Trigger"])
    assert trigger == {
        "needs-assigned": {"message": "Besoin « Des formations » classé en « Développement de compétences »."}
    }


def test_the_list_of_every_need_keeps_its_count(login, claire, session_a):
    """« Tous les besoins » counts every need, which a category does not change: no count swapped there."""
    need, _other = add_needs(session_a, "Des formations", "Un annuaire")
    next_url = reverse("evaluation:needs_categorise") + f"?saison={session_a.season}&statut=tous"
    response = login(claire).post(
        assign_url(need), {"category": "1", "page_ids": str(need.pk), "next": next_url}, headers={"HX-Request": "true"}
    )
    assert "needs-summary-count" not in response.content.decode()


# Bulk --------------------------------------------------------------------------------------------------


def test_bulk_assigns_identical_uncategorised_texts_of_the_season_only(
    login, claire, session_a, other_season_session, clsm_a
):
    first, unrelated = add_needs(session_a, "Se former à l'écoute", "Un annuaire")
    (second,) = add_needs(session_a, "  se FORMER   à l'écoute ")
    (already,) = add_needs(session_a, ("Se former à l'écoute", "reseau"))
    (elsewhere,) = add_needs(other_season_session, "Se former à l'écoute")
    same_season = AwarenessSessionFactory(clsm=clsm_a, held=True, date=datetime.date(2023, 10, 2))
    (third,) = add_needs(same_season, "Se former à l'écoute")

    response = login(claire).post(
        BULK_URL, {"text": "Se former à l'écoute", "category": "1", "season": SEASON}, follow=True
    )
    assert "3 besoins «\xa0Se former à l&#x27;écoute\xa0» classés en «\xa0Développement de compétences\xa0»." in (
        response.content.decode()
    )
    for need in (first, second, third):
        need.refresh_from_db()
        assert need.category == category("competences") and need.categorised_by == claire
    for need, expected in ((unrelated, None), (already, category("reseau")), (elsewhere, None)):
        need.refresh_from_db()
        assert need.category == expected


def test_bulk_needs_a_category_and_a_valid_season(login, claire, session_a):
    (need,) = add_needs(session_a, "Des formations")
    client = login(claire)
    response = client.post(BULK_URL, {"text": "Des formations", "category": "", "season": SEASON}, follow=True)
    assert "Choisissez une catégorie." in response.content.decode()
    response = client.post(BULK_URL, {"text": "Des formations", "category": "1", "season": "2024"}, follow=True)
    assert "saison invalide «\xa02024\xa0»" in response.content.decode()
    need.refresh_from_db()
    assert need.category is None


def test_htmx_bulk_swaps_the_shown_rows_and_counts(login, claire, session_a):
    first, second = add_needs(session_a, "Des formations", "Un annuaire")
    (third,) = add_needs(session_a, "des formations")
    (categorised,) = add_needs(session_a, ("DES formations", "actions"))
    page_ids = f"{first.pk},{second.pk},{categorised.pk}"
    response = login(claire).post(
        BULK_URL,
        {"text": "Des formations", "category": "competences", "season": SEASON, "page_ids": page_ids},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    # The rows of the page with that text come back out of band (the third is on no page the user sees;
    # the categorised one keeps its category but loses its bulk button), with the counts.
    assert f'<li id="need-{first.pk}"' in html and f'<li id="need-{third.pk}"' not in html
    assert f'<li id="need-{categorised.pk}"' in html and f'<li id="need-{second.pk}"' not in html
    assert "identique" not in html
    assert html.count('data-hx-swap-oob="true"') == 4  # two rows, the counts and the line above the list
    assert '<span id="needs-summary-count" data-hx-swap-oob="true">1 besoin à catégoriser</span>' in html
    assert 'data-count="competences">2<' in html
    assert json.loads(response["HX-Trigger"])["needs-assigned"]["message"].startswith("2 besoins « Des formations »")
    assert Need.objects.filter(category__code="competences").count() == 2


def test_normalisation_ignores_case_and_spaces():
    assert normalise_need("  Se  FORMER\nà l'Écoute ") == normalise_need("se former à l'écoute")
    assert normalise_need("Se former") != normalise_need("Se formers")


def test_page_links_keyboard_script_and_help(login, claire, session_a):
    add_needs(session_a, "Des formations")
    html = login(claire).get(LIST_URL, {"saison": SEASON}).content.decode()
    assert '<script src="/static/js/needs.js" defer></script>' in html
    assert "Au clavier" in html and "<kbd>Maj</kbd>" in html
    assert "data-needs-list" in html and "data-bulk" not in html  # no identical text: no bulk button
    assert '<label class="visually-hidden" for="need-' in html


def test_element_ids_are_not_localised(login, claire, session_a):
    """Ids above 999 must not get a thousands separator (« need-12 345 ») in ids and htmx targets."""
    (need,) = add_needs(session_a, "Des formations")
    Need.objects.create(pk=12345, response=need.response, position=2, text="Un annuaire")
    html = login(claire).get(LIST_URL, {"saison": SEASON}).content.decode()
    assert '<li id="need-12345"' in html and 'data-hx-target="#need-12345"' in html
    assert 'for="need-12345-category"' in html


def test_seasons_with_needs_are_found_one_season_at_a_time(
    claire, session_a, other_season_session, django_assert_num_queries
):
    from evaluation.views_needs import _seasons_with_needs
    from sessions_app.summaries import data_version_counter

    add_needs(session_a, "Des formations")
    AwarenessSessionFactory(clsm=session_a.clsm, date=datetime.date(2020, 10, 1), reference="2020-001")
    # The distinct seasons (without the model's ordering, which would make them one per session), then one EXISTS
    # per season: never all the needs joined with all the responses at once.
    version = data_version_counter()
    with django_assert_num_queries(4) as queries:
        assert _seasons_with_needs(version) == [SEASON]
    assert 'SELECT DISTINCT "sessions_app_awarenesssession"."season"' in queries.captured_queries[0]["sql"]
    assert "ORDER BY" not in queries.captured_queries[0]["sql"]


def test_counts_and_identical_texts_come_from_one_grouped_query(login, claire, session_a):
    add_needs(session_a, "Se former", "se  FORMER", ("Des formations", "competences"))
    add_needs(session_a, "Se former", ("Des formations", "competences"), ("Réseau", "reseau"))
    response = login(claire).get(LIST_URL, {"saison": SEASON, "statut": "toutes"})
    counts = response.context["counts"]
    assert (counts["total"], counts["uncategorised"], counts["categorised"]) == (6, 3, 3)
    assert {c.category.code: c.count for c in counts["categories"] if c.count} == {"competences": 2, "reseau": 1}
    assert response.context["page"].paginator.count == 6
    identical = {row.need.text: row.identical for row in response.context["rows"] if row.need.category_id is None}
    assert [identical[text] for text in ("Se former", "se  FORMER")] == [2, 2]
