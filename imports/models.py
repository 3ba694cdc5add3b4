from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PendingImportQuerySet(models.QuerySet):
    def expired(self, now=None):
        """Files whose preview was abandoned more than PENDING_IMPORT_HOURS ago."""
        return self.filter(applied_at__isnull=True, created_at__lt=expiry_limit(now))


def expiry_limit(now=None):
    return (now or timezone.now()) - timedelta(hours=settings.PENDING_IMPORT_HOURS)


class PendingImport(models.Model):
    """An uploaded file that passed its checks, kept only while its preview waits for the user's confirmation
    (questionnaire files carry free text): a refused file is never stored, a confirmed one has its content
    emptied once applied (the row stays: who imported which file, when, with what result), an abandoned one is
    deleted after PENDING_IMPORT_HOURS by `purge_expired_pending_imports`."""

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


def purge_expired_pending_imports(now=None) -> int:
    """Deletes the uploaded files whose preview was abandoned (never confirmed) more than PENDING_IMPORT_HOURS
    ago; returns how many. Run hourly by `manage.py purge_pending_imports`, and on every upload."""
    deleted, _by_model = PendingImport.objects.expired(now).delete()
    return deleted
