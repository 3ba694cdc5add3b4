"""One access rule for everything that belongs to a CLSM (the CLSM itself, its requests, sessions, participants,
follow-ups…): the national centre sees and edits all of it; a coordinator what belongs to their own CLSM; the
funder reads only what is an aggregate anyway (CLSM and sessions, never a request's message or a person); anyone
else, nothing. A model's QuerySet says where its CLSM is (`clsm_path`) and whether the funder reads it."""

from django.db import models


class CLSMScopedQuerySet(models.QuerySet):
    clsm_path = "clsm"  # lookup from a row to its CLSM; "" for the CLSM itself
    funder_reads = False

    def _of_coordinator(self, user):
        prefix = f"{self.clsm_path}__" if self.clsm_path else ""
        return self.filter(**{f"{prefix}coordinators": user})

    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_national_staff or (self.funder_reads and user.is_funder):
            return self
        if user.is_coordinator:
            return self._of_coordinator(user)
        return self.none()

    def editable_by(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_national_staff:
            return self
        if user.is_coordinator:
            return self._of_coordinator(user)
        return self.none()
