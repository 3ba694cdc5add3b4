"""The session form in a browser: the commune follows the QPV chosen, with a warning when moved outside them."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_commune_is_filled_from_the_qpv_and_warned_outside(page, log_in, claire, clsm_a):
    log_in(claire)
    page.goto(reverse("sessions_app:session_create"))
    page.locator("#id_qpvs-ts-control").fill("QN05971M")
    page.get_by_role("option", name=re.compile(r"QN05971M – Secteur Ouest")).click()
    page.keyboard.press("Escape")
    expect(page.locator("#id_commune")).to_have_value("59350")  # Lille, the QPV's only commune
    hint = page.locator("[data-commune-hint]")
    expect(hint).to_have_text("")
    page.locator("#id_commune-ts-control").fill("Hellemmes")
    page.get_by_role("option", name=re.compile(r"Hellemmes-Lille \(59298")).click()
    expect(hint).to_contain_text("Cette commune n'est pas celle des QPV choisis (Lille (59350, Nord))")


def test_a_commune_typed_over_the_chosen_one_is_the_one_enter_picks(page, log_in, claire, clsm_a):
    """The commune already chosen (Lille) stayed first in the list of every search, and Enter kept it."""
    log_in(claire)
    page.goto(reverse("sessions_app:session_create"))
    commune = page.locator("#id_commune-ts-control")
    commune.fill("Lille")
    page.get_by_role("option", name=re.compile(r"^Lille \(59350")).click()
    expect(page.locator("#id_commune")).to_have_value("59350")
    commune.fill("Hellemmes")
    expect(page.locator("#id_commune-ts-dropdown .option")).to_have_text([re.compile(r"^Hellemmes-Lille \(59298")])
    page.keyboard.press("Enter")
    expect(page.locator("#id_commune")).to_have_value("59298")
    commune.fill("zzzz")
    expect(page.locator("#id_commune-ts-dropdown .no-results")).to_have_text("Aucun résultat")
    # The lists that search what the page holds say it in French too.
    page.locator("#id_clsm-ts-control").fill("zzzz")
    expect(page.locator("#id_clsm-ts-dropdown .no-results")).to_have_text("Aucun résultat")


def test_a_form_with_errors_opens_on_its_summary(page, log_in, claire, clsm_a):
    log_in(claire)
    page.goto(reverse("sessions_app:session_create"))
    page.locator("form[data-session-form]").evaluate("form => { form.noValidate = true; }")  # the server's checks
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Date : Ce champ est obligatoire.")
    summary.get_by_role("link", name="Date : Ce champ est obligatoire.").click()
    expect(page.locator("#id_date")).to_be_focused()


def test_no_console_error_on_a_page(page, log_in, claire):
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    log_in(claire)
    page.goto(reverse("sessions_app:session_create"))
    page.wait_for_load_state("networkidle")
    assert errors == []  # the favicon was the one 404 of every page


@pytest.mark.parametrize("width", [1280, 1440])
def test_the_menu_fits_a_laptop_screen(page, log_in, alice, claire, width):
    """Nine entries, the site's name and the person's made the page wider than a 1280 or 1440 px screen, « Se
    déconnecter » out of sight: the menu wraps instead."""
    page.set_viewport_size({"width": width, "height": 900})
    for person in (claire, alice):
        log_in(person)
        page.goto(reverse("home"))
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        logout = page.get_by_role("button", name="Se déconnecter")
        box = logout.bounding_box()
        assert box is not None and box["x"] + box["width"] <= width
        page.context.clear_cookies()
