"""Generated questionnaire responses (seed_demo): only on held sessions, realistic means, exact national sizes."""

import datetime
import random
from collections import Counter

import pytest
from django.db.models import Count, Max, Sum

from evaluation.demo import TARGET_MEANS, seed_demo_responses, seed_national_responses
from evaluation.models import Answer, Need, Response, SessionItemSummary
from evaluation.responses import MAX_NEEDS
from tests.factories import AwarenessSessionFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def national_sessions(clsm_a):
    """100 held sessions of 25 participants over two seasons, and sessions that must get no response."""
    held = [
        AwarenessSessionFactory(
            clsm=clsm_a, held=True, actual_attendance=25, date=datetime.date(2023 + i % 2, 3, 1 + i % 28)
        )
        for i in range(100)
    ]
    others = [
        AwarenessSessionFactory(clsm=clsm_a, confirmed=True),
        AwarenessSessionFactory(clsm=clsm_a, cancelled=True),
        AwarenessSessionFactory(clsm=clsm_a),
    ]
    return held, others


def answer_means() -> dict[str, float]:
    rows = Answer.objects.values("item__code").annotate(n=Count("pk"), total=Sum("value"))
    return {row["item__code"]: row["total"] / row["n"] for row in rows}


def fingerprint() -> list:
    return sorted(Response.objects.values_list("session_id", "sheet_number", "channel", "comment")) + sorted(
        Answer.objects.values_list("response__session_id", "response__sheet_number", "item__code", "value")
    )


def test_national_sizes_are_exact_and_only_on_held_sessions(national_sessions):
    held, others = national_sessions
    assert seed_national_responses(total=2000, needs=1500, rng=random.Random(7)) == 2000
    assert Response.objects.count() == 2000
    assert Need.objects.count() == 1500
    assert not Response.objects.filter(session__in=others).exists()
    per_session = Counter(Response.objects.values_list("session_id", flat=True))
    assert set(per_session) == {s.pk for s in held}
    assert max(per_session.values()) <= 25  # never more responses than participants
    needs_per_response = Counter(Need.objects.values_list("response_id", flat=True))
    assert max(needs_per_response.values()) <= MAX_NEEDS
    # Sheet numbers run from 1 to the number of responses of each session.
    highest = dict(Response.objects.values("session_id").annotate(n=Max("sheet_number")).values_list("session_id", "n"))
    assert highest == dict(per_session)


def test_national_values_look_like_the_bilan(national_sessions):
    seed_national_responses(total=2000, needs=1500, rng=random.Random(7))
    means = answer_means()
    assert set(means) == set(TARGET_MEANS)
    for code, target in TARGET_MEANS.items():
        assert abs(means[code] - target) <= 0.2, (code, means[code], target)
    blanks = 1 - Answer.objects.count() / (13 * Response.objects.count())
    assert 0.05 <= blanks <= 0.11
    categorised = Need.objects.filter(category__isnull=False)
    assert 0.70 <= categorised.count() / Need.objects.count() <= 0.80
    shares = Counter(categorised.values_list("category__code", flat=True)).most_common()
    assert shares[0][0] == "competences" and len(shares) == 7
    assert categorised.filter(categorised_at__isnull=True).count() == 0
    assert not Need.objects.filter(category__isnull=True, categorised_at__isnull=False).exists()
    channels = Counter(Response.objects.values_list("channel", flat=True))
    assert set(channels) == {"papier", "en_ligne"} and channels["papier"] > channels["en_ligne"]


def test_national_summaries_match_the_answers(national_sessions):
    seed_national_responses(total=2000, needs=1500, rng=random.Random(7))
    from_answers = {
        (row["response__session_id"], row["item__code"]): (row["n"], row["total"])
        for row in Answer.objects.values("response__session_id", "item__code").annotate(
            n=Count("pk"), total=Sum("value")
        )
    }
    summaries = {(s.session_id, s.item_code): (s.answers, s.total) for s in SessionItemSummary.objects.all()}
    assert summaries == from_answers
    assert len(summaries) == 100 * 13


def test_same_random_source_same_data_and_a_rerun_replaces(national_sessions):
    seed_national_responses(total=500, needs=300, rng=random.Random(3))
    first = fingerprint()
    seed_national_responses(total=500, needs=300, rng=random.Random(3))
    assert Response.objects.count() == 500 and Need.objects.count() == 300
    assert fingerprint() == first
    seed_national_responses(total=500, needs=300, rng=random.Random(4))
    assert fingerprint() != first


def test_demo_responses_for_most_participants_of_held_sessions(clsm_a):
    held = AwarenessSessionFactory(clsm=clsm_a, held=True, actual_attendance=None)
    ParticipantFactory.create_batch(20, session=held)
    counted = AwarenessSessionFactory(clsm=clsm_a, held=True, actual_attendance=30)
    planned = AwarenessSessionFactory(clsm=clsm_a, expected_attendance=20)
    written = seed_demo_responses([held, counted, planned], rng=random.Random(1))
    assert written == Response.objects.count()
    assert 14 <= Response.objects.filter(session=held).count() <= 18  # 70 to 90 % of 20 sign-in lines
    assert 21 <= Response.objects.filter(session=counted).count() <= 27  # of 30 present
    assert not Response.objects.filter(session=planned).exists()
    assert Need.objects.exists() and SessionItemSummary.objects.filter(session=held).count() == 13
    # A re-run replaces the responses of those sessions.
    assert seed_demo_responses([held, counted], rng=random.Random(1)) == written
    assert Response.objects.count() == written


def test_demo_defaults_to_every_held_session(clsm_a):
    sessions = [AwarenessSessionFactory(clsm=clsm_a, held=True) for _ in range(3)]
    AwarenessSessionFactory(clsm=clsm_a, cancelled=True)
    seed_demo_responses()
    assert set(Response.objects.values_list("session_id", flat=True)) == {s.pk for s in sessions}
