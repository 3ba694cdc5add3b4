"""The demonstration data, floor by floor: CLSM (territories), accounts attached to them, requests, sessions and
sign-in sheets (sessions_app), then questionnaires and needs (evaluation), each drawn by its own app's generator."""

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import ngettext

from accounts.demo import ensure_demo_accounts
from accounts.models import Role, User
from evaluation.demo import seed_demo_followups_and_links, seed_demo_responses, seed_national_responses
from sessions_app.demo import (
    SeedSummary,
    delete_national_sessions,
    seed_demo_self_run,
    seed_demo_sessions,
    seed_national_sessions,
)
from sessions_app.models import AwarenessSession
from territories.demo import seed_demo_clsms, seed_demo_onboarding, seed_national_clsms
from territories.models import CLSM, QPV


def attach_demo_accounts():
    """The demonstration accounts, coordinators attached to their demonstration CLSM. Returns (user, CLSM names
    found) for each."""
    accounts = []
    for user, clsm_names in ensure_demo_accounts():
        clsms = list(CLSM.objects.filter(name__in=clsm_names))
        if clsms and user.is_local_animator:
            user.local_animator_clsms.add(*clsms)
        elif clsms:
            user.clsms.add(*clsms)
        accounts.append((user, [clsm.name for clsm in clsms]))
    return accounts


@dataclass
class Discoveries:
    """What the demonstration lays out so that a newcomer meets every feature."""

    followups_due: int = 0
    open_links: int = 0
    invitations: int = 0
    contact_requests: int = 0

    def line(self) -> str:
        parts = (
            ngettext("%(n)d suivi à renseigner", "%(n)d suivis à renseigner", self.followups_due),
            ngettext("%(n)d questionnaire en ligne ouvert", "%(n)d questionnaires en ligne ouverts", self.open_links),
            ngettext("%(n)d invitation en attente", "%(n)d invitations en attente", self.invitations),
            ngettext("%(n)d demande de contact", "%(n)d demandes de contact", self.contact_requests),
        )
        counts = (self.followups_due, self.open_links, self.invitations, self.contact_requests)
        return "À découvrir : " + ", ".join(part % {"n": n} for part, n in zip(parts, counts, strict=True)) + "."


@transaction.atomic
def seed_demo(*, with_accounts: bool) -> tuple[int, SeedSummary, Discoveries]:
    """The small, realistic demonstration: returns the number of CLSM, what was generated and what to discover."""
    clsms = seed_demo_clsms()
    if with_accounts:
        # The demo accounts exist before the sessions, so that the chargée animates them.
        attach_demo_accounts()
    summary = seed_demo_sessions()
    summary.responses = seed_demo_responses(summary.held_ids, rng=summary.rng)
    # A CLSM that runs sessions itself: the Grand Avignon's latest ones, animated by its local animator, one of
    # them waiting for the national centre's validation.
    seed_demo_self_run("CLSM du Grand Avignon")
    # So that a newcomer meets every feature: follow-ups due, an open questionnaire link, a pending invitation
    # and a contact request waiting in the national centre's inbox.
    discoveries = Discoveries()
    discoveries.followups_due, discoveries.open_links = seed_demo_followups_and_links(
        AwarenessSession.objects.filter(clsm__in=clsms)
    )
    chargee = User.objects.filter(role=Role.NATIONAL_STAFF, is_active=True).order_by("pk").first()
    discoveries.invitations, discoveries.contact_requests = seed_demo_onboarding(invited_by=chargee)
    return len(clsms), summary, discoveries


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
