"""A territory runs a session itself, from the invitation of its local animator to the national bilan (issue 16)."""

import json
import re
from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from evaluation.models import Response
from sessions_app.models import AwarenessSession
from tests.browser.test_paper_entry_browser import SHEETS, Keyboard

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def standard_questionnaire(transactional_db):
    import_module("evaluation.migrations.0002_standard_questionnaire").install(apps, None)


def bilan_json(page, query: str) -> dict:
    page.goto(reverse("evaluation:bilan_json") + query)
    return json.loads(page.locator("body").inner_text())


def log_out(page):
    # The dashboard's charts load after the page: let them finish before the next person logs in.
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()


def test_a_territory_runs_a_session_itself_and_the_nation_counts_it_once_validated(
    page, log_in, alice, claire, clsm_a, password
):
    # The coordinator invites a local animator for her CLSM.
    log_in(alice)
    page.goto(reverse("territories:local_animator_invite"))
    page.locator("input[name=first_name]").fill("Nina")
    page.locator("input[name=last_name]").fill("Roche")
    page.locator("input[name=email]").fill("nina@asso.fr")
    mail.outbox.clear()
    page.get_by_role("button", name="Envoyer l'invitation").click()
    expect(page.get_by_text("L'invitation est envoyée à nina@asso.fr")).to_be_visible()
    (message,) = [m for m in mail.outbox if m.to == ["nina@asso.fr"]]
    link = re.search(r"https?://[^/\s]+(/territoires/invitation/[^/\s]+/)", message.body).group(1)

    # She chooses her password and lands on her (empty) home page.
    log_out(page)
    page.goto(link)
    page.locator("input[name=new_password1]").fill(password + "-nina")
    page.locator("input[name=new_password2]").fill(password + "-nina")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_text("Aucune séance pour l'instant")).to_be_visible()
    nina = User.objects.get(email="nina@asso.fr")

    # The coordinator creates the session the territory animates itself, with Nina, and marks it held.
    log_out(page)
    log_in(alice)
    page.goto(reverse("sessions_app:self_run_create"))
    page.locator("input[name=qpvs]").first.check()
    page.locator("input[name=date]").fill((timezone.localdate() - timedelta(days=1)).isoformat())
    page.locator("input[name=venue]").fill("Maison de quartier des Oliviers")
    page.get_by_label("Nina Roche").check()
    page.get_by_role("button", name="Créer la séance").click()
    expect(page.get_by_text("animée par le territoire, est créée")).to_be_visible()
    session = AwarenessSession.objects.get(mode="territoire")
    assert list(session.animators.all()) == [nina]
    page.get_by_role("button", name="Confirmer").click()
    page.locator("#held-attendance").fill("5")
    page.get_by_role("button", name="Marquer comme réalisée").click()
    expect(page.get_by_text("est désormais « réalisée »")).to_be_visible()

    # Nina types the five sheets with the keyboard, from her home page.
    log_out(page)
    page.goto("/comptes/connexion/")
    page.get_by_label("Identifiant").fill("nina@asso.fr")
    page.get_by_label("Mot de passe").fill(password + "-nina")
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("link", name="Saisir les questionnaires").click()
    expect(page.locator("#id_sat_logistique_5")).to_be_focused()
    keyboard = Keyboard(page)
    for number, (keys, need, category_key) in enumerate(SHEETS, start=1):
        keyboard.keys(keys)
        keyboard.text(need)
        if category_key:  # the territory categorises the needs it types
            keyboard.press("Tab")
            keyboard.press(category_key)
        with page.expect_navigation():
            keyboard.press("Enter")
        expect(page.get_by_text(f"Feuille n° {number} enregistrée.")).to_be_visible()
    assert list(Response.objects.filter(session=session).values_list("entered_by", flat=True)) == [nina.pk] * 5
    # Never the bilan.
    assert page.goto(reverse("evaluation:dashboard")).status == 403

    # The CLSM's bilan shows them at once, marked « en attente de validation ».
    log_out(page)
    log_in(alice)
    page.goto(reverse("evaluation:dashboard") + "?period=tout")
    expect(page.locator("#pending-validation")).to_contain_text("1 séance animée par le territoire en attente")
    # The live server's requests share one test database connection: let the charts finish first.
    page.wait_for_load_state("networkidle")
    assert bilan_json(page, "?period=tout")["key_figures"]["responses"] == 5

    # The national bilan does not count them yet; the chargée validates; then it does, with the mode filter.
    log_out(page)
    log_in(claire)
    assert bilan_json(page, "?period=tout&mode=territoire")["key_figures"]["sessions"] == 0
    page.goto(reverse("sessions_app:validation_list"))
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_text("données « validée »")).to_be_visible()
    page.goto(reverse("evaluation:dashboard") + "?period=tout&mode=territoire")
    expect(page.get_by_label("Animation", exact=True)).to_have_value("territoire")
    expect(page.get_by_role("heading", name=re.compile("animée par le territoire"))).to_be_visible()
    page.wait_for_load_state("networkidle")
    national = bilan_json(page, "?period=tout&mode=territoire")
    assert national["key_figures"]["sessions"] == 1 and national["key_figures"]["responses"] == 5
    assert national["key_figures"]["self_run_sessions"] == 1
    assert national["breakdown"]["modes"] == [
        {"code": "territoire", "label": "animée par le territoire", "sessions": 1, "participants": 5, "responses": 5}
    ]
