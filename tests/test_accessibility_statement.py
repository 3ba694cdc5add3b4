"""The accessibility statement (« Déclaration d'accessibilité », the RGAA model) is public and linked from the footer
of every page, with the RGAA's wording of the conformity status."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

SECTIONS = [
    "État de conformité",
    "Résultats des tests",
    "Pages vérifiées",
    "Contenus non accessibles",
    "Dérogations pour charge disproportionnée",
    "Établissement de cette déclaration",
    "Retour d'information et contact",
    "Voies de recours",
]


def test_the_statement_is_public_with_every_section_of_the_model(client, settings):
    settings.CONTACT_EMAIL = "accessibilite@example.fr"
    response = client.get(reverse("accessibility"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Déclaration d'accessibilité</h1>" in html
    for section in SECTIONS:
        assert section in html, section
    assert "<strong>non conforme</strong>" in html and "RGAA" in html
    assert 'href="mailto:accessibilite@example.fr"' in html
    assert "Défenseur des droits" in html


def test_every_page_links_to_the_statement_from_its_footer(client, login, alice):
    link = f'<a href="{reverse("accessibility")}">Accessibilité\xa0: non conforme</a>'
    for url in (reverse("login"), reverse("kit:catalogue"), reverse("territories:contact_request_create")):
        assert link in client.get(url).content.decode(), url
    assert link in login(alice).get(reverse("home")).content.decode()
