from accounts.access import get_for_user
from kit.models import ActionSheet


def get_sheet_for_user(user, slug, *, write=False) -> ActionSheet:
    """404 for a sheet the user may not see (an unpublished proposal of someone else), 403 when they may
    read it but not change it (a published sheet, for its coordinator)."""
    return get_for_user(ActionSheet, user, write=write, slug=slug)
