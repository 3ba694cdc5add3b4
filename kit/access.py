from accounts.access import get_for_user
from kit.models import ActionSheet, Resource


def get_sheet_for_user(user, slug, *, write=False) -> ActionSheet:
    """404 for a sheet the user may not see (an unpublished proposal of someone else), 403 when they may
    read it but not change it (a published sheet, for its coordinator)."""
    return get_for_user(ActionSheet, user, write=write, slug=slug)


def get_resource_for_user(user, pk, *, write=False) -> Resource:
    """404 for a resource the user may not download (never revealing that it exists), 403 when they may
    download it but not change it."""
    return get_for_user(Resource, user, write=write, pk=pk)
