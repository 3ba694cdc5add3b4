"""Every HTML page of the project as each role sees it, for the checkers that read pages (tests/test_html_valid.py:
the Nu HTML Checker; tests/browser/test_axe.py: axe-core in Chromium).

The URL list is the access matrix's (tests/test_access_matrix.py): every named URL of the URL configuration, with
the objects of its `world` fixture, kept for a role when the matrix says that role opens it (200) and the answer is
HTML. The demonstration data is laid beside it (`seed_demo`), so that the bilan, the lists and the calendar show
what a real season shows (comparison arrows, breakdown tables, several pages of results), and a few pages are
added in the states the URL list alone does not reach (an open online questionnaire, the bilan of every season, the
bilan's charts; error pages and forms sent empty, in `states_for`).
"""

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests.test_access_matrix import EXPECTED, _reverse
from tests.test_hostile_urls import routes

JS = Path(__file__).resolve().parent / "js" / "node_modules"
AXE_JS = JS / "axe-core" / "axe.min.js"
VNU_JAR = JS / "vnu-jar" / "build" / "dist" / "vnu.jar"


def require(reason: str | None) -> None:
    """A checker that is missing skips the test locally; in CI (CI=true) that is a failure, never a skip."""
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"En CI ce test ne peut pas être sauté : {reason}")
    pytest.skip(reason)


def require_vnu() -> str:
    java = shutil.which("java")
    require(
        "Java est introuvable (paquet Debian default-jre-headless)"
        if java is None
        else None
        if VNU_JAR.is_file()
        else "vnu-jar n'est pas installé (cd tests/js && npm ci)"
    )
    return java


def require_axe() -> None:
    require(None if AXE_JS.is_file() else "axe-core n'est pas installé (cd tests/js && npm ci)")


# The roles of the checks, each the access matrix's column (and user) it takes (the other coordinator sees the same
# pages as the first, with other objects' pages answering 404).
ROLES = {
    "anonymous": "anonymous",
    "coordinator": "own_coordinator",
    "staff": "staff",
    "funder": "funder",
    "admin": "admin",
}
# Files, not pages (PDF, spreadsheets, JSON, calendars, QR code), known by their route's extension; the bilan's PDF
# link answers a page that waits for the worker, and a chart is an SVG fragment that htmx puts into the bilan page.
FILE_ROUTE = re.compile(r"\.\w+/?$")
PAGE_ROUTES = {"evaluation:bilan_pdf"}
# Files and JSON answers under a route without an extension (the HTML validity check fails on any other non-HTML).
FILE_NAMES = {
    "kit:resource_download",
    "evaluation:document_download",
    "territories:qpv_search",
    "territories:commune_search",
    "sessions_app:structure_search",
}
CHART = "evaluation:bilan_chart"
# Roles whose bilan page is checked with every chart in it (the funder's charts hide small numbers).
CHART_ROLES = {"staff", "funder"}


# Forms sent with only their hidden fields (a formset's management form), to check the pages in their error state
# (error summary, invalid fields): role -> URL names.
INVALID_FORMS = {
    "anonymous": ["login", "password_reset", "territories:contact_request_create"],
    "coordinator": ["sessions_app:request_create", "kit:propose", "password_change"],
    "staff": ["sessions_app:session_create", "territories:clsm_create", "territories:invitation_create"],
    "funder": ["password_change"],
}
HIDDEN_INPUT = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
# Error pages: role -> (URL name or path, status).
ERROR_PAGES = {
    "anonymous": [("/page-introuvable/", 404)],
    "coordinator": [("task_runs", 403), ("/page-introuvable/", 404)],
    "funder": [("sessions_app:request_list", 403)],
}


@dataclass
class Page:
    role: str
    name: str
    url: str
    html: str
    fragment: bool = False
    status: int = 200


def seed_beside(world):
    """The demonstration data beside the access matrix's objects; the coordinator also gets the demo's CLSM of
    Lille, so that their bilan has seasons to compare."""
    from programme.demo import seed_demo
    from territories.models import CLSM

    kwargs, users, pk = world
    seed_demo(with_accounts=False)
    users["own_coordinator"].clsms.add(CLSM.objects.get(name="CLSM de Lille"))
    return kwargs, users, pk


def extra_urls(role: str) -> list[tuple[str, str]]:
    """Pages in states the URL list does not reach by itself: (name, URL)."""
    from evaluation.models import QuestionnaireLink

    extra = []
    link = next((link for link in QuestionnaireLink.objects.all() if link.is_open()), None)
    assert link is not None, "la démonstration ouvre un questionnaire en ligne"
    extra.append(("evaluation:public_questionnaire", reverse("evaluation:public_questionnaire", args=[link.token])))
    if role != "anonymous":
        extra.append(("evaluation:dashboard (tout)", reverse("evaluation:dashboard") + "?period=tout"))
    return extra


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def urls_for(world, role: str) -> list[tuple[str, str]]:
    """(name, URL) of the HTML pages `role` opens."""
    kwargs, _users, pk = world
    column = ROLES[role]
    urls = [
        (name, _reverse(name, kwargs, pk))
        for name, route in sorted(routes())
        if EXPECTED[name][column] == 200
        and name not in FILE_NAMES
        and (name in PAGE_ROUTES or not FILE_ROUTE.search(route))
    ]
    return urls + extra_urls(role)


def pages_for(world, role: str) -> list[Page]:
    """The HTML pages `role` opens, rendered by the test client, with the bilan's charts for CHART_ROLES."""
    _kwargs, users, _pk = world
    client = client_for(users[ROLES[role]])
    pages = []
    for name, url in urls_for(world, role):
        response = client.get(url)
        assert response.status_code == 200, (role, name, url, response.status_code)
        content_type = response["Content-Type"]
        assert content_type.startswith("text/html"), f"{name} ({url}) sert {content_type} : l'ajouter à FILE_NAMES"
        pages.append(Page(role, name, url, response.content.decode()))
    if role in CHART_ROLES:
        from evaluation.views_dashboard import CHARTS

        for chart in CHARTS:
            url = reverse(CHART, args=[chart])
            response = client.get(url)
            assert response.status_code == 200, (role, url, response.status_code)
            pages.append(Page(role, f"{CHART} ({chart})", url, response.content.decode(), fragment=True))
    return pages


def states_for(world, role: str) -> list[Page]:
    """Pages that no GET of the URL list shows: error pages, and forms sent empty, shown with their errors."""
    _kwargs, users, _pk = world
    client = client_for(users[ROLES[role]])
    pages = []
    for target, status in ERROR_PAGES.get(role, []):
        url = target if target.startswith("/") else reverse(target)
        response = client.get(url)
        assert response.status_code == status, (role, url, response.status_code)
        pages.append(Page(role, f"{status}", url, response.content.decode(), status=status))
    for name in INVALID_FORMS.get(role, []):
        url = reverse(name)
        hidden = HIDDEN_INPUT.findall(client.get(url).content.decode())
        response = client.post(url, dict(hidden))
        html = response.content.decode()
        # Some views answer an invalid form with 400.
        assert response.status_code in (200, 400) and "is-invalid" in html, (role, name, response.status_code)
        pages.append(Page(role, f"{name} (erreurs)", url, html, status=response.status_code))
    return pages
