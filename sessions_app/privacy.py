"""Personal data has an end: participants' names and e-mails, and free-text comments, are erased a fixed
time after their session (PERSONAL_DATA_RETENTION_MONTHS, 24 by default). Nothing the bilan counts is
touched: gender, profile, structure, QPV links, answers and needs stay.

The register of personal data (what, why, how long) is docs/personal-data.md.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Min, Q
from django.utils import timezone

from evaluation.models import Response
from sessions_app.models import Participant


def months_before(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    # The last day of the target month when the day does not exist there (31 → 30, 29 February…).
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise ValueError(day)


def retention_limit(today: date | None = None, months: int | None = None) -> date:
    """Sessions held on or before this date have passed their retention period."""
    months = settings.PERSONAL_DATA_RETENTION_MONTHS if months is None else months
    return months_before(today or timezone.localdate(), months)


def _named_participants():
    return Participant.objects.filter(~Q(last_name="") | ~Q(first_name="") | ~Q(email=""))


def _commented_responses():
    return Response.objects.exclude(comment="")


@dataclass
class PurgeReport:
    limit: date
    participants: int
    comments: int
    applied: bool


def purge_personal_data(*, today: date | None = None, months: int | None = None, apply: bool = False) -> PurgeReport:
    limit = retention_limit(today, months)
    participants = _named_participants().filter(session__date__lte=limit)
    comments = _commented_responses().filter(session__date__lte=limit)
    report = PurgeReport(limit, participants.count(), comments.count(), apply)
    if apply:
        with transaction.atomic():
            participants.update(last_name="", first_name="", email="")
            comments.update(comment="")
            # The change history keeps earlier versions of the same rows: they go too.
            Participant.history.filter(session__date__lte=limit).filter(
                ~Q(last_name="") | ~Q(first_name="") | ~Q(email="")
            ).update(last_name="", first_name="", email="")
            Response.history.filter(session__date__lte=limit).exclude(comment="").update(comment="")
    return report


def inventory(today: date | None = None, months: int | None = None) -> list[dict]:
    """What personal data remains, per season of its sessions, and when it will be erased."""
    months = settings.PERSONAL_DATA_RETENTION_MONTHS if months is None else months
    rows: dict[str, dict] = {}
    for season, count, first in (
        _named_participants()
        .values_list("session__season")
        .annotate(n=Count("pk"), first=Min("session__date"))
        .order_by()
    ):
        rows.setdefault(season, {"season": season, "participants": 0, "comments": 0, "first_session": first})
        rows[season]["participants"] = count
        rows[season]["first_session"] = min(rows[season]["first_session"], first)
    for season, count, first in (
        _commented_responses()
        .values_list("session__season")
        .annotate(n=Count("pk"), first=Min("session__date"))
        .order_by()
    ):
        rows.setdefault(season, {"season": season, "participants": 0, "comments": 0, "first_session": first})
        rows[season]["comments"] = count
        rows[season]["first_session"] = min(rows[season]["first_session"], first)
    for row in rows.values():
        # The first session of the season is the first whose data goes: add the retention to its date.
        row["purge_from"] = months_before(row["first_session"], -months)
    return sorted(rows.values(), key=lambda r: r["season"])
