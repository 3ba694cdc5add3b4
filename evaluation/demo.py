"""Generated questionnaire responses and expressed needs for held sessions, called by `seed_demo`.

- `seed_demo_responses`: for each held session, 70 to 90 % of its participants answered (paper or online).
- `seed_national_responses`: exactly `total` responses and `needs` needs over the held sessions (the benchmark
  size of interfaces.md: 400,000 responses, about 4.8 million answers, 300,000 needs), written by chunks of
  sessions with COPY / executemany so that memory stays bounded and it loads in minutes.

Values are drawn so that the means come close to the programme's 2021-2023 bilan (`TARGET_MEANS`), with a
small per-session effect (some sessions go better than others) and about 8 % blanks per item. Needs are drawn
from realistic French wordings of each category, with the category shares of the bilan; about 75 % of them
are already categorised. Both functions take a random.Random: the same seed gives the same data. A re-run
replaces the responses of the sessions it fills.
"""

import math
import random
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from evaluation.importers import insert_rows
from evaluation.models import Answer, Need, NeedCategory, Questionnaire, Response
from evaluation.responses import MAX_NEEDS, refresh_summaries
from sessions_app.models import AwarenessSession, Participant, season_of

SEED = 2024
CHUNK = 2000  # sessions per round of inserts

# Means of the 2021-2023 bilan (domain.md); the capability items are « 3,2/4 and 3/4 » for two of them.
TARGET_MEANS = {
    "sat_logistique": 4.5,
    "sat_dynamique": 4.5,
    "sat_animation": 4.8,
    "sat_duree": 4.0,
    "sat_contenu": 4.5,
    "sat_attentes": 4.2,
    "cap_expliquer": 3.1,
    "cap_posture": 3.0,
    "cap_ressources": 3.2,
    "cap_clsm": 3.1,
    "eng_concerne": 3.5,
    "eng_formation": 3.3,
    "eng_investir": 3.0,
}
BLANK_SHARE = 0.08
SESSION_EFFECT = 0.15  # standard deviation of a session's shift of all its means
OFFSETS = [step / 20 for step in range(-8, 9)]  # session shifts, in steps of 0.05
RESPONSE_RATE = (0.7, 0.9)
ONLINE_SHARE = 0.3
COMMENT_SHARE = 0.1
CATEGORISED_SHARE = 0.75
NEEDS_PER_RESPONSE = ((0, 52), (1, 27), (2, 14), (3, 7))  # a demo response holds 0.76 need on average

# Share of each category among the needs of the 2021-2023 bilan, and how people write such needs.
NEED_TEXTS = {
    "competences": (
        28,
        (
            "Être formé·e au repérage de la souffrance psychique",
            "Formation aux premiers secours en santé mentale",
            "Savoir réagir face à une personne en crise",
            "Apprendre à orienter un habitant en détresse",
            "Se former à l'écoute active",
            "Des formations pour les professionnels de première ligne",
            "Formation PSSM",
            "Savoir aborder la santé mentale avec les jeunes",
            "Outils pour accompagner les personnes en souffrance",
            "Formation à la gestion des situations de violence",
        ),
    ),
    "actions": (
        16,
        (
            "Organiser des groupes de parole dans le quartier",
            "Refaire une séance avec les habitants",
            "Des actions pendant les SISM",
            "Monter un café santé mentale",
            "Actions de prévention auprès des jeunes",
            "Des ateliers bien-être au centre social",
            "Organiser une projection-débat",
            "Une séance pour les gardiens d'immeuble",
        ),
    ),
    "connaissances": (
        15,
        (
            "Mieux connaître les troubles psychiques",
            "Différence entre santé mentale et maladie mentale",
            "En savoir plus sur les addictions",
            "Comprendre la dépression",
            "Plus d'informations sur les troubles chez les adolescents",
            "Connaître les droits des personnes hospitalisées",
            "Comprendre le psychotraumatisme",
        ),
    ),
    "implication": (
        14,
        (
            "Impliquer les élus",
            "Associer les habitants aux projets du CLSM",
            "Mobiliser les bailleurs sociaux",
            "Faire venir l'Éducation nationale",
            "Impliquer les médecins généralistes",
            "Associer les personnes concernées",
            "Mobiliser davantage les parents",
        ),
    ),
    "reseau": (
        10,
        (
            "Mieux connaître les partenaires du quartier",
            "Travailler davantage en réseau",
            "Un annuaire des acteurs locaux",
            "Des temps d'échange entre professionnels",
            "Créer du lien entre le sanitaire et le social",
            "Rencontrer l'équipe du CMP",
        ),
    ),
    "ressources_locales": (
        8.5,
        (
            "Connaître les ressources locales en santé mentale",
            "Savoir vers qui orienter",
            "Un guide des structures d'aide",
            "Mieux faire connaître le CLSM",
            "Où trouver un psychologue gratuit",
            "Connaître le GEM le plus proche",
        ),
    ),
    "prise_en_charge": (
        8.5,
        (
            "Plus de psychologues accessibles",
            "Réduire les délais d'attente au CMP",
            "Des moyens pour l'accompagnement",
            "Une équipe mobile dans le quartier",
            "Des permanences d'écoute dans le quartier",
            "Accès aux soins pour les personnes sans droits ouverts",
        ),
    ),
}
COMMENTS = (
    "Merci pour cette séance très riche.",
    "Animation dynamique, on en redemande.",
    "Un peu court, on aurait aimé plus de temps d'échange.",
    "Très bonne intervenante.",
    "Salle trop petite pour le nombre de participants.",
    "Séance utile, à proposer aux collègues.",
    "Beaucoup d'informations en peu de temps.",
)


def _weights_for_mean(mean: float, scale: int) -> list[float]:
    """Probabilities of 1..scale with the given mean and otherwise as even as possible (maximum entropy:
    p(k) ∝ exp(θk)); θ found by bisection since the mean grows with θ."""
    mean = min(max(mean, 1.02), scale - 0.02)
    low, high = -20.0, 20.0
    for _ in range(60):
        theta = (low + high) / 2
        weights = [math.exp(theta * (k - scale)) for k in range(1, scale + 1)]
        if sum(k * w for k, w in zip(range(1, scale + 1), weights, strict=True)) / sum(weights) < mean:
            low = theta
        else:
            high = theta
    total = sum(weights)
    return [w / total for w in weights]


class _Generator:
    """Draws the content of responses: answers per item, needs with their category, channel, comment."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        questionnaire = Questionnaire.current()
        self.questionnaire_id = questionnaire.pk
        self.items = [(item.pk, item.code, item.scale) for item in questionnaire.items.order_by("order")]
        # For each item and each session shift, the cumulative weights of the values 1..scale.
        self.cumulative = {
            item_id: {
                offset: _cumulative(_weights_for_mean(TARGET_MEANS.get(code, (scale + 1) / 2 + 0.7) + offset, scale))
                for offset in OFFSETS
            }
            for item_id, code, scale in self.items
        }
        categories = {c.code: c.pk for c in NeedCategory.objects.all()}
        self.need_categories = [categories[code] for code in NEED_TEXTS]
        self.need_category_weights = [share for share, _texts in NEED_TEXTS.values()]
        self.need_texts = {categories[code]: texts for code, (_share, texts) in NEED_TEXTS.items()}

    def session_offset(self) -> float:
        shift = self.rng.gauss(0, SESSION_EFFECT)
        return min(OFFSETS, key=lambda offset: abs(offset - shift))

    def answers(self, offset: float) -> list[tuple[int, int]]:
        rng = self.rng
        drawn = []
        for item_id, _code, scale in self.items:
            if rng.random() < BLANK_SHARE:
                continue
            value = rng.choices(range(1, scale + 1), cum_weights=self.cumulative[item_id][offset])[0]
            drawn.append((item_id, value))
        return drawn

    def needs(self, count: int, categorised_at) -> list[tuple]:
        """(position, text, category id or None, categorised_at or None), distinct texts within a response."""
        rng = self.rng
        rows, texts = [], set()
        while len(rows) < count:
            category_id = rng.choices(self.need_categories, self.need_category_weights)[0]
            text = rng.choice(self.need_texts[category_id])
            if text in texts:
                continue
            texts.add(text)
            text = _as_written(rng, text)
            if rng.random() < CATEGORISED_SHARE:
                rows.append((len(rows) + 1, text, category_id, categorised_at))
            else:
                rows.append((len(rows) + 1, text, None, None))
        return rows

    def response_meta(self, session_date) -> tuple[str, datetime, str]:
        rng = self.rng
        if rng.random() < ONLINE_SHARE:
            channel = Response.Channel.ONLINE
            day = session_date + timedelta(days=rng.choice((0, 0, 0, 1, 2)))
            moment = _at(day, rng.randint(12, 22), rng.randrange(60))
        else:
            channel = Response.Channel.PAPER
            moment = _at(session_date + timedelta(days=rng.randint(2, 20)), rng.randint(9, 17), rng.randrange(60))
        comment = rng.choice(COMMENTS) if rng.random() < COMMENT_SHARE else ""
        return channel, moment, comment


def _cumulative(weights: list[float]) -> list[float]:
    total, result = 0.0, []
    for weight in weights:
        total += weight
        result.append(total)
    return result


def _as_written(rng: random.Random, text: str) -> str:
    """The same need as different people write it: sometimes all lower case or with a trailing full stop."""
    draw = rng.random()
    if draw < 0.1:
        return text.lower()
    if draw < 0.15:
        return f"{text}."
    return text


def _at(day, hour: int, minute: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _held_sessions(sessions) -> list[tuple[int, object, int]]:
    """(pk, date, attendance) of the held sessions among `sessions` (None: all held sessions), by pk.
    Attendance: participants present, else the number of sign-in lines, else the expected attendance."""
    held = AwarenessSession.objects.held().order_by("pk")
    if sessions is None:
        parts = [held]
    else:
        ids = sorted({s if isinstance(s, int) else s.pk for s in sessions})
        parts = [held.filter(pk__in=ids[start : start + CHUNK]) for start in range(0, len(ids), CHUNK)]
    rows = []
    for part in parts:
        found = list(part.values_list("pk", "date", "actual_attendance", "expected_attendance"))
        missing = [pk for pk, _day, present, _expected in found if not present]
        lines = {}
        for start in range(0, len(missing), CHUNK):
            lines.update(
                Participant.objects.filter(session_id__in=missing[start : start + CHUNK])
                .values("session_id")
                .annotate(n=Count("pk"))
                .order_by()
                .values_list("session_id", "n")
            )
        rows += [(pk, day, present or lines.get(pk) or expected or 15) for pk, day, present, expected in found]
    return rows


def _clear(session_ids: list[int]) -> None:
    """Removes the responses of these sessions (a re-run replaces them)."""
    for start in range(0, len(session_ids), CHUNK):
        part = session_ids[start : start + CHUNK]
        if Response.objects.filter(session_id__in=part).exists():
            Need.objects.filter(response__session_id__in=part).delete()
            Answer.objects.filter(response__session_id__in=part).delete()
            Response.objects.filter(session_id__in=part).delete()


def _write(generator: _Generator, plan: list[tuple[int, object, list[int]]]) -> tuple[int, int]:
    """Writes responses for `plan`: (session pk, session date, number of needs of each of its responses).
    Returns (responses, needs) written."""
    now = connection.ops.adapt_datetimefield_value
    response_rows, contents = [], {}
    for session_id, day, need_counts in plan:
        offset = generator.session_offset()
        for number, need_count in enumerate(need_counts, start=1):
            channel, moment, comment = generator.response_meta(day)
            response_rows.append(
                (session_id, generator.questionnaire_id, number, channel, None, comment, now(moment), now(moment))
            )
            categorised_at = now(moment + timedelta(days=generator.rng.randint(1, 30)))
            contents[session_id, number] = (generator.answers(offset), generator.needs(need_count, categorised_at))
    fields = ["session", "questionnaire", "sheet_number", "channel", "entered_by", "comment", "created_at"]
    insert_rows(Response, [*fields, "updated_at"], response_rows)
    answer_rows, need_rows = [], []
    created = Response.objects.filter(session_id__in=[session_id for session_id, _d, _n in plan]).values_list(
        "session_id", "sheet_number", "pk"
    )
    for session_id, number, pk in created:
        answers, needs = contents[session_id, number]
        answer_rows.extend((pk, item_id, value) for item_id, value in answers)
        need_rows.extend((pk, *need) for need in needs)
    insert_rows(Answer, ["response", "item", "value"], answer_rows)
    insert_rows(Need, ["response", "position", "text", "category", "categorised_at"], need_rows)
    return len(response_rows), len(need_rows)


def _need_counts(rng: random.Random, responses: int) -> list[int]:
    values, weights = zip(*NEEDS_PER_RESPONSE, strict=True)
    return rng.choices(values, weights, k=responses)


@transaction.atomic
def seed_demo_responses(sessions=None, rng: random.Random | None = None, progress=None) -> int:
    """Responses for each held session among `sessions` (sessions or pks; None: every held session): 70 to
    90 % of its participants answered. Returns the number of responses."""
    rng = rng or random.Random(SEED)
    generator = _Generator(rng)
    held = _held_sessions(sessions)
    _clear([pk for pk, _day, _attendance in held])
    plan = []
    for pk, day, attendance in held:
        count = max(1, round(attendance * rng.uniform(*RESPONSE_RATE)))
        plan.append((pk, day, _need_counts(rng, count)))
    written = needs = 0
    for start in range(0, len(plan), CHUNK):
        responses, need_count = _write(generator, plan[start : start + CHUNK])
        written, needs = written + responses, needs + need_count
    refresh_summaries([pk for pk, _day, _attendance in held])
    if progress:
        progress(f"Questionnaires : {_number(written)} réponses, {_number(needs)} besoins exprimés.")
    return written


@transaction.atomic
def seed_national_responses(
    total: int = 400_000, needs: int = 300_000, rng: random.Random | None = None, sessions=None, progress=None
) -> int:
    """Exactly `total` responses and `needs` needs over the held sessions (among `sessions` when given), in
    proportion to their attendance and never more responses than participants when attendance allows.
    Returns the number of responses."""
    rng = rng or random.Random(SEED)
    progress = progress or (lambda message: None)
    generator = _Generator(rng)
    held = _held_sessions(sessions)
    if not held or not total:
        return 0
    session_ids = [pk for pk, _day, _attendance in held]
    _clear(session_ids)
    sizes = _allocate(rng, total, [attendance for _pk, _day, attendance in held])
    counts = _need_counts(rng, total)
    _adjust_total(rng, counts, min(needs, MAX_NEEDS * total))

    written = need_written = position = 0
    report_every = max(1, total // 5)
    for start in range(0, len(held), CHUNK):
        plan = []
        for (pk, day, _attendance), size in zip(held[start : start + CHUNK], sizes[start : start + CHUNK], strict=True):
            plan.append((pk, day, counts[position : position + size]))
            position += size
        responses, need_count = _write(generator, plan)
        before, written, need_written = written, written + responses, need_written + need_count
        if written // report_every > before // report_every:
            progress(f"Questionnaires : {_number(written)} réponses sur {_number(total)}.")
    refresh_summaries(session_ids)
    progress(f"Questionnaires : {_number(written)} réponses, {_number(need_written)} besoins exprimés.")
    return written


def _allocate(rng: random.Random, total: int, attendances: list[int]) -> list[int]:
    """`total` shared between sessions in proportion to their attendance times a random response rate, the
    largest remainders first; sessions above their attendance give their excess to those below theirs."""
    weights = [attendance * rng.uniform(*RESPONSE_RATE) for attendance in attendances]
    exact = [total * weight / sum(weights) for weight in weights]
    sizes = [int(x) for x in exact]
    by_remainder = sorted(range(len(sizes)), key=lambda i: exact[i] - sizes[i], reverse=True)
    for i in by_remainder[: total - sum(sizes)]:
        sizes[i] += 1
    excess = sum(max(0, size - attendance) for size, attendance in zip(sizes, attendances, strict=True))
    if excess and sum(attendances) >= total:
        room = [i for i, (size, attendance) in enumerate(zip(sizes, attendances, strict=True)) if size < attendance]
        for i, attendance in enumerate(attendances):
            sizes[i] = min(sizes[i], attendance)
        while excess:
            i = rng.choice(room)
            if sizes[i] < attendances[i]:
                sizes[i] += 1
                excess -= 1
    return sizes


def _adjust_total(rng: random.Random, counts: list[int], target: int) -> None:
    """Moves random per-response need counts up or down (within 0..MAX_NEEDS) until they add up to `target`."""
    difference = target - sum(counts)
    while difference:
        i = rng.randrange(len(counts))
        if difference > 0 and counts[i] < MAX_NEEDS:
            counts[i] += 1
            difference -= 1
        elif difference < 0 and counts[i] > 0:
            counts[i] -= 1
            difference += 1


def _number(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def seed_demo_followups_and_links(sessions, today=None) -> tuple[int, int]:
    """What a newcomer should meet on the demonstration: follow-ups due (some already reminded a month ago, so
    overdue), and an online questionnaire link open today. Returns (follow-ups due, open links)."""
    from evaluation.followup import ensure_followups
    from evaluation.models import FollowUp, QuestionnaireLink
    from evaluation.online import link_for

    today = today or timezone.localdate()
    sessions = AwarenessSession.objects.filter(pk__in=[getattr(s, "pk", s) for s in sessions])
    ensure_followups(today)
    due = FollowUp.objects.filter(session__in=sessions).due(today).order_by("due_on")
    # The oldest third were reminded a month ago and are still unanswered: they show as overdue.
    overdue = list(due.values_list("pk", flat=True)[: max(1, due.count() // 3)])
    FollowUp.objects.filter(pk__in=overdue).update(reminded_at=timezone.now() - timedelta(days=31))
    window = today - timedelta(days=settings.QUESTIONNAIRE_LINK_DAYS)
    recent = list(sessions.filter(date__range=(window, today), status=AwarenessSession.Status.HELD)[:3])
    if not recent:
        # No held session within the link's window: the latest one not held at a request's call (whose wished
        # periods it must keep) took place yesterday. Moved without a history entry, as generated data has only
        # its « création » entry.
        latest = (
            sessions.filter(status=AwarenessSession.Status.HELD, date__lt=today, request__isnull=True)
            .order_by("-date")
            .first()
        )
        if latest is not None:
            yesterday = today - timedelta(days=1)
            sessions.filter(pk=latest.pk).update(date=yesterday, season=season_of(yesterday))
            latest.refresh_from_db()
            recent = [latest]
    for session in recent:
        link_for(session)
    opened = sum(1 for link in QuestionnaireLink.objects.filter(session__in=sessions) if link.is_open(today))
    return due.count(), opened
