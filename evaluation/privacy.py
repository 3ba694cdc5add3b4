"""The personal data of questionnaires: free-text comments. Answers and needs stay (the bilan counts them).
Erased by the top floor's purge (programme/privacy.py)."""

from datetime import date

from evaluation.models import Response
from smdq.retention import SessionPersonalData


def commented_responses():
    return Response.objects.exclude(comment="")


def erase_comments(held_until: date) -> None:
    commented_responses().filter(session__date__lte=held_until).update(comment="")
    # The change history keeps earlier versions of the same rows: they go too.
    Response.history.filter(session__date__lte=held_until).exclude(comment="").update(comment="")


COMMENTS = SessionPersonalData("comments", commented_responses, erase_comments)
