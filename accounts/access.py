"""The one place where the roles' access rules to pages are written.

Object-level rules live in each model's QuerySet (`visible_to(user)`, `editable_by(user)`), and each
object kind has one `get_<object>_for_user` helper that turns them into 404 (outsider) or 403 (read-only).
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from accounts.models import Role

READ_ROLES = (Role.COORDINATOR, Role.NATIONAL_STAFF, Role.FUNDER, Role.ADMINISTRATOR)
STAFF_ROLES = (Role.NATIONAL_STAFF, Role.ADMINISTRATOR)


def has_role(user, roles) -> bool:
    return user.is_authenticated and user.role in roles


def role_required(*roles):
    """Anonymous visitors go to the log-in page; logged-in users without one of `roles` get 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


login_required = role_required(*READ_ROLES)
staff_required = role_required(*STAFF_ROLES)
# The pages of a session's work (sign-in sheet, participants, paper entry, online link, the session's kit): also
# for local animators, whose querysets then hold only the sessions they animate. Every other page keeps
# `login_required`, so a local animator gets 403 there by default.
SESSION_WORK_ROLES = (*READ_ROLES, Role.LOCAL_ANIMATOR)
session_work_required = role_required(*SESSION_WORK_ROLES)


def get_for_user(queryset_model, user, *, write=False, roles=None, **lookup):
    """404 when the object is not visible to `user`, 403 when visible but not writable by them, or when the
    action is reserved to `roles`. Visibility is checked first, so another CLSM's object is always a 404."""
    manager = queryset_model._default_manager
    obj = get_object_or_404(manager.visible_to(user), **lookup)
    if roles is not None and not has_role(user, roles):
        raise PermissionDenied
    if write and not manager.editable_by(user).filter(pk=obj.pk).exists():
        raise PermissionDenied
    return obj


def sees_session_counts(user) -> bool:
    """Counts of the people of one session (attendance, sign-in lines, questionnaires) are for those who run
    sessions. The funder reads counts only through the bilan, where the engine hides those under 5."""
    return user.is_authenticated and not user.is_funder


def sees_names(user) -> bool:
    """Names of people (who animates a session, who changed it) are for those who run sessions: the funder reads
    aggregates only, never a name."""
    return user.is_authenticated and not user.is_funder


def has_bilan(user) -> bool:
    """Whether there is a bilan for `user`: a coordinator's bilan is their CLSMs', so a coordinator attached to
    no CLSM has none (never the national one, nor another CLSM's)."""
    return user.is_authenticated and not user.is_local_animator and (not user.is_coordinator or user.clsms.exists())
