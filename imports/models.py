from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

ABANDONED_AFTER = timedelta(hours=24)


class PendingImportQuerySet(models.QuerySet):
    def abandoned(self, now=None):
        """Files uploaded and checked but never confirmed, for more than a day: a copy of personal data
        nobody will use (`imports.tasks.clean_pending_imports` erases them every night)."""
        limit = (now or timezone.now()) - ABANDONED_AFTER
        return self.filter(applied_at__isnull=True, created_at__lt=limit)


class PendingImport(models.Model):
    """An uploaded file between its preview and the user's confirmation (kept so it is not sent twice). The worker
    checks it (`imports.processing.check`), then applies it once confirmed (`imports.processing.apply`)."""

    class State(models.TextChoices):
        CHECKING = "verification", _("vérification en cours")
        VALID = "valide", _("fichier valide, à confirmer")
        INVALID = "refuse", _("fichier refusé")
        APPLYING = "import", _("import en cours")
        APPLIED = "importe", _("importé")
        FAILED = "echec", _("échec")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pending_imports")
    kind = models.CharField(_("type"), max_length=30)
    filename = models.CharField(_("fichier"), max_length=255)
    content = models.BinaryField(_("contenu"))
    created_at = models.DateTimeField(_("déposé le"), auto_now_add=True)
    applied_at = models.DateTimeField(_("importé le"), null=True, blank=True)
    summary = models.TextField(_("résultat"), blank=True)
    state = models.CharField(_("état"), max_length=20, choices=State.choices, default=State.CHECKING)
    progress = models.PositiveSmallIntegerField(_("avancement (%)"), default=0)
    # What the check found: summary, headers and first rows (preview), or the errors, or the file's error.
    report = models.JSONField(_("vérification"), default=dict, blank=True)

    objects = PendingImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("import de fichier")
        verbose_name_plural = _("imports de fichiers")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.kind} – {self.filename}"

    @property
    def in_progress(self) -> bool:
        return self.state in (self.State.CHECKING, self.State.APPLYING)
