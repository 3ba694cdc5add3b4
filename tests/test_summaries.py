"""The per-session summaries the bilan reads equal a rebuild from the raw rows after every write path, and every
write that changes a figure bumps the data version (evaluation.documents.data_version)."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from evaluation.models import (
    FollowUp,
    Need,
    NeedCategory,
    Response,
    SessionItemSummary,
    SessionSummary,
)
from evaluation.responses import Sheet, create_response, delete_response, update_response
from sessions_app.models import AwarenessSession, Participant, SessionParticipantSummary, SessionStructure
from sessions_app.summaries import data_version_counter
from tests.factories import AwarenessSessionFactory, ParticipantFactory, SessionRequestFactory
from tests.test_import_questionnaires import line, run_import, write_csv
from tests.test_online_questionnaire import link_a, submit, today  # noqa: F401  (fixtures)
from tests.test_participants import post_rows, row_of

pytestmark = pytest.mark.django_db

PARTICIPANT_FIELDS = [f.attname for f in SessionParticipantSummary._meta.concrete_fields]


def summaries() -> dict:
    return {
        "participants": set(SessionParticipantSummary.objects.values_list(*PARTICIPANT_FIELDS)),
        "structures": set(SessionStructure.objects.values_list("session_id", "structure_id")),
        "items": set(SessionItemSummary.objects.values_list("session_id", "item_code", "answers", "total")),
        "responses": set(SessionSummary.objects.values_list("session_id", "responses")),
        "needs": {
            (session, code, n)
            for session, needs in SessionSummary.objects.values_list("session_id", "needs")
            for code, n in needs.items()
        },
    }


@pytest.fixture
def as_rebuilt():
    """as_rebuilt(): the summaries as the write paths left them equal a rebuild from the raw rows, and the data
    version moved since the previous call."""
    seen = {"version": data_version_counter()}

    def check():
        kept = summaries()
        version = data_version_counter()
        assert version > seen["version"], "the write did not bump the data version"
        call_command("rebuild_summaries", stdout=io.StringIO())
        assert summaries() == kept
        seen["version"] = data_version_counter()
        return kept

    return check


def test_paper_entry_correction_and_deletion(session_a, claire, as_rebuilt):
    response = create_response(
        session_a, Sheet(answers={"sat_duree": 4}, needs=[("un annuaire", "ressources_locales")]), channel="papier"
    )
    kept = as_rebuilt()
    assert (session_a.pk, 1) in kept["responses"] and (session_a.pk, "ressources_locales", 1) in kept["needs"]
    update_response(response, Sheet(answers={"sat_duree": 2, "cap_clsm": 3}, needs=[("autre", None)]), user=claire)
    kept = as_rebuilt()
    assert (session_a.pk, "", 1) in kept["needs"] and (session_a.pk, "sat_duree", 1, 2) in kept["items"]
    delete_response(response, user=claire)
    assert as_rebuilt()["responses"] == set()


def test_online_answers(client, link_a, today, as_rebuilt):  # noqa: F811
    assert submit(client, link_a).status_code == 303
    assert len(as_rebuilt()["responses"]) == 1


def test_questionnaire_import_and_its_replacement(tmp_path, session_a, as_rebuilt):
    rows = [line("2024-001", [5, 4, 3], [("besoin", "reseau")]), line("2024-001", [1, None, 2])]
    run_import(write_csv(tmp_path, rows))
    assert (session_a.pk, 2) in as_rebuilt()["responses"]
    run_import(write_csv(tmp_path, rows[:1], name="second.csv"))
    assert (session_a.pk, 1) in as_rebuilt()["responses"]


def test_participant_import(tmp_path, session_a, as_rebuilt):
    path = tmp_path / "participants.csv"
    path.write_text(
        "session;genre;profil;structure;habite_qpv;agit_qpv\n"
        "2024-001;femme;social;CCAS de Lille;non;oui\n"
        "2024-001;homme;habitant;;oui;\n"
    )
    call_command("import_data", "participants", str(path), stdout=io.StringIO())
    kept = as_rebuilt()
    assert len(kept["structures"]) == 1
    path.write_text("session;genre;profil;structure;habite_qpv;agit_qpv\n2024-001;;elu;;;\n")
    call_command("import_data", "participants", str(path), stdout=io.StringIO())
    assert as_rebuilt()["structures"] == set()


def test_sign_in_sheet_edits_and_deletions(login, claire, session_a, as_rebuilt):
    client = login(claire)
    row = {"gender": "femme", "profile": "Social", "structure_name": "CMP Sud", "lives_in_qpv": "true"}
    assert post_rows(client, session_a, [row, {"gender": "homme", "acts_in_qpv": "false"}]).status_code == 303
    kept = as_rebuilt()
    assert {s[0] for s in kept["participants"]} == {session_a.pk}
    saved = list(Participant.objects.filter(session=session_a).order_by("line"))
    rows = [row_of(saved[0], gender="autre"), {**row_of(saved[1]), "DELETE": "on"}]
    assert post_rows(client, session_a, rows, saved=saved).status_code == 303
    as_rebuilt()


def test_admin_edit_and_deletion(login, adam, session_a, session_b, as_rebuilt):
    participant = ParticipantFactory(session=session_a)
    as_rebuilt()
    client = login(adam)
    url = reverse("admin:sessions_app_participant_delete", args=[participant.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert as_rebuilt()["participants"] == set()


def test_need_categorisation_one_and_in_bulk(login, claire, session_a, as_rebuilt):
    for text in ("un annuaire", "un annuaire", "des formations"):
        create_response(session_a, Sheet(needs=[(text, None)]), channel="papier")
    as_rebuilt()
    client = login(claire)
    need = Need.objects.filter(text="des formations").get()
    category = NeedCategory.objects.order_by("order").first()
    client.post(reverse("evaluation:need_assign", args=[need.pk]), {"category": category.code})
    assert (session_a.pk, category.code, 1) in as_rebuilt()["needs"]
    client.post(
        reverse("evaluation:need_assign_bulk"),
        {"season": session_a.season, "category": category.code, "text": "un annuaire"},
    )
    assert (session_a.pk, category.code, 3) in as_rebuilt()["needs"]


def test_session_deletion_and_other_figures_bump_the_version(session_a, clsm_a, as_rebuilt):
    ParticipantFactory(session=session_a)
    create_response(session_a, Sheet(answers={"sat_duree": 4}), channel="papier")
    as_rebuilt()
    SessionRequestFactory(clsm=clsm_a)  # a request: the bilan's « sollicitations »
    as_rebuilt()
    followup = FollowUp.objects.create(session=session_a, due_on=session_a.date)
    as_rebuilt()
    followup.effects.set([])
    followup.save()
    as_rebuilt()
    AwarenessSession.objects.filter(pk=session_a.pk).get().delete()
    assert as_rebuilt() == {key: set() for key in summaries()}
    assert not Response.objects.exists()


def test_demonstration_data(as_rebuilt):
    call_command("seed_demo", stdout=io.StringIO())
    kept = as_rebuilt()
    assert kept["participants"] and kept["responses"] and kept["items"]


def test_a_new_session_with_participants_through_the_factory(clsm_a, as_rebuilt):
    ParticipantFactory(session=AwarenessSessionFactory(clsm=clsm_a, held=True), structure=None)
    assert len(as_rebuilt()["participants"]) == 1
