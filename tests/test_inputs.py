"""Inputs that do what the hand expects: the commune field of a session (ranked search, filled from the QPV, a
warning when it lies outside them), AZERTY keys on the keyboard screens, a catalogue search that ignores accents
(run on SQLite and on PostgreSQL: DATABASE_URL)."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.urls import reverse

from kit.models import ActionSheet
from sessions_app.models import AwarenessSession
from smdq.text import fold
from territories.models import QPV, Commune
from tests.test_kit_catalogue import CATALOGUE, result_count, result_slugs
from tests.test_sessions import form_data, messages_of

pytestmark = pytest.mark.django_db


def results(response) -> list[str]:
    assert response.status_code == 200
    return [row["value"] for row in response.json()["results"]]


# The commune field ---------------------------------------------------------------------------------------------


def test_commune_search_puts_the_exact_name_first(login, claire):
    client = login(claire)
    found = results(client.get(reverse("territories:commune_search"), {"q": "Lille"}))
    assert found[0] == "59350"  # Lille, before Hellemmes-Lille (59298)
    assert "59298" in found and found.index("59298") > found.index("76384")  # « Lillebonne » starts with it
    assert results(client.get(reverse("territories:commune_search"), {"q": "lille"}))[0] == "59350"
    assert results(client.get(reverse("territories:commune_search"), {"q": "59350"})) == ["59350"]


def test_commune_search_ignores_qpv_ids_that_are_no_integer_id(login, claire):
    client = login(claire)
    # A superscript digit passes str.isdigit() but not int(); a huge id is past the database's integer range.
    for value in ("²", "٣٣٣" * 2000, str(2**63)):
        assert results(client.get(reverse("territories:commune_search"), {"qpv": value})) == []


def test_commune_search_ranking_in_the_queryset():
    names = list(Commune.objects.search("Lille").values_list("name", flat=True)[:3])
    assert names == ["Lille", "Lillebonne", "Lillemer"]


def test_commune_search_gives_the_communes_of_the_qpv_chosen(login, claire):
    client = login(claire)
    west, south = QPV.objects.get(code="QN05971M"), QPV.objects.get(code="QN05972M")
    assert results(client.get(reverse("territories:commune_search"), {"qpv": west.pk})) == ["59350"]
    assert results(client.get(reverse("territories:commune_search"), {"qpv": [west.pk, south.pk]})) == [
        "59220",  # Faches-Thumesnil, Lezennes, Lille, Loos: each once, by name
        "59346",
        "59350",
        "59360",
    ]
    assert results(client.get(reverse("territories:commune_search"), {"qpv": "x"})) == []  # ignored, not an error


def test_edit_form_prefills_the_commune_of_the_qpv(login, claire, clsm_a):
    client = login(claire)
    west = QPV.objects.get(code="QN05971M")
    client.post(reverse("sessions_app:session_create"), form_data(clsm_a, qpvs=[west.pk], commune=""))
    session = AwarenessSession.objects.get()
    assert session.commune_id is None
    html = client.get(reverse("sessions_app:session_edit", args=[session.pk])).content.decode()
    assert '<option value="59350" selected>Lille (59350)</option>' in html
    assert "data-session-form" in html and "js/session-form.js" in html  # the same, live, as the QPV change


def test_a_commune_outside_the_qpv_is_saved_with_a_warning(login, claire, clsm_a):
    west = QPV.objects.get(code="QN05971M")
    response = login(claire).post(
        reverse("sessions_app:session_create"), form_data(clsm_a, qpvs=[west.pk], commune="59298"), follow=True
    )
    session = AwarenessSession.objects.get()
    assert session.commune_id == "59298"  # saved: the message does not block
    assert messages_of(response) == [
        "La séance 2024-001 a été créée.",
        "La commune « Hellemmes-Lille » n'est pas celle des QPV de la séance (Lille). La séance est enregistrée ; "
        "vérifiez la commune.",
    ]
    edit = login(claire).post(
        reverse("sessions_app:session_edit", args=[session.pk]),
        form_data(clsm_a, qpvs=[west.pk], commune="59350"),
        follow=True,
    )
    assert messages_of(edit) == ["La séance 2024-001 a été mise à jour."]  # back in its QPV: no warning


# Keyboard screens ------------------------------------------------------------------------------------------


def test_keyboard_screens_share_the_digit_helper(login, claire, session_a):
    """The AZERTY top row (« é » for 2) is read by static/js/keys.js, loaded before each keyboard screen's script
    (tests/browser/test_paper_entry_browser.py types a sheet with it)."""
    client = login(claire)
    for url, script in (
        (reverse("evaluation:paper_entry", args=[session_a.pk]), "js/paper-entry.js"),
        (reverse("evaluation:needs_categorise"), "js/needs.js"),
    ):
        html = client.get(url).content.decode()
        assert "js/keys.js" in html and html.index("js/keys.js") < html.index(script)


# Catalogue search without accents -------------------------------------------------------------------------


def test_fold_takes_off_case_accents_and_ligatures():
    assert fold("Œuvre de SANTÉ à l'École, Ærø") == "oeuvre de sante a l'ecole, aero"
    assert fold(None) is None


@pytest.mark.parametrize(
    ("plain", "accented"),
    [("sante", "santé"), ("prevention", "prévention"), ("elus", "élus"), ("videaste", "vidéaste"), ("oeuvre", "œuvre")],
)
def test_catalogue_search_ignores_accents(client, plain, accented):
    with_accents = client.get(CATALOGUE, {"q": accented}).content.decode()
    without = client.get(CATALOGUE, {"q": plain}).content.decode()
    assert result_count(with_accents) > 0, connection.vendor
    assert result_slugs(without) == result_slugs(with_accents)
    assert result_count(client.get(CATALOGUE, {"q": plain.upper()}).content.decode()) == result_count(without)


def test_santé_and_sante_find_every_sheet():
    published = ActionSheet.objects.published()
    assert published.search("sante").count() == published.search("santé").count() == 26
    assert published.search("Ecole prevention").count() == published.search("école prévention").count()


# Required fields and the error summary ---------------------------------------------------------------------


def test_required_fields_are_marked_for_eyes_and_for_screen_readers(login, claire):
    html = login(claire).get(reverse("sessions_app:session_create")).content.decode()
    label = re.search(r'<label\s+for="id_date"[^>]*>(.*?)</label>', html, re.S).group(1)
    assert '<span class="asteriskField" aria-hidden="true">*</span>' in label
    assert '<span class="visually-hidden"> (obligatoire)</span>' in label
    assert re.search(r'<input type="date" name="date"[^>]*\brequired\b', html)
    notes = re.search(r'<label\s+for="id_notes"[^>]*>(.*?)</label>', html, re.S).group(1)
    assert "obligatoire" not in notes  # optional: no mark


def test_a_form_with_errors_opens_on_its_summary(login, claire, clsm_a):
    response = login(claire).post(reverse("sessions_app:session_create"), form_data(clsm_a, date="", venue="x" * 300))
    assert response.status_code == 200
    html = response.content.decode()
    summary = re.search(
        r'<div class="alert alert-danger error-summary" tabindex="-1" data-error-summary.*?</div>', html, re.S
    )
    assert summary, "pas de récapitulatif des erreurs"
    assert html.index("data-error-summary") < html.index('name="clsm"')  # at the top of the form
    assert '<a href="#id_date">Date\xa0: Ce champ est obligatoire.</a>' in summary.group()
    assert 'href="#id_venue"' in summary.group()
    assert "js/app.js" in html  # which focuses it: the CSP forbids an inline script
    assert "<script>" not in html


def test_a_valid_form_has_no_summary(login, claire):
    assert "data-error-summary" not in login(claire).get(reverse("sessions_app:session_create")).content.decode()


def test_a_hand_laid_form_has_the_summary_too(login, alice, clsm_a):
    response = login(alice).post(reverse("sessions_app:request_create"), {"clsm": clsm_a.pk})
    assert response.status_code in (200, 400)
    assert "data-error-summary" in response.content.decode()


# Favicon -----------------------------------------------------------------------------------------------------


def test_every_page_links_the_favicon(client, login, claire):
    for html in (client.get(reverse("login")).content.decode(), login(claire).get("/").content.decode()):
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    icon = finders.find("favicon.svg")
    assert icon and Path(icon).read_text().startswith("<svg")
