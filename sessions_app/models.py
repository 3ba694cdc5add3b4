import re
import unicodedata
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.querysets import CLSMScopedQuerySet
from territories.models import CLSM, QPV, Commune


def season_of(day: date) -> str:
    """Seasons run from 1 September to 31 August: 12 March 2023 is in « 2022-2023 »."""
    start = day.year if day.month >= 9 else day.year - 1
    return f"{start}-{start + 1}"


def season_bounds(season: str) -> tuple[date, date]:
    match = re.fullmatch(r"(\d{4})-(\d{4})", season or "")
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        raise ValueError(f"saison invalide « {season} » (attendu par exemple 2022-2023)")
    start = int(match.group(1))
    return date(start, 9, 1), date(start + 1, 8, 31)


class Gender(models.TextChoices):
    WOMAN = "femme", _("femme")
    MAN = "homme", _("homme")
    OTHER = "autre", _("autre")


class Profile(models.TextChoices):
    RESIDENT = "habitant", _("habitant·e")
    LIVED_EXPERIENCE = "personne_concernee", _("personne concernée")
    ELECTED = "elu", _("élu·e")
    HEALTH = "sante_psychiatrie", _("santé, psychiatrie")
    SOCIAL = "social", _("social")
    MEDICO_SOCIAL = "medico_social", _("médico-social")
    EMPLOYMENT = "emploi_insertion", _("emploi, insertion")
    YOUTH = "jeunesse", _("jeunesse")
    EDUCATION = "education", _("éducation")
    HOUSING = "habitat", _("habitat")
    RIGHTS = "droits", _("droits")
    SPORT = "sport", _("sport")
    CITIZENSHIP = "citoyennete", _("citoyenneté")
    CULTURE = "culture", _("culture")
    LOCAL_AUTHORITY = "collectivite", _("collectivité")
    OTHER = "autre", _("autre")


class InvalidTransition(ValidationError):
    """A status change that makes no sense (the message says why, in French)."""


def _next_reference(model, prefix: str) -> str:
    """`prefix` + a 3-digit sequence, one past the highest already used with that prefix."""
    used = model.objects.filter(reference__startswith=prefix).values_list("reference", flat=True)
    numbers = [int(ref[len(prefix) :]) for ref in used if ref[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


def _save_with_reference(instance, prefix: str, *args, **kwargs):
    if instance.reference:
        return models.Model.save(instance, *args, **kwargs)
    for _attempt in range(5):
        instance.reference = _next_reference(type(instance), prefix)
        try:
            with transaction.atomic():
                return models.Model.save(instance, *args, **kwargs)
        except IntegrityError:
            instance.reference = ""  # someone took that number meanwhile: take the next one
    raise IntegrityError("impossible d'attribuer une référence unique")


class StatusChange(models.Model):
    """Who changed a status, when and why. One table per object kind (see subclasses)."""

    from_status = models.CharField(_("ancien statut"), max_length=20, blank=True)
    to_status = models.CharField(_("nouveau statut"), max_length=20)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("le"), default=timezone.now)
    reason = models.TextField(_("motif"), blank=True)

    class Meta:
        abstract = True
        ordering = ["changed_at", "pk"]


class StatusTransitions:
    """Status changes as model methods: `TRANSITIONS` says what may follow what; every change is saved with
    who made it and why in the model's `changes` history (a StatusChange subclass)."""

    TRANSITIONS: dict = {}
    transition_refused = ""  # French message with %(from)s and %(to)s
    reason_field = None  # the model field that keeps the reason of the last change, if any

    def _stored(self, field: str):
        """`field` as the database holds it now, read into the object, the row locked until the transaction ends
        (inside one): two people moving the same row at once cannot both move it from the same state, the second
        sees the first one's move and is refused. Outside a transaction, read with no lock to hold."""
        if self.pk is None:
            return getattr(self, field)
        rows = type(self)._base_manager.filter(pk=self.pk)
        if transaction.get_connection(rows.db).in_atomic_block:
            rows = rows.select_for_update()
        stored = rows.values_list(field, flat=True).first()
        if stored is not None:
            setattr(self, field, stored)
        return getattr(self, field)

    def _check_move(self, to_status):
        if to_status not in self.TRANSITIONS[self._stored("status")]:
            raise InvalidTransition(
                self.transition_refused % {"from": self.get_status_display(), "to": self.Status(to_status).label}
            )

    def _move(self, to_status, user, reason=""):
        self._check_move(to_status)
        previous = self.status
        self.status = to_status
        fields = ["status", "updated_at"]
        if reason and self.reason_field:
            setattr(self, self.reason_field, reason)
            fields.append(self.reason_field)
        self.save(update_fields=fields)
        self.changes.create(from_status=previous, to_status=to_status, changed_by=user, reason=reason)


# Requests --------------------------------------------------------------------------------------------


# A request still to answer: SessionRequest.Status.NEW and UNDER_REVIEW, written out because the inbox's index is
# declared in the model's own class body (tested to stay the Status values).
OPEN_REQUEST_STATUSES = ("nouvelle", "en_etude")


class SessionRequestQuerySet(CLSMScopedQuerySet):
    # The funder sees aggregates only, never a request's message: funder_reads stays False.

    def open(self):
        return self.filter(status__in=OPEN_REQUEST_STATUSES)

    def in_region(self, region_code):
        """The requests of a région (None: outside any région, where a CLSM is placed by its QPV only: one without
        communes is not « outside » for that); see `_in_territory`."""
        qpvs = QPV.objects.filter(department__region_id=region_code)
        clsms = CLSM.objects.in_region(region_code) if region_code else CLSM.objects.filter(qpvs__in=qpvs)
        return self._in_territory(qpvs, clsms)

    def in_department(self, department_code):
        """The requests of a département; see `_in_territory`."""
        return self._in_territory(
            QPV.objects.filter(department_id=department_code), CLSM.objects.in_department(department_code)
        )

    def _in_territory(self, qpvs, clsms):
        """Those naming one of the territory's `qpvs`, and those naming none whose CLSM is one of its `clsms` (a
        perimeter of QPV or communes there). Two semi-joins: one OR across the joins of both paths multiplied every
        request by its CLSM's QPV (région 11 of the national data: 63 → 35 ms to count them)."""
        names_none = ~models.Exists(self.model.qpvs.through.objects.filter(sessionrequest_id=models.OuterRef("pk")))
        return self.filter(
            Q(pk__in=self.model.qpvs.through.objects.filter(qpv__in=qpvs).values("sessionrequest_id"))
            | (names_none & Q(clsm__in=clsms.values("pk")))
        )

    def inbox_order(self):
        """Open requests first, the oldest at the top: the one waiting longest is answered first. Then the closed
        ones, the most recent first (an index on these expressions: a page is read from it, not sorted out of
        every request, 34 ms for the 40,000 of the national data)."""
        return self.order_by(*inbox_order_expressions())


def inbox_order_expressions() -> tuple:
    """The inbox's ORDER BY, shared by the query and its index (SessionRequest.Meta.indexes), which PostgreSQL uses
    only for the very same expressions."""
    is_open = Q(status__in=OPEN_REQUEST_STATUSES)
    # The second and third keys are blank for every closed request, which the first key already puts after the open
    # ones: where blanks sort (the backends differ, and SQLite's indexes know no NULLS LAST) changes nothing.
    return (
        models.Case(models.When(is_open, then=models.Value(0)), default=models.Value(1)).asc(),
        models.Case(models.When(is_open, then=models.F("requested_on"))).asc(),
        models.Case(models.When(is_open, then=models.F("id"))).asc(),
        models.F("requested_on").desc(),
        models.F("id").desc(),
    )


class SessionRequest(StatusTransitions, models.Model):
    """A CLSM's request (« sollicitation ») for an awareness session."""

    class Status(models.TextChoices):
        NEW = "nouvelle", _("nouvelle")
        UNDER_REVIEW = "en_etude", _("en étude")
        ACCEPTED = "acceptee", _("acceptée")
        DECLINED = "refusee", _("refusée")
        WITHDRAWN = "retiree", _("retirée")

    TRANSITIONS = {
        Status.NEW: {Status.UNDER_REVIEW, Status.ACCEPTED, Status.DECLINED, Status.WITHDRAWN},
        Status.UNDER_REVIEW: {Status.ACCEPTED, Status.DECLINED, Status.WITHDRAWN},
        Status.ACCEPTED: set(),
        Status.DECLINED: set(),
        Status.WITHDRAWN: set(),
    }
    transition_refused = _("Une sollicitation « %(from)s » ne peut pas passer à « %(to)s ».")

    reference = models.CharField(_("référence"), max_length=30, unique=True, blank=True)
    clsm = models.ForeignKey(CLSM, verbose_name=_("CLSM"), on_delete=models.PROTECT, related_name="requests")
    qpvs = models.ManyToManyField(QPV, verbose_name=_("QPV"), related_name="session_requests", blank=True)
    requested_on = models.DateField(_("date de la demande"), default=timezone.localdate)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.NEW, db_index=True)
    expected_audience = models.TextField(_("public attendu"), blank=True)
    expected_size = models.PositiveIntegerField(_("nombre de participants attendus"), null=True, blank=True)
    partners = models.TextField(_("partenaires associés"), blank=True)
    message = models.TextField(_("message"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("déposée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="session_requests",
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = SessionRequestQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sollicitation")
        verbose_name_plural = _("sollicitations")
        ordering = ["-requested_on", "-pk"]
        indexes = [
            models.Index(*inbox_order_expressions(), name="request_inbox_order"),
            # A period's requests per CLSM (the bilan's « sollicitations »), read from the index alone: a national
            # season 8.4 → 1.6 ms, where the whole table was read.
            models.Index(fields=["requested_on", "clsm"], name="request_period_clsm"),
        ]

    def __str__(self):
        return f"{self.reference} – {self.clsm}"

    def save(self, *args, **kwargs):
        return _save_with_reference(self, f"D{(self.requested_on or timezone.localdate()).year}-", *args, **kwargs)

    def figure_seasons(self) -> set[str]:
        """The season whose bilan counts this request (« sollicitations », by date of request)."""
        return {season_of(self.requested_on)} if isinstance(self.requested_on, date) else set()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REQUEST_STATUSES

    def start_review(self, user):
        self._move(self.Status.UNDER_REVIEW, user)

    def decline(self, user, reason: str):
        if not reason.strip():
            raise InvalidTransition(_("Indiquez le motif du refus : il est envoyé au CLSM."))
        self._move(self.Status.DECLINED, user, reason)

    def withdraw(self, user, reason: str = ""):
        self._move(self.Status.WITHDRAWN, user, reason)

    @transaction.atomic
    def accept(self, user, **session_fields) -> "AwarenessSession":
        """Accepting creates the session, pre-filled from the request (date from the first wished period)."""
        self._move(self.Status.ACCEPTED, user)
        first_period = self.periods.order_by("start").first()
        defaults = {
            "clsm": self.clsm,
            "request": self,
            "date": first_period.start if first_period else timezone.localdate() + timedelta(days=30),
            "expected_attendance": self.expected_size,
            "coordinator": self.created_by if self.created_by and self.created_by.is_coordinator else None,
        }
        defaults.update(session_fields)
        session = AwarenessSession.objects.create(**defaults)
        session.qpvs.set(self.qpvs.all())
        session.changes.create(to_status=session.status, changed_by=user, reason=_("Créée depuis la sollicitation"))
        return session

    def record_creation(self, user):
        self.changes.create(to_status=self.status, changed_by=user)


class SessionRequestPeriod(models.Model):
    request = models.ForeignKey(SessionRequest, on_delete=models.CASCADE, related_name="periods")
    start = models.DateField(_("du"))
    end = models.DateField(_("au"))

    class Meta:
        verbose_name = _("période souhaitée")
        verbose_name_plural = _("périodes souhaitées")
        ordering = ["start"]
        constraints = [models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="period_end_after_start")]

    def __str__(self):
        return f"{self.start:%d/%m/%Y} – {self.end:%d/%m/%Y}"


class SessionRequestChange(StatusChange):
    request = models.ForeignKey(SessionRequest, on_delete=models.CASCADE, related_name="changes")

    class Meta(StatusChange.Meta):
        verbose_name = _("changement de statut de sollicitation")
        verbose_name_plural = _("changements de statut de sollicitations")

    def __str__(self):
        return f"{self.request_id} : {self.from_status or '—'} → {self.to_status}"


# Sessions --------------------------------------------------------------------------------------------


class AwarenessSessionQuerySet(CLSMScopedQuerySet):
    funder_reads = True
    session_path = ""  # a local animator sees the sessions they animate

    # Which sessions count where. Kept here, as scopes, so that the bilan engine only asks for them.
    def counted_nationally(self):
        """Sessions the national figures (and the funder's documents) count: every session the national centre
        animated, and a territory's own once the centre has validated its data."""
        return self.filter(Q(mode=AwarenessSession.Mode.CENTRE) | Q(validation=AwarenessSession.Validation.VALIDATED))

    def counted(self, *, include_pending: bool):
        """`counted_nationally`, or every session when a CLSM's own bilan counts its self-run ones at once."""
        return self if include_pending else self.counted_nationally()

    def pending_validation(self):
        """A territory's sessions whose data the national centre has not validated (waiting or sent back)."""
        return self.filter(mode=AwarenessSession.Mode.TERRITORY).exclude(
            validation=AwarenessSession.Validation.VALIDATED
        )

    def of_mode(self, mode):
        return self.filter(mode=mode) if mode else self

    def awaiting_review(self):
        """Held self-run sessions waiting for the national centre's review."""
        return self.held().filter(mode=AwarenessSession.Mode.TERRITORY, validation=AwarenessSession.Validation.PENDING)

    def held(self):
        return self.filter(status=AwarenessSession.Status.HELD)

    def active(self):
        """Sessions that take up their animators' time."""
        return self.exclude(status__in=[AwarenessSession.Status.CANCELLED, AwarenessSession.Status.POSTPONED])

    def in_season(self, season: str):
        return self.filter(season=season)

    def in_region(self, region_code):
        return self.filter(qpvs__department__region_id=region_code).distinct()

    def in_department(self, department_code):
        return self.filter(qpvs__department_id=department_code).distinct()

    def search(self, text: str):
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(
            Q(reference__icontains=text)
            | Q(clsm__name__icontains=text)
            | Q(venue__icontains=text)
            | Q(commune__name__icontains=text)
            | Q(qpvs__code__iexact=text)
            | Q(qpvs__name__icontains=text)
        ).distinct()

    def overlapping(self, day: date, start, duration_minutes: int):
        """Active sessions on `day` whose time span crosses [start, start + duration)."""
        begin = datetime.combine(day, start)
        end = begin + timedelta(minutes=duration_minutes)
        candidates = self.active().filter(date=day)
        return [
            s
            for s in candidates
            if datetime.combine(s.date, s.start_time) < end
            and begin < datetime.combine(s.date, s.start_time) + timedelta(minutes=s.duration_minutes)
        ]


class AwarenessSession(StatusTransitions, models.Model):
    """A 3-hour awareness session (« séance de sensibilisation ») in one or more QPV."""

    class Status(models.TextChoices):
        PLANNED = "planifiee", _("planifiée")
        CONFIRMED = "confirmee", _("confirmée")
        HELD = "realisee", _("réalisée")
        CANCELLED = "annulee", _("annulée")
        POSTPONED = "reportee", _("reportée")

    TRANSITIONS = {
        Status.PLANNED: {Status.CONFIRMED, Status.CANCELLED, Status.POSTPONED},
        Status.CONFIRMED: {Status.HELD, Status.CANCELLED, Status.POSTPONED},
        Status.POSTPONED: {Status.PLANNED, Status.CANCELLED},
        Status.HELD: set(),
        Status.CANCELLED: set(),
    }

    class Mode(models.TextChoices):
        CENTRE = "centre", _("animée par le Centre national")
        TERRITORY = "territoire", _("animée par le territoire")

    class Validation(models.TextChoices):
        """The national centre's review of a self-run session's data (empty for the centre's own sessions)."""

        NOT_APPLICABLE = "", _("sans objet")
        PENDING = "en_attente", _("en attente de validation")
        VALIDATED = "validee", _("validée")
        RETURNED = "renvoyee", _("renvoyée")

    VALIDATION_TRANSITIONS = {
        Validation.PENDING: {Validation.VALIDATED, Validation.RETURNED},
        Validation.RETURNED: {Validation.PENDING},
        # The centre may reopen a validated session (a correction found later), always with a reason.
        Validation.VALIDATED: {Validation.RETURNED},
        Validation.NOT_APPLICABLE: set(),
    }

    transition_refused = _("Une séance « %(from)s » ne peut pas passer à « %(to)s ».")
    reason_field = "status_reason"
    # What a calendar invitation shows: a change to any of them is a new revision of the invitation.
    CALENDAR_FIELDS = ("date", "start_time", "duration_minutes", "venue", "address", "commune_id", "status")

    reference = models.CharField(_("référence"), max_length=30, unique=True, blank=True)
    clsm = models.ForeignKey(CLSM, verbose_name=_("CLSM"), on_delete=models.PROTECT, related_name="sessions")
    qpvs = models.ManyToManyField(QPV, verbose_name=_("QPV"), related_name="sessions", blank=True)
    request = models.ForeignKey(
        SessionRequest,
        verbose_name=_("sollicitation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sessions",
    )
    date = models.DateField(_("date"), db_index=True)
    start_time = models.TimeField(_("heure de début"), default=time(14, 0))
    duration_minutes = models.PositiveSmallIntegerField(_("durée (minutes)"), default=180)
    venue = models.CharField(_("lieu"), max_length=200, blank=True)
    address = models.CharField(_("adresse"), max_length=300, blank=True)
    commune = models.ForeignKey(
        Commune, verbose_name=_("commune"), null=True, blank=True, on_delete=models.PROTECT, related_name="sessions"
    )
    animators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("animatrices, animateurs"),
        related_name="animated_sessions",
        blank=True,
        # Local animators only on sessions their territory runs itself (checked by the self-run session form).
        limit_choices_to={"role__in": ["chargee_mission", "administrateur", "animateur_local"]},
    )
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("coordinateur·rice co-organisateur·rice"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="coorganised_sessions",
    )
    expected_attendance = models.PositiveIntegerField(_("participants attendus"), null=True, blank=True)
    actual_attendance = models.PositiveIntegerField(_("participants présents"), null=True, blank=True)
    season = models.CharField(_("saison"), max_length=9, editable=False, db_index=True)
    mode = models.CharField(
        _("animation"), max_length=10, choices=Mode.choices, default=Mode.CENTRE, db_index=True, editable=False
    )
    # Changed only through validate / send_back / resubmit (journal in `validation_changes`).
    validation = models.CharField(
        _("validation des données"), max_length=10, choices=Validation.choices, blank=True, default="", editable=False
    )
    validation_reason = models.TextField(_("motif du renvoi"), blank=True, editable=False)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.PLANNED, db_index=True)
    status_reason = models.TextField(_("motif (annulation, report)"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # The calendar invitation's revision (iCalendar SEQUENCE): one more at each change of date, time, place or
    # status, so that calendars replace the event they hold instead of keeping the older version.
    sequence = models.PositiveIntegerField(_("révision du rendez-vous"), default=0, editable=False)
    # The session date the week-before kit was sent for, and the one the sheets-to-type reminder was sent for:
    # a moved session gets them again, a second run of the day sends nothing more.
    kit_sent_for = models.DateField(_("kit pratique envoyé pour le"), null=True, blank=True, editable=False)
    sheets_reminded_for = models.DateField(
        _("rappel des feuilles à saisir envoyé pour le"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = AwarenessSessionQuerySet.as_manager()
    # The bookkeeping of invitations and reminders is not a change anyone made: kept out of the history.
    history = HistoricalRecords(excluded_fields=["sequence", "kit_sent_for", "sheets_reminded_for"])

    class Meta:
        verbose_name = _("séance")
        verbose_name_plural = _("séances")
        ordering = ["-date", "-start_time"]
        indexes = [models.Index(fields=["status", "date"])]

    def __str__(self):
        return f"{self.reference} – {self.clsm} ({self.date:%d/%m/%Y})"

    def save(self, *args, **kwargs):
        self.season = season_of(self.date)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "date" in update_fields:
            kwargs["update_fields"] = update_fields = {*update_fields, "season"}
        if self.calendar_changed:
            self.sequence += 1
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "sequence"}
        result = _save_with_reference(self, f"{self.date.year}-", *args, **kwargs)
        self._calendar_loaded = self._calendar_state()
        return result

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._calendar_loaded = instance._calendar_state()
        return instance

    def _calendar_state(self):
        """The calendar fields as loaded (None when one is deferred: then no revision is counted)."""
        if any(name not in self.__dict__ for name in self.CALENDAR_FIELDS):
            return None
        return tuple(self.__dict__[name] for name in self.CALENDAR_FIELDS)

    def figure_seasons(self) -> set[str]:
        """The seasons whose bilan figures this row counts in (a write bumps their data version)."""
        return {season_of(self.date)}

    @property
    def calendar_changed(self) -> bool:
        loaded = getattr(self, "_calendar_loaded", None)
        return loaded is not None and self.pk is not None and self._calendar_state() != loaded

    @property
    def starts_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.date, self.start_time))

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def accepts_questionnaires(self) -> bool:
        return self.status in (self.Status.CONFIRMED, self.Status.HELD)

    def confirm(self, user=None):
        self._move(self.Status.CONFIRMED, user)

    @transaction.atomic
    def mark_held(self, user=None, actual_attendance=None):
        self._check_move(self.Status.HELD)
        if self.date > timezone.localdate():
            raise InvalidTransition(
                _("Une séance ne peut pas être réalisée avant sa date (%(date)s).")
                % {"date": self.date.strftime("%d/%m/%Y")}
            )
        if actual_attendance is not None:
            self.actual_attendance = actual_attendance
            self.save(update_fields=["actual_attendance", "updated_at"])
        self._move(self.Status.HELD, user)

    def cancel(self, user, reason: str):
        if not reason.strip():
            raise InvalidTransition(_("Indiquez le motif de l'annulation."))
        self._move(self.Status.CANCELLED, user, reason)

    def postpone(self, user, reason: str):
        if not reason.strip():
            raise InvalidTransition(_("Indiquez le motif du report."))
        self._move(self.Status.POSTPONED, user, reason)

    @transaction.atomic
    def replan(self, user, new_date: date, start_time=None):
        """A postponed session gets a new date and is planned again."""
        self._check_move(self.Status.PLANNED)
        self.date = new_date
        if start_time is not None:
            self.start_time = start_time
        self.save(update_fields=["date", "start_time", "updated_at"])
        self._move(self.Status.PLANNED, user)

    # Self-run sessions ---------------------------------------------------------------------------------

    @classmethod
    @transaction.atomic
    def create_self_run(cls, user, *, qpvs, animators, **fields) -> "AwarenessSession":
        """A session the territory animates itself: created by its coordinator (no request), waiting for the national
        centre's validation of its data from the start."""
        session = cls.objects.create(
            mode=cls.Mode.TERRITORY,
            validation=cls.Validation.PENDING,
            coordinator=fields.pop("coordinator", None) or (user if user.is_coordinator else None),
            **fields,
        )
        session.qpvs.set(qpvs)
        session.animators.set(animators)
        session.changes.create(to_status=session.status, changed_by=user, reason=_("Animée par le territoire"))
        session.validation_changes.create(to_status=session.validation, changed_by=user)
        return session

    @property
    def is_self_run(self) -> bool:
        return self.mode == self.Mode.TERRITORY

    @property
    def counts_nationally(self) -> bool:
        return self.mode == self.Mode.CENTRE or self.validation == self.Validation.VALIDATED

    def _move_validation(self, to, user, reason=""):
        if not self.is_self_run or to not in self.VALIDATION_TRANSITIONS[self._stored("validation")]:
            raise InvalidTransition(
                _("Les données d'une séance « %(from)s » ne peuvent pas passer à « %(to)s ».")
                % {"from": self.get_validation_display(), "to": self.Validation(to).label}
            )
        previous = self.validation
        self.validation = to
        self.validation_reason = reason if to == self.Validation.RETURNED else ""
        self.save(update_fields=["validation", "validation_reason", "updated_at"])
        self.validation_changes.create(from_status=previous, to_status=to, changed_by=user, reason=reason)

    def validate(self, user):
        """The national centre has reviewed the data: the session now counts in the national figures."""
        if self.status != self.Status.HELD:
            raise InvalidTransition(_("Seule une séance réalisée peut être validée."))
        self._move_validation(self.Validation.VALIDATED, user)

    def send_back(self, user, reason: str):
        if not (reason or "").strip():
            raise InvalidTransition(_("Indiquez le motif du renvoi : il est envoyé au CLSM."))
        self._move_validation(self.Validation.RETURNED, user, reason.strip())

    def resubmit(self, user):
        """The territory has corrected what was asked: the session waits for validation again."""
        self._move_validation(self.Validation.PENDING, user)

    def qpvs_outside_perimeter(self):
        return self.qpvs.exclude(pk__in=self.clsm.qpvs.values("pk"))

    def qpv_communes(self):
        """The communes of the session's QPV: where its commune is expected to be."""
        return Commune.objects.filter(qpvs__sessions=self).distinct() if self.pk else Commune.objects.none()

    def commune_outside_qpvs(self) -> bool:
        """A commune that none of the session's QPV lies in: allowed (a venue just across the boundary), but
        worth a second look."""
        if not self.commune_id or not self.pk:
            return False
        communes = self.qpv_communes()
        return communes.exists() and not communes.filter(pk=self.commune_id).exists()

    def animator_conflicts(self, animators, day=None, start=None, duration=None):
        """For each animator, the other active sessions they lead that overlap this one."""
        day, start = day or self.date, start or self.start_time
        duration = duration or self.duration_minutes
        others = (
            AwarenessSession.objects.exclude(pk=self.pk).filter(animators__in=animators).prefetch_related("animators")
        )
        clashes = {}
        for other in others.overlapping(day, start, duration):
            for person in other.animators.all():
                if person in animators and other not in clashes.get(person, []):
                    clashes.setdefault(person, []).append(other)
        return clashes


class AwarenessSessionChange(StatusChange):
    session = models.ForeignKey(AwarenessSession, on_delete=models.CASCADE, related_name="changes")

    class Meta(StatusChange.Meta):
        verbose_name = _("changement de statut de séance")
        verbose_name_plural = _("changements de statut de séances")

    def __str__(self):
        return f"{self.session_id} : {self.from_status or '—'} → {self.to_status}"


class SessionValidationChange(StatusChange):
    """The journal of a self-run session's validation: who validated it, or sent it back and why."""

    session = models.ForeignKey(AwarenessSession, on_delete=models.CASCADE, related_name="validation_changes")

    class Meta(StatusChange.Meta):
        verbose_name = _("validation d'une séance animée par le territoire")
        verbose_name_plural = _("validations des séances animées par le territoire")

    def __str__(self):
        return f"{self.session_id} : {self.from_status or '—'} → {self.to_status}"


# Participants ----------------------------------------------------------------------------------------


def normalise_structure_name(name: str) -> str:
    """« CCAS », « ccas » and « C.C.A.S » are one structure: case, accents, spaces and punctuation ignored."""
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().casefold()
    return re.sub(r"[^a-z0-9]+", "", text)


# Kinds of structure found in every territory, suggested to everyone as participants' structures. The names of
# local structures (« CCAS de Roubaix », an association…) are suggested only to who may see the sign-in sheets
# they were typed on (StructureQuerySet.visible_to): they tell where another CLSM's sessions drew people from.
NATIONAL_STRUCTURES = (
    "Bailleur social",
    "CAARUD",
    "CAF",
    "CCAS",
    "Centre hospitalier",
    "Centre social",
    "CHRS",
    "CMP",
    "CMPP",
    "CPAM",
    "CSAPA",
    "Éducation nationale",
    "France Travail",
    "GEM",
    "Maison des adolescents",
    "Maison de santé pluriprofessionnelle",
    "Maison France services",
    "Mairie",
    "Mission locale",
    "PMI",
    "Police municipale",
    "Service social départemental",
)


class StructureQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The national centre: every structure. A coordinator: those of their CLSMs' participants."""
        if not user.is_authenticated:
            return self.none()
        if user.is_national_staff:
            return self
        return self.filter(pk__in=Participant.objects.visible_to(user).values("structure_id"))

    def suggestions(self, user, text: str, limit: int) -> list[str]:
        """Names for the autocomplete: the national list and the structures `user` may see whose grouping key
        contains the typed text's (at least 2 characters); names starting with it first, then by key."""
        key = normalise_structure_name(text)
        if len(key) < 2:
            return []
        found = {}  # grouping key -> name; a national name wins over a local spelling of the same structure
        visible = self.visible_to(user).filter(key__contains=key)
        starting_first = Case(When(key__startswith=key, then=Value(0)), default=Value(1), output_field=IntegerField())
        for structure_key, name in visible.order_by(starting_first, "key").values_list("key", "name")[:limit]:
            found[structure_key] = name
        for name in NATIONAL_STRUCTURES:
            if key in (national_key := normalise_structure_name(name)):
                found[national_key] = name
        ranked = sorted(found.items(), key=lambda item: (not item[0].startswith(key), item[0]))
        return [name for _key, name in ranked[:limit]]

    def get_or_create_by_name(self, name: str):
        key = normalise_structure_name(name)
        if not key:
            return None
        structure, _ = self.get_or_create(key=key, defaults={"name": name.strip()})
        return structure


class Structure(models.Model):
    """An organisation participants represent, counted once across the programme."""

    name = models.CharField(_("nom"), max_length=200, help_text=_("orthographe de la première saisie"))
    key = models.CharField(_("clé de regroupement"), max_length=200, unique=True, editable=False)

    objects = StructureQuerySet.as_manager()

    class Meta:
        verbose_name = _("structure")
        verbose_name_plural = _("structures")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.key = normalise_structure_name(self.name)
        super().save(*args, **kwargs)


class ParticipantQuerySet(CLSMScopedQuerySet):
    clsm_path = "session__clsm"
    session_path = "session"


def lock_sessions(session_ids) -> None:
    """Locks these sessions' rows until the end of the transaction: one writer of their sheets at a time.

    PostgreSQL: FOR NO KEY UPDATE, which waits for another writer of the same session but not for anyone merely
    inserting a row that points to the session (a participant, an item summary). SQLite has no row lock: there
    the transaction takes the database's write lock when it begins (transaction_mode IMMEDIATE, smdq/env.py).
    Sessions are locked in id order, so that two imports naming the same sessions cannot deadlock."""
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("lock_sessions() needs a transaction (transaction.atomic).")
    if connection.features.has_select_for_update:
        ids = sorted(set(session_ids))
        for start in range(0, len(ids), 2000):
            list(
                AwarenessSession.objects.select_for_update(no_key=True)
                .filter(pk__in=ids[start : start + 2000])
                .order_by("pk")
                .values_list("pk", flat=True)
            )


class Participant(models.Model):
    """One line of a session's sign-in sheet. Name and e-mail are optional personal data."""

    session = models.ForeignKey(
        AwarenessSession, verbose_name=_("séance"), on_delete=models.CASCADE, related_name="participants"
    )
    line = models.PositiveSmallIntegerField(_("ligne de la feuille"), null=True, blank=True)
    last_name = models.CharField(_("nom"), max_length=100, blank=True)
    first_name = models.CharField(_("prénom"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    gender = models.CharField(_("genre"), max_length=10, choices=Gender.choices, blank=True)
    profile = models.CharField(_("profil"), max_length=30, choices=Profile.choices, blank=True)
    structure = models.ForeignKey(
        Structure,
        verbose_name=_("structure"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="participants",
    )
    structure_spelling = models.CharField(_("structure (orthographe saisie)"), max_length=200, blank=True)
    lives_in_qpv = models.BooleanField(_("habite le QPV"), null=True, blank=True)
    acts_in_qpv = models.BooleanField(_("agit dans le QPV"), null=True, blank=True)
    created_at = models.DateTimeField(_("saisi le"), auto_now_add=True)

    objects = ParticipantQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("participant·e")
        verbose_name_plural = _("participant·es")
        ordering = ["session", "line", "pk"]

    def __str__(self):
        return f"{self.session.reference} – {self.line or self.pk}"


class SessionParticipantSummary(models.Model):
    """Per session, its sign-in rows counted the way the bilan reads them (gender, profile, QPV flags), so that a
    bilan sums one row a session instead of converting every participant. Maintained on every write of
    participants by `sessions_app.summaries.refresh_participant_summaries`, in the writer's transaction; rebuilt
    by `manage.py rebuild_summaries`."""

    session = models.OneToOneField(
        AwarenessSession, primary_key=True, on_delete=models.CASCADE, related_name="participant_summary"
    )
    rows = models.PositiveIntegerField(default=0)
    with_gender = models.PositiveIntegerField(default=0)
    women = models.PositiveIntegerField(default=0)
    lives_known = models.PositiveIntegerField(default=0)
    lives = models.PositiveIntegerField(default=0)
    acts_known = models.PositiveIntegerField(default=0)
    acts = models.PositiveIntegerField(default=0)
    profile_habitant = models.PositiveIntegerField(default=0)
    profile_personne_concernee = models.PositiveIntegerField(default=0)
    profile_elu = models.PositiveIntegerField(default=0)
    profile_sante_psychiatrie = models.PositiveIntegerField(default=0)
    profile_social = models.PositiveIntegerField(default=0)
    profile_medico_social = models.PositiveIntegerField(default=0)
    profile_emploi_insertion = models.PositiveIntegerField(default=0)
    profile_jeunesse = models.PositiveIntegerField(default=0)
    profile_education = models.PositiveIntegerField(default=0)
    profile_habitat = models.PositiveIntegerField(default=0)
    profile_droits = models.PositiveIntegerField(default=0)
    profile_sport = models.PositiveIntegerField(default=0)
    profile_citoyennete = models.PositiveIntegerField(default=0)
    profile_culture = models.PositiveIntegerField(default=0)
    profile_collectivite = models.PositiveIntegerField(default=0)
    profile_autre = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("synthèse des participant·es d'une séance")
        verbose_name_plural = _("synthèses des participant·es par séance")

    def __str__(self):
        return f"{self.session_id}: {self.rows}"


class SessionStructure(models.Model):
    """The structures present at a session (one row per pair), so that a scope's number of distinct structures
    is counted without reading its participants. Maintained with SessionParticipantSummary."""

    session = models.ForeignKey(AwarenessSession, on_delete=models.CASCADE, related_name="+")
    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("structure présente à une séance")
        verbose_name_plural = _("structures présentes aux séances")
        constraints = [models.UniqueConstraint(fields=["session", "structure"], name="one_pair_per_session_structure")]

    def __str__(self):
        return f"{self.session_id} {self.structure_id}"


class DataVersion(models.Model):
    """Counters bumped (in the writer's transaction) by every write that changes a figure of the bilan, so that
    cached figures, charts and documents are kept per value and freshness is a read of a few short rows instead of
    whole-table aggregates. One row per season for the writes of what that season counts (its sheets: responses,
    needs, sign-in rows; its sessions, requests and follow-ups, before and after the write: typing or scheduling this
    season's sessions leaves last season's national bilan, its charts and PDF as they were), and the row of season ""
    for the writes that may touch any season (imports, bulk writes), which every scope reads."""

    season = models.CharField(_("saison"), max_length=9, unique=True, blank=True, default="")
    counter = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("version des données du bilan")
        verbose_name_plural = _("versions des données du bilan")

    def __str__(self):
        return f"{self.season or '*'} {self.counter}"
