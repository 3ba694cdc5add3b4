"""An anonymous visitor filters the catalogue of inspiring actions and opens a sheet."""

import importlib
import re

import pytest
from django.apps import apps
from playwright.sync_api import expect

from kit.models import ActionSheet

pytestmark = pytest.mark.browser

CATALOGUE_SCREENSHOT = "/tmp/kit_catalogue.png"
SHEET_PDF = "/tmp/kit_sheet.pdf"
SHEET_PRINT_SCREENSHOT = "/tmp/kit_sheet_print.png"


@pytest.fixture
def catalogue(transactional_db):
    """An earlier browser test may have emptied every table: put the migrations' data back."""
    importlib.import_module("kit.migrations.0002_taxonomies").install(apps, None)
    importlib.import_module("kit.migrations.0003_actions_004").install(apps, None)


def test_visitor_filters_by_a_determinant_and_opens_a_sheet(page, catalogue):
    page.goto("/kit/")
    expect(page.get_by_role("heading", name="Actions inspirantes en santé mentale")).to_be_visible()
    count = page.locator("#result-count")
    expect(count).to_have_text("26 actions")
    page.screenshot(path=CATALOGUE_SCREENSHOT, full_page=True)

    # Ticking « Urbanisme » updates the results and the counts through htmx, without reloading the page.
    urbanism = page.get_by_role("checkbox", name=re.compile(r"^Urbanisme 2 fiches$"))
    urbanism.check()
    expect(count).to_have_text("2 actions correspondent à votre recherche")
    expect(page).to_have_url(re.compile(r"determinant=urbanisme"))
    expect(page.get_by_role("checkbox", name=re.compile(r"^Urbanisme"))).to_be_checked()
    expect(page.get_by_role("radio", name=re.compile(r"^Oui 1 fiche$"))).to_be_visible()  # QPV counts followed
    results = page.locator(".sheet-cards h3 a")
    expect(results).to_have_count(2)

    rennes = ActionSheet.objects.get(slug="rennes-metropole-modification-plui")
    page.get_by_role("link", name=rennes.title).click()
    expect(page.get_by_role("heading", level=1, name=rennes.title)).to_be_visible()
    expect(page.get_by_role("heading", name="Description de l'action")).to_be_visible()
    expect(page.get_by_role("button", name="Imprimer la fiche")).to_be_visible()

    # The printed sheet: no navigation nor buttons, every section kept.
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Imprimer la fiche")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Fil d'Ariane")).to_be_hidden()
    expect(page.get_by_role("heading", name="Bilan de l'action")).to_be_visible()
    page.screenshot(path=SHEET_PRINT_SCREENSHOT, full_page=True)
    page.pdf(path=SHEET_PDF, format="A4")


def test_visitor_searches_and_clears(page, catalogue):
    page.goto("/kit/?q=ECOVIP")
    expect(page.locator("#result-count")).to_have_text("1 action correspond à votre recherche")
    page.get_by_role("link", name="Effacer la recherche et les filtres").click()
    expect(page.locator("#result-count")).to_have_text("26 actions")
