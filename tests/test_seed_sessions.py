"""Generated data: the demonstration requests, sessions and sign-in sheets of `seed_demo`, and the national
(benchmark) generator at a reduced size."""

import io
import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import Count, F
from django.utils import timezone

from accounts.models import Role
from sessions_app.demo import delete_national_sessions, seed_national_sessions
from sessions_app.models import (
    AwarenessSession,
    Participant,
    SessionRequest,
    SessionRequestPeriod,
    Structure,
    normalise_structure_name,
    season_of,
)
from territories.demo import seed_national_clsms
from territories.models import CLSM
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def last_seasons(count: int) -> list[str]:
    start = int(season_of(timezone.localdate())[:4])
    return [f"{year}-{year + 1}" for year in range(start - count + 1, start + 1)]


def snapshot() -> list[tuple]:
    return list(
        AwarenessSession.objects.order_by("date", "start_time", "reference").values_list(
            "reference", "clsm__name", "date", "status", "venue", "actual_attendance", "request__reference"
        )
    )


def assert_proportions(participants):
    total = participants.count()
    answered_lives = participants.exclude(lives_in_qpv=None)
    answered_acts = participants.exclude(acts_in_qpv=None)
    women = participants.filter(gender="femme").count() / participants.exclude(gender="").count()
    lives = answered_lives.filter(lives_in_qpv=True).count() / answered_lives.count()
    acts = answered_acts.filter(acts_in_qpv=True).count() / answered_acts.count()
    assert 0.75 <= women <= 0.86, women
    assert 0.18 <= lives <= 0.28, lives
    assert 0.48 <= acts <= 0.60, acts
    profiles = Counter(participants.values_list("profile", flat=True))
    assert {code for code, _n in profiles.most_common(3)} == {"habitant", "social", "collectivite"}
    assert sum(profiles.values()) == total


# Demonstration scale ----------------------------------------------------------------------------------


def test_demo_seeding_covers_three_seasons_in_several_regions():
    output = run("seed_demo")
    assert "16 CLSM" in output
    sessions = AwarenessSession.objects.all()
    assert 50 <= sessions.count() <= 70
    assert sorted(set(sessions.values_list("season", flat=True))) == last_seasons(3)
    assert sessions.values("qpvs__department__region").distinct().count() >= 5
    assert not sessions.filter(qpvs__isnull=True).exists()
    assert not sessions.filter(clsm__status=CLSM.Status.PLANNED).exists()
    # Each session's QPVs belong to its CLSM.
    for session in sessions.prefetch_related("qpvs", "clsm__qpvs"):
        assert set(session.qpvs.all()) <= set(session.clsm.qpvs.all())
        assert session.venue and session.commune_id
        assert session.season == season_of(session.date)

    # Statuses consistent with dates: held sessions are past, upcoming ones planned or confirmed.
    today = timezone.localdate()
    assert not sessions.filter(status="realisee", date__gt=today).exists()
    assert set(sessions.filter(date__gt=today).values_list("status", flat=True)) <= {"planifiee", "confirmee"}
    past = Counter(sessions.filter(date__lt=today).values_list("status", flat=True))
    assert past["realisee"] >= 0.75 * sum(past.values())
    assert not sessions.filter(status__in=["annulee", "reportee"], status_reason="").exists()
    assert sessions.exclude(status="realisee").filter(participants__isnull=False).count() == 0
    # Without the demonstration accounts (created after seed_demo by `make run`): no animator, no coordinator.
    assert not sessions.filter(animators__isnull=False).exists()
    assert not sessions.filter(coordinator__isnull=False).exists()

    # Sign-in sheets: 8 to 20 participants per held session, the attendance says so.
    held = sessions.filter(status="realisee").annotate(rows=Count("participants"))
    assert held.count() >= 30
    for session in held:
        assert 8 <= session.rows <= 20
        assert session.actual_attendance == session.rows
    assert_proportions(Participant.objects.all())
    # Spelling variants are grouped: « CCAS » and « C.C.A.S » are one structure.
    spellings = set(Participant.objects.filter(structure__key="ccas").values_list("structure_spelling", flat=True))
    assert {"CCAS", "C.C.A.S"} <= spellings
    for spelling, key in Participant.objects.exclude(structure=None).values_list(
        "structure_spelling", "structure__key"
    ):
        assert normalise_structure_name(spelling) == key

    # Requests: all statuses, three in four led to a session, wished periods, messages.
    requests = SessionRequest.objects.all()
    assert 35 <= requests.count() <= 45
    statuses = Counter(requests.values_list("status", flat=True))
    assert set(statuses) == set(SessionRequest.Status.values)
    assert 0.7 <= statuses["acceptee"] / requests.count() <= 0.8
    assert not requests.filter(status="acceptee", sessions__isnull=True).exists()
    assert not requests.filter(periods__isnull=True).exists()
    assert not requests.filter(message="").exists()
    assert not requests.filter(changes__isnull=True).exists()
    assert not requests.filter(requested_on__gt=today).exists()
    # An accepted request's session falls within one of its wished periods.
    for session in sessions.exclude(request=None).select_related("request"):
        assert session.request.requested_on < session.date
        assert SessionRequestPeriod.objects.filter(
            request=session.request, start__lte=session.date, end__gte=session.date
        ).exists()


def test_demo_seeding_is_idempotent_and_deterministic():
    run("seed_demo")
    first = snapshot()
    counts = (SessionRequest.objects.count(), Participant.objects.count(), Structure.objects.count())
    # Each generated row has its « création » entry in the change history, and only that.
    history = (SessionRequest.history.count(), AwarenessSession.history.count(), Participant.history.count())
    assert history == (counts[0], len(first), counts[1])
    assert "déjà présentes" in run("seed_demo", "--if-empty")
    assert snapshot() == first
    run("seed_demo")
    assert snapshot() == first
    assert (SessionRequest.objects.count(), Participant.objects.count(), Structure.objects.count()) == counts
    # Replaced demonstration data leaves nothing behind in the history.
    assert (SessionRequest.history.count(), AwarenessSession.history.count(), Participant.history.count()) == history


def test_demo_sessions_are_animated_by_the_demo_chargee_de_mission_when_she_exists():
    chargee = UserFactory(username="chargee", role=Role.NATIONAL_STAFF)
    run("seed_demo")
    sessions = AwarenessSession.objects.all()
    assert set(sessions.exclude(status="annulee").values_list("animators", flat=True)) == {chargee.pk}
    assert not sessions.filter(coordinator__isnull=False).exists()


# National scale, reduced -------------------------------------------------------------------------------


@pytest.fixture
def national_clsms():
    seed_national_clsms(count=30)
    return CLSM.objects.filter(name__startswith="CLSM national ")


def test_national_generator_respects_the_proportions(national_clsms):
    summary = seed_national_sessions(sessions=300, requests=400, participants=4500)
    assert (summary.sessions, summary.requests, summary.participants) == (300, 400, 4500)
    sessions = AwarenessSession.objects.all()
    assert sessions.count() == 300
    assert sorted(set(sessions.values_list("season", flat=True))) == last_seasons(10)
    assert sessions.filter(status="realisee").count() == 225  # 75 %
    assert not sessions.filter(status="realisee", date__gt=timezone.localdate()).exists()

    # Every session covers one or two QPV of its own CLSM.
    perimeters = {}
    for clsm_id, qpv_id in CLSM.qpvs.through.objects.values_list("clsm_id", "qpv_id"):
        perimeters.setdefault(clsm_id, set()).add(qpv_id)
    covered = {}
    for session_id, qpv_id in AwarenessSession.qpvs.through.objects.values_list("awarenesssession_id", "qpv_id"):
        covered.setdefault(session_id, set()).add(qpv_id)
    for pk, clsm_id, day, season, reference in sessions.values_list("pk", "clsm_id", "date", "season", "reference"):
        assert 1 <= len(covered[pk]) <= 2
        assert covered[pk] <= perimeters[clsm_id]
        assert season == season_of(day)
        assert re.fullmatch(rf"{day.year}-\d{{5}}", reference)

    # Three requests in four led to a session, in the same CLSM.
    requests = SessionRequest.objects.all()
    assert requests.count() == 400
    assert requests.filter(status="acceptee").count() == 300
    assert sessions.filter(request__isnull=False).count() == 300
    assert not sessions.exclude(request=None).exclude(request__clsm=F("clsm")).exists()

    # Participants only in held sessions, whose attendance they match.
    assert Participant.objects.count() == 4500
    held = sessions.filter(status="realisee").annotate(rows=Count("participants"))
    assert all(s.rows == s.actual_attendance and s.rows >= 1 for s in held)
    assert not sessions.exclude(status="realisee").filter(participants__isnull=False).exists()
    assert_proportions(Participant.objects.all())
    assert Structure.objects.count() >= 100


def test_national_generator_runs_again_without_duplicates(national_clsms):
    seed_national_sessions(sessions=120, requests=160, participants=1800)
    first = snapshot()
    structures = Structure.objects.count()
    assert delete_national_sessions() == 120
    assert not SessionRequest.objects.exists()
    assert not Participant.objects.exists()
    assert not AwarenessSession.history.exists() and not Participant.history.exists()
    seed_national_sessions(sessions=120, requests=160, participants=1800)
    assert snapshot() == first
    assert Participant.objects.count() == 1800
    assert Structure.objects.count() == structures


def test_national_data_leaves_demo_data_alone(national_clsms):
    run("seed_demo")
    demo = snapshot()
    seed_national_sessions(sessions=60, requests=80, participants=900)
    delete_national_sessions()
    assert snapshot() == demo
