"""Every figure of the bilan contract, on hand-built data whose right answers are worked out by hand below."""

import io
import json
import os
import time
from datetime import date

import pytest
from django.core.management import call_command

from evaluation.bilan import Scope, compute_bilan, compute_seasons, previous_season
from evaluation.models import Questionnaire, Response
from evaluation.responses import Sheet, create_response, refresh_summaries
from sessions_app.models import Structure
from tests.factories import AwarenessSessionFactory, CLSMFactory, ParticipantFactory, SessionRequestFactory
from tests.plans import plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(clsm_a, clsm_b):
    """Season 2022-2023:
    S1 held, CLSM A (Lille), QPV QN05971M (Nord, Hauts-de-France) and QN01330M (Bouches-du-Rhône, PACA),
       10 present, 4 sign-in rows, 2 responses.
    S2 held, CLSM B (Marseille), QPV QN01330M, attendance blank, 3 sign-in rows, 1 response.
    S3 planned and S4 cancelled (CLSM A): sign-in rows and a response that must not count.
    S5 held in 2023-2024 (outside the season), R2 a request of 2021-2022.
    """
    s1 = AwarenessSessionFactory(
        clsm=clsm_a, date=date(2023, 3, 12), held=True, actual_attendance=10, qpv_codes=["QN05971M", "QN01330M"]
    )
    s2 = AwarenessSessionFactory(clsm=clsm_b, date=date(2023, 5, 1), held=True, actual_attendance=None)
    s3 = AwarenessSessionFactory(clsm=clsm_a, date=date(2023, 6, 1), status="confirmee")
    s4 = AwarenessSessionFactory(clsm=clsm_a, date=date(2023, 6, 2), cancelled=True)
    s5 = AwarenessSessionFactory(clsm=clsm_a, date=date(2023, 10, 1), held=True, actual_attendance=7)
    SessionRequestFactory(clsm=clsm_a, requested_on=date(2023, 1, 10))
    SessionRequestFactory(clsm=clsm_b, requested_on=date(2022, 7, 1))

    def sign_in(session, rows):
        for gender, profile, structure, lives, acts in rows:
            ParticipantFactory(
                session=session,
                gender=gender,
                profile=profile,
                lives_in_qpv=lives,
                acts_in_qpv=acts,
                structure=Structure.objects.get_or_create_by_name(structure) if structure else None,
            )

    sign_in(
        s1,
        [
            ("femme", "habitant", "CCAS", True, True),
            ("femme", "social", "C.C.A.S", False, True),
            ("homme", "elu", "Mairie", None, False),
            ("", "", None, None, None),
        ],
    )
    sign_in(
        s2,
        [
            ("femme", "social", "ccas", True, None),
            ("autre", "habitant", "Centre social", False, False),
            ("femme", "", "Mairie ", None, True),
        ],
    )
    sign_in(s3, [("homme", "jeunesse", "Club de foot", True, True)])
    sign_in(s4, [("homme", "sport", "Club de foot", True, True)])

    create_response(
        s1,
        Sheet(
            answers={"sat_logistique": 5, "cap_clsm": 3},
            needs=[("Des formations", "competences"), ("Se connaître entre acteurs", "reseau")],
        ),
        channel="papier",
    )
    create_response(
        s1,
        Sheet(answers={"sat_logistique": 4, "cap_clsm": None}, needs=[("Un lieu d'écoute", None)]),
        channel="en_ligne",
    )
    create_response(
        s2,
        Sheet(answers={"sat_logistique": 2, "eng_investir": 4}, needs=[("Des formations", "competences")]),
        channel="papier",
    )
    create_response(s3, Sheet(answers={"sat_logistique": 1, "eng_investir": 1}), channel="papier")
    create_response(s5, Sheet(answers={"sat_logistique": 1}), channel="papier")
    # A response left on a session cancelled afterwards must not count either.
    Response.objects.create(session=s4, questionnaire=Questionnaire.current(), sheet_number=1, channel="papier")
    refresh_summaries([s4.pk])
    return {"s1": s1, "s2": s2, "s3": s3, "s4": s4, "s5": s5}


def season_bilan():
    return compute_bilan(Scope.build(season="2022-2023"))


def test_scope(programme):
    assert season_bilan()["scope"] == {
        "label": "Saison 2022-2023",
        "from": "2022-09-01",
        "to": "2023-08-31",
        "filters": {},
    }


def test_key_figures(programme):
    assert season_bilan()["key_figures"] == {
        "sollicitations": 1,  # R2 is of another season
        "clsm": 2,  # A (request and S1), B (S2)
        "sessions": 2,  # S1, S2 held; S3 confirmed, S4 cancelled, S5 other season
        "qpv": 2,  # QN05971M, QN01330M (twice)
        "participants": 13,  # S1: 10 present; S2: blank, so its 3 sign-in rows
        "structures": 3,  # CCAS = C.C.A.S = ccas, Mairie = « Mairie  », Centre social
        "responses": 3,
        "self_run_sessions": 0,  # sessions the territories animated themselves (tests/test_self_run.py)
    }


def test_profile_leaves_blanks_out_of_each_denominator(programme):
    profile = season_bilan()["profile"]
    assert profile["women_pct"] == pytest.approx(4 * 100 / 6)  # 7 rows, one without gender
    assert profile["lives_in_qpv_pct"] == pytest.approx(50.0)  # 2 yes out of 4 known
    assert profile["acts_in_qpv_pct"] == pytest.approx(60.0)  # 3 yes out of 5 known
    assert profile["categories"] == pytest.approx({"habitant": 40.0, "social": 40.0, "elu": 20.0})


def test_item_means_and_answer_counts(programme):
    items = season_bilan()["items"]
    assert list(items)[:3] == ["sat_logistique", "sat_dynamique", "sat_animation"] and len(items) == 13
    assert items["sat_logistique"]["mean"] == pytest.approx(11 / 3) and items["sat_logistique"]["answers"] == 3
    assert items["cap_clsm"] == {**items["cap_clsm"], "mean": 3.0, "answers": 1, "scale": 4}
    assert items["eng_investir"]["mean"] == 4.0
    assert items["sat_duree"]["mean"] is None and items["sat_duree"]["answers"] == 0
    assert items["sat_logistique"]["label"] == "Organisation logistique" and items["sat_logistique"]["scale"] == 5


def test_needs(programme):
    needs = season_bilan()["needs"]
    assert needs["total"] == 4 and needs["uncategorised"] == 1
    assert needs["categories"]["competences"]["count"] == 2
    assert needs["categories"]["competences"]["pct"] == pytest.approx(200 / 3)  # share of categorised needs
    assert needs["categories"]["reseau"]["pct"] == pytest.approx(100 / 3)
    assert needs["categories"]["actions"] == {**needs["categories"]["actions"], "count": 0, "pct": 0.0}


def test_breakdown_counts_a_session_in_each_region_of_its_qpv(programme, clsm_a, clsm_b):
    breakdown = season_bilan()["breakdown"]
    assert breakdown["regions"] == [
        {"code": "93", "label": "Provence-Alpes-Côte d'Azur", "sessions": 2, "participants": 13, "responses": 3},
        {"code": "32", "label": "Hauts-de-France", "sessions": 1, "participants": 10, "responses": 2},
    ]
    assert breakdown["departments"] == [
        {"code": "13", "label": "Bouches-du-Rhône (13)", "sessions": 2, "participants": 13, "responses": 3},
        {"code": "59", "label": "Nord (59)", "sessions": 1, "participants": 10, "responses": 2},
    ]
    assert breakdown["clsm"] == [
        {"code": str(clsm_a.pk), "label": "CLSM A de Lille", "sessions": 1, "participants": 10, "responses": 2},
        {"code": str(clsm_b.pk), "label": "CLSM B de Marseille", "sessions": 1, "participants": 3, "responses": 1},
    ]


def test_filters_combine_with_the_period(programme):
    lille = compute_bilan(Scope.build(season="2022-2023", clsm="clsm a de lille"))
    assert lille["key_figures"]["sessions"] == 1 and lille["key_figures"]["sollicitations"] == 1
    north = compute_bilan(Scope.build(season="2022-2023", region="32"))
    assert north["key_figures"]["sessions"] == 1 and north["key_figures"]["participants"] == 10
    bdr = compute_bilan(Scope.build(season="2022-2023", department="13"))
    assert bdr["key_figures"]["sessions"] == 2
    everything = compute_bilan(Scope.build())
    assert everything["key_figures"]["sessions"] == 3 and everything["key_figures"]["sollicitations"] == 2
    year = compute_bilan(Scope.build(year=2023))
    assert year["key_figures"]["sessions"] == 3
    one = compute_bilan(Scope.build(session=programme["s2"].reference))
    assert one["key_figures"]["sessions"] == 1 and one["items"]["eng_investir"]["mean"] == 4.0


def test_outside_any_region_is_grouped_under_an_empty_code(clsm_a):
    session = AwarenessSessionFactory(clsm=clsm_a, date=date(2023, 3, 1), held=True, qpv_codes=["QN98701M"])
    regions = compute_bilan(Scope.build())["breakdown"]["regions"]
    assert [(r["code"], r["sessions"]) for r in regions] == [("", 1)]
    assert session.qpvs.get().department_id == "987"


def test_empty_scope():
    bilan = compute_bilan(Scope.build(season="2015-2016"))
    assert bilan["key_figures"] == dict.fromkeys(bilan["key_figures"], 0)
    assert bilan["profile"]["women_pct"] is None
    assert bilan["items"]["sat_logistique"]["mean"] is None
    assert bilan["breakdown"] == {"regions": [], "departments": [], "clsm": [], "modes": []}


def test_bilan_command_writes_the_json(programme, tmp_path):
    path = tmp_path / "bilan.json"
    out = io.StringIO()
    call_command("bilan", "--season", "2022-2023", "--format", "json", "--output", str(path), stdout=out)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data == json.loads(json.dumps(season_bilan()))
    assert "Saison 2022-2023" in out.getvalue()
    call_command("bilan", "--from", "2023-05-01", "--to", "2023-05-01", "--output", str(path), stdout=io.StringIO())
    assert json.loads(path.read_text())["key_figures"]["sessions"] == 1


def test_seasons_series_for_the_comparison(programme):
    series = compute_seasons(Scope.build())
    assert [row["season"] for row in series] == ["2022-2023", "2023-2024"]
    first, second = series
    assert (first["sessions"], first["participants"], first["responses"], first["qpv"]) == (2, 13, 3, 2)
    assert first["items"]["sat_logistique"] == pytest.approx(11 / 3)
    assert (second["sessions"], second["participants"], second["responses"]) == (1, 7, 1)
    assert second["items"] == {"sat_logistique": 1.0}
    # The comparison stops at the scope's own season.
    assert [r["season"] for r in compute_seasons(Scope.build(season="2022-2023"))] == ["2022-2023"]
    assert previous_season("2022-2023") == "2021-2022"


def test_distinct_and_grouped_reads_leave_the_models_ordering_out(programme):
    """With the default ordering of sessions (date, start time) in the query, DISTINCT keeps one row per session
    (7,247 rows for 10 seasons at national size); the request CLSM are grouped, never a DISTINCT over the
    requests' ordering (40,000 rows for 300 CLSM)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        compute_bilan(Scope.build(season="2022-2023"))
        compute_seasons(Scope.build())
    grouped = [q["sql"] for q in queries.captured_queries if "DISTINCT" in q["sql"] or "GROUP BY" in q["sql"]]
    seasons = [sql for sql in grouped if sql.startswith('SELECT DISTINCT "sessions_app_awarenesssession"."season"')]
    requests = [sql for sql in grouped if 'FROM "sessions_app_sessionrequest"' in sql.split("WHERE")[0]]
    assert seasons and requests
    for sql in seasons + requests:
        assert "ORDER BY" not in sql, sql
        assert '"requested_on"' not in sql.split("WHERE")[0] and '"start_time"' not in sql, sql


def test_effects_count_answered_follow_ups_of_held_sessions(programme, alice):
    from django.utils import timezone

    from evaluation.models import Effect, FollowUp

    answered = FollowUp.objects.create(session=programme["s1"], due_on=date(2023, 9, 12), answered_at=timezone.now())
    answered.effects.set(Effect.objects.filter(code__in=["clsm_valorise", "partenariats"]))
    other = FollowUp.objects.create(session=programme["s2"], due_on=date(2023, 11, 1), answered_at=timezone.now())
    other.effects.set(Effect.objects.filter(code="partenariats"))
    FollowUp.objects.create(session=programme["s3"], due_on=date(2023, 12, 1), answered_at=timezone.now())  # not held
    FollowUp.objects.create(session=programme["s5"], due_on=date(2024, 4, 1))  # not answered
    effects = season_bilan()["effects"]
    assert effects["followups"] == 2
    assert effects["effects"]["partenariats"] == {
        "label": "Des partenariats et un travail en réseau se sont développés",
        "count": 2,
    }
    assert effects["effects"]["clsm_valorise"]["count"] == 1
    assert effects["effects"]["diagnostic"]["count"] == 0
    assert len(effects["effects"]) == 8


def test_response_rate_is_responses_over_participants(programme):
    assert season_bilan()["response_rate"] == pytest.approx(3 * 100 / 13)
    assert compute_bilan(Scope.build(season="2015-2016"))["response_rate"] is None


def test_one_sessions_bilan_takes_a_fixed_small_number_of_queries(programme, django_assert_num_queries):
    """A session's bilan: its held ids, the reference labels, every grouped figure in one statement, the requests.
    Reference labels and per-key reads used to be one query each (19 queries at national size)."""
    scope = Scope.build(session=programme["s1"].reference)
    with django_assert_num_queries(4):
        data = compute_bilan(scope)
    assert data["key_figures"]["sessions"] == 1
    assert data["key_figures"]["participants"] == 10
    assert {row["code"] for row in data["breakdown"]["regions"]} == {"32", "93"}


@pytest.mark.parametrize(
    "filters",
    [
        {"season": "2022-2023"},
        {"season": "2023-2024"},
        {"season": "2023-2024", "clsm": "CLSM A de Lille"},
        {"season": "2023-2024", "region": "32"},
        {"clsm": "CLSM A de Lille"},
        {"region": "32"},
        {"department": "59"},
        {},
    ],
    ids=["season", "compared season", "compared clsm", "compared region", "clsm", "region", "department", "all"],
)
def test_small_scopes_read_as_a_literal_id_list_give_the_same_figures(programme, monkeypatch, filters):
    """Four ways to name the held sessions in the statement give the same figures: a literal list in every part, a
    list of values in a CTE, the scope's subquery in every part, and (région, département) that subquery computed
    once in a CTE (the ids of the per-session CTE that every part reads)."""
    from evaluation import bilan

    scope = Scope.build(**filters)
    listed = compute_bilan(scope)
    assert listed["key_figures"]["sessions"] > 0
    if filters.get("season") == "2023-2024":  # compared with 2022-2023, its sessions named the same way
        assert listed["comparison"]["key_figures"]["sessions"] > 0
    monkeypatch.setattr(bilan, "INLINE_IDS", 0)  # the list of values in a CTE
    assert compute_bilan(scope) == listed
    monkeypatch.setattr(bilan, "SMALL_SCOPE", 0)  # the scope's subquery instead
    assert compute_bilan(scope) == listed


def test_each_way_of_naming_the_held_sessions_counts_them_all_at_its_bounds(clsm_a, monkeypatch):
    """Up to INLINE_IDS ids written in each part, up to SMALL_SCOPE in a list of values read by every part, beyond
    it the scope's subquery: at each bound and one past it, every session counts."""
    from evaluation import bilan

    monkeypatch.setattr(bilan, "INLINE_IDS", 3)
    monkeypatch.setattr(bilan, "SMALL_SCOPE", 6)
    for count in range(1, 8):
        AwarenessSessionFactory(clsm=clsm_a, date=date(2023, 3, count), held=True, actual_attendance=2)
        figures = compute_bilan(Scope.build())["key_figures"]
        assert (figures["sessions"], figures["participants"]) == (count, 2 * count)


def _bilan_statements(scope) -> list[tuple[str, list]]:
    """The statements `compute_bilan(scope)` sends, with their parameters."""
    from django.db import connection

    statements = []

    def capture(execute, sql, params, many, context):
        statements.append((sql, list(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        compute_bilan(scope)
    return statements


def _bilan_statement(scope) -> str:
    return next(sql for sql, _params in _bilan_statements(scope) if sql.startswith("WITH "))


@pytest.mark.parametrize(
    "filters, array",
    [
        ({"season": "2023-2024"}, True),  # and its compared season
        ({"year": "2023"}, True),
        ({"season": "2023-2024", "region": "32"}, True),
        ({"date_from": date(2019, 9, 1), "date_to": date(2024, 8, 31)}, False),
        ({}, False),
        ({"region": "32"}, False),
    ],
    ids=["season", "year", "season of a région", "five years", "all", "région"],
)
def test_a_period_of_a_year_looks_its_sessions_up_in_the_summaries_indexes(programme, monkeypatch, filters, array):
    """On PostgreSQL, the held sessions of a year at most are one array that the summaries' indexes are looked up
    with; longer periods keep `IN`, which hashes them against a full read (the planner takes an array for a few ids:
    all seasons' 22,500 made the item sums 57 → 80 ms). SQLite has no arrays."""
    from django.db import connection

    from evaluation import bilan

    monkeypatch.setattr(bilan, "INLINE_IDS", 0)  # as at the national scale: more sessions than a list of values
    monkeypatch.setattr(bilan, "SMALL_SCOPE", 0)
    statement = _bilan_statement(Scope.build(**filters))
    expected = array and connection.vendor == "postgresql"
    items = "FROM evaluation_sessionitemsummary s WHERE s.session_id "  # the season's, and its compared season's
    parts = 2 if "season" in filters else 1
    assert statement.count(items + "= ANY(ARRAY(") == (parts if expected else 0)
    assert statement.count(items + "IN (") == (0 if expected else parts)


def _vacuumed_all_visible(cursor, tables, tries: int = 20) -> bool:
    """VACUUM ANALYZE `tables` until every page is marked all-visible (at most `tries` times, a quarter second apart):
    a page stays unmarked while another connection holds an older snapshot, and the planner then prices the heap
    visits an index-only scan would need."""
    for _ in range(tries):
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute("SELECT bool_and(relallvisible >= relpages) FROM pg_class WHERE relname = ANY(%s)", [tables])
        if cursor.fetchone()[0]:
            return True
        time.sleep(0.25)
    return False


@pytest.mark.django_db(transaction=True)  # VACUUM runs outside a transaction
def test_a_periods_item_sums_and_requests_are_read_from_indexes_alone(programme):
    """A season's item sums (looked up by session) and its requests per CLSM are read from covering indexes, never
    from the tables (PostgreSQL; a national season: items 24 → 12 ms, requests 8.4 → 1.6 ms). The tables are
    vacuumed first, as a live database is: the planner then knows their pages need no visit, and takes the index
    that covers the read over a smaller one that does not (in CI, a page once stayed unmarked for want of a retry,
    and the planner took the smaller unique index)."""
    from django.db import connection

    from evaluation.models import SessionItemSummary
    from sessions_app.models import SessionRequest

    if connection.vendor != "postgresql":
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("En CI, ce test se lance sur PostgreSQL (DATABASE_URL=postgres://…)")
        pytest.skip("les plans de PostgreSQL")
    tables = [SessionItemSummary._meta.db_table, SessionRequest._meta.db_table]
    with connection.cursor() as cursor:
        assert _vacuumed_all_visible(cursor, tables), "VACUUM n'a pas pu marquer les pages (un instantané plus ancien)"
    items = (
        f"SELECT s.item_code, SUM(s.answers), SUM(s.total) FROM {SessionItemSummary._meta.db_table} s "
        "WHERE s.session_id = ANY(ARRAY[%s, %s]) GROUP BY s.item_code"
    )
    assert "Index Only Scan using item_summary_sums" in plan(items, [1, 2], off=("seqscan", "bitmapscan"))
    table = SessionRequest._meta.db_table
    [(sql, params)] = [(sql, p) for sql, p in _bilan_statements(Scope.build(season="2022-2023")) if table in sql]
    assert "Index Only Scan using request_period_clsm" in plan(
        sql, params, off=("seqscan", "bitmapscan")
    )  # the engine's own count
    assert compute_bilan(Scope.build(season="2022-2023"))["key_figures"]["sollicitations"] == 1


def test_one_item_summary_per_session_and_item_on_every_backend(programme):
    """The unique constraint holds on SQLite too (one with INCLUDE columns would be dropped there, silently)."""
    from django.db import IntegrityError, transaction

    from evaluation.models import SessionItemSummary

    summary = SessionItemSummary.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionItemSummary.objects.create(session=summary.session, item_code=summary.item_code, answers=1, total=4)


def test_the_list_of_values_stays_within_the_backends_parameter_limit():
    """SQLite builds limit a statement to 999 parameters: the list is written once (in its CTE), within the limit
    with room for the statement's own parameters."""
    from django.db import connection

    from evaluation import bilan

    max_params = connection.features.max_query_params
    assert max_params is None or max_params - 100 >= bilan.SMALL_SCOPE
    assert (max_params or 999) >= bilan.INLINE_IDS * 16  # the inline list is repeated in about a dozen parts


def test_a_session_counts_once_in_each_territory_whatever_its_number_of_qpv_there(clsm_a):
    """Three QPV: two in the Nord, one in the Pas-de-Calais, all three in Hauts-de-France: the session is one session
    (and its 12 participants) in each of the three territories, never two in the Nord or three in the région."""
    AwarenessSessionFactory(
        clsm=clsm_a,
        date=date(2023, 3, 1),
        held=True,
        actual_attendance=12,
        qpv_codes=["QN05901M", "QN05902M", "QN06201M"],
    )
    breakdown = compute_bilan(Scope.build())["breakdown"]
    assert [(row["code"], row["sessions"], row["participants"]) for row in breakdown["regions"]] == [("32", 1, 12)]
    assert sorted((row["code"], row["sessions"], row["participants"]) for row in breakdown["departments"]) == [
        ("59", 1, 12),
        ("62", 1, 12),
    ]


def test_requests_of_a_territory_are_those_of_its_qpv_or_without_qpv_of_its_clsm(clsm_a, clsm_b):
    """A request counts in each territory of the QPV it names (once, whatever their number there); one that names
    none, in the territories of its CLSM's perimeter."""
    SessionRequestFactory(clsm=clsm_a)  # Nord (59), Hauts-de-France (32)
    SessionRequestFactory(clsm=clsm_a, qpv_codes=["QN01330M"])  # Bouches-du-Rhône (13), PACA (93)
    SessionRequestFactory(clsm=clsm_a, qpv_codes=["QN05971M", "QN05972M", "QN01330M"])  # both, once each
    SessionRequestFactory(clsm=clsm_b).qpvs.clear()  # its CLSM's perimeter: 13, 93
    by_communes = CLSMFactory(name="CLSM de Marseille, par communes")
    by_communes.communes.set(["13055"])  # a perimeter of communes only: Marseille
    SessionRequestFactory(clsm=by_communes).qpvs.clear()

    def requests(**territory):
        return compute_bilan(Scope.build(**territory))["key_figures"]["sollicitations"]

    assert (requests(region="32"), requests(region="93")) == (2, 4)
    assert (requests(department="59"), requests(department="13")) == (2, 4)
    assert requests(region="11") == 0
    assert requests(region="") == 0  # outside any région: none of these, though three name no QPV
    assert requests() == 5


def test_a_finished_season_is_compared_with_the_whole_previous_one(programme, clsm_b):
    AwarenessSessionFactory(clsm=clsm_b, date=date(2023, 4, 1), held=True, actual_attendance=5, qpv_codes=["QN05972M"])
    data = compute_bilan(Scope.build(season="2023-2024"), today=date(2026, 1, 1))
    comparison = data["comparison"]
    assert (comparison["label"], comparison["partial"]) == ("saison 2022-2023", False)
    assert comparison["key_figures"] == {"sessions": 3, "qpv": 3, "participants": 18, "responses": 3}
    assert comparison["items"]["sat_logistique"] == {"mean": pytest.approx(11 / 3), "answers": 3}
    assert comparison["items"]["eng_investir"] == {"mean": 4.0, "answers": 1}
    assert comparison["differences"]["key_figures"] == {"sessions": -2, "qpv": -1, "participants": -11, "responses": -2}
    assert comparison["differences"]["means"] == {"sat_logistique": pytest.approx(1 - 11 / 3)}


def test_a_season_and_its_compared_season_share_the_backends_parameter_limit(clsm_a, monkeypatch):
    """Two lists of values in one statement (the season's sessions and the previous season's) stay within the
    backend's parameter limit together: each takes half the room (999 on SQLite builds that have a limit)."""
    from django.db import connection

    from sessions_app.models import AwarenessSession

    limit = 240  # room for 70 ids a list: 121 sessions a season are named by the scope's subquery instead
    monkeypatch.setattr(connection.features, "max_query_params", limit)
    AwarenessSession.objects.bulk_create(
        AwarenessSession(
            clsm=clsm_a,
            date=day,
            season=season,
            reference=f"T-{season}-{n}",
            status="realisee",
            actual_attendance=3,
            venue="Salle",
        )
        for season, day in (("2022-2023", date(2023, 3, 1)), ("2023-2024", date(2024, 3, 1)))
        for n in range(121)
    )
    sizes = []

    def record(execute, sql, params, many, context):
        sizes.append(len(params or ()))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        data = compute_bilan(Scope.build(season="2023-2024"), today=date(2026, 1, 1))
    assert max(sizes) <= limit
    assert data["key_figures"]["participants"] == 363
    assert data["comparison"]["key_figures"]["sessions"] == 121


def test_a_held_session_without_attendance_nor_sign_in_rows_counts_no_participant(clsm_a):
    AwarenessSessionFactory(clsm=clsm_a, date=date(2023, 3, 1), held=True, actual_attendance=None)
    AwarenessSessionFactory(clsm=clsm_a, date=date(2024, 3, 1), held=True, actual_attendance=None)
    data = compute_bilan(Scope.build(season="2023-2024"), today=date(2026, 1, 1))
    assert (data["key_figures"]["sessions"], data["key_figures"]["participants"]) == (1, 0)
    assert [row["participants"] for row in data["breakdown"]["regions"]] == [0]
    assert data["comparison"]["key_figures"]["participants"] == 0
    assert [row["participants"] for row in compute_seasons(Scope.build())] == [0, 0]


def test_a_range_of_days_is_labelled_in_words():
    """The heading of the bilan and of its documents: « 01/09/2026 » read as a form field, not as a title."""
    assert Scope.build(date_from=date(2026, 9, 1), date_to=date(2026, 11, 19)).label == (
        "Du 1er septembre 2026 au 19 novembre 2026"
    )
    assert Scope.build(date_to=date(2026, 11, 19)).label == "Du début au 19 novembre 2026"
