"""Every page of the project, for every role, has no accessibility violation that axe-core finds with the WCAG 2.1
A and AA rules, as Chromium renders it: scripts run (Tom Select, htmx fragments such as the bilan's charts), colours
computed. axe-core comes from the npm registry (tests/js, `npm ci`); skipped locally without it or without
Chromium, a failure in CI (CI=true).

The pages are tests/pages.py's (the access matrix's URL list with the demonstration data), the same as the HTML
validity check's. One browser context per role, logged in once by a session cookie (no log-in form per page).
"""

from collections import defaultdict

import pytest
from django.conf import settings
from django.urls import reverse

from tests.pages import AXE_JS, ROLES, client_for, require_axe, seed_beside, states_for, urls_for
from tests.test_access_matrix import world  # noqa: F401 – the access matrix's objects

pytestmark = pytest.mark.browser

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target.join(" "), html: n.html.slice(0, 160),
                                summary: (n.failureSummary || "").split("\\n").slice(1, 3).join(" ")})),
  }));
}"""


def log_in_context(context, user, live_server):
    """The browser context carries the session of a test-client log-in."""
    if user is None:
        return
    client = client_for(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def serve(state):
    """A route handler that answers the page as the test client rendered it."""

    def handler(route):
        route.fulfill(status=state.status, body=state.html, content_type="text/html; charset=utf-8")

    return handler


def check_page(page, url, status=200) -> list[dict] | None:
    """axe's violations on the page at `url`, or None when the URL answers a file (a bilan's PDF already made)."""
    response = page.goto(url)
    assert response is not None and response.status == status, (url, response and response.status)
    if not response.headers.get("content-type", "").startswith("text/html"):
        return None
    # Fragments loaded by htmx when the page loads (the bilan's charts) are part of what is read.
    if page.locator("[data-hx-trigger~='load'], [data-hx-trigger^='load']").count():
        # The charts are drawn by matplotlib on the server: seconds each on a busy machine.
        page.wait_for_load_state("networkidle", timeout=120_000)
    return page.evaluate(RUN_AXE, WCAG_21_AA)


def report(violations) -> str:
    """Readable: each rule once, its elements page by page."""
    by_rule = defaultdict(list)
    for role, name, url, violation in violations:
        by_rule[(violation["id"], violation["impact"], violation["help"])].append((role, name, url, violation["nodes"]))
    lines = []
    for (rule, impact, help_text), places in sorted(by_rule.items()):
        count = sum(len(nodes) for *_rest, nodes in places)
        lines.append(f"\n{rule} ({impact}) : {help_text} : {count} éléments sur {len(places)} pages")
        for role, name, url, nodes in places[:8]:
            lines.append(f"  {role} {name} {url}")
            for node in nodes[:3]:
                lines.append(f"    {node['target']}  {node['html']}  {node['summary']}")
    return "\n".join(lines)


def test_no_axe_violation_on_any_page(browser, live_server, world):  # noqa: F811
    require_axe()
    seeded = seed_beside(world)
    _kwargs, users, _pk = seeded
    violations = []
    checked = 0
    for role, column in ROLES.items():
        context = browser.new_context(
            locale="fr-FR", timezone_id="Europe/Paris", base_url=live_server.url, bypass_csp=True
        )
        context.set_default_timeout(30_000)
        # axe-core in every page the context opens (the Content-Security-Policy is bypassed for it alone).
        context.add_init_script(path=str(AXE_JS))
        # The page of a bilan's PDF asks the worker for the file when it loads, then goes to the file: it is read as
        # it waits (the preparing status is read on the document's own page).
        context.route(f"**{reverse('evaluation:document_prepare')}", lambda route: route.fulfill(status=204))
        log_in_context(context, users[column], live_server)
        page = context.new_page()
        try:
            for name, url in urls_for(seeded, role):
                found = check_page(page, url)
                if name == "territories:clsm_edit" and role == "staff":
                    # Tom Select's parts axe does not judge: the hidden select named by its label, a French button.
                    assert page.locator("#id_qpvs").get_attribute("aria-labelledby") == "id_qpvs-ts-label"
                    assert page.locator(".ts-wrapper .item .remove").first.get_attribute("aria-label") == "Retirer"
                if found is None:
                    continue
                violations.extend((role, name, url, violation) for violation in found)
                checked += 1
            # Error pages and forms sent empty, as the test client rendered them, served at their own address so
            # that the page's styles and scripts load as usual.
            for state in states_for(seeded, role):
                context.route(f"**{state.url}", serve(state))
                found = check_page(page, state.url, state.status)
                context.unroute(f"**{state.url}")
                violations.extend((role, state.name, state.url, violation) for violation in found)
                checked += 1
            page.wait_for_load_state("networkidle")
        finally:
            context.close()
    elements = sum(len(violation["nodes"]) for *_rest, violation in violations)
    pages = len({(role, url) for role, _name, url, _violation in violations})
    print(f"\naxe-core : {checked} pages vérifiées, {elements} éléments en défaut sur {pages} pages")
    assert checked > 150
    if violations:
        summary = f"axe-core (WCAG 2.1 A et AA) : {elements} éléments en défaut sur {pages} pages"
        pytest.fail(summary + report(violations))
