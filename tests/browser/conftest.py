"""Browser tests drive Debian's Chromium through Playwright against Django's live server.

The live server needs transactional tests, which empty the tables afterwards; the reference data
is reloaded by the root conftest when a later test needs it.
"""

import contextlib
import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _chromium_missing() -> bool:
    return not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM))


@pytest.fixture(scope="session")
def browser():
    if _chromium_missing():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Chromium introuvable ({CHROMIUM}) : en CI les tests navigateur ne peuvent pas être sautés.")
        pytest.skip(f"Chromium introuvable ({CHROMIUM}) : installez le paquet Debian « chromium ».")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; Django's ORM calls made by the test
    # itself around page actions are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris", base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    # Let requests still in flight (htmx fragments, charts) finish before the live server stops: a request
    # thread outliving the test would touch the test database from another thread.
    for open_page in context.pages:
        # A page that never goes idle must not hide the test's own result.
        with contextlib.suppress(Exception):
            open_page.wait_for_load_state("networkidle", timeout=5_000)
    context.close()


@pytest.fixture
def log_in(page, password):
    def _log_in(user):
        page.goto("/comptes/connexion/")
        page.get_by_label("Identifiant").fill(user.username)
        page.get_by_label("Mot de passe").fill(password)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url("**/")
        return page

    return _log_in
