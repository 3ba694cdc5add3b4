import re

import pytest
from playwright.sync_api import expect

from territories.models import CLSM

pytestmark = pytest.mark.browser


def test_staff_logs_in_and_reaches_the_clsm_list(page, log_in, claire, clsm_a, clsm_b):
    log_in(claire)
    expect(page.get_by_role("heading", name="Centre national — tableau de bord")).to_be_visible()
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="CLSM").click()
    expect(page.get_by_role("heading", name="Conseils locaux de santé mentale")).to_be_visible()
    expect(page.get_by_role("link", name="CLSM A de Lille")).to_be_visible()
    expect(page.get_by_role("link", name="CLSM B de Marseille")).to_be_visible()

    # Filtering by région goes through htmx: the list updates without reloading the page.
    page.get_by_label("Région").select_option(label="Provence-Alpes-Côte d'Azur")
    expect(page.get_by_role("link", name="CLSM A de Lille")).to_have_count(0)
    expect(page.get_by_role("link", name="CLSM B de Marseille")).to_be_visible()
    expect(page).to_have_url(re.compile(r"region=93"))


def test_staff_creates_a_clsm_choosing_qpv_by_autocomplete(page, log_in, claire):
    log_in(claire)
    page.goto("/territoires/clsm/nouveau/")
    page.get_by_label("Nom").fill("CLSM de Saint-Quentin")
    qpv_input = page.locator("#id_qpvs-ts-control")
    qpv_input.fill("Europe")
    page.get_by_role("option", name=re.compile(r"QN00201M – Europe")).click()
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", name=re.compile("CLSM de Saint-Quentin"))).to_be_visible()
    expect(page.locator("p", has_text="Omissy (02571), Saint-Quentin (02691)")).to_be_visible()
    clsm = CLSM.objects.get(name="CLSM de Saint-Quentin")
    assert list(clsm.qpvs.values_list("code", flat=True)) == ["QN00201M"]


def test_skip_link_and_visible_focus(page, log_in, alice, clsm_a):
    log_in(alice)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    outline = skip.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline == "solid"
