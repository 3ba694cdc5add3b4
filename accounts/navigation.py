"""The navigation bar, per role: a user sees the entries of the pages they may open."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.access import STAFF_ROLES, has_role
from accounts.models import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: tuple

    def url(self) -> str:
        return reverse(self.url_name)


MENU = (
    NavItem(
        _("Accueil"),
        "home",
        (Role.COORDINATOR, Role.NATIONAL_STAFF, Role.FUNDER, Role.ADMINISTRATOR, Role.LOCAL_ANIMATOR),
    ),
    NavItem(_("Sollicitations"), "sessions_app:request_list", (Role.COORDINATOR, *STAFF_ROLES)),
    NavItem(
        _("Séances"), "sessions_app:session_list", (Role.COORDINATOR, *STAFF_ROLES, Role.FUNDER, Role.LOCAL_ANIMATOR)
    ),
    NavItem(_("Suivis"), "evaluation:followup_list", (Role.COORDINATOR, *STAFF_ROLES)),
    NavItem(_("Bilan"), "evaluation:dashboard", (Role.COORDINATOR, *STAFF_ROLES, Role.FUNDER)),
    NavItem(_("Kit"), "kit:catalogue", (Role.COORDINATOR, *STAFF_ROLES, Role.FUNDER)),
    NavItem(_("CLSM"), "territories:clsm_list", (Role.COORDINATOR, *STAFF_ROLES, Role.FUNDER)),
    NavItem(_("Coordinateur·rices"), "territories:coordinator_list", STAFF_ROLES),
    NavItem(_("Animateur·rices locaux·ales"), "territories:local_animator_list", (Role.COORDINATOR,)),
    NavItem(_("Imports"), "imports:upload", STAFF_ROLES),
    NavItem(_("Administration"), "admin:index", (Role.ADMINISTRATOR,)),
)


def menu_for(user, current_path: str) -> list[dict]:
    items = []
    for item in MENU:
        if has_role(user, item.roles):
            url = item.url()
            active = current_path == url if url == "/" else current_path.startswith(url)
            items.append({"label": item.label, "url": url, "active": active})
    return items
