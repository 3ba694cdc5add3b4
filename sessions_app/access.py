from accounts.access import get_for_user
from sessions_app.models import AwarenessSession, SessionRequest


def get_request_for_user(user, pk, *, write=False, roles=None) -> SessionRequest:
    """404 for a request outside the user's CLSM (or for the funder), 403 when visible but read-only, or when
    the action is reserved to `roles` (answering a request is the national centre's)."""
    return get_for_user(SessionRequest, user, write=write, roles=roles, pk=pk)


def get_session_for_user(user, pk, *, write=False) -> AwarenessSession:
    """404 for a session outside the user's CLSM, 403 for the funder trying to change one."""
    return get_for_user(AwarenessSession, user, write=write, pk=pk)


def can_enter_questionnaires(user, session) -> bool:
    """Paper questionnaires are typed by the national centre, and by the local animators of a session their
    territory runs itself (the querysets already hold only the sessions they animate)."""
    return user.is_national_staff or (user.is_local_animator and session.is_self_run)
