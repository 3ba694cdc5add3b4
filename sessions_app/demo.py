"""Generated requests, sessions and sign-in sheets, called by `seed_demo` after the CLSM (territories/demo.py).

- `seed_demo_sessions`: about 40 requests and 60 sessions over three seasons (the current one and the two
  before) for the demonstration CLSM, with wished periods, status histories and sign-in sheets. A re-run
  replaces them.
- `seed_national_sessions`: the benchmark size of interfaces.md for the CLSM of `seed_national_clsms`,
  written with bulk inserts only (no query and no save() per row), so that it loads in minutes.

Both draw from random.Random(2024): the same day gives the same data. Participant profiles follow the
programme's 2021-2023 bilan: about 80 % women, 23 % living in the session's QPV, 54 % acting in it.
Demonstration rows get their « création » entry in the change history; the national rows get none (the
history would double the volume to load and nobody reads the history of benchmark data).
"""

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from accounts.demo import DEMO_ACCOUNTS
from accounts.models import Role, User
from imports.bulk import CHUNK, chunks, copy_to_history, through_pairs
from sessions_app.importers import structures_by_key
from sessions_app.models import (
    AwarenessSession,
    AwarenessSessionChange,
    Participant,
    SessionRequest,
    SessionRequestChange,
    SessionRequestPeriod,
    SessionValidationChange,
    normalise_structure_name,
    season_bounds,
    season_of,
)
from sessions_app.summaries import bump_data_version, refresh_participant_summaries
from territories.demo import DEMO_CLSMS
from territories.models import CLSM, QPV, Commune

SEED = 2024
NATIONAL_PREFIX = "CLSM national "  # the names given by territories.demo.seed_national_clsms

Status = AwarenessSession.Status
RequestStatus = SessionRequest.Status

# Distributions of the sign-in sheets (bilan 2021-2023). "" is a blank cell.
GENDERS = (("femme", 80), ("homme", 17), ("autre", 1), ("", 2))
PROFILES = (
    ("habitant", 22),
    ("social", 18),
    ("collectivite", 13),
    ("sante_psychiatrie", 8),
    ("medico_social", 6),
    ("jeunesse", 6),
    ("emploi_insertion", 5),
    ("education", 5),
    ("habitat", 4),
    ("personne_concernee", 4),
    ("elu", 3),
    ("droits", 2),
    ("citoyennete", 1.5),
    ("culture", 1),
    ("sport", 1),
    ("autre", 0.5),
)
LIVES_IN_QPV, ACTS_IN_QPV, BLANK_ANSWER = 0.23, 0.54, 0.03
HELD_SHARE = 0.75  # national scale: share of held sessions

# Structures as people write them on sign-in sheets: « CCAS », « C.C.A.S » and « ccas de Lille » side by side.
# None is a participant who left the cell blank (most residents do).
STRUCTURES = {
    "habitant": (None, None, None, None, None, "Conseil citoyen", "Amicale des locataires"),
    "personne_concernee": ("GEM", "Groupe d'entraide mutuelle", "UNAFAM", None),
    "elu": ("Ville {de_commune}", "Mairie {de_commune}", "Conseil départemental"),
    "sante_psychiatrie": (
        "EPSM",
        "E.P.S.M.",
        "Centre médico-psychologique",
        "CMP adultes",
        "Maison de santé pluriprofessionnelle",
        "Centre hospitalier {de_commune}",
    ),
    "social": (
        "CCAS",
        "C.C.A.S",
        "ccas {de_commune}",
        "CCAS {de_commune}",
        "Centre social",
        "Centre social {de_commune}",
        "Association de médiation",
        "Service social départemental",
        "Secours populaire",
    ),
    "medico_social": ("SAVS", "SAMSAH", "ESAT", "Maison des adolescents"),
    "emploi_insertion": ("Mission locale", "mission locale", "Mission locale {de_commune}", "France Travail", "PLIE"),
    "jeunesse": (
        "Maison des adolescents",
        "Maison des Adolescents",
        "Mission locale",
        "Point information jeunesse",
        "Prévention spécialisée",
    ),
    "education": ("Collège du quartier", "Éducation nationale", "Programme de réussite éducative"),
    "habitat": ("Bailleur social", "bailleur social", "Office public de l'habitat"),
    "droits": ("Point d'accès au droit", "Maison de la justice et du droit", "Défenseur des droits"),
    "sport": ("Club sportif du quartier", "Office municipal des sports"),
    "citoyennete": ("Conseil citoyen", "Association des habitants"),
    "culture": ("Médiathèque", "Médiathèque {de_commune}", "Compagnie de théâtre du quartier"),
    "collectivite": (
        "Ville {de_commune}",
        "Mairie {de_commune}",
        "Service politique de la ville",
        "Atelier santé ville",
        "Contrat local de santé",
    ),
    "autre": ("Association de médiation", None),
}

VENUES = (
    "Centre social {qpv}",
    "Maison de quartier {qpv}",
    "Médiathèque du quartier {qpv}",
    "Salle municipale {qpv}",
    "Espace de vie sociale {qpv}",
    "Maison France services {de_commune}",
)
VENUES_BY_CLSM = {"CLSM de Lille": ("Centre social Les Moulins", "Maison de quartier Wazemmes")}
START_TIMES = (time(9, 0), time(9, 30), time(13, 30), time(14, 0), time(14, 0), time(14, 0))
DURATIONS = (180, 180, 180, 180, 180, 150, 210)

MESSAGES = (
    "Les acteurs du quartier nous font part d'une inquiétude croissante autour de l'isolement de certains "
    "habitants. Nous souhaiterions organiser une séance de sensibilisation pour les professionnels et les "
    "habitants relais.",
    "Le diagnostic territorial du CLSM fait de la santé mentale des jeunes une priorité. Une séance au centre "
    "social permettrait de mobiliser les partenaires de la jeunesse et de l'éducation.",
    "Le conseil citoyen souhaite mieux connaître les ressources locales en santé mentale. Nous pouvons mettre "
    "une salle à disposition et relayer l'invitation auprès des habitants.",
    "Nous aimerions proposer une séance commune aux gardiens d'immeuble du bailleur et aux travailleurs sociaux "
    "du secteur, souvent démunis face à des situations de souffrance psychique.",
    "Plusieurs associations du quartier ont demandé un temps d'échange sur la santé mentale après les "
    "difficultés rencontrées cet hiver.",
    "Le CLSM vient d'être relancé : une séance dans le quartier aiderait à le faire connaître et à associer de "
    "nouveaux partenaires.",
    "Les médiateurs sociaux rencontrent régulièrement des personnes en détresse ; une séance les aiderait à "
    "savoir vers qui orienter.",
    "Nous préparons les Semaines d'information sur la santé mentale et souhaiterions y inscrire une séance dans "
    "le quartier.",
)
AUDIENCES = (
    "habitants, professionnels du social",
    "professionnels de la jeunesse et de l'éducation",
    "gardiens d'immeuble, médiateurs, travailleurs sociaux",
    "habitants relais, membres du conseil citoyen",
    "agents municipaux, bénévoles associatifs",
    "professionnels de l'insertion et de l'emploi, habitants",
)
PARTNERS = (
    "centre social, CCAS",
    "bailleur social, association de médiation",
    "mission locale, maison des adolescents",
    "EPSM, centre médico-psychologique",
    "médiathèque, conseil citoyen",
)
DECLINE_REASONS = (
    "Le calendrier proposé ne permet pas de mobiliser une animatrice ; nous vous invitons à renouveler la "
    "demande pour la saison prochaine.",
    "Le quartier a déjà bénéficié d'une séance cette saison : nous donnons la priorité aux QPV pas encore couverts.",
)
WITHDRAW_REASONS = (
    "Changement de coordinatrice au CLSM : la demande sera renouvelée plus tard.",
    "Le partenaire qui accueillait la séance a dû fermer ses locaux.",
)
CANCEL_REASONS = (
    "Trop peu d'inscriptions une semaine avant la date.",
    "Salle indisponible (travaux).",
    "Alerte météo : accueil du public suspendu.",
)
POSTPONE_REASONS = (
    "Grève des transports le jour prévu ; nouvelle date à fixer avec le CLSM.",
    "Indisponibilité de la coordinatrice ; nouvelle date à fixer.",
    "Salle réquisitionnée pour les élections.",
)


def _french_number(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _seasons(today: date, count: int) -> list[str]:
    """The `count` seasons ending with today's, oldest first."""
    start = int(season_of(today)[:4])
    return [f"{year}-{year + 1}" for year in range(start - count + 1, start + 1)]


def _school_day(rng: random.Random, season: str) -> date:
    """A weekday between early September and late June of `season` (no sessions in the summer holidays)."""
    first, _last = season_bounds(season)
    day = first + timedelta(days=rng.randint(6, 296))
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _split(total: int, weights: list[float]) -> list[int]:
    """`total` shared in proportion to `weights`, largest remainders first: the parts add up to `total`."""
    exact = [total * w / sum(weights) for w in weights]
    parts = [int(x) for x in exact]
    for i in sorted(range(len(weights)), key=lambda i: exact[i] - parts[i], reverse=True)[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _spread(total: int, count: int, rng: random.Random, low: int, high: int) -> list[int]:
    """`count` numbers between `low` and `high` (when possible) that add up to `total`."""
    if count == 0:
        return []
    mean = total / count
    low, high = min(low, int(mean)), max(high, int(mean) + 1)
    sizes = [rng.randint(low, high) for _ in range(count)]
    difference = total - sum(sizes)
    while difference:
        i = rng.randrange(count)
        step = 1 if difference > 0 else -1
        if low <= sizes[i] + step <= high:
            sizes[i] += step
            difference -= step
    return sizes


def _of(name: str) -> str:
    """« de Lille », « d'Avignon », « du Havre », « des Mureaux »."""
    for article, contracted in (("Le ", "du "), ("Les ", "des ")):
        if name.startswith(article):
            return contracted + name[len(article) :]
    if name[:1] in "AEIOUYÉÈÊÂÎÔH" and name[:1]:
        return f"d'{name}"
    return f"de {name}"


def _short_qpv_name(name: str) -> str:
    """« Quartier Intercommunal Hautchamps Longchamp - Lionderie » → « Hautchamps Longchamp »."""
    short = name.split(" - ")[0]
    for prefix in ("Quartier Intercommunal ", "Quartiers ", "Quartier "):
        if short.startswith(prefix) and len(short) > len(prefix):
            short = short[len(prefix) :]
    return short


class _SignInSheets:
    """Draws the participants of held sessions with the distributions above. Structures are created as their
    spellings first appear (one or two queries per batch of participants), grouped by key."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.structures: dict[str, int] = {}  # grouping key → Structure pk
        self.genders, self.gender_weights = zip(*GENDERS, strict=True)
        self.profiles, self.profile_weights = zip(*PROFILES, strict=True)

    def answer(self, probability: float) -> bool | None:
        if self.rng.random() < BLANK_ANSWER:
            return None
        return self.rng.random() < probability

    def participants(self, session_id: int, count: int, commune_name: str) -> list[Participant]:
        """Unsaved rows; `attach_structures` gives them their structure before they are inserted."""
        rng = self.rng
        genders = rng.choices(self.genders, self.gender_weights, k=count)
        profiles = rng.choices(self.profiles, self.profile_weights, k=count)
        rows = []
        for line, (gender, profile) in enumerate(zip(genders, profiles, strict=True), start=1):
            template = rng.choice(STRUCTURES[profile])
            spelling = template.format(de_commune=_of(commune_name)) if template else ""
            rows.append(
                Participant(
                    session_id=session_id,
                    line=line,
                    gender=gender,
                    profile=profile,
                    structure_spelling=spelling,
                    lives_in_qpv=self.answer(LIVES_IN_QPV),
                    acts_in_qpv=self.answer(ACTS_IN_QPV),
                )
            )
        return rows

    def attach_structures(self, rows: list[Participant]) -> list[Participant]:
        keys = [normalise_structure_name(row.structure_spelling) for row in rows]
        missing = {row.structure_spelling for row, key in zip(rows, keys, strict=True) if key not in self.structures}
        missing.discard("")
        if missing:
            self.structures.update(structures_by_key(sorted(missing)))
        for row, key in zip(rows, keys, strict=True):
            row.structure_id = self.structures.get(key)
        return rows


@transaction.atomic
def purge_generated(sessions, requests) -> int:
    """Deletes generated sessions and requests, what belongs to them (participants, status changes, and by
    cascade questionnaire responses) and their change history, by chunks so that memory stays bounded.

    Generated data leaves no trace: the change history (django-simple-history) would otherwise get one
    « suppression » row per deleted session, participant and response, each written by a signal, one query at a
    time. Participants, the largest table, go in one DELETE per chunk (nothing cascades from them); the rest goes
    through the ORM's cascade with the history switched off. Returns the number of sessions deleted."""
    session_ids = list(sessions.values_list("pk", flat=True))
    request_ids = list(requests.values_list("pk", flat=True))
    with override_settings(SIMPLE_HISTORY_ENABLED=False):
        for part in chunks(session_ids, 2000):
            Participant.history.filter(session_id__in=part).delete()
            Participant.objects.filter(session_id__in=part)._raw_delete(Participant.objects.db)
            AwarenessSession.history.filter(id__in=part).delete()
            AwarenessSession.objects.filter(pk__in=part).delete()
        for part in chunks(request_ids, 2000):
            SessionRequest.history.filter(id__in=part).delete()
            SessionRequest.objects.filter(pk__in=part).delete()
    bump_data_version()
    return len(session_ids)


# Demonstration scale ------------------------------------------------------------------------------------


@dataclass
class SeedSummary:
    requests: int = 0
    sessions: int = 0
    held: int = 0
    participants: int = 0
    structures: int = 0
    responses: int = 0
    seasons: tuple[str, ...] = ()
    # What the questionnaires generator (evaluation/demo.py, called by the top floor) goes on from: the held
    # sessions, and the random source as the sessions left it, so that those stay the same with or without it.
    held_ids: list[int] = field(default_factory=list, repr=False)
    rng: random.Random | None = field(default=None, repr=False)

    def line(self, label: str) -> str:
        return (
            f"{label} : {_french_number(self.requests)} sollicitations, {_french_number(self.sessions)} séances "
            f"({_french_number(self.held)} réalisées) sur les saisons {', '.join(self.seasons)}, "
            f"{_french_number(self.participants)} participants de {_french_number(self.structures)} structures."
        )


def _demo_animator():
    """The demonstration chargée de mission, if `demo_accounts` has already created her (`make run` runs it
    after `seed_demo`, so the sessions then have no animator)."""
    usernames = [username for username, _f, _l, role, _c in DEMO_ACCOUNTS if role == Role.NATIONAL_STAFF]
    return User.objects.filter(username__in=usernames).order_by("username").first()


def _demo_status(rng: random.Random, day: date, today: date) -> str:
    if day < today:
        draw = rng.random()
        return Status.HELD if draw < 0.84 else Status.CANCELLED if draw < 0.92 else Status.POSTPONED
    if day - today <= timedelta(days=21):
        return Status.CONFIRMED if rng.random() < 0.75 else Status.PLANNED
    return Status.CONFIRMED if rng.random() < 0.3 else Status.PLANNED


@transaction.atomic
def seed_demo_sessions(today: date | None = None, *, sessions: int = 60, requests: int = 40) -> SeedSummary:
    """Requests, sessions and sign-in sheets for the demonstration CLSM; a re-run replaces them (and whatever
    was recorded on those CLSM meanwhile: this is demonstration data)."""
    rng = random.Random(SEED)
    today = today or timezone.localdate()
    names = [name for name, *_rest in DEMO_CLSMS]
    clsms = list(CLSM.objects.filter(name__in=names).order_by("name").prefetch_related("qpvs__communes"))
    purge_generated(AwarenessSession.objects.filter(clsm__in=clsms), SessionRequest.objects.filter(clsm__in=clsms))
    active = [c for c in clsms if c.status == CLSM.Status.ACTIVE and c.qpvs.all()]
    if not active:
        return SeedSummary()
    prefix = {name: commune_prefix for name, commune_prefix, *_rest in DEMO_CLSMS}
    # The demonstration coordinators (accounts/demo.py) have Lille, Roubaix and Avignon: more to look at there.
    favoured = {"CLSM de Lille": 3, "CLSM du Grand Avignon": 3, "CLSM de Roubaix": 2, "CLSM de Marseille": 2}
    weights = [favoured.get(c.name, 1) for c in active]
    seasons = _seasons(today, 3)
    animator = _demo_animator()

    plans = []
    for season, count in zip(seasons, _split(sessions, [5, 6, 7]), strict=True):
        for _ in range(count):
            clsm = rng.choices(active, weights)[0]
            qpvs = rng.sample(list(clsm.qpvs.all()), min(len(clsm.qpvs.all()), 2 if rng.random() < 0.2 else 1))
            communes = list(qpvs[0].communes.all())
            commune = next((c for c in communes if c.name.startswith(prefix[clsm.name])), communes[0])
            venue = rng.choice(VENUES_BY_CLSM.get(clsm.name, ()) + VENUES)
            day = _school_day(rng, season)
            plans.append(
                {
                    "clsm": clsm,
                    "qpvs": qpvs,
                    "date": day,
                    "start_time": rng.choice(START_TIMES),
                    "duration_minutes": rng.choice(DURATIONS),
                    "venue": venue.format(qpv=_short_qpv_name(qpvs[0].name), de_commune=_of(commune.name)),
                    "commune": commune,
                    "status": _demo_status(rng, day, today),
                    "expected_attendance": rng.randint(12, 25),
                }
            )
    plans.sort(key=lambda p: (p["date"], p["start_time"]))

    # About 3 requests in 4 lead to a session: the others are open, declined or withdrawn.
    accepted = set(rng.sample(range(len(plans)), min(len(plans), round(requests * 3 / 4))))
    other_statuses = [RequestStatus.NEW, RequestStatus.UNDER_REVIEW, RequestStatus.DECLINED, RequestStatus.WITHDRAWN]
    request_plans = []
    for index in sorted(accepted):
        plan = plans[index]
        asked = min(today, plan["date"] - timedelta(days=rng.randint(35, 120)))
        plan["request_plan"] = {
            "clsm": plan["clsm"],
            "qpvs": plan["qpvs"],
            "requested_on": asked,
            "status": RequestStatus.ACCEPTED,
            "periods": [(plan["date"] - timedelta(days=rng.randint(7, 30)), plan["date"] + timedelta(days=20))],
            "expected_size": plan["expected_attendance"],
            "decided_on": min(today, asked + timedelta(days=rng.randint(5, 20))),
        }
        request_plans.append(plan["request_plan"])
    first_day = season_bounds(seasons[0])[0]
    for i in range(requests - len(accepted)):
        status = other_statuses[i % len(other_statuses)]
        # A CLSM still in project asks for its first session.
        pool = clsms if status == RequestStatus.NEW else active
        clsm = rng.choice([c for c in pool if c.qpvs.all()] or active)
        if status in (RequestStatus.NEW, RequestStatus.UNDER_REVIEW):
            asked = today - timedelta(days=rng.randint(1, 40))
            start = today + timedelta(days=rng.randint(30, 90))
        else:
            asked = first_day + timedelta(days=rng.randint(0, max(0, (today - first_day).days - 60)))
            start = asked + timedelta(days=rng.randint(45, 90))
        periods = [(start, start + timedelta(days=30))]
        if rng.random() < 0.4:
            periods.append((start + timedelta(days=60), start + timedelta(days=90)))
        request_plans.append(
            {
                "clsm": clsm,
                "qpvs": rng.sample(list(clsm.qpvs.all()), 1),
                "requested_on": asked,
                "status": status,
                "periods": periods,
                "expected_size": rng.randint(12, 25),
                "decided_on": min(today, asked + timedelta(days=rng.randint(5, 20))),
            }
        )

    # The model numbers references (D2025-001, 2025-001…) in the order of creation: create by date.
    request_history = []
    for plan in sorted(request_plans, key=lambda p: p["requested_on"]):
        request = SessionRequest.objects.create(
            clsm=plan["clsm"],
            requested_on=plan["requested_on"],
            status=plan["status"],
            expected_audience=rng.choice(AUDIENCES),
            expected_size=plan["expected_size"],
            partners=rng.choice(PARTNERS),
            message=rng.choice(MESSAGES),
        )
        plan["request"] = request
        request.qpvs.set(plan["qpvs"])
        SessionRequestPeriod.objects.bulk_create(
            [SessionRequestPeriod(request=request, start=start, end=end) for start, end in plan["periods"]]
        )
        steps = [("", RequestStatus.NEW, plan["requested_on"], "")]
        if plan["status"] != RequestStatus.NEW:
            steps.append((RequestStatus.NEW, RequestStatus.UNDER_REVIEW, plan["decided_on"], ""))
        if plan["status"] in (RequestStatus.ACCEPTED, RequestStatus.DECLINED, RequestStatus.WITHDRAWN):
            reasons = {RequestStatus.DECLINED: DECLINE_REASONS, RequestStatus.WITHDRAWN: WITHDRAW_REASONS}
            reason = rng.choice(reasons[plan["status"]]) if plan["status"] in reasons else ""
            steps.append((RequestStatus.UNDER_REVIEW, plan["status"], plan["decided_on"], reason))
        request_history += [
            SessionRequestChange(
                request=request, from_status=old, to_status=new, changed_at=_at(day, 9 + k), reason=reason
            )
            for k, (old, new, day, reason) in enumerate(steps)
        ]
    SessionRequestChange.objects.bulk_create(request_history)

    sheets = _SignInSheets(rng)
    session_history, participants, held = [], [], []
    for plan in plans:
        status = plan["status"]
        reason = {Status.CANCELLED: CANCEL_REASONS, Status.POSTPONED: POSTPONE_REASONS}.get(status)
        request_plan = plan.get("request_plan")
        attendance = rng.randint(8, 20) if status == Status.HELD else None
        session = AwarenessSession.objects.create(
            clsm=plan["clsm"],
            request=request_plan["request"] if request_plan else None,
            date=plan["date"],
            start_time=plan["start_time"],
            duration_minutes=plan["duration_minutes"],
            venue=plan["venue"],
            commune=plan["commune"],
            status=status,
            status_reason=rng.choice(reason) if reason else "",
            expected_attendance=plan["expected_attendance"],
            actual_attendance=attendance,
        )
        session.qpvs.set(plan["qpvs"])
        if animator and status != Status.CANCELLED:
            session.animators.add(animator)
        created_on = request_plan["decided_on"] if request_plan else min(today, plan["date"] - timedelta(days=45))
        steps = [("", Status.PLANNED, created_on, "Créée depuis la sollicitation" if request_plan else "")]
        if status in (Status.CONFIRMED, Status.HELD):
            steps.append((Status.PLANNED, Status.CONFIRMED, min(today, plan["date"] - timedelta(days=14)), ""))
        if status == Status.HELD:
            steps.append((Status.CONFIRMED, Status.HELD, plan["date"], ""))
        if status in (Status.CANCELLED, Status.POSTPONED):
            steps.append((Status.PLANNED, status, plan["date"] - timedelta(days=4), session.status_reason))
        session_history += [
            AwarenessSessionChange(
                session=session,
                from_status=old,
                to_status=new,
                # Marked held in the evening, after the session; other steps during office hours.
                changed_at=_at(day, 19 if new == Status.HELD else 10 + k),
                reason=why,
            )
            for k, (old, new, day, why) in enumerate(steps)
        ]
        if status == Status.HELD:
            participants += sheets.participants(session.pk, attendance, plan["commune"].name)
            held.append(session.pk)
    AwarenessSessionChange.objects.bulk_create(session_history)
    Participant.objects.bulk_create(sheets.attach_structures(participants))
    copy_to_history(Participant.objects.filter(session_id__in=held), "+", reason="données de démonstration")
    refresh_participant_summaries(held)
    return SeedSummary(
        requests=len(request_plans),
        sessions=len(plans),
        held=len(held),
        participants=len(participants),
        structures=len({p.structure_id for p in participants if p.structure_id}),
        seasons=tuple(seasons),
        held_ids=held,
        rng=rng,
    )


def seed_demo_self_run(clsm_name: str, today: date | None = None) -> list[str]:
    """Turns the CLSM's two latest held sessions not born of a request, and its next planned one without a
    request, into sessions the territory animates itself, by its local animators: the older validated, the latest
    waiting for validation; the CLSM's other sessions stay the national centre's. Returns their references."""
    clsm = CLSM.objects.filter(name=clsm_name).first()
    if clsm is None:
        return []
    today = today or timezone.localdate()
    animators = list(clsm.local_animators.filter(role=Role.LOCAL_ANIMATOR))
    chargee = User.objects.filter(role=Role.NATIONAL_STAFF, is_active=True).order_by("pk").first()
    coordinator = clsm.coordinators.order_by("pk").first()
    sessions = AwarenessSession.objects.filter(clsm=clsm)
    # Never one born of a request: an accepted request keeps its session.
    held = sorted(sessions.held().filter(request__isnull=True).order_by("-date")[:2], key=lambda s: s.date)
    upcoming = sessions.active().filter(date__gt=today, request__isnull=True).order_by("date").first()
    chosen = [*held, *([upcoming] if upcoming else [])]
    for session in chosen:
        waiting = session is upcoming or session is held[-1]
        # An update, not a save: generated rows keep their one « création » entry in the history.
        AwarenessSession.objects.filter(pk=session.pk).update(
            mode=AwarenessSession.Mode.TERRITORY,
            validation=AwarenessSession.Validation.PENDING if waiting else AwarenessSession.Validation.VALIDATED,
            coordinator=coordinator,
        )
        if animators:
            session.animators.set(animators)
            # The sheets of a session the territory ran were typed by its animator.
            session.responses.filter(channel="papier").update(entered_by=animators[0])
        journal = [SessionValidationChange(session=session, to_status="en_attente", changed_by=coordinator)]
        if not waiting:
            journal.append(
                SessionValidationChange(
                    session=session, from_status="en_attente", to_status="validee", changed_by=chargee
                )
            )
        SessionValidationChange.objects.bulk_create(journal)
    return [session.reference for session in chosen]


# National (benchmark) scale -----------------------------------------------------------------------------


def national_clsms():
    return CLSM.objects.filter(name__startswith=NATIONAL_PREFIX)


def delete_national_sessions(progress=None) -> int:
    """Removes the requests and sessions of the national CLSM (before they are generated again). Returns the
    number of sessions removed."""
    removed = purge_generated(
        AwarenessSession.objects.filter(clsm__in=national_clsms()),
        SessionRequest.objects.filter(clsm__in=national_clsms()),
    )
    if removed and progress:
        progress(f"Anciennes données nationales supprimées : {_french_number(removed)} séances.")
    return removed


class _References:
    """Unique references YEAR-NNNNN (sessions) or DYEAR-NNNNN (requests), after those already used."""

    def __init__(self, model, letter: str):
        self.letter = letter
        self.next = Counter()
        pattern = rf"^{letter}[0-9]{{4}}-[0-9]{{5}}$"
        for reference in model.objects.filter(reference__regex=pattern).values_list("reference", flat=True):
            year, number = reference[len(letter) :].split("-")
            self.next[year] = max(self.next[year], int(number))

    def __call__(self, day: date) -> str:
        year = str(day.year)
        self.next[year] += 1
        return f"{self.letter}{year}-{self.next[year]:05d}"


def _bulk_create(model, objects):
    model.objects.bulk_create(objects, batch_size=CHUNK)
    if objects and objects[0].pk is None:  # a database that cannot return the keys of a bulk insert
        keys = {}
        for part in chunks([o.reference for o in objects]):
            keys.update(model.objects.filter(reference__in=part).values_list("reference", "pk"))
        for obj in objects:
            obj.pk = keys[obj.reference]


@transaction.atomic
def seed_national_sessions(
    today: date | None = None,
    *,
    sessions: int = 30_000,
    requests: int = 40_000,
    participants: int = 450_000,
    seasons: int = 10,
    clsms=None,
    progress=None,
) -> SeedSummary:
    """`sessions` sessions over the `seasons` seasons ending with today's, for `clsms` (the national CLSM by
    default), each covering one or two QPV of its CLSM, 75 % held; `requests` requests of which three in four
    led to a session; `participants` sign-in lines spread over the held sessions (8 to 32 each)."""
    rng = random.Random(SEED)
    today = today or timezone.localdate()
    progress = progress or (lambda message: None)
    clsm_ids = list((clsms if clsms is not None else national_clsms()).order_by("pk").values_list("pk", flat=True))
    perimeters = {pk: sorted(qpvs) for pk, qpvs in through_pairs(CLSM.qpvs, clsm_ids).items()}
    clsm_ids = [pk for pk in clsm_ids if perimeters.get(pk)]
    if not clsm_ids or not sessions:
        return SeedSummary()
    qpv_ids = sorted({q for qpvs in perimeters.values() for q in qpvs})
    qpv_names, qpv_commune, commune_names = {}, {}, {}
    for part in chunks(qpv_ids):
        qpv_names.update(QPV.objects.filter(pk__in=part).values_list("pk", "name"))
        # The commune of a session is the first commune (by code) of its first QPV.
        through = QPV.communes.through.objects.filter(qpv_id__in=part).order_by("-commune_id")
        qpv_commune.update(through.values_list("qpv_id", "commune_id"))
    for part in chunks(set(qpv_commune.values())):
        commune_names.update(Commune.objects.filter(code__in=part).values_list("code", "name"))

    # Sessions: the programme grows a little every season; dates on weekdays outside the summer.
    season_list = _seasons(today, seasons)
    plans = []  # (date, CLSM pk, QPV pks)
    for season, count in zip(season_list, _split(sessions, [1 + 0.15 * i for i in range(seasons)]), strict=True):
        for _ in range(count):
            clsm_id = rng.choice(clsm_ids)
            perimeter = perimeters[clsm_id]
            qpvs = rng.sample(perimeter, 2 if len(perimeter) > 1 and rng.random() < 0.25 else 1)
            plans.append((_school_day(rng, season), clsm_id, qpvs))
    plans.sort(key=lambda plan: plan[0])
    past = [i for i, plan in enumerate(plans) if plan[0] <= today]
    held = set(rng.sample(past, min(len(past), round(HELD_SHARE * len(plans)))))
    statuses = []
    for i, (day, _clsm, _qpvs) in enumerate(plans):
        if i in held:
            statuses.append(Status.HELD)
        elif day <= today:
            statuses.append(Status.CANCELLED if rng.random() < 0.6 else Status.POSTPONED)
        elif day - today <= timedelta(days=21):
            statuses.append(Status.CONFIRMED if rng.random() < 0.7 else Status.PLANNED)
        else:
            statuses.append(Status.PLANNED if rng.random() < 0.75 else Status.CONFIRMED)
    expected = [rng.randint(12, 30) for _plan in plans]

    # Requests: one accepted request per session for three requests in four; the others declined, withdrawn
    # or, when recent, still open.
    accepted = sorted(rng.sample(range(len(plans)), min(len(plans), round(requests * 3 / 4))))
    request_rows = []  # (date, CLSM pk, QPV pks, status, index of the session it led to)
    for i in accepted:
        day, clsm_id, qpvs = plans[i]
        asked = min(today, day - timedelta(days=rng.randint(30, 150)))
        request_rows.append((asked, clsm_id, qpvs, RequestStatus.ACCEPTED, i))
    first_day = season_bounds(season_list[0])[0]
    span = max(1, (today - first_day).days)
    for _ in range(max(0, requests - len(accepted))):
        asked = first_day + timedelta(days=rng.randrange(span))
        clsm_id = rng.choice(clsm_ids)
        if today - asked <= timedelta(days=60):
            status = RequestStatus.NEW if rng.random() < 0.5 else RequestStatus.UNDER_REVIEW
        else:
            status = RequestStatus.DECLINED if rng.random() < 0.6 else RequestStatus.WITHDRAWN
        request_rows.append((asked, clsm_id, [rng.choice(perimeters[clsm_id])], status, None))
    request_rows.sort(key=lambda row: row[0])
    request_refs = _References(SessionRequest, "D")
    request_objects = [
        SessionRequest(
            reference=request_refs(asked),
            clsm_id=clsm_id,
            requested_on=asked,
            status=status,
            expected_audience=rng.choice(AUDIENCES),
            expected_size=expected[index] if index is not None else rng.randint(12, 30),
            message=rng.choice(MESSAGES),
        )
        for asked, clsm_id, _qpvs, status, index in request_rows
    ]
    _bulk_create(SessionRequest, request_objects)
    pairs = zip(request_objects, request_rows, strict=True)
    through = SessionRequest.qpvs.through
    through.objects.bulk_create(
        [through(sessionrequest_id=obj.pk, qpv_id=qpv) for obj, row in pairs for qpv in row[2]], batch_size=CHUNK
    )
    SessionRequestPeriod.objects.bulk_create(
        [
            SessionRequestPeriod(
                request_id=obj.pk,
                start=obj.requested_on + timedelta(days=30),
                end=obj.requested_on + timedelta(days=120),
            )
            for obj in request_objects
        ],
        batch_size=CHUNK,
    )
    request_of_session = {
        row[4]: obj.pk for obj, row in zip(request_objects, request_rows, strict=True) if row[4] is not None
    }
    progress(f"Sollicitations : {_french_number(len(request_objects))} ({_french_number(len(accepted))} acceptées).")

    session_refs = _References(AwarenessSession, "")
    held_indexes = [i for i, status in enumerate(statuses) if status == Status.HELD]
    sizes = dict(zip(held_indexes, _spread(participants, len(held_indexes), rng, 8, 32), strict=True))
    session_objects = []
    for i, ((day, clsm_id, qpvs), status) in enumerate(zip(plans, statuses, strict=True)):
        reasons = {Status.CANCELLED: CANCEL_REASONS, Status.POSTPONED: POSTPONE_REASONS}.get(status)
        commune = qpv_commune.get(qpvs[0])
        venue = rng.choice(VENUES)
        session_objects.append(
            AwarenessSession(
                reference=session_refs(day),
                clsm_id=clsm_id,
                request_id=request_of_session.get(i),
                date=day,
                season=season_of(day),  # bulk_create skips save(), which computes it
                start_time=rng.choice(START_TIMES),
                duration_minutes=rng.choice(DURATIONS),
                venue=venue.format(
                    qpv=_short_qpv_name(qpv_names[qpvs[0]]), de_commune=_of(commune_names.get(commune, ""))
                ),
                commune_id=commune,
                status=status,
                status_reason=rng.choice(reasons) if reasons else "",
                expected_attendance=expected[i],
                actual_attendance=sizes.get(i),
            )
        )
    _bulk_create(AwarenessSession, session_objects)
    through = AwarenessSession.qpvs.through
    through.objects.bulk_create(
        [
            through(awarenesssession_id=obj.pk, qpv_id=qpv)
            for obj, plan in zip(session_objects, plans, strict=True)
            for qpv in plan[2]
        ],
        batch_size=CHUNK,
    )
    progress(
        f"Séances : {_french_number(len(session_objects))} sur {seasons} saisons "
        f"({_french_number(len(held_indexes))} réalisées)."
    )

    sheets = _SignInSheets(rng)
    batch, written, structures = [], 0, set()
    report_every = max(CHUNK, participants // 5)
    for position, i in enumerate(held_indexes, start=1):
        session = session_objects[i]
        batch += sheets.participants(session.pk, sizes[i], commune_names.get(session.commune_id, ""))
        if len(batch) >= CHUNK or position == len(held_indexes):
            Participant.objects.bulk_create(sheets.attach_structures(batch), batch_size=CHUNK)
            structures.update(p.structure_id for p in batch if p.structure_id)
            before, written = written, written + len(batch)
            batch = []
            if written // report_every > before // report_every:
                progress(f"Participants : {_french_number(written)} sur {_french_number(participants)}.")
    progress(f"Structures représentées : {_french_number(len(structures))}.")

    held_ids = [session_objects[i].pk for i in held_indexes]
    refresh_participant_summaries(held_ids)  # bulk inserts send no signal: the bilan's summaries, explicitly
    return SeedSummary(
        requests=len(request_objects),
        sessions=len(session_objects),
        held=len(held_ids),
        participants=written,
        structures=len(structures),
        seasons=tuple(season_list),
        held_ids=held_ids,
        rng=rng,
    )
