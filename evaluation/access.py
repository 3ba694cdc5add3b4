"""Who may open a session's questionnaires: individual responses and free texts are for the national centre only."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from evaluation.models import Response
from sessions_app.access import can_enter_questionnaires
from sessions_app.models import AwarenessSession


def get_session_for_entry(user, pk) -> AwarenessSession:
    """404 for a session the user cannot see at all, 403 for a coordinator or funder who can see it:
    the national centre types and reads individual responses, and so do the local animators of a session their
    territory runs itself (they see no other session: the queryset holds only those they animate)."""
    session = get_object_or_404(AwarenessSession.objects.visible_to(user).select_related("clsm"), pk=pk)
    if not can_enter_questionnaires(user, session):
        raise PermissionDenied
    return session


def get_sheet_for_entry(user, session: AwarenessSession, number) -> Response:
    """A session's questionnaire by its sheet number, with the session already checked by `get_session_for_entry`."""
    queryset = Response.objects.visible_to(user).select_related("questionnaire", "entered_by")
    return get_object_or_404(queryset, session=session, sheet_number=number)
