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
    """An uploaded file between its preview and the user's confirmation (kept so it is not sent twice)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pending_imports")
    kind = models.CharField(_("type"), max_length=30)
    filename = models.CharField(_("fichier"), max_length=255)
    content = models.BinaryField(_("contenu"))
    created_at = models.DateTimeField(_("déposé le"), auto_now_add=True)
    applied_at = models.DateTimeField(_("importé le"), null=True, blank=True)
    summary = models.TextField(_("résultat"), blank=True)

    objects = PendingImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("import de fichier")
        verbose_name_plural = _("imports de fichiers")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.kind} – {self.filename}"
