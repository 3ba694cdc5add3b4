"""The demonstration data, floor by floor: CLSM (territories), accounts attached to them, requests, sessions and
sign-in sheets (sessions_app), then questionnaires and needs (evaluation), each drawn by its own app's generator."""

from django.db import transaction

from accounts.demo import ensure_demo_accounts
from evaluation.demo import seed_demo_responses, seed_national_responses
from sessions_app.demo import SeedSummary, delete_national_sessions, seed_demo_sessions, seed_national_sessions
from territories.demo import seed_demo_clsms, seed_national_clsms
from territories.models import CLSM, QPV


def attach_demo_accounts():
    """The demonstration accounts, coordinators attached to their demonstration CLSM. Returns (user, CLSM names
    found) for each."""
    accounts = []
    for user, clsm_names in ensure_demo_accounts():
        clsms = list(CLSM.objects.filter(name__in=clsm_names))
        if clsms:
            user.clsms.add(*clsms)
        accounts.append((user, [clsm.name for clsm in clsms]))
    return accounts


@transaction.atomic
def seed_demo(*, with_accounts: bool) -> tuple[int, SeedSummary]:
    """The small, realistic demonstration: returns the number of CLSM and what was generated."""
    clsms = seed_demo_clsms()
    if with_accounts:
        # The demo accounts exist before the sessions, so that the chargée animates them.
        attach_demo_accounts()
    summary = seed_demo_sessions()
    summary.responses = seed_demo_responses(summary.held_ids, rng=summary.rng)
    return len(clsms), summary


def seed_national(progress) -> SeedSummary:
    """The benchmark size of interfaces.md; the national CLSM and what belongs to them are generated again."""
    # Their sessions and requests go first.
    delete_national_sessions(progress=progress)
    count = seed_national_clsms()
    progress(f"Taille nationale : {count} CLSM couvrant les {QPV.objects.count()} QPV.")
    summary = seed_national_sessions(progress=progress)
    # At the national scale, 400,000 responses and 300,000 needs for 450,000 participants, in proportion when
    # the generator runs smaller; it runs last with the generator's random source.
    total = round(summary.participants * 400_000 / 450_000)
    summary.responses = seed_national_responses(
        total=total, needs=round(total * 0.75), rng=summary.rng, sessions=summary.held_ids, progress=progress
    )
    return summary
