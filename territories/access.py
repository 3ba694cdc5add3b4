from accounts.access import get_for_user
from territories.models import CLSM


def get_clsm_for_user(user, pk, *, write=False) -> CLSM:
    """404 for a CLSM the user may not see, 403 when they may see it but not change it."""
    return get_for_user(CLSM, user, write=write, pk=pk)
