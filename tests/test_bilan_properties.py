"""Property: the engine's means and percentages equal a plain-Python computation over random data."""

from datetime import date

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluation.bilan import Scope, compute_bilan
from evaluation.models import Item, Questionnaire
from evaluation.responses import Sheet, create_response
from sessions_app.models import Participant
from sessions_app.summaries import refresh_participant_summaries
from tests.factories import AwarenessSessionFactory

pytestmark = pytest.mark.django_db

ITEM_SCALES = {"sat_logistique": 5, "sat_duree": 5, "cap_clsm": 4, "eng_investir": 4}
participant = st.tuples(
    st.sampled_from(["femme", "homme", "autre", ""]),
    st.sampled_from(["habitant", "social", "elu", ""]),
    st.sampled_from([True, False, None]),
    st.sampled_from([True, False, None]),
)
sheet = st.fixed_dictionaries(
    {code: st.one_of(st.none(), st.integers(1, scale)) for code, scale in ITEM_SCALES.items()}
).filter(lambda answers: any(value is not None for value in answers.values()))  # a blank sheet is not saved
session_data = st.tuples(
    st.lists(participant, max_size=12), st.lists(sheet, max_size=8), st.one_of(st.none(), st.integers(0, 40))
)


class _Rollback(Exception):
    pass


def _pct(part, whole):
    return None if whole == 0 else part * 100 / whole


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sessions=st.lists(session_data, min_size=1, max_size=3))
def test_engine_matches_plain_python(clsm_a, sessions):
    try:
        with transaction.atomic():
            for participants, sheets, attendance in sessions:
                session = AwarenessSessionFactory(
                    clsm=clsm_a, date=date(2023, 3, 1), held=True, actual_attendance=attendance
                )
                Participant.objects.bulk_create(
                    Participant(session=session, gender=g, profile=p, lives_in_qpv=lives, acts_in_qpv=acts)
                    for g, p, lives, acts in participants
                )
                refresh_participant_summaries([session.pk])  # a bulk write refreshes the summaries explicitly
                for answers in sheets:
                    create_response(session, Sheet(answers=answers), channel="papier")
            bilan = compute_bilan(Scope.build(season="2022-2023"))
            raise _Rollback
    except _Rollback:
        pass

    rows = [p for participants, _, _ in sessions for p in participants]
    answered_genders = [g for g, _, _, _ in rows if g]
    assert bilan["profile"]["women_pct"] == pytest.approx(_pct(answered_genders.count("femme"), len(answered_genders)))
    lives = [v for _, _, v, _ in rows if v is not None]
    assert bilan["profile"]["lives_in_qpv_pct"] == pytest.approx(_pct(sum(lives), len(lives)))
    acts = [v for _, _, _, v in rows if v is not None]
    assert bilan["profile"]["acts_in_qpv_pct"] == pytest.approx(_pct(sum(acts), len(acts)))
    profiles = [p for _, p, _, _ in rows if p]
    expected_profiles = {code: _pct(profiles.count(code), len(profiles)) for code in set(profiles)}
    assert bilan["profile"]["categories"] == pytest.approx(expected_profiles)

    all_sheets = [s for _, sheets, _ in sessions for s in sheets]
    for code in ITEM_SCALES:
        values = [s[code] for s in all_sheets if s[code] is not None]
        assert bilan["items"][code]["answers"] == len(values)
        assert bilan["items"][code]["mean"] == (pytest.approx(sum(values) / len(values)) if values else None)

    expected_participants = sum(len(p) if attendance is None else attendance for p, _, attendance in sessions)
    assert bilan["key_figures"]["participants"] == expected_participants
    assert bilan["key_figures"]["responses"] == len(all_sheets)


def test_item_scales_used_here_are_the_real_ones():
    current = Questionnaire.current()
    assert {i.code: i.scale for i in Item.objects.filter(questionnaire=current, code__in=ITEM_SCALES)} == ITEM_SCALES
