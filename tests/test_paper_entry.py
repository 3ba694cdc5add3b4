"""Paper questionnaires typed by the national centre: one screen per session, every write through the service."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluation.forms_entry import SheetForm
from evaluation.models import Answer, Need, NeedCategory, Questionnaire, Response, ResponseChange, SessionItemSummary
from evaluation.responses import Sheet, create_response
from tests.factories import AwarenessSessionFactory

pytestmark = pytest.mark.django_db

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
FULL = [5, 4, 5, 3, 4, 5, 3, 4, 2, 1, 4, 3, 2]


def sheet_data(values=(), needs=(), comment="", number=None) -> dict:
    """What the browser posts: every item (blank = ""), three needs with their category, the comment."""
    values = list(values) + [None] * (len(CODES) - len(values))
    data = {code: "" if value is None else str(value) for code, value in zip(CODES, values, strict=True)}
    needs = list(needs) + [("", "")] * (3 - len(needs))
    for position, (text, category) in enumerate(needs, start=1):
        data[f"besoin_{position}"] = text
        data[f"besoin_{position}_categorie"] = category or ""
    data["commentaire"] = comment
    if number is not None:
        data["sheet_number"] = str(number)
    return data


def entry_url(session):
    return reverse("evaluation:paper_entry", args=[session.pk])


def edit_url(session, number):
    return reverse("evaluation:sheet_edit", args=[session.pk, number])


def delete_url(session, number):
    return reverse("evaluation:sheet_delete", args=[session.pk, number])


def history_url(session):
    return reverse("evaluation:sheet_history", args=[session.pk])


def answers_of(response) -> dict:
    return dict(response.answers.values_list("item__code", "value"))


def stored_counts() -> tuple:
    return (
        Response.objects.count(),
        Answer.objects.count(),
        Need.objects.count(),
        ResponseChange.objects.count(),
        SessionItemSummary.objects.count(),
    )


# Typing sheets ----------------------------------------------------------------------------------------


def test_three_sheets_are_numbered_1_2_3_with_everything_typed(login, claire, session_a):
    client = login(claire)
    for number in (1, 2, 3):
        response = client.post(
            entry_url(session_a),
            sheet_data(
                FULL,
                needs=[("Des formations sur le repérage", "competences"), (f"Un annuaire n° {number}", "")],
                comment="Très bonne séance",
                number=number,
            ),
        )
        assert response.status_code == 303
        assert response["Location"] == entry_url(session_a)
    sheets = list(Response.objects.filter(session=session_a).order_by("sheet_number"))
    assert [s.sheet_number for s in sheets] == [1, 2, 3]
    first = sheets[0]
    assert answers_of(first) == dict(zip(CODES, FULL, strict=True))
    assert list(first.needs.values_list("position", "text", "category__code")) == [
        (1, "Des formations sur le repérage", "competences"),
        (2, "Un annuaire n° 1", None),
    ]
    assert first.comment == "Très bonne séance"
    assert first.channel == "papier" and first.entered_by == claire
    assert ResponseChange.objects.filter(action="creation", changed_by=claire).count() == 3
    # The summaries the bilan reads are refreshed by the service.
    assert SessionItemSummary.objects.get(session=session_a, item_code="sat_logistique").answers == 3


def test_after_saving_the_next_blank_sheet_opens_with_a_message(login, claire, session_a):
    client = login(claire)
    page = client.post(entry_url(session_a), sheet_data(FULL, number=1), follow=True)
    html = page.content.decode()
    assert "Feuille n° 1 enregistrée" in html
    assert '<h2 class="h4 mb-0" id="sheet-title">Feuille n° 2</h2>' in html
    assert 'name="sheet_number" value="2"' in html
    # Blank sheet: every item shows « sans réponse » checked, the cursor on item 1.
    assert html.count('value="" checked') == 13
    assert 'id="id_sat_logistique_5" value="" checked autofocus' in html
    assert html.count("autofocus") == 1


def test_the_sheet_number_is_optional_for_the_service(login, claire, session_a):
    response = login(claire).post(entry_url(session_a), sheet_data([4]))
    assert response.status_code == 303
    assert Response.objects.get().sheet_number == 1


def test_blank_items_are_no_answer_never_zero(login, claire, session_a):
    values = [5, None, 4, None, None, 3, None, 2, None, None, None, None, 1]
    login(claire).post(entry_url(session_a), sheet_data(values, number=1))
    response = Response.objects.get()
    assert answers_of(response) == {
        "sat_logistique": 5,
        "sat_animation": 4,
        "sat_attentes": 3,
        "cap_posture": 2,
        "eng_investir": 1,
    }
    assert not Answer.objects.filter(value=0).exists()


def test_a_stray_enter_on_a_blank_sheet_saves_nothing(login, claire, session_a):
    """A blank sheet would count in « questionnaires reçus » and the response rate: refused, cursor on item 1."""
    client = login(claire)
    response = client.post(entry_url(session_a), sheet_data(needs=[("  ", "")], comment=" ", number=1))
    assert response.status_code == 200
    html = response.content.decode()
    assert "La feuille n'a pas été enregistrée\xa0:" in html
    assert "Questionnaire vide (aucune réponse, aucun besoin, aucun commentaire)" in html
    assert 'name="sheet_number" value="1"' in html  # the number stays for the next sheet typed
    assert 'id="id_sat_logistique_5" value="" checked autofocus' in html
    assert html.count("autofocus") == 1
    assert stored_counts() == (0, 0, 0, 0, 0)
    # The next keystrokes type the sheet as usual.
    assert client.post(entry_url(session_a), sheet_data([4], number=1)).status_code == 303
    assert Response.objects.get().sheet_number == 1


def test_a_sheet_with_only_a_comment_is_saved(login, claire, session_a):
    login(claire).post(entry_url(session_a), sheet_data(comment="Rendu blanc, « pas le temps »", number=1))
    response = Response.objects.get()
    assert response.answers.count() == 0 and response.comment == "Rendu blanc, « pas le temps »"


def test_a_correction_that_empties_a_sheet_is_refused(login, claire, session_a):
    create_response(session_a, Sheet(answers={"sat_logistique": 4}), channel="papier", user=claire)
    response = login(claire).post(edit_url(session_a, 1), sheet_data())
    assert response.status_code == 200
    assert "Questionnaire vide" in response.content.decode()
    assert answers_of(Response.objects.get()) == {"sat_logistique": 4}


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        ("sat_logistique", "6", "6 est hors de l&#x27;échelle de cette question (1 à 5)"),
        ("cap_clsm", "5", "5 est hors de l&#x27;échelle de cette question (1 à 4)"),
        ("eng_investir", "0", "0 est hors de l&#x27;échelle de cette question (1 à 4)"),
        ("sat_duree", "trois", "Saisissez un nombre entier."),
    ],
)
def test_values_outside_the_scale_are_refused_and_nothing_is_saved(login, claire, session_a, code, value, message):
    data = sheet_data(FULL, needs=[("Des formations", "competences")], number=1)
    data[code] = value
    response = login(claire).post(entry_url(session_a), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "La feuille n'a pas été enregistrée" in html
    assert message in html
    assert f'href="#item-{code}"' in html  # the error summary links to the item
    assert stored_counts() == (0, 0, 0, 0, 0)
    # What was typed is kept, and the cursor goes to the wrong item.
    assert 'id="id_besoin_1" value="Des formations"' in html
    assert f'id="id_{code}_' in html and "autofocus" in html.split(f'id="item-{code}"')[1].split("</fieldset>")[0]


def test_need_errors_are_shown_next_to_the_need(login, claire, session_a):
    data = sheet_data(FULL, needs=[("", "competences"), ("Un annuaire", "inconnue")], number=1)
    html = login(claire).post(entry_url(session_a), data).content.decode()
    assert "une catégorie sans texte de besoin" in html
    assert "Sélectionnez un choix valide" in html
    assert not Response.objects.exists()


def test_a_sheet_number_already_taken_is_not_saved_twice(login, claire, session_a):
    """A second Enter (or a colleague on the same session) posts a number that exists: refused, data kept."""
    client = login(claire)
    client.post(entry_url(session_a), sheet_data(FULL, number=1))
    html = client.post(entry_url(session_a), sheet_data(FULL, needs=[("Un annuaire", "")], number=1)).content.decode()
    assert "La feuille n° 1 existe déjà pour cette séance." in html
    assert 'name="sheet_number" value="2"' in html  # the next save takes the next free number
    assert 'value="Un annuaire"' in html
    assert Response.objects.count() == 1


def test_get_writes_nothing(login, claire, session_a):
    create_response(session_a, Sheet(answers={"sat_logistique": 4}), channel="papier", user=claire)
    client = login(claire)
    before = stored_counts()
    with CaptureQueriesContext(connection) as queries:
        for url in (entry_url(session_a), edit_url(session_a, 1), history_url(session_a)):
            assert client.get(url).status_code == 200
    assert stored_counts() == before
    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith(("SELECT", "SAVEPOINT", "RELEASE"))]
    assert writes == []


# The side panel: count against attendance, saved sheets -----------------------------------------------


def test_count_of_sheets_against_attendance(login, claire, session_a):
    for value in (4, 5):
        create_response(session_a, Sheet(answers={"sat_logistique": value}), channel="papier", user=claire)
    create_response(session_a, Sheet(answers={"cap_clsm": 3}, needs=[("x", None)]), channel="en_ligne")
    html = login(claire).get(entry_url(session_a)).content.decode()
    assert "<strong>3</strong> / 14" in html
    assert "3 feuilles enregistrées pour 14 participants présents" in html
    assert 'aria-valuenow="21"' in html  # 3 of 14
    assert "Feuille n° 4" in html
    assert edit_url(session_a, 3) in html
    assert "en ligne" in html


def test_expected_attendance_when_actual_is_unknown_and_warning_above_it(login, claire, clsm_a):
    session = AwarenessSessionFactory(clsm=clsm_a, confirmed=True, expected_attendance=1)
    for _ in range(2):
        create_response(session, Sheet(answers={"sat_logistique": 4}), channel="papier")
    html = login(claire).get(entry_url(session)).content.decode()
    assert "2 feuilles enregistrées pour 1 participants attendus (présents non renseignés)" in html
    assert "Plus de feuilles que de participants" in html


def test_the_page_is_laid_out_like_the_paper_sheet(login, claire, session_a):
    html = login(claire).get(entry_url(session_a)).content.decode()
    for group in ("Satisfaction", "Suite à cette séance, vous sentez-vous capable de…", "Engagement"):
        assert f'<h3 class="entry-group">{group}</h3>' in html
    assert html.count("<fieldset") == 13 and html.count("<legend") == 13
    assert html.count('data-scale="5"') == 6 and html.count('data-scale="4"') == 7
    assert 'id="id_sat_logistique_4" value="5"' in html and 'id="id_cap_clsm_4" value="5"' not in html
    for position in (1, 2, 3):
        assert f'<label class="form-label small mb-0" for="id_besoin_{position}">Besoin {position}</label>' in html
    assert "1 – Développement de compétences" in html and "7 – " in html
    assert '<input type="text" class="form-control form-control-sm" name="commentaire"' in html
    assert "<textarea" not in html
    assert "13 chiffres + Entrée = 14 frappes" in html
    assert "js/paper-entry.js" in html and "<script>" not in html


# Correcting and deleting ------------------------------------------------------------------------------


def test_correcting_a_sheet_is_recorded_with_before_after_and_who(login, claire, adam, session_a):
    response = create_response(
        session_a,
        Sheet(answers={"sat_logistique": 2, "cap_clsm": 3}, needs=[("Des formations", "competences")]),
        channel="papier",
        user=claire,
    )
    client = login(adam)
    page = client.get(edit_url(session_a, 1)).content.decode()
    assert 'id="id_sat_logistique_1" value="2" checked autofocus' in page
    assert 'value="Des formations"' in page
    assert '<option value="competences" selected>' in page
    result = client.post(edit_url(session_a, 1), sheet_data([4, None, 5], needs=[("Des formations", "competences")]))
    assert result.status_code == 303 and result["Location"] == entry_url(session_a)
    assert answers_of(response) == {"sat_logistique": 4, "sat_animation": 5}
    change = ResponseChange.objects.get(action="correction")
    assert change.changed_by == adam and change.sheet_number == 1
    assert change.before["answers"] == {"sat_logistique": 2, "cap_clsm": 3}
    assert change.after["answers"] == {"sat_logistique": 4, "sat_animation": 5}
    assert Response.objects.get().sheet_number == 1  # a correction keeps the number written on the paper
    follow = client.get(entry_url(session_a)).content.decode()
    assert "Feuille n° 1 corrigée." in follow


def test_a_wrong_correction_changes_nothing(login, claire, session_a):
    create_response(session_a, Sheet(answers={"sat_logistique": 2}), channel="papier", user=claire)
    html = login(claire).post(edit_url(session_a, 1), sheet_data([7])).content.decode()
    assert "7 est hors de l&#x27;échelle de cette question (1 à 5)" in html
    assert answers_of(Response.objects.get()) == {"sat_logistique": 2}
    assert not ResponseChange.objects.filter(action="correction").exists()


def test_deleting_a_sheet_is_recorded(login, claire, adam, session_a):
    for value in (3, 4):
        create_response(session_a, Sheet(answers={"sat_logistique": value}), channel="papier", user=claire)
    client = login(adam)
    assert client.get(delete_url(session_a, 1)).status_code == 405
    response = client.post(delete_url(session_a, 1))
    assert response.status_code == 303 and response["Location"] == entry_url(session_a)
    assert list(Response.objects.values_list("sheet_number", flat=True)) == [2]
    change = ResponseChange.objects.get(action="suppression")
    assert change.changed_by == adam and change.sheet_number == 1 and change.response is None
    assert change.before["answers"] == {"sat_logistique": 3}
    html = client.get(entry_url(session_a)).content.decode()
    assert "Feuille n° 1 supprimée." in html
    assert "Feuille n° 3" in html
    assert client.post(delete_url(session_a, 1)).status_code == 404


def test_the_number_of_a_deleted_sheet_is_never_given_again(login, claire, session_a):
    """A number in the history always means one paper sheet, even when the last sheet is deleted."""
    for value in (3, 4):
        create_response(session_a, Sheet(answers={"sat_logistique": value}), channel="papier", user=claire)
    client = login(claire)
    client.post(delete_url(session_a, 2))
    assert 'name="sheet_number" value="3"' in client.get(entry_url(session_a)).content.decode()
    client.post(entry_url(session_a), sheet_data(FULL, number=3))
    assert list(Response.objects.values_list("sheet_number", flat=True)) == [1, 3]


def test_history_shows_who_when_and_what_readably(login, claire, adam, session_a):
    response = create_response(
        session_a, Sheet(answers={"sat_logistique": 2}, needs=[("Des formations", None)]), channel="papier", user=claire
    )
    client = login(adam)
    client.post(edit_url(session_a, 1), sheet_data([4], needs=[("Des formations", "competences")]))
    client.post(delete_url(session_a, response.sheet_number))
    html = client.get(history_url(session_a)).content.decode()
    assert html.index(">suppression</span>") < html.index(">correction</span>") < html.index(">création</span>")
    assert "Claire Martin" in html and "Adam Petit" in html
    diff = html.split('class="table table-sm table-borderless small mb-1 entry-diff"')[1].split("</table>")[0]
    assert (
        '<th scope="row" class="fw-normal">1. Organisation logistique</th><td><del>2</del></td><td><ins>4</ins></td>'
        in (diff)
    )
    assert (
        "«\xa0Des formations\xa0» (sans catégorie)" in diff
        and "«\xa0Des formations\xa0» (Développement de compétences)" in diff
    )
    assert "Dynamique de groupe" not in diff  # unchanged items are not in the list of changes
    assert "<dt>2. Dynamique de groupe</dt><dd>sans réponse</dd>" in html


# Cancelled or planned sessions ------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["annulee", "planifiee", "reportee"])
def test_no_questionnaire_on_a_session_that_was_not_held(login, claire, clsm_a, status):
    session = AwarenessSessionFactory(clsm=clsm_a, status=status, reference="2024-050")
    client = login(claire)
    html = client.get(entry_url(session)).content.decode()
    assert "ne reçoit pas de questionnaire" in html and "La séance 2024-050 est" in html
    assert "data-paper-entry" not in html and 'name="sat_logistique"' not in html
    posted = client.post(entry_url(session), sheet_data(FULL, number=1))
    assert posted.status_code == 200
    assert "Rien n&#x27;a été enregistré." in posted.content.decode()
    assert stored_counts() == (0, 0, 0, 0, 0)


# Access: only the national centre types and reads individual responses --------------------------------


PAGES = [
    ("get", lambda s: entry_url(s)),
    ("get", lambda s: edit_url(s, 1)),
    ("get", lambda s: history_url(s)),
    ("post", lambda s: entry_url(s)),
    ("post", lambda s: edit_url(s, 1)),
    ("post", lambda s: delete_url(s, 1)),
]


@pytest.fixture
def saved_sheet(session_a, claire):
    return create_response(session_a, Sheet(answers={"sat_logistique": 4}), channel="papier", user=claire)


@pytest.mark.parametrize(("method", "url"), PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, saved_sheet, session_a, method, url):
    response = getattr(client, method)(url(session_a), sheet_data(FULL) if method == "post" else None)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("method", "url"), PAGES)
@pytest.mark.parametrize(("who", "status"), [("alice", 403), ("bob", 404), ("fanny", 403)])
def test_coordinators_and_funder_never_reach_individual_responses(
    request, login, saved_sheet, session_a, clsm_b, method, url, who, status
):
    user = request.getfixturevalue(who)
    before = stored_counts()
    response = getattr(login(user), method)(url(session_a), sheet_data(FULL) if method == "post" else None)
    assert response.status_code == status
    assert stored_counts() == before


@pytest.mark.parametrize("who", ["claire", "adam"])
def test_national_staff_open_every_page(request, login, saved_sheet, session_a, who):
    client = login(request.getfixturevalue(who))
    for url in (entry_url(session_a), edit_url(session_a, 1), history_url(session_a)):
        assert client.get(url).status_code == 200


def test_unknown_session_or_sheet_is_404(login, claire, saved_sheet, session_a):
    client = login(claire)
    assert client.get(reverse("evaluation:paper_entry", args=[999999])).status_code == 404
    assert client.get(edit_url(session_a, 99)).status_code == 404


def test_a_sheet_of_another_session_is_not_reachable_through_this_one(login, claire, clsm_a, saved_sheet):
    other = AwarenessSessionFactory(clsm=clsm_a, held=True, reference="2024-099")
    assert login(claire).get(edit_url(other, 1)).status_code == 404


# Query budgets (log in before measuring) --------------------------------------------------------------


@pytest.fixture
def thirty_sheets(session_a, claire):
    competences = NeedCategory.objects.get(code="competences").code
    for number in range(30):
        create_response(
            session_a,
            Sheet(answers=dict(zip(CODES, FULL, strict=True)), needs=[(f"Besoin {number}", competences)]),
            channel="papier",
            user=claire,
        )


def test_entry_page_query_budget_does_not_grow_with_sheets(
    login, claire, session_a, thirty_sheets, django_assert_max_num_queries
):
    client = login(claire)
    # session + user, the session, the questionnaire, its items, the need categories, the sheets with their
    # counts, the highest number in the history
    with django_assert_max_num_queries(8):
        html = client.get(entry_url(session_a)).content.decode()
    assert "Feuille n° 31" in html and html.count("Corriger<span") == 30


def test_history_query_budget_does_not_grow_with_changes(
    login, claire, session_a, thirty_sheets, django_assert_max_num_queries
):
    client = login(claire)
    # session + user, the session, page count, the changes with their author, item labels, categories
    with django_assert_max_num_queries(7):
        html = client.get(history_url(session_a)).content.decode()
    assert html.count("création</span>") == 30


def test_edit_page_query_budget(login, claire, session_a, thirty_sheets, django_assert_max_num_queries):
    client = login(claire)
    # session + user, the session, the sheet, its answers, its needs, the items, the need categories
    with django_assert_max_num_queries(8):
        assert client.get(edit_url(session_a, 30)).status_code == 200


# The form on its own -----------------------------------------------------------------------------------


def test_sheet_form_builds_a_sheet_for_the_service():
    questionnaire = Questionnaire.current()
    form = SheetForm(
        sheet_data([5, None, 3], needs=[("  Des formations ", "competences"), ("", "")], comment="Merci"),
        items=questionnaire.items.all(),
        categories=NeedCategory.objects.all(),
    )
    assert form.is_valid(), form.errors
    sheet = form.to_sheet()
    assert sheet.answers["sat_logistique"] == 5 and sheet.answers["sat_dynamique"] is None
    assert sheet.answers["sat_animation"] == 3 and len(sheet.answers) == 13
    assert sheet.needs[0] == ("Des formations", "competences") and sheet.needs[1] == ("", None)
    assert sheet.comment == "Merci"
    groups = form.item_groups()
    assert [str(label) for label, _rows in groups] == [
        "Satisfaction",
        "Suite à cette séance, vous sentez-vous capable de…",
        "Engagement",
    ]
    assert [[row.number for row in rows] for _label, rows in groups] == [
        [1, 2, 3, 4, 5, 6],
        [7, 8, 9, 10],
        [11, 12, 13],
    ]
