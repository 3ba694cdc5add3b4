"""One demonstration account per role (the top floor attaches the coordinators to their CLSM: programme/demo.py)."""

from accounts.models import Role, User

DEMO_PASSWORD = "demo-smdq-2026"

DEMO_ACCOUNTS = [
    # username, first name, last name, role, CLSM names
    ("coordination.lille", "Camille", "Lefebvre", Role.COORDINATOR, ["CLSM de Lille", "CLSM de Roubaix"]),
    ("coordination.avignon", "Nadia", "Benali", Role.COORDINATOR, ["CLSM du Grand Avignon"]),
    # The Grand Avignon runs sessions itself with the kit (programme/demo.py): its local animator.
    ("animation.avignon", "Inès", "Morel", Role.LOCAL_ANIMATOR, ["CLSM du Grand Avignon"]),
    ("chargee", "Claire", "Martin", Role.NATIONAL_STAFF, []),
    ("financeur", "Julien", "Moreau", Role.FUNDER, []),
    ("admin", "Alex", "Bernard", Role.ADMINISTRATOR, []),
]


def ensure_demo_accounts() -> list[tuple[User, list[str]]]:
    """Each demonstration user (created once, with the demonstration password) and the CLSM names it works for."""
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
        accounts.append((user, clsm_names))
    return accounts
