from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PendingImportQuerySet(models.QuerySet):
    def expired(self, now=None):
        """Files whose preview was abandoned more than PENDING_IMPORT_HOURS ago (and the reports of refused ones).
        One being written by the worker is left to finish: its task ends it either way (imported or refused)."""
        return self.filter(applied_at__isnull=True, created_at__lt=expiry_limit(now)).exclude(
            state=PendingImport.State.APPLYING
        )


def expiry_limit(now=None):
    return (now or timezone.now()) - timedelta(hours=settings.PENDING_IMPORT_HOURS)


class PendingImport(models.Model):
    """An uploaded file that passed its checks, kept only while its preview waits for the user's confirmation
    (questionnaire files carry free text): a refused file is never stored, a confirmed one has its content
    emptied once applied (the row stays: who imported which file, when, with what result), an abandoned one is
    deleted after PENDING_IMPORT_HOURS by `purge_expired_pending_imports`.

    A large file (more than IMPORT_BACKGROUND_ROWS data lines) passes only its bounded structural checks in the
    request (size, archive, dimensions, headers); its rows are checked, then applied, by the worker
    (`imports.background`), which writes its progress here for the page that waits. A file the worker refuses
    has its content emptied at once; its report (the errors, naming their lines) stays until it expires."""

    class State(models.TextChoices):
        CHECKING = "verification", _("vérification en cours")
        READY = "a_confirmer", _("à confirmer")
        APPLYING = "import_en_cours", _("import en cours")
        APPLIED = "importe", _("importé")
        REFUSED = "refuse", _("refusé")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pending_imports")
    kind = models.CharField(_("type"), max_length=30)
    filename = models.CharField(_("fichier"), max_length=255)
    content = models.BinaryField(_("contenu"))
    created_at = models.DateTimeField(_("déposé le"), auto_now_add=True)
    applied_at = models.DateTimeField(_("importé le"), null=True, blank=True)
    summary = models.TextField(_("résultat"), blank=True)
    state = models.CharField(_("état"), max_length=20, choices=State.choices, default=State.READY)
    background = models.BooleanField(_("traité par le worker"), default=False)
    rows_total = models.PositiveIntegerField(_("lignes"), default=0)
    rows_done = models.PositiveIntegerField(_("lignes traitées"), default=0)
    # What the page shows once the worker is done: {"errors": [...], "preview": [[line, [cells]], ...],
    # "headers": [...], "ignored": [...], "warnings": [...], "error": "..."}; the preview goes once applied.
    report = models.JSONField(_("rapport"), default=dict, blank=True)

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

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.rows_done / self.rows_total)) if self.rows_total else 0


def purge_expired_pending_imports(now=None) -> int:
    """Deletes the uploaded files whose preview was abandoned (never confirmed) more than PENDING_IMPORT_HOURS
    ago; returns how many. Run hourly by `manage.py purge_pending_imports`, and on every upload."""
    deleted, _by_model = PendingImport.objects.expired(now).delete()
    return deleted
