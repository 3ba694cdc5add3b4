"""Personal data has an end: participants' names and e-mails, and free-text comments, are erased a fixed
time after their session (PERSONAL_DATA_RETENTION_MONTHS, 24 by default). Nothing the bilan counts is
touched. Each app says what it keeps (`SessionPersonalData`); this floor walks them all.

The register of personal data (what, why, how long) is docs/personal-data.md.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Min
from django.utils.translation import ngettext

from evaluation.privacy import COMMENTS
from sessions_app.privacy import PARTICIPANT_NAMES
from smdq.retention import months_before, retention_limit

KINDS = (PARTICIPANT_NAMES, COMMENTS)


@dataclass
class PurgeReport:
    limit: date
    participants: int
    comments: int
    applied: bool

    def counts(self, number=str) -> str:
        """« 3 participant·es avec nom ou e-mail, 1 commentaire libre », each number written by `number`."""
        participants = ngettext(
            "%(n)s participant·e avec nom ou e-mail", "%(n)s participant·es avec nom ou e-mail", self.participants
        ) % {"n": number(self.participants)}
        comments = ngettext("%(n)s commentaire libre", "%(n)s commentaires libres", self.comments) % {
            "n": number(self.comments)
        }
        return f"{participants}, {comments}"


def purge_personal_data(*, today: date | None = None, months: int | None = None, apply: bool = False) -> PurgeReport:
    limit = retention_limit(today, months)
    counts = {kind.key: kind.holding().filter(session__date__lte=limit).count() for kind in KINDS}
    if apply:
        with transaction.atomic():
            for kind in KINDS:
                kind.erase(limit)
    return PurgeReport(limit, applied=apply, **counts)


def inventory(today: date | None = None, months: int | None = None) -> list[dict]:
    """What personal data remains, per season of its sessions, and when it will be erased."""
    months = settings.PERSONAL_DATA_RETENTION_MONTHS if months is None else months
    rows: dict[str, dict] = {}
    for kind in KINDS:
        for season, count, first in (
            kind.holding().values_list("session__season").annotate(n=Count("pk"), first=Min("session__date")).order_by()
        ):
            row = rows.setdefault(season, {"season": season, **{k.key: 0 for k in KINDS}, "first_session": first})
            row[kind.key] = count
            row["first_session"] = min(row["first_session"], first)
    for row in rows.values():
        # The first session of the season is the first whose data goes: add the retention to its date.
        row["purge_from"] = months_before(row["first_session"], -months)
    return sorted(rows.values(), key=lambda r: r["season"])
