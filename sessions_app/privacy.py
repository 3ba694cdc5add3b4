"""The personal data of sign-in sheets: participants' names and e-mails. Gender, profile, structure and QPV links
stay (the bilan counts them). Erased by the top floor's purge (programme/privacy.py)."""

from datetime import date

from django.db.models import Q

from sessions_app.models import Participant
from smdq.retention import SessionPersonalData

_NAMED = ~Q(last_name="") | ~Q(first_name="") | ~Q(email="")


def named_participants():
    return Participant.objects.filter(_NAMED)


def erase_participant_names(held_until: date) -> None:
    named_participants().filter(session__date__lte=held_until).update(last_name="", first_name="", email="")
    # The change history keeps earlier versions of the same rows: they go too.
    Participant.history.filter(session__date__lte=held_until).filter(_NAMED).update(
        last_name="", first_name="", email=""
    )


PARTICIPANT_NAMES = SessionPersonalData("participants", named_participants, erase_participant_names)
