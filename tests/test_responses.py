"""The response service: one path for paper, online and import, with summaries the bilan reads."""

import pytest
from django.core.exceptions import ValidationError

from evaluation.models import Item, NeedCategory, Questionnaire, Response, ResponseChange, SessionItemSummary
from evaluation.responses import Sheet, create_response, delete_response, refresh_summaries, update_response
from tests.factories import AwarenessSessionFactory

pytestmark = pytest.mark.django_db


def summary(session):
    return {s.item_code: (s.answers, s.total) for s in SessionItemSummary.objects.filter(session=session)}


def test_standard_questionnaire_is_installed_by_migration():
    questionnaire = Questionnaire.current()
    codes = list(questionnaire.items.values_list("code", "scale"))
    assert len(codes) == 13
    assert codes[0] == ("sat_logistique", 5) and codes[-1] == ("eng_investir", 4)
    assert Item.objects.filter(scale=5).count() == 6
    assert list(NeedCategory.objects.values_list("key", "code"))[:2] == [("1", "competences"), ("2", "actions")]


def test_create_numbers_sheets_and_keeps_blanks_out(session_a, claire):
    first = create_response(
        session_a, Sheet(answers={"sat_logistique": 5, "sat_duree": None}), channel="papier", user=claire
    )
    second = create_response(session_a, Sheet(answers={"sat_logistique": 3, "cap_clsm": 2}), channel="en_ligne")
    assert (first.sheet_number, second.sheet_number) == (1, 2)
    assert first.answers.count() == 1  # a blank is no answer, never 0
    assert summary(session_a) == {"sat_logistique": (2, 8), "cap_clsm": (1, 2)}
    assert second.entered_by is None and first.entered_by == claire


@pytest.mark.parametrize(("code", "value"), [("sat_logistique", 0), ("sat_logistique", 6), ("cap_clsm", 5)])
def test_values_outside_the_scale_are_refused(session_a, code, value):
    with pytest.raises(ValidationError) as error:
        create_response(session_a, Sheet(answers={code: value}), channel="papier")
    assert "hors de l'échelle" in str(error.value)
    assert not Response.objects.exists()


def test_needs_with_categories(session_a, claire):
    response = create_response(
        session_a,
        Sheet(
            answers={}, needs=[("Des formations", "competences"), ("Mieux connaître le CLSM", None)], comment=" Merci "
        ),
        channel="papier",
        user=claire,
    )
    needs = list(response.needs.values_list("position", "text", "category__code"))
    assert needs == [(1, "Des formations", "competences"), (2, "Mieux connaître le CLSM", None)]
    assert response.comment == "Merci"
    with pytest.raises(ValidationError, match="catégorie de besoin inconnue"):
        create_response(session_a, Sheet(needs=[("x", "inconnue")]), channel="papier")


def test_no_questionnaire_on_a_cancelled_or_planned_session(clsm_a):
    for status in ("annulee", "planifiee", "reportee"):
        session = AwarenessSessionFactory(clsm=clsm_a, status=status)
        with pytest.raises(ValidationError, match="ne reçoit pas de questionnaire"):
            create_response(session, Sheet(answers={"sat_logistique": 4}), channel="papier")


def test_duplicate_sheet_number_is_refused(session_a):
    create_response(session_a, Sheet(answers={"sat_logistique": 4}), channel="papier", sheet_number=7)
    with pytest.raises(ValidationError, match="existe déjà"):
        create_response(session_a, Sheet(answers={"sat_logistique": 4}), channel="papier", sheet_number=7)


@pytest.mark.parametrize("channel", ["papier", "en_ligne", "import"])
@pytest.mark.parametrize(
    "sheet",
    [
        Sheet(),
        Sheet(answers=dict.fromkeys(["sat_logistique", "cap_clsm"])),
        Sheet(answers={"sat_duree": ""}, needs=[("  ", None), ("", None)], comment="  "),
    ],
    ids=["nothing", "blank-answers", "spaces"],
)
def test_an_empty_sheet_is_refused_whatever_the_channel(session_a, channel, sheet):
    with pytest.raises(ValidationError, match="Questionnaire vide") as excinfo:
        create_response(session_a, sheet, channel=channel)
    assert excinfo.value.code == "empty_sheet"
    assert not Response.objects.exists()


@pytest.mark.parametrize(
    "sheet",
    [Sheet(answers={"cap_clsm": 1}), Sheet(needs=[("", None), ("Un annuaire", None)]), Sheet(comment="Merci")],
    ids=["one-answer", "one-need", "a-comment"],
)
def test_one_answer_need_or_comment_is_enough(session_a, sheet):
    assert not sheet.is_empty
    create_response(session_a, sheet, channel="papier")
    assert Response.objects.count() == 1


def test_a_correction_cannot_empty_a_sheet(session_a, claire):
    response = create_response(session_a, Sheet(answers={"cap_clsm": 1}), channel="papier")
    with pytest.raises(ValidationError, match="Questionnaire vide"):
        update_response(response, Sheet(), user=claire)
    assert response.answers.count() == 1


def test_update_and_delete_are_recorded_and_refresh_the_summary(session_a, claire, adam):
    response = create_response(
        session_a, Sheet(answers={"sat_logistique": 2}, needs=[("Des formations", None)]), channel="papier", user=claire
    )
    response.needs.update(category=NeedCategory.objects.get(code="competences"))
    update_response(
        response, Sheet(answers={"sat_logistique": 4, "eng_investir": 1}, needs=[("Des formations", None)]), user=adam
    )
    assert summary(session_a) == {"sat_logistique": (1, 4), "eng_investir": (1, 1)}
    assert response.needs.get().category.code == "competences"  # same text keeps its category
    change = ResponseChange.objects.get(action="correction")
    assert change.changed_by == adam
    assert change.before["answers"] == {"sat_logistique": 2}
    assert change.after["answers"] == {"sat_logistique": 4, "eng_investir": 1}
    delete_response(response, user=adam)
    assert summary(session_a) == {}
    deleted = ResponseChange.objects.get(action="suppression")
    assert deleted.sheet_number == 1 and deleted.before["answers"]["eng_investir"] == 1
    assert list(ResponseChange.objects.values_list("action", flat=True)) == ["suppression", "correction", "creation"]


def test_refresh_summaries_recomputes_from_answers(session_a):
    create_response(session_a, Sheet(answers={"sat_animation": 5}), channel="papier")
    SessionItemSummary.objects.all().delete()
    refresh_summaries([session_a.pk])
    assert summary(session_a) == {"sat_animation": (1, 5)}
