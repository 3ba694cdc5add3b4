import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Role
from accounts.querysets import CLSMScopedQuerySet

QPV_2024_CODE = re.compile(r"^QN(?:\d{3}|02[AB])\d{2}[A-Z]$")
QPV_2015_CODE = re.compile(r"^QP(?:\d{3}|02[AB])\d{3}$")


def department_code_from_qpv_code(code: str) -> str:
    """`QN07501M` → `75`, `QN02A01M` → `2A`, `QN97651C` → `976`: the code carries its département."""
    raw = code[2:5]
    return raw[1:] if raw.startswith("0") else raw


class Region(models.Model):
    code = models.CharField(_("code INSEE"), max_length=3, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)

    class Meta:
        verbose_name = _("région")
        verbose_name_plural = _("régions")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Department(models.Model):
    """A département, or an overseas collectivity (Polynésie française…) which belongs to no région."""

    code = models.CharField(_("code INSEE"), max_length=3, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)
    region = models.ForeignKey(
        Region,
        verbose_name=_("région"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="departments",
    )

    class Meta:
        verbose_name = _("département")
        verbose_name_plural = _("départements")
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"


class CommuneQuerySet(models.QuerySet):
    def search(self, text: str):
        """Communes whose INSEE code starts with `text` or whose name contains it, best match first: the exact
        name (« Lille »), then the names that start with it (« Lille… »), then the others (« Hellemmes-Lille »),
        alphabetically within each."""
        text = (text or "").strip()
        if not text:
            return self.order_by("name", "code")
        rank = models.Case(
            models.When(Q(name__iexact=text) | Q(code=text), then=0),
            models.When(name__istartswith=text, then=1),
            default=2,
            output_field=models.IntegerField(),
        )
        return (
            self.filter(Q(code__startswith=text) | Q(name__icontains=text))
            .annotate(search_rank=rank)
            .order_by("search_rank", "name", "code")
        )


class Commune(models.Model):
    class Kind(models.TextChoices):
        COMMUNE = "COM", _("commune")
        DELEGATED = "COMD", _("commune déléguée")
        ASSOCIATED = "COMA", _("commune associée")
        DISTRICT = "ARM", _("arrondissement municipal")

    code = models.CharField(_("code INSEE"), max_length=5, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)
    kind = models.CharField(_("type"), max_length=4, choices=Kind.choices, default=Kind.COMMUNE)
    department = models.ForeignKey(
        Department, verbose_name=_("département"), on_delete=models.PROTECT, related_name="communes"
    )

    objects = CommuneQuerySet.as_manager()

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.code})"


class QPVQuerySet(models.QuerySet):
    def search(self, text: str):
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(
            Q(code__istartswith=text) | Q(name__icontains=text) | Q(communes__name__icontains=text)
        ).distinct()


class QPV(models.Model):
    """A quartier prioritaire de la politique de la ville, from the official list (never typed by hand)."""

    code = models.CharField(_("code"), max_length=8, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    list_year = models.PositiveSmallIntegerField(_("liste"), choices=[(2015, "2015"), (2024, "2024")])
    department = models.ForeignKey(
        Department, verbose_name=_("département"), on_delete=models.PROTECT, related_name="qpvs"
    )
    communes = models.ManyToManyField(Commune, verbose_name=_("communes"), related_name="qpvs")
    # A representative point of the perimeter, for distances and map markers without loading polygons.
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)

    objects = QPVQuerySet.as_manager()

    class Meta:
        verbose_name = _("QPV")
        verbose_name_plural = _("QPV")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} – {self.name}"

    @property
    def region_id(self):
        return self.department.region_id


class QPVPerimeter(models.Model):
    """The polygons of a QPV, apart from the QPV row so that lists never load them by accident."""

    qpv = models.OneToOneField(QPV, on_delete=models.CASCADE, primary_key=True, related_name="perimeter")
    # GeoJSON geometry (Polygon or MultiPolygon, WGS84 lon/lat).
    geometry = models.JSONField(_("géométrie"))

    class Meta:
        verbose_name = _("périmètre de QPV")
        verbose_name_plural = _("périmètres de QPV")

    def __str__(self):
        return str(self.qpv_id)


class ReferenceDataset(models.Model):
    """Which version of a shipped reference file is in the database, so reloading it is skipped."""

    name = models.CharField(max_length=50, unique=True)
    fingerprint = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("jeu de référence chargé")
        verbose_name_plural = _("jeux de référence chargés")

    def __str__(self):
        return self.name


class CLSMQuerySet(CLSMScopedQuerySet):
    clsm_path = ""
    funder_reads = True

    def editable_by(self, user):
        """CLSM are created and changed by the national centre only."""
        if user.is_authenticated and user.is_national_staff:
            return self
        return self.none()

    def in_region(self, region_code):
        return self.filter(
            Q(qpvs__department__region_id=region_code) | Q(communes__department__region_id=region_code)
        ).distinct()

    def in_department(self, department_code):
        return self.filter(
            Q(qpvs__department_id=department_code) | Q(communes__department_id=department_code)
        ).distinct()

    def search(self, text: str):
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(
            Q(name__icontains=text)
            | Q(communes__name__icontains=text)
            | Q(qpvs__code__iexact=text)
            | Q(qpvs__name__icontains=text)
        ).distinct()


class CLSM(models.Model):
    """A conseil local de santé mentale: the local partner that co-organises sessions."""

    class Status(models.TextChoices):
        ACTIVE = "actif", _("actif")
        PLANNED = "en_projet", _("en projet")

    name = models.CharField(
        _("nom"), max_length=200, unique=True, error_messages={"unique": _("Un CLSM porte déjà ce nom.")}
    )
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    communes = models.ManyToManyField(Commune, verbose_name=_("communes"), related_name="clsms", blank=True)
    qpvs = models.ManyToManyField(QPV, verbose_name=_("QPV"), related_name="clsms", blank=True)
    contact_email = models.EmailField(_("e-mail de contact"), blank=True)
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("coordinateur·rices"),
        related_name="clsms",
        blank=True,
        limit_choices_to={"role": "coordinateur"},
    )
    # The territory's own animators (sessions it runs itself with the kit), invited by its coordinators.
    local_animators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("animateur·rices locaux·ales"),
        related_name="local_animator_clsms",
        blank=True,
        limit_choices_to={"role": "animateur_local"},
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = CLSMQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("CLSM")
        verbose_name_plural = _("CLSM")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="clsm_name_unique_ignoring_case",
                violation_error_message=_("Un CLSM porte déjà ce nom."),
            )
        ]

    def __str__(self):
        return self.name

    def people_visible_to(self, user):
        """The coordinators' names are personal data: the national centre and the CLSM's own team see them."""
        coordinators = self.coordinators.order_by("last_name", "first_name")
        if user.is_national_staff or coordinators.filter(pk=user.pk).exists():
            return coordinators
        return coordinators.none()

    def local_animators_visible_to(self, user):
        """Local animators' names: personal data for the national centre and the CLSM's coordinators."""
        people = self.local_animators.order_by("last_name", "first_name")
        if user.is_national_staff or self.coordinators.filter(pk=user.pk).exists():
            return people
        return people.none()

    def fill_communes_from_qpvs(self):
        """A CLSM declared with QPVs only covers the communes of those QPVs."""
        self.communes.set(Commune.objects.filter(qpvs__in=self.qpvs.all()).distinct())


# Onboarding: invitations of coordinators, contact requests of CLSM not yet known ----------------------------

INVITATION_DAYS = 7
INVITATION_SALT = "smdq.territories.invitation"


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


class InvitationQuerySet(models.QuerySet):
    def open(self):
        """Neither accepted nor revoked (possibly expired: it can be sent again)."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)

    def pending(self, now=None):
        """Open and still valid: the invitee can choose their password."""
        now = now or timezone.now()
        return self.open().filter(sent_at__gt=now - timedelta(days=INVITATION_DAYS))

    def manageable_by(self, user):
        """The open invitations `user` may send again or revoke: every one for the national centre; for a
        coordinator, the local animators' invitations that concern only CLSM they coordinate (revoking one that
        also names another CLSM would act on a team that is not theirs)."""
        if user.is_national_staff:
            return self.open()
        if user.role != Role.COORDINATOR:
            return self.none()
        mine = user.clsms.values("pk")
        return (
            self.open()
            .filter(role=Role.LOCAL_ANIMATOR, clsms__in=mine)
            .exclude(clsms__in=CLSM.objects.exclude(pk__in=mine))
            .distinct()
        )


class Invitation(models.Model):
    """The national centre invites a coordinator for one or more CLSM: a link valid INVITATION_DAYS days to choose
    a password, usable once. Sending it again replaces the link (`nonce`): the older one stops working.

    Here and not in accounts: it knows the CLSM (this floor) and the user accounts (the floor below)."""

    email = models.EmailField(_("e-mail"))
    first_name = models.CharField(_("prénom"), max_length=150)
    last_name = models.CharField(_("nom"), max_length=150)
    # Coordinators are invited by the national centre; local animators by their CLSM's coordinator.
    role = models.CharField(
        _("rôle"),
        max_length=20,
        choices=[(Role.COORDINATOR, Role.COORDINATOR.label), (Role.LOCAL_ANIMATOR, Role.LOCAL_ANIMATOR.label)],
        default=Role.COORDINATOR,
    )
    clsms = models.ManyToManyField(CLSM, verbose_name=_("CLSM"), related_name="invitations")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("invité·e par"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    nonce = models.CharField(max_length=40, default=new_nonce, editable=False)
    sent_at = models.DateTimeField(_("envoyée le"), default=timezone.now)
    sent_count = models.PositiveSmallIntegerField(_("envois"), default=1)
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("révoquée le"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compte créé"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitations",
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-sent_at"]

    def __str__(self):
        return f"{self.first_name} {self.last_name} <{self.email}>"

    @property
    def expires_at(self):
        return self.sent_at + timedelta(days=INVITATION_DAYS)

    @property
    def state(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"

    @property
    def token(self) -> str:
        """Signed, so that a token cannot be forged from an invitation's number; the nonce makes it one per sending."""
        return signing.dumps([self.pk, self.nonce], salt=INVITATION_SALT)

    @classmethod
    def from_token(cls, token: str) -> "Invitation | None":
        try:
            pk, nonce = signing.loads(token, salt=INVITATION_SALT)
        except (signing.BadSignature, ValueError, TypeError):
            return None
        return cls.objects.filter(pk=pk, nonce=nonce).prefetch_related("clsms").first()

    def renew(self):
        """A new link, valid INVITATION_DAYS days from now; the previous one no longer works."""
        self.nonce = new_nonce()
        self.sent_at = timezone.now()
        self.sent_count += 1
        self.save(update_fields=["nonce", "sent_at", "sent_count"])

    def revoke(self):
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])


class ContactRequestQuerySet(models.QuerySet):
    def waiting(self):
        return self.filter(status=ContactRequest.Status.NEW)


class ContactRequest(models.Model):
    """A CLSM not yet known asks to organise a session (public page, no account); the national centre accepts it
    (the CLSM is created, in project, and its contact invited) or files it."""

    class Status(models.TextChoices):
        NEW = "nouvelle", _("à traiter")
        ACCEPTED = "acceptee", _("acceptée")
        FILED = "classee", _("classée")

    clsm_name = models.CharField(_("nom du CLSM"), max_length=200)
    communes = models.CharField(_("communes"), max_length=500)
    first_name = models.CharField(_("prénom"), max_length=150)
    last_name = models.CharField(_("nom"), max_length=150)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    message = models.TextField(_("message"), max_length=3000, blank=True)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.NEW, db_index=True)
    # A keyed hash of the sender's IP address, for the rate limit (the address itself is not kept).
    client_key = models.CharField(max_length=64, db_index=True, editable=False)
    created_at = models.DateTimeField(_("reçue le"), default=timezone.now, db_index=True)
    handled_at = models.DateTimeField(_("traitée le"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    clsm = models.ForeignKey(
        CLSM, verbose_name=_("CLSM créé"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ContactRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("demande de contact")
        verbose_name_plural = _("demandes de contact")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.clsm_name} ({self.email})"
