import re

import pytest
from playwright.sync_api import expect

from sessions_app.models import Participant, Structure
from tests.factories import AwarenessSessionFactory, ParticipantFactory

pytestmark = pytest.mark.browser


def type_row(page, *cells):
    """Type the cells of one row, Tab between them; None leaves a cell as it is."""
    for index, text in enumerate(cells):
        if index:
            page.keyboard.press("Tab")
        if text:
            page.keyboard.type(text)


def test_claire_types_two_participants_with_the_keyboard_only(page, log_in, claire, session_a):
    log_in(claire)
    page.goto(f"/seances/{session_a.pk}/participants/")
    expect(page.get_by_role("heading", name="Saisie de la feuille d'émargement")).to_be_visible()
    # The cursor waits in the first empty row.
    expect(page.get_by_label("Nom (ligne 1)", exact=True)).to_be_focused()

    type_row(page, "Dupont", "Marie", "marie.dupont@example.fr", "f", "3", "CCAS", "o", "n")
    expect(page.get_by_label("Agit dans le QPV (ligne 1)")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Nom (ligne 2)", exact=True)).to_be_focused()

    type_row(page, "Martin", "Paul", None, "h", "médico", "c.c.a.s", None, "o")
    expect(page.locator("[data-filled-count]")).to_have_text("2")

    # Enter on the last row adds a row and puts the cursor in it.
    rows = page.locator("tbody tr[data-row]")
    count = rows.count()
    page.get_by_label(f"Nom (ligne {count})", exact=True).focus()
    page.keyboard.press("Enter")
    expect(rows).to_have_count(count + 1)
    expect(page.get_by_label(f"Nom (ligne {count + 1})", exact=True)).to_be_focused()

    page.keyboard.press("Control+Enter")
    expect(page.get_by_text(re.compile(r"Feuille d'émargement enregistrée\s: 2 participant·es"))).to_be_visible()

    first, second = Participant.objects.filter(session=session_a).order_by("line")
    assert (first.line, first.last_name, first.first_name, first.email) == (
        1,
        "Dupont",
        "Marie",
        "marie.dupont@example.fr",
    )
    assert (first.gender, first.profile, first.lives_in_qpv, first.acts_in_qpv) == ("femme", "elu", True, False)
    assert (second.line, second.last_name, second.first_name, second.email) == (2, "Martin", "Paul", "")
    assert (second.gender, second.profile, second.lives_in_qpv, second.acts_in_qpv) == (
        "homme",
        "medico_social",
        None,
        True,
    )
    assert (first.structure_spelling, second.structure_spelling) == ("CCAS", "c.c.a.s")
    assert first.structure == second.structure == Structure.objects.get()
    # After saving, the two rows are shown as saved and the cursor is in the next empty row.
    expect(page.locator('tbody tr[data-row="saved"]')).to_have_count(2)
    expect(page.get_by_label("Nom (ligne 3)", exact=True)).to_be_focused()


def test_structure_suggestions_come_from_the_programme(page, log_in, alice, session_a):
    # A coordinator is suggested the structures of her own CLSM's sign-in sheets (and the national list).
    structure = Structure.objects.get_or_create_by_name("Centre social Lazare-Garreau")
    other = AwarenessSessionFactory(clsm=session_a.clsm, held=True)
    ParticipantFactory(session=other, structure=structure, structure_spelling=structure.name)
    log_in(alice)
    page.goto(f"/seances/{session_a.pk}/participants/")
    page.get_by_label("Structure (ligne 1)").press_sequentially("lazare")
    expect(page.locator('#structure-options option[value="Centre social Lazare-Garreau"]')).to_have_count(1)
