"""What the worker did: one row per task, kept up to date by Huey's signals (programme/task_runs.py), shown to the
national centre on the « Tâches » page. The top floor owns it because it records the tasks of every app."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TaskRunQuerySet(models.QuerySet):
    def failures_first(self):
        # Failed first, then waiting for a new try, then the rest; most recent first within each.
        rank = models.Case(
            models.When(state=TaskRun.State.FAILED, then=0),
            models.When(state=TaskRun.State.RETRYING, then=1),
            default=2,
        )
        return self.annotate(rank=rank).order_by("rank", "-enqueued_at")

    def finished_before(self, moment):
        return self.filter(state__in=(TaskRun.State.DONE, TaskRun.State.FAILED), enqueued_at__lt=moment)


class TaskRun(models.Model):
    class State(models.TextChoices):
        QUEUED = "en_attente", _("en attente")
        RUNNING = "en_cours", _("en cours")
        RETRYING = "nouvel_essai", _("nouvel essai prévu")
        DONE = "terminee", _("terminée")
        FAILED = "echouee", _("échouée")

    # Huey's id stays the same across the retries of one task: one row per task, not per try.
    task_id = models.CharField(_("identifiant"), max_length=64, unique=True)
    name = models.CharField(_("tâche"), max_length=200, db_index=True)
    description = models.CharField(_("objet"), max_length=300, blank=True)
    state = models.CharField(_("état"), max_length=20, choices=State.choices, default=State.QUEUED, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("essais"), default=0)
    retries_left = models.PositiveSmallIntegerField(_("essais restants"), default=0)
    enqueued_at = models.DateTimeField(_("mise en file"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("début"), null=True, blank=True)
    finished_at = models.DateTimeField(_("fin"), null=True, blank=True)
    error = models.TextField(_("erreur"), blank=True)

    objects = TaskRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("exécution de tâche")
        verbose_name_plural = _("exécutions de tâches")
        ordering = ["-enqueued_at"]

    def __str__(self):
        return f"{self.name} ({self.get_state_display()})"

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None
