import secrets

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The user name of an account whose person was erased (accounts/retention.py), followed by its id.
DELETED_USERNAME_PREFIX = "compte-supprime-"


class Role(models.TextChoices):
    COORDINATOR = "coordinateur", _("Coordinateur·rice CLSM")
    NATIONAL_STAFF = "chargee_mission", _("Chargée de mission (centre national)")
    FUNDER = "financeur", _("Financeur (ANCT, DGS)")
    ADMINISTRATOR = "administrateur", _("Administrateur·rice")
    # A professional of a CLSM's territory, trained with the kit, who animates the sessions the territory runs
    # itself: invited by the CLSM's coordinator, works on the sessions they animate and nothing else.
    LOCAL_ANIMATOR = "animateur_local", _("Animateur·rice local·e")


class UserManager(BaseUserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields["role"] = Role.ADMINISTRATOR
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person who logs in. What they may see follows from `role` (and, for coordinators, their CLSM).

    The role is the single source of truth: `createsuperuser` makes administrators, and the administrator
    role is what opens Django's admin (is_staff and is_superuser follow it on save)."""

    REQUIRED_FIELDS = ["email"]
    objects = UserManager()

    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices, default=Role.COORDINATOR)
    organisation = models.CharField(_("organisme"), max_length=200, blank=True)
    # Secret part of the personal iCal feed URL; replacing it revokes the old URL.
    calendar_token = models.CharField(_("jeton du calendrier"), max_length=64, default="", blank=True, editable=False)
    # Optional reminders, each person's choice (« Mon profil »); what changes a session is always sent.
    notify_practical_kit = models.BooleanField(
        _("kit pratique une semaine avant chaque séance"),
        default=True,
        help_text=_("Affiche avec QR code, feuille d'émargement, questionnaire à imprimer, adresse et horaire."),
    )
    notify_sheets_to_type = models.BooleanField(
        _("feuilles à saisir le lendemain d'une séance"),
        default=True,
        help_text=_("Le nombre de questionnaires papier qui restent à saisir pour les séances que vous animez."),
    )
    # When the account was deactivated: 12 months later its personal data goes (accounts/retention.py).
    deactivated_at = models.DateTimeField(_("désactivé le"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("utilisateur·rice")
        verbose_name_plural = _("utilisateur·rices")
        ordering = ["last_name", "first_name", "username"]

    def __str__(self):
        if self.username.startswith(DELETED_USERNAME_PREFIX):
            return _("Compte supprimé n° %(pk)s") % {"pk": self.pk}
        return self.get_full_name() or self.username

    def save(self, *args, **kwargs):
        # The administrator role is what gives access to Django's admin: keep the two in step.
        if self.role == Role.ADMINISTRATOR:
            self.is_staff = self.is_superuser = True
        else:
            self.is_staff = self.is_superuser = False
        # The clock of the retention of deactivated accounts starts when the account is deactivated.
        deactivated_at = None if self.is_active else (self.deactivated_at or timezone.now())
        if deactivated_at != self.deactivated_at:
            self.deactivated_at = deactivated_at
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "deactivated_at"}
        super().save(*args, **kwargs)

    def rotate_calendar_token(self) -> str:
        self.calendar_token = new_calendar_token()
        self.save(update_fields=["calendar_token"])
        return self.calendar_token

    @property
    def is_coordinator(self) -> bool:
        return self.role == Role.COORDINATOR

    @property
    def is_local_animator(self) -> bool:
        return self.role == Role.LOCAL_ANIMATOR

    @property
    def is_funder(self) -> bool:
        return self.role == Role.FUNDER

    @property
    def is_national_staff(self) -> bool:
        """The national centre: chargées de mission, and administrators who can do what they do."""
        return self.role in (Role.NATIONAL_STAFF, Role.ADMINISTRATOR)

    @property
    def is_administrator(self) -> bool:
        return self.role == Role.ADMINISTRATOR

    @property
    def sees_personal_data(self) -> bool:
        """Names and e-mails of people are shown to the national centre only (and, per object, a coordinator)."""
        return self.is_national_staff


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class PasswordResetRequest(models.Model):
    """One « mot de passe oublié » asked, kept an hour to limit them (accounts.views.ThrottledPasswordResetView):
    who asked and for which address, each as a keyed hash (never the IP address nor the e-mail itself). Counted in
    the database, like every limit of the application, so that they hold across web servers and restarts."""

    client = models.CharField(max_length=64, db_index=True)
    email = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("demande de réinitialisation")
        verbose_name_plural = _("demandes de réinitialisation")

    def __str__(self):
        return f"Demande du {self.created_at:%d/%m/%Y %H:%M}"
