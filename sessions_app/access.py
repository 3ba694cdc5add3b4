from accounts.access import get_for_user
from sessions_app.models import AwarenessSession, SessionRequest


def get_request_for_user(user, pk, *, write=False) -> SessionRequest:
    """404 for a request outside the user's CLSM (or for the funder), 403 when visible but read-only."""
    return get_for_user(SessionRequest, user, write=write, pk=pk)


def get_session_for_user(user, pk, *, write=False) -> AwarenessSession:
    """404 for a session outside the user's CLSM, 403 for the funder trying to change one."""
    return get_for_user(AwarenessSession, user, write=write, pk=pk)
