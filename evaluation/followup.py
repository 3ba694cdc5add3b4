"""Follow-up of effects: some months after a held session (FOLLOWUP_MONTHS, 6 by default), the coordinators of
its CLSM are asked what happened since (the programme's « effets », seed 001) by e-mail and on their home page.

Every morning the worker runs `evaluation.tasks.daily_followups` (the operators' command `send_followup_reminders`
does the same): `ensure_followups` gives every held session its follow-up, then `send_reminders` e-mails each
coordinator once, listing their CLSM's follow-ups that have become due.

Reminders: a follow-up is reminded at most twice, with `reminded_at` holding the date of the last reminder.
The first reminder goes out from the due date; a second one 30 days later if the follow-up is still unanswered.
A first reminder that went out 30 days or more after the due date (the follow-up of an old session, created
when the feature arrived, or a worker that stopped for a month) is the only one: `reminded_at` alone cannot tell
one reminder from two otherwise, and an old session does not deserve two e-mails.
"""

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from accounts.access import get_for_user
from accounts.models import Role, User
from evaluation.models import FollowUp
from sessions_app.models import AwarenessSession
from smdq.mail import send_email_later, templated_email
from smdq.retention import months_before
from territories.models import CLSM

logger = logging.getLogger(__name__)

SECOND_REMINDER_AFTER = timedelta(days=30)
BATCH_SIZE = 1000


def due_date(session_date: date, months: int | None = None) -> date:
    """The day a session's follow-up becomes due: `months` (FOLLOWUP_MONTHS) after it, same day of the month
    (or the month's last day: 31 August + 6 months is 28 or 29 February)."""
    months = settings.FOLLOWUP_MONTHS if months is None else months
    return months_before(session_date, -months)


def default_base_url() -> str:
    """The site's address for the links of the e-mails: the development server, or the first real host of
    ALLOWED_HOSTS in production (over HTTPS), unless SITE_URL says it."""
    if settings.SITE_URL:
        return settings.SITE_URL
    if settings.DEBUG:
        return "http://127.0.0.1:8000"
    hosts = [h for h in settings.ALLOWED_HOSTS if h and not h.startswith(".") and "*" not in h]
    if not hosts:
        raise ImproperlyConfigured("Indiquez l'adresse du site avec --base-url (ex. https://smdq.example.fr).")
    return f"https://{hosts[0]}"


def kit_proposal_url() -> str | None:
    """The page where an inspiring action is proposed to the deployment kit, when the kit offers one."""
    try:
        return reverse("kit:propose")
    except NoReverseMatch:
        return None


def get_followup_for_user(user, pk, *, write=False) -> FollowUp:
    """404 for a follow-up outside the user's CLSM (and for the funder), 403 when visible but read-only."""
    return get_for_user(FollowUp, user, write=write, pk=pk)


def due_followups_for(user) -> list[FollowUp]:
    """For a coordinator's home page: the follow-ups of the CLSM they coordinate waiting for an answer, oldest
    first, in one query (national staff, who see every CLSM's, get none here: theirs is the follow-up list)."""
    return list(
        FollowUp.objects.visible_to(user)
        .filter(session__clsm__coordinators=user)
        .due()
        .select_related("session__clsm")
        .order_by("due_on", "session__reference")
    )


# Creating the follow-ups -----------------------------------------------------------------------------------


@dataclass
class EnsureReport:
    created: int
    rescheduled: int


@transaction.atomic
def ensure_followups(today: date | None = None) -> EnsureReport:
    """Every held session dated on or before `today` gets its follow-up, due FOLLOWUP_MONTHS after it.

    Follow-ups nobody has been reminded of nor answered yet are kept in step with their session's date and the
    setting (a corrected session date, a changed FOLLOWUP_MONTHS). Bulk queries: the first run on a national
    database creates tens of thousands of follow-ups."""
    today = today or timezone.localdate()
    missing = AwarenessSession.objects.held().filter(followup__isnull=True, date__lte=today).values_list("pk", "date")
    new = [FollowUp(session_id=pk, due_on=due_date(day)) for pk, day in missing.iterator(chunk_size=BATCH_SIZE)]
    # ignore_conflicts: a second run at the same moment must not fail on the one-follow-up-per-session rule.
    FollowUp.objects.bulk_create(new, batch_size=BATCH_SIZE, ignore_conflicts=True)

    moved = []
    pending = FollowUp.objects.filter(answered_at__isnull=True, reminded_at__isnull=True)
    for pk, due_on, session_date in pending.values_list("pk", "due_on", "session__date").iterator(
        chunk_size=BATCH_SIZE
    ):
        expected = due_date(session_date)
        if expected != due_on:
            moved.append(FollowUp(pk=pk, due_on=expected))
    FollowUp.objects.bulk_update(moved, ["due_on"], batch_size=BATCH_SIZE)
    return EnsureReport(created=len(new), rescheduled=len(moved))


# Reminders -------------------------------------------------------------------------------------------------


@dataclass
class ReminderReport:
    emails: int = 0  # e-mails handed to the worker, one per coordinator
    reminded: int = 0  # follow-ups whose reminder went to at least one coordinator
    second_reminders: int = 0  # of which second reminders
    without_recipient: list[str] = field(default_factory=list)  # session references: no coordinator to write to


def _moment(today: date | None) -> datetime:
    """The time recorded as `reminded_at`: now, or the current time of day on `today` when it is given."""
    if today is None:
        return timezone.now()
    return timezone.make_aware(datetime.combine(today, timezone.localtime().time()))


def _start_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def reminders_due(today: date | None = None) -> tuple[list[FollowUp], set[int]]:
    """The follow-ups to remind on `today`, and the pks of those whose reminder is the second one."""
    today = today or timezone.localdate()
    due = FollowUp.objects.due(today).select_related("session__clsm")
    first = list(due.filter(reminded_at__isnull=True))
    # Reminded once, on a day at least 30 days ago, and that day was less than 30 days after the due date.
    candidates = due.filter(reminded_at__lt=_start_of_day(today - SECOND_REMINDER_AFTER + timedelta(days=1)))
    second = [
        followup
        for followup in candidates
        if timezone.localdate(followup.reminded_at) < followup.due_on + SECOND_REMINDER_AFTER
    ]
    followups = sorted(first + second, key=lambda f: (f.session.date, f.session.reference))
    return followups, {f.pk for f in second}


def _recipients(followups) -> dict[User, list[FollowUp]]:
    """Each active coordinator with an e-mail address, and the follow-ups of their CLSM(s) (one query)."""
    by_clsm: dict[int, list[FollowUp]] = {}
    for followup in followups:
        by_clsm.setdefault(followup.session.clsm_id, []).append(followup)
    links = (
        CLSM.coordinators.through.objects.filter(clsm_id__in=by_clsm, user__role=Role.COORDINATOR, user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
    )
    result: dict[User, list[FollowUp]] = {}
    for link in links:
        result.setdefault(link.user, []).extend(by_clsm[link.clsm_id])
    return result


def _message(person: User, followups, second: set[int], base_url: str) -> EmailMessage:
    base = base_url.rstrip("/")
    items = [
        {
            "followup": followup,
            "session": followup.session,
            "second": followup.pk in second,
            "url": base + reverse("evaluation:followup_answer", args=[followup.pk]),
        }
        for followup in sorted(followups, key=lambda f: (f.session.date, f.session.reference))
    ]
    kit_url = kit_proposal_url()
    context = {
        "person": person,
        "kit_url": base + kit_url if kit_url else None,
        "items": items,
        "count": len(items),
        "all_second": all(item["second"] for item in items),
        "list_url": base + reverse("evaluation:followup_list"),
    }
    return templated_email("evaluation/emails/followup_reminder", context, [person.email])


@transaction.atomic
def send_reminders(today: date | None = None, base_url: str = "") -> ReminderReport:
    """E-mails every coordinator concerned once, listing their CLSM's follow-ups to remind today, and records
    `reminded_at` on them. A follow-up without any coordinator to write to is tried again on the next run.

    The e-mails are handed to the worker when `reminded_at` is committed (`send_email_later`), and the worker
    retries each one with backoff for about an hour while the mail server refuses it: a follow-up is recorded as
    reminded when its e-mail is queued, which is honest as long as the worker retries (a failure past the last
    try is shown on the « Tâches » page). `base_url` (« https://smdq.example.fr ») makes the links absolute."""
    report = ReminderReport()
    followups, second = reminders_due(today)
    if not followups:
        return report
    recipients = _recipients(followups)
    covered = {f.pk for people_followups in recipients.values() for f in people_followups}
    report.without_recipient = [f.session.reference for f in followups if f.pk not in covered]
    for reference in report.without_recipient:
        logger.warning("Suivi de la séance %s : aucun·e coordinateur·rice avec une adresse e-mail.", reference)

    reached: set[int] = set()
    with translation.override("fr"):
        for person in sorted(recipients, key=lambda p: (p.last_name, p.first_name, p.username)):
            mine = recipients[person]
            send_email_later(_message(person, mine, second, base_url))
            report.emails += 1
            reached.update(f.pk for f in mine)

    FollowUp.objects.filter(pk__in=reached).update(reminded_at=_moment(today))
    report.reminded = len(reached)
    report.second_reminders = len(reached & second)
    return report
