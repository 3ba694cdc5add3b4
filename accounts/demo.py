"""One demonstration account per role, attached to demonstration CLSM (used by `demo_accounts`)."""

from accounts.models import Role, User
from territories.models import CLSM

DEMO_PASSWORD = "demo-smdq-2026"

DEMO_ACCOUNTS = [
    # username, first name, last name, role, CLSM names
    ("coordination.lille", "Camille", "Lefebvre", Role.COORDINATOR, ["CLSM de Lille", "CLSM de Roubaix"]),
    ("coordination.avignon", "Nadia", "Benali", Role.COORDINATOR, ["CLSM du Grand Avignon"]),
    ("chargee", "Claire", "Martin", Role.NATIONAL_STAFF, []),
    ("financeur", "Julien", "Moreau", Role.FUNDER, []),
    ("admin", "Alex", "Bernard", Role.ADMINISTRATOR, []),
]


def ensure_demo_accounts() -> list[tuple[User, list[str]]]:
    accounts = []
    for username, first_name, last_name, role, clsm_names in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "role": role,
                "email": f"{username}@demo.smdq.example.fr",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        clsms = list(CLSM.objects.filter(name__in=clsm_names))
        if clsms:
            user.clsms.add(*clsms)
        accounts.append((user, [c.name for c in clsms]))
    return accounts
