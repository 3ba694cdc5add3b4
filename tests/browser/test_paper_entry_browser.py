"""Paper questionnaires typed with the keyboard alone: no click once the entry screen is open."""

import re
from importlib import import_module

import pytest
from django.apps import apps
from django.urls import reverse
from playwright.sync_api import expect

from evaluation.models import Response

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def standard_questionnaire(transactional_db):
    """A browser test empties every table when it ends, rows written by data migrations included: the next one
    puts the standard questionnaire and the need categories back (the migration's own, idempotent, function)."""
    import_module("evaluation.migrations.0002_standard_questionnaire").install(apps, None)


CODES = [
    "sat_logistique",
    "sat_dynamique",
    "sat_animation",
    "sat_duree",
    "sat_contenu",
    "sat_attentes",
    "cap_expliquer",
    "cap_posture",
    "cap_ressources",
    "cap_clsm",
    "eng_concerne",
    "eng_formation",
    "eng_investir",
]


class Keyboard:
    """The keyboard, counting keystrokes; the typing of a need's text is counted apart."""

    def __init__(self, page):
        self.page = page
        self.keystrokes = 0

    def keys(self, keys: str):
        """One keystroke per character: a digit, « 0 » or a space (blank)."""
        for key in keys:
            self.press("Space" if key == " " else key)

    def press(self, key: str):
        self.page.keyboard.press(key)
        self.keystrokes += 1

    def text(self, text: str):
        self.page.keyboard.type(text)


def expected_answers(keys: str) -> dict:
    """What a line of keys means: a digit answers its item, « 0 » and space leave it blank (no answer)."""
    return {code: int(key) for code, key in zip(CODES, keys, strict=True) if key not in "0 "}


def open_entry(page, log_in, user, session):
    log_in(user)
    page.goto(reverse("evaluation:paper_entry", args=[session.pk]))
    expect(page.get_by_role("heading", name="Feuille n° 1")).to_be_visible()
    expect(page.locator("#id_sat_logistique_5")).to_be_focused()  # item 1, « sans réponse »


def save(page, keyboard, number):
    with page.expect_navigation():
        keyboard.press("Enter")
    expect(page.get_by_text(f"Feuille n° {number} enregistrée.")).to_be_visible()
    expect(page.get_by_role("heading", name=f"Feuille n° {number + 1}")).to_be_visible()
    expect(page.locator("#id_sat_logistique_5")).to_be_focused()  # the new blank sheet, on item 1


# Thirteen items per sheet; « 0 » and space are blanks. Items 1-6 are on 1-5, items 7-13 on 1-4.
SHEETS = [
    ("5453443432143", "Des formations pour les gardiens d'immeuble", None),
    ("44444 0444444", "Mieux connaître le CLSM", "2"),
    ("5 5 5 4 3 2 1", "Un annuaire des ressources locales", None),
    ("0000000000000", "Des temps d'échange entre professionnels", "5"),
    ("3322114433221", "Impliquer les bailleurs sociaux", None),
]


def test_five_sheets_typed_with_the_keyboard_alone(page, log_in, claire, session_a):
    open_entry(page, log_in, claire, session_a)
    keyboard = Keyboard(page)
    for number, (keys, need, category_key) in enumerate(SHEETS, start=1):
        keyboard.keys(keys)
        expect(page.get_by_label("Besoin 1", exact=True)).to_be_focused()  # after the last item
        keyboard.text(need)
        if category_key:
            keyboard.press("Tab")
            expect(page.get_by_label("Catégorie du besoin 1")).to_be_focused()
            keyboard.press(category_key)  # the category's key, shown in the list
        save(page, keyboard, number)

    expect(page.locator(".entry-count")).to_have_text(re.compile(r"5\s*/\s*14"))
    sheets = list(Response.objects.filter(session=session_a).order_by("sheet_number"))
    assert [sheet.sheet_number for sheet in sheets] == [1, 2, 3, 4, 5]
    for sheet, (keys, need, category_key) in zip(sheets, SHEETS, strict=True):
        assert sheet.channel == "papier" and sheet.entered_by == claire
        assert dict(sheet.answers.values_list("item__code", "value")) == expected_answers(keys)
        needs = list(sheet.needs.values_list("text", "category__key"))
        assert needs == [(need, category_key)]
    assert sheets[3].answers.count() == 0  # a sheet handed back blank: a sheet, no answer, never 0


def test_a_full_sheet_without_needs_takes_fourteen_keystrokes(page, log_in, claire, session_a):
    open_entry(page, log_in, claire, session_a)
    expect(page.get_by_text("13 chiffres + Entrée = 14 frappes")).to_be_visible()
    keyboard = Keyboard(page)
    keyboard.keys("5555554444444")
    save(page, keyboard, 1)
    assert keyboard.keystrokes == 14
    assert keyboard.keystrokes <= 15
    sheet = Response.objects.get(session=session_a)
    assert dict(sheet.answers.values_list("item__code", "value")) == expected_answers("5555554444444")
    assert not sheet.needs.exists()

    # A sheet answered only at the top: Enter on item 3 saves it, the rest stays « no answer ».
    keyboard.keys("43")
    expect(page.locator("#id_sat_animation_5")).to_be_focused()
    save(page, keyboard, 2)
    second = Response.objects.get(session=session_a, sheet_number=2)
    assert dict(second.answers.values_list("item__code", "value")) == {"sat_logistique": 4, "sat_dynamique": 3}


def test_a_stray_enter_on_a_blank_sheet_saves_nothing_and_typing_goes_on(page, log_in, claire, session_a):
    open_entry(page, log_in, claire, session_a)
    keyboard = Keyboard(page)
    with page.expect_navigation():
        keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Questionnaire vide (aucune réponse, aucun besoin")
    expect(page.get_by_role("heading", name="Feuille n° 1")).to_be_visible()
    expect(page.locator("#id_sat_logistique_5")).to_be_focused()  # the cursor back on item 1
    assert not Response.objects.exists()
    keyboard.keys("5555554444444")
    save(page, keyboard, 1)
    assert Response.objects.get().sheet_number == 1


def test_back_after_a_save_gives_a_blank_sheet_not_the_one_just_saved(page, log_in, claire, session_a):
    """Back reloads the entry page (the next sheet): had the browser put the saved sheet's answers back in it, Enter
    would count that sheet twice."""
    open_entry(page, log_in, claire, session_a)
    keyboard = Keyboard(page)
    keyboard.keys("5432154321432")
    save(page, keyboard, 1)
    page.go_back()
    expect(page.get_by_role("heading", name="Feuille n° 2")).to_be_visible()
    with page.expect_navigation():
        keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Questionnaire vide (aucune réponse, aucun besoin")
    assert Response.objects.count() == 1


def test_out_of_scale_digit_is_refused_and_backspace_goes_back(page, log_in, claire, session_a):
    open_entry(page, log_in, claire, session_a)
    keyboard = Keyboard(page)
    keyboard.keys("123456")  # items 1-6 (1 to 5): « 6 » on item 6 is refused, the cursor stays
    item_6 = page.locator("#item-sat_attentes")
    expect(item_6).to_have_class(re.compile("is-refused"))
    expect(item_6.get_by_text("« 6 » refusé : cette question se note de 1 à 5.")).to_be_visible()
    expect(page.locator("[data-entry-live]")).to_have_text("« 6 » refusé : cette question se note de 1 à 5.")
    expect(page.locator("#id_sat_attentes_5")).to_be_focused()
    keyboard.keys("5")
    expect(item_6).not_to_have_class(re.compile("is-refused"))
    keyboard.keys("5")  # item 7 is on 1-4
    expect(page.locator("#item-cap_expliquer").get_by_text("« 5 » refusé")).to_be_visible()
    keyboard.press("Backspace")  # back to item 6, cleared
    expect(page.locator("#id_sat_attentes_5")).to_be_focused()
    expect(page.locator("#id_sat_attentes_5")).to_be_checked()
    keyboard.press("Backspace")  # back to item 5, cleared
    expect(page.locator("#id_sat_contenu_5")).to_be_checked()
    keyboard.keys("22" + "4444444")  # items 5 and 6 again, then 7-13
    expect(page.get_by_label("Besoin 1", exact=True)).to_be_focused()
    keyboard.press("Backspace")  # from the empty first need: back to item 13, cleared
    expect(page.locator("#id_eng_investir_4")).to_be_focused()
    keyboard.keys("1")
    save(page, keyboard, 1)
    sheet = Response.objects.get(session=session_a)
    assert dict(sheet.answers.values_list("item__code", "value")) == expected_answers("1234224444441")


# The top row of an AZERTY keyboard without Shift: the character typed, and the physical key it comes from.
AZERTY = {
    "1": "&",
    "2": "é",
    "3": '"',
    "4": "'",
    "5": "(",
    "6": "-",
    "7": "è",
    "8": "_",
    "9": "ç",
    "0": "à",
}


def test_azerty_top_row_without_shift_types_digits(page, log_in, claire, session_a):
    """« é » is 2 on a French keyboard: the keystroke is sent as the browser gets it from an AZERTY layout (the
    character « é » from the physical key Digit2), not as Playwright's US layout would."""
    open_entry(page, log_in, claire, session_a)
    cdp = page.context.new_cdp_session(page)
    keys = "5453443432140"
    for digit in keys:
        event = {"key": AZERTY[digit], "code": f"Digit{digit}", "windowsVirtualKeyCode": 48 + int(digit)}
        cdp.send("Input.dispatchKeyEvent", {"type": "keyDown", "text": AZERTY[digit], **event})
        cdp.send("Input.dispatchKeyEvent", {"type": "keyUp", **event})
    expect(page.get_by_label("Besoin 1", exact=True)).to_be_focused()  # after the last item
    save(page, Keyboard(page), 1)
    sheet = Response.objects.get(session=session_a)
    assert dict(sheet.answers.values_list("item__code", "value")) == expected_answers(keys)
