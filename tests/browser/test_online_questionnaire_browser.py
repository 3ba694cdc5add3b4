"""A participant answers the online questionnaire on a phone, without an account."""

import contextlib
import datetime
import importlib
import re

import pytest
from django.apps import apps
from playwright.sync_api import expect

from evaluation import online
from evaluation.models import Response

pytestmark = pytest.mark.browser

SCREENSHOT = "/tmp/online_form.png"


@pytest.fixture
def standard_questionnaire(transactional_db):
    """An earlier browser test may have emptied every table: put the questionnaire of the migration back."""
    importlib.import_module("evaluation.migrations.0002_standard_questionnaire").install(apps, None)


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        locale="fr-FR",
        timezone_id="Europe/Paris",
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    with contextlib.suppress(Exception):  # let requests in flight finish before the live server stops
        page.wait_for_load_state("networkidle", timeout=5_000)
    context.close()


def question(page, label):
    return page.get_by_role("group", name=label)


def test_participant_leaves_two_blanks_is_warned_and_sends_anyway(
    phone, standard_questionnaire, session_a, monkeypatch
):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: datetime.date(2024, 3, 13))
    link = online.link_for(session_a)
    phone.goto(f"/q/{link.token}/")
    expect(phone.get_by_role("heading", name="Votre avis compte")).to_be_visible()

    answers = {
        "Organisation logistique": "5",
        "Dynamique de groupe": "4",
        "Qualité de l'animation": "5",
        "Qualité du contenu pédagogique": "4",
        "Cohérence du contenu avec vos attentes": "3",
        "Expliquer à d'autres personnes du quartier les enjeux de la santé mentale": "3",
        "Identifier des ressources locales": "4",
        "Identifier votre CLSM": "2",
        "Vous sentez-vous plus concerné·e par la santé mentale ?": "4",
        "Avez-vous l'intention de participer à des formations plus avancées ?": "3",
    }
    for label, value in answers.items():
        group = question(phone, label)
        group.locator("label", has_text=re.compile(f"^{value}$")).tap()
        expect(group.get_by_role("radio", name=value, exact=True)).to_be_checked()
    # A deliberate « no answer » counts as answered: no warning for it, and no value saved.
    posture = "Identifier des éléments de posture favorisant une approche déstigmatisante de la santé mentale"
    question(phone, posture).get_by_text("Je ne souhaite pas répondre").tap()
    phone.get_by_label("Besoin n° 1").fill("Des formations pour les animateurs jeunesse")
    phone.get_by_label("Un commentaire, une suggestion ? (facultatif)").fill("Très bonne séance, merci.")
    phone.screenshot(path=SCREENSHOT, full_page=True)

    # Two questions left blank: « Durée de l'animation » and « Souhaiteriez-vous vous investir… ».
    phone.get_by_role("button", name="Envoyer ma réponse").tap()
    warning = phone.get_by_role("alert")
    expect(warning).to_be_visible()
    expect(warning).to_be_focused()
    expect(warning).to_contain_text("2 questions sont restées sans réponse")
    expect(warning.get_by_role("link")).to_have_text(
        ["Durée de l'animation", "Souhaiteriez-vous vous investir pour la santé mentale dans le quartier ?"]
    )
    assert not Response.objects.exists()

    # « Compléter » takes the participant to the first blank question…
    warning.get_by_role("button", name="Compléter").tap()
    expect(warning).to_be_hidden()
    duration = question(phone, "Durée de l'animation")
    expect(duration.get_by_role("radio").first).to_be_focused()
    expect(duration.get_by_text("Sans réponse pour l'instant.")).to_be_visible()

    # …who decides to send anyway.
    phone.get_by_role("button", name="Envoyer ma réponse").tap()
    warning.get_by_role("button", name="Envoyer quand même").tap()
    phone.wait_for_url(f"**/q/{link.token}/merci/")
    expect(phone.get_by_role("heading", name="Merci pour votre réponse !")).to_be_visible()

    response = Response.objects.get()
    assert response.session == session_a and response.channel == "en_ligne" and response.entered_by is None
    saved = dict(response.answers.values_list("item__code", "value"))
    assert len(saved) == 10
    assert {"sat_duree", "eng_investir", "cap_posture"}.isdisjoint(saved)
    assert saved["sat_logistique"] == 5 and saved["cap_clsm"] == 2
    assert list(response.needs.values_list("text", flat=True)) == ["Des formations pour les animateurs jeunesse"]
    assert response.comment == "Très bonne séance, merci."


def test_a_complete_form_is_sent_without_warning(phone, standard_questionnaire, session_a, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: datetime.date(2024, 3, 12))
    link = online.link_for(session_a)
    phone.goto(f"/q/{link.token}/")
    groups = phone.locator("fieldset[data-item]").all()
    groups[0].locator("label", has_text=re.compile("^4$")).tap()
    for group in groups[1:]:
        group.get_by_text("Je ne souhaite pas répondre").tap()
    phone.get_by_role("button", name="Envoyer ma réponse").tap()
    phone.wait_for_url(f"**/q/{link.token}/merci/")
    assert dict(Response.objects.get().answers.values_list("item__code", "value")) == {"sat_logistique": 4}


def test_a_form_without_any_answer_is_not_saved(phone, standard_questionnaire, session_a, monkeypatch):
    """« Je ne souhaite pas répondre » everywhere, no need, no comment: nothing to count, the participant is told."""
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: datetime.date(2024, 3, 12))
    link = online.link_for(session_a)
    phone.goto(f"/q/{link.token}/")
    for group in phone.locator("fieldset[data-item]").all():
        group.get_by_text("Je ne souhaite pas répondre").tap()
    phone.get_by_role("button", name="Envoyer ma réponse").tap()
    expect(phone.get_by_text("Votre questionnaire est vide")).to_be_visible()
    assert phone.url.endswith(f"/q/{link.token}/")
    expect(phone.get_by_role("radio", name="Je ne souhaite pas répondre", checked=True)).to_have_count(13)
    assert not Response.objects.exists()


def test_going_back_after_sending_shows_an_empty_form_not_the_answers_again(
    phone, standard_questionnaire, session_a, monkeypatch
):
    """The page is never cached, so Back fetches a new form (a new nonce): had the browser put the answers back in
    it, one more tap would count the same person twice."""
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: datetime.date(2024, 3, 12))
    link = online.link_for(session_a)
    phone.goto(f"/q/{link.token}/")
    for group in phone.locator("fieldset[data-item]").all():
        group.locator("label", has_text=re.compile("^4$")).tap()
    phone.get_by_label("Un commentaire, une suggestion ? (facultatif)").fill("Très bien.")
    phone.get_by_role("button", name="Envoyer ma réponse").tap()
    phone.wait_for_url(f"**/q/{link.token}/merci/")

    phone.go_back()
    phone.wait_for_url(f"**/q/{link.token}/")
    expect(phone.get_by_role("heading", name="Votre avis compte")).to_be_visible()
    expect(phone.locator("input[type=radio]:checked")).to_have_count(0)
    expect(phone.get_by_label("Un commentaire, une suggestion ? (facultatif)")).to_have_value("")
    assert Response.objects.count() == 1
