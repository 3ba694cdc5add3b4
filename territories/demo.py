"""Demonstration CLSM over the real QPV list (used by `seed_demo`)."""

from collections import defaultdict

from django.db import transaction

from territories.models import CLSM, QPV, Commune

# (CLSM name, commune name prefix, INSEE code of the département, status)
DEMO_CLSMS = [
    ("CLSM de Lille", "Lille", "59", CLSM.Status.ACTIVE),
    ("CLSM de Roubaix", "Roubaix", "59", CLSM.Status.ACTIVE),
    ("CLSM du Grand Avignon", "Avignon", "84", CLSM.Status.ACTIVE),
    ("CLSM de Marseille", "Marseille", "13", CLSM.Status.ACTIVE),
    ("CLSM de Bourg-en-Bresse", "Bourg-en-Bresse", "01", CLSM.Status.ACTIVE),
    ("CLSM de Saint-Quentin", "Saint-Quentin", "02", CLSM.Status.ACTIVE),
    ("CLSM de Grenoble", "Grenoble", "38", CLSM.Status.ACTIVE),
    ("CLSM de Toulouse", "Toulouse", "31", CLSM.Status.ACTIVE),
    ("CLSM de Caen", "Caen", "14", CLSM.Status.ACTIVE),
    ("CLSM de Mulhouse", "Mulhouse", "68", CLSM.Status.ACTIVE),
    ("CLSM de Saint-Denis", "Saint-Denis", "93", CLSM.Status.ACTIVE),
    ("CLSM de Perpignan", "Perpignan", "66", CLSM.Status.ACTIVE),
    ("CLSM de Strasbourg", "Strasbourg", "67", CLSM.Status.ACTIVE),
    ("CLSM de Fort-de-France", "Fort-de-France", "972", CLSM.Status.ACTIVE),
    ("CLSM de Nantes", "Nantes", "44", CLSM.Status.PLANNED),
    ("CLSM de Poitiers", "Poitiers", "86", CLSM.Status.PLANNED),
]


def _slug(name: str) -> str:
    return name.lower().replace("clsm de ", "").replace("clsm du ", "").replace(" ", "-").replace("'", "")


@transaction.atomic
def seed_demo_clsms() -> list[CLSM]:
    created = []
    for name, commune_prefix, department, status in DEMO_CLSMS:
        communes = list(
            Commune.objects.filter(
                department_id=department, name__startswith=commune_prefix, qpvs__list_year=2024
            ).distinct()
        )
        clsm, _ = CLSM.objects.get_or_create(
            name=name, defaults={"status": status, "contact_email": f"clsm@{_slug(name)}.example.fr"}
        )
        clsm.qpvs.set(QPV.objects.filter(communes__in=communes, list_year=2024).distinct())
        clsm.fill_communes_from_qpvs()
        created.append(clsm)
    return created


def _share(count: int, sizes: dict[str, int]) -> dict[str, int]:
    """Split `count` CLSM between départements in proportion to their QPV (largest remainders), at least one each."""
    total = sum(sizes.values())
    exact = {key: size * count / total for key, size in sizes.items()}
    parts = {key: max(1, int(value)) for key, value in exact.items()}
    by_remainder = sorted(sizes, key=lambda key: exact[key] - int(exact[key]), reverse=True)
    index = 0
    while sum(parts.values()) < count:
        key = by_remainder[index % len(by_remainder)]
        if parts[key] < sizes[key]:
            parts[key] += 1
        index += 1
    return parts


@transaction.atomic
def seed_national_clsms(count: int = 300) -> int:
    """`count` CLSM that together cover every QPV, each within one département."""
    by_department = defaultdict(list)
    for qpv in QPV.objects.filter(list_year=2024).order_by("department_id", "code"):
        by_department[qpv.department_id].append(qpv)
    parts = _share(count, {dep: len(qpvs) for dep, qpvs in by_department.items()})
    groups = []
    for department, qpvs in sorted(by_department.items()):
        k, n = parts[department], len(qpvs)
        groups += [(department, qpvs[i * n // k : (i + 1) * n // k]) for i in range(k)]
    first_commune = dict(
        QPV.communes.through.objects.filter(qpv__list_year=2024)
        .order_by("qpv_id", "commune__name")
        .values_list("qpv_id", "commune__name")
    )
    names = defaultdict(int)
    CLSM.objects.filter(name__startswith="CLSM national ").delete()
    clsms = []
    for department, qpvs in groups:
        base = f"CLSM national {first_commune.get(qpvs[0].pk, department)}"
        names[base] += 1
        clsms.append((CLSM(name=f"{base} {names[base]}"), qpvs))
    CLSM.objects.bulk_create([c for c, _ in clsms])
    through = CLSM.qpvs.through
    through.objects.bulk_create([through(clsm_id=c.pk, qpv_id=q.pk) for c, qpvs in clsms for q in qpvs])
    communes = CLSM.communes.through
    qpv_communes = defaultdict(set)
    for qpv_id, code in QPV.communes.through.objects.values_list("qpv_id", "commune_id"):
        qpv_communes[qpv_id].add(code)
    communes.objects.bulk_create(
        [
            communes(clsm_id=c.pk, commune_id=code)
            for c, qpvs in clsms
            for code in set().union(*(qpv_communes[q.pk] for q in qpvs))
        ]
    )
    return len(clsms)


DEMO_EMAIL_DOMAIN = "demo.smdq.example.fr"


@transaction.atomic
def seed_demo_onboarding(invited_by=None) -> tuple[int, int]:
    """A pending invitation (a coordinator for a CLSM in project) and a contact request waiting in the national
    centre's inbox; a re-run replaces them. No e-mail is sent. Returns (invitations, contact requests)."""
    from territories.models import ContactRequest, Invitation

    Invitation.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}", accepted_at__isnull=True).delete()
    ContactRequest.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}").delete()
    planned = CLSM.objects.filter(status=CLSM.Status.PLANNED).order_by("name").first()
    invitations = 0
    if planned is not None:
        invitation = Invitation.objects.create(
            email=f"coordination.{_slug(planned.name)}@{DEMO_EMAIL_DOMAIN}",
            first_name="Sophie",
            last_name="Garnier",
            invited_by=invited_by,
        )
        invitation.clsms.set([planned])
        invitations = 1
    ContactRequest.objects.create(
        clsm_name="CLSM de Tourcoing",
        communes="Tourcoing",
        first_name="Inès",
        last_name="Haddad",
        email=f"contact.tourcoing@{DEMO_EMAIL_DOMAIN}",
        message="Bonjour, notre CLSM vient de se créer. Nous aimerions organiser une séance de sensibilisation "
        "dans le quartier de la Bourgogne au printemps, avec le centre social et la médiathèque.",
        client_key="demo",
    )
    return invitations, 1
