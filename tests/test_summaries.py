"""The per-session summaries the bilan reads equal a rebuild from the raw rows after every write path, and every
write that changes a figure bumps the data version (evaluation.documents.data_version)."""

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse

from evaluation.bilan import Scope
from evaluation.documents import data_version
from evaluation.models import (
    FollowUp,
    Need,
    NeedCategory,
    Response,
    SessionItemSummary,
    SessionSummary,
)
from evaluation.responses import Sheet, create_response, delete_response, update_response
from sessions_app.models import (
    AwarenessSession,
    Participant,
    SessionParticipantSummary,
    SessionStructure,
    season_bounds,
)
from sessions_app.summaries import DataVersions, bump_data_version
from territories.models import QPV
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


def _sessions_in(kept: dict) -> set[int]:
    return {row[0] for rows in kept.values() for row in rows}


@pytest.fixture
def as_rebuilt():
    """as_rebuilt(): the summaries as the write paths left them equal a rebuild from the raw rows, and the data
    version that the bilan of each changed session's season reads moved since the previous call."""
    seen = {"versions": DataVersions.read(), "summaries": summaries()}

    def check():
        kept = summaries()
        versions = DataVersions.read()
        assert versions.total > seen["versions"].total, "the write did not bump the data version"
        changed = {session for kind in kept for session in _sessions_in({kind: kept[kind] ^ seen["summaries"][kind]})}
        for season in AwarenessSession.objects.filter(pk__in=changed).values_list("season", flat=True):
            end = season_bounds(season)[1]
            assert versions.of(end) > seen["versions"].of(end), f"the bilan of {season} would not see the write"
        call_command("rebuild_summaries", stdout=io.StringIO())
        assert summaries() == kept
        seen["versions"], seen["summaries"] = DataVersions.read(), kept
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


def test_a_write_changes_the_data_version_of_the_bilans_that_read_it_and_no_other(clsm_a):
    earlier = AwarenessSessionFactory(clsm=clsm_a, date=date(2023, 3, 12), held=True)
    later = AwarenessSessionFactory(clsm=clsm_a, date=date(2024, 10, 1), held=True)
    scopes = {
        "2022-2023": Scope.build(season="2022-2023"),
        "2023-2024": Scope.build(season="2023-2024"),  # compared with 2022-2023: reads its sheets
        "2024-2025": Scope.build(season="2024-2025"),
        "year 2023": Scope.build(year=2023),
        "everything": Scope.build(),
    }

    def versions():
        return {name: data_version(scope) for name, scope in scopes.items()}

    before = versions()
    create_response(later, Sheet(answers={"sat_duree": 4}), channel="papier")  # a sheet of 2024-2025
    after = versions()
    moved = {name for name in scopes if after[name] != before[name]}
    assert moved == {"2024-2025", "everything"}

    before = after
    create_response(earlier, Sheet(answers={"sat_duree": 2}), channel="papier")  # a sheet of 2022-2023
    after = versions()
    assert {name for name in scopes if after[name] != before[name]} == set(scopes)

    def moved_by(write) -> set[str]:
        before = versions()
        write()
        after = versions()
        return {name for name in scopes if after[name] != before[name]}

    # Sessions, requests and follow-ups: the bilans that count them, before and after the write.
    this_season = {"2024-2025", "everything"}
    assert moved_by(lambda: earlier.save()) == set(scopes)  # 2022-2023 is read by every later bilan
    assert moved_by(lambda: later.save()) == this_season
    assert moved_by(lambda: later.qpvs.set(QPV.objects.filter(code="QN01330M"))) == this_season
    assert moved_by(lambda: FollowUp.objects.create(session=later, due_on=later.date)) == this_season
    assert moved_by(lambda: FollowUp.objects.get(session=later).delete()) == this_season
    request = SessionRequestFactory(clsm=clsm_a, requested_on=date(2024, 11, 5))
    assert moved_by(lambda: request.save()) == this_season
    request.requested_on = date(2023, 1, 10)  # moved from 2024-2025 to 2022-2023: both
    assert moved_by(lambda: request.save()) == set(scopes)
    moved = AwarenessSession.objects.get(pk=later.pk)
    moved.date = date(2023, 2, 1)  # from 2024-2025 to 2022-2023: both
    assert moved_by(lambda: moved.save()) == set(scopes)
    # Back to 2024-2025 from an instance loaded before the move: the season it leaves is read from the database.
    assert moved_by(lambda: later.save()) == set(scopes)
    assert moved_by(lambda: later.delete()) == this_season


def test_typing_this_seasons_sheets_keeps_last_seasons_dashboard_and_charts(login, claire, clsm_a, monkeypatch):
    from evaluation import documents

    last = AwarenessSessionFactory(clsm=clsm_a, date=date(2023, 3, 12), held=True)
    this = AwarenessSessionFactory(clsm=clsm_a, date=date(2023, 10, 2), held=True)
    create_response(last, Sheet(answers={"sat_duree": 4}), channel="papier")
    computed = []
    compute = documents.compute_bilan
    monkeypatch.setattr(documents, "compute_bilan", lambda scope: computed.append(scope.label) or compute(scope))
    client = login(claire)
    last_season = {"period": "saison", "season": "2022-2023"}

    def visit(params):
        assert client.get(reverse("evaluation:dashboard"), params).status_code == 200
        chart = client.get(reverse("evaluation:bilan_chart", args=["satisfaction"]), params)
        assert chart.status_code == 200
        return chart.content

    drawn = visit(last_season)
    assert computed == ["Saison 2022-2023"]
    for score in (1, 2, 3):  # the chargée types this season's stack
        create_response(this, Sheet(answers={"sat_duree": score}), channel="papier")
        assert visit(last_season) == drawn
    assert computed == ["Saison 2022-2023"]
    visit({"period": "saison", "season": "2023-2024"})
    create_response(this, Sheet(answers={"sat_duree": 5}), channel="papier")
    visit({"period": "saison", "season": "2023-2024"})
    assert computed == ["Saison 2022-2023", "Saison 2023-2024", "Saison 2023-2024"]
    # A sheet of last season: its dashboard is computed again, with it.
    create_response(last, Sheet(answers={"sat_duree": 1}), channel="papier")
    visit(last_season)
    assert computed[-1] == "Saison 2022-2023" and len(computed) == 4


@pytest.mark.django_db(transaction=True)
def test_the_migration_to_one_row_per_season_keeps_the_counter_and_makes_room_for_new_rows():
    """Before, the one row was created with id 1 given explicitly, which left PostgreSQL's identity behind: the first
    season's row inserted after the migration took id 1 again, and every save of a sheet failed (seen in the load
    test on a migrated database)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("sessions_app", "0005_self_run")], [("sessions_app", "0006_data_version_per_season")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_model = executor.loader.project_state(before).apps.get_model("sessions_app", "DataVersion")
    old_model.objects.create(pk=1, counter=41)
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    bump_data_version(seasons=["2024-2025"])
    versions = DataVersions.read()
    assert versions.counters == {"": 41, "2024-2025": 1}
    assert versions.total == 42  # never a number already used for a kept document or a cache key


def test_the_seasons_of_many_sessions_are_read_in_batches_and_all_bumped(clsm_a, monkeypatch):
    """A rebuild names every session, more than SQLite takes in one statement: their seasons are read in batches,
    and every one of them is bumped."""
    from sessions_app import summaries

    monkeypatch.setattr(summaries, "BATCH", 2)
    sessions = [
        AwarenessSessionFactory(clsm=clsm_a, date=day, held=True)
        for day in (date(2021, 10, 1), date(2022, 10, 1), date(2022, 11, 1), date(2023, 10, 1), date(2023, 11, 1))
    ]
    before = DataVersions.read()
    summaries.bump_sessions_version([session.pk for session in sessions])
    after = DataVersions.read()
    moved = {season for season in after.counters if after.counters[season] != before.counters.get(season, 0)}
    assert moved == {"2021-2022", "2022-2023", "2023-2024"}
