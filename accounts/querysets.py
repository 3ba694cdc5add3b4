"""One access rule for everything that belongs to a CLSM (the CLSM itself, its requests, sessions, participants,
follow-ups…): the national centre sees and edits all of it; a coordinator what belongs to their own CLSM; the
funder reads only what is an aggregate anyway (CLSM and sessions, never a request's message or a person); anyone
else, nothing. A model's QuerySet says where its CLSM is (`clsm_path`) and whether the funder reads it."""

from django.db import models


class CLSMScopedQuerySet(models.QuerySet):
    clsm_path = "clsm"  # lookup from a row to its CLSM; "" for the CLSM itself
    funder_reads = False
    # Lookup from a row to its session ("" for the session itself), for the rows a local animator works on: those
    # of the sessions they animate. None: a local animator sees none of them.
    session_path = None

    def _of_local_animator(self, user):
        if self.session_path is None:
            return self.none()
        prefix = f"{self.session_path}__" if self.session_path else ""
        clsm = f"{self.clsm_path}__" if self.clsm_path else ""
        # Named on the session, and still one of its CLSM's local animators: someone who left the team (taken off
        # the CLSM by its coordinator) no longer sees its sessions.
        return self.filter(**{f"{prefix}animators": user, f"{clsm}local_animators": user})

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
        if user.is_local_animator:
            return self._of_local_animator(user)
        return self.none()

    def editable_by(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_national_staff:
            return self
        if user.is_coordinator:
            return self._of_coordinator(user)
        if user.is_local_animator:
            return self._of_local_animator(user)
        return self.none()
