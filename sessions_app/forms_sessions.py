from datetime import datetime, timedelta

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.db.models import Q
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from sessions_app.calendar import format_time
from sessions_app.models import AwarenessSession
from smdq.bounds import BoundedFieldsMixin
from territories.forms import AutocompleteSelect, AutocompleteSelectMultiple, QPVChoiceField
from territories.models import CLSM, QPV, Commune


def animator_choices():
    return User.objects.filter(role__in=[Role.NATIONAL_STAFF, Role.ADMINISTRATOR], is_active=True).order_by(
        "last_name", "first_name"
    )


def self_run_animator_choices(clsms):
    """Who may animate a territory's own session: national staff, or the local animators of its CLSM."""
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(role__in=[Role.NATIONAL_STAFF, Role.ADMINISTRATOR])
            | Q(role=Role.LOCAL_ANIMATOR, local_animator_clsms__in=clsms)
        )
        .distinct()
        .order_by("last_name", "first_name")
    )


def describe_session(session) -> str:
    """« 2024-001 du 12 mars 2024 de 14 h 00 à 17 h 00 (CLSM A de Lille) », for messages."""
    ends = (datetime.combine(session.date, session.start_time) + timedelta(minutes=session.duration_minutes)).time()
    return _("%(reference)s du %(date)s de %(start)s à %(end)s (%(clsm)s)") % {
        "reference": session.reference,
        "date": date_format(session.date, "j F Y"),
        "start": format_time(session.start_time),
        "end": format_time(ends),
        "clsm": session.clsm.name,
    }


# How far back a session still to come may be moved (a session held a few days earlier than planned is fine).
PAST_DAYS_FOR_A_COMING_SESSION = 31


def conflict_messages(session, animators, *, day, start, duration) -> list[str]:
    """One French sentence per animator already booked on an overlapping active session."""
    if not (animators and day and start and duration):
        return []
    conflicts = session.animator_conflicts(list(animators), day=day, start=start, duration=duration)
    result = []
    for person in sorted(conflicts, key=lambda p: (p.last_name, p.first_name, p.username)):
        others = {other.pk: other for other in conflicts[person]}.values()
        for other in sorted(others, key=lambda s: (s.start_time, s.reference)):
            result.append(
                _("%(person)s anime déjà la séance %(session)s, qui chevauche cet horaire.")
                % {"person": person, "session": describe_session(other)}
            )
    return result


class AwarenessSessionForm(BoundedFieldsMixin, forms.ModelForm):
    """Creating or changing a session. National staff edit every field; the CLSM's coordinator edits the
    practical details only (`COORDINATOR_FIELDS`): the CLSM, QPVs and animators are the centre's choice."""

    COORDINATOR_FIELDS = (
        "date",
        "start_time",
        "venue",
        "address",
        "commune",
        "expected_attendance",
        "actual_attendance",
        "notes",
    )

    clsm = forms.ModelChoiceField(
        label=gettext_lazy("CLSM"),
        queryset=CLSM.objects.order_by("name"),
        widget=forms.Select(attrs={"data-enhance": "select"}),
    )
    qpvs = QPVChoiceField(
        label=gettext_lazy("QPV"),
        queryset=QPV.objects.all(),
        widget=AutocompleteSelectMultiple(reverse_lazy("territories:qpv_search")),
        help_text=gettext_lazy(
            "Cherchez par code (QN…) ou par nom. Un QPV hors du périmètre du CLSM est accepté, avec un avertissement."
        ),
        error_messages={"required": gettext_lazy("Choisissez au moins un QPV.")},
    )
    commune = forms.ModelChoiceField(
        label=gettext_lazy("Commune"),
        queryset=Commune.objects.select_related("department"),
        required=False,
        # static/js/session-form.js fills it from the QPV chosen, while it is empty.
        widget=AutocompleteSelect(reverse_lazy("territories:commune_search"), attrs={"data-commune-from-qpv": ""}),
        help_text=gettext_lazy(
            "Remplie d'après le QPV choisi ; une autre commune est acceptée, avec un avertissement."
        ),
    )
    animators = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Animation (chargées de mission)"),
        queryset=animator_choices(),
        required=False,
        widget=forms.SelectMultiple(attrs={"data-enhance": "select"}),
    )
    coordinator = forms.ModelChoiceField(
        label=gettext_lazy("Coordinateur·rice co-organisateur·rice"),
        queryset=User.objects.filter(role=Role.COORDINATOR, is_active=True).order_by("last_name", "first_name"),
        required=False,
        widget=forms.Select(attrs={"data-enhance": "select"}),
        help_text=gettext_lazy("Une personne qui coordonne le CLSM choisi."),
    )

    class Meta:
        model = AwarenessSession
        fields = [
            "clsm",
            "qpvs",
            "date",
            "start_time",
            "duration_minutes",
            "venue",
            "address",
            "commune",
            "animators",
            "coordinator",
            "expected_attendance",
            "actual_attendance",
            "notes",
        ]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "duration_minutes": gettext_lazy("180 minutes (3 h) par défaut."),
            "actual_attendance": gettext_lazy("À renseigner après la séance."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not user.is_national_staff:
            # A territory's own session: its coordinator names its animators too.
            kept = (*self.COORDINATOR_FIELDS, "animators") if self.instance.is_self_run else self.COORDINATOR_FIELDS
            for name in list(self.fields):
                if name not in kept:
                    del self.fields[name]
        if "animators" in self.fields and self.instance.pk and self.instance.is_self_run:
            self.fields["animators"].queryset = self_run_animator_choices([self.instance.clsm_id])
            self.fields["animators"].label = _("Animation (centre national ou animateur·rices locaux·ales)")
        if "commune" in self.fields and self.instance.pk and not self.instance.commune_id and not self.is_bound:
            # The commune of the session's QPV, when they lie in one commune only.
            communes = list(self.instance.qpv_communes()[:2])
            if len(communes) == 1:
                self.initial["commune"] = communes[0].pk
        if "duration_minutes" in self.fields:
            self.fields["duration_minutes"].widget.attrs.update({"min": 15, "max": 600, "step": 15})
        self.helper = FormHelper()
        self.helper.attrs = {
            "data-session-form": "",  # static/js/session-form.js
            "data-commune-outside": _(
                "Cette commune n'est pas celle des QPV choisis ({communes}) : vérifiez-la. "
                "La séance peut être enregistrée."
            ),
        }
        self.helper.add_input(Submit("save", _("Enregistrer")))

    def clean_duration_minutes(self):
        duration = self.cleaned_data["duration_minutes"]
        if duration is not None and not 15 <= duration <= 600:
            raise forms.ValidationError(_("La durée doit être comprise entre 15 et 600 minutes."))
        return duration

    def clean(self):
        cleaned = super().clean()
        day = cleaned.get("date")
        today = timezone.localdate()
        moved_far_back = (
            day
            and self.instance.pk
            and self.instance.status in (AwarenessSession.Status.PLANNED, AwarenessSession.Status.CONFIRMED)
            and day != self.instance.date
            and day < today - timedelta(days=PAST_DAYS_FOR_A_COMING_SESSION)
        )
        if moved_far_back:
            # A session still to come moved more than a month back is a typo in the year (« 2024 » for « 2027 »),
            # which would be e-mailed to everyone and offer « Marquer comme réalisée ».
            self.add_error(
                "date",
                _(
                    "Le %(day)s est passé depuis plus d'un mois : une séance encore « %(status)s » ne peut pas y être "
                    "déplacée. Vérifiez l'année."
                )
                % {"day": date_format(day, "j F Y"), "status": self.instance.get_status_display()},
            )
        if day and day > today:
            if self.instance.status == AwarenessSession.Status.HELD:
                self.add_error("date", _("Une séance réalisée ne peut pas avoir une date à venir."))
            if cleaned.get("actual_attendance") is not None:
                self.add_error(
                    "actual_attendance", _("Le nombre de participants présents se renseigne après la séance.")
                )

        clsm, coordinator = cleaned.get("clsm"), cleaned.get("coordinator")
        if coordinator and clsm and not clsm.coordinators.filter(pk=coordinator.pk).exists():
            self.add_error(
                "coordinator",
                _("%(person)s ne coordonne pas le CLSM « %(clsm)s ».") % {"person": coordinator, "clsm": clsm},
            )

        self._check_animators(cleaned)
        return cleaned

    def _check_animators(self, cleaned):
        """An animator cannot be on two overlapping sessions (cancelled or postponed ones free them)."""
        if self.instance.status in (AwarenessSession.Status.CANCELLED, AwarenessSession.Status.POSTPONED):
            return
        if "animators" in self.fields:
            animators, target = cleaned.get("animators"), "animators"
        else:
            animators, target = (self.instance.animators.all() if self.instance.pk else []), None
        errors = conflict_messages(
            self.instance,
            animators,
            day=cleaned.get("date"),
            start=cleaned.get("start_time"),
            duration=cleaned.get("duration_minutes", self.instance.duration_minutes),
        )
        for message in errors:
            self.add_error(target, message)


class SelfRunSessionForm(BoundedFieldsMixin, forms.ModelForm):
    """A session the territory animates itself, created by its coordinator without a request: for QPV of the CLSM's
    perimeter, animated by national staff or the CLSM's local animators."""

    clsm = forms.ModelChoiceField(label=gettext_lazy("CLSM"), queryset=CLSM.objects.none())
    qpvs = forms.ModelMultipleChoiceField(
        label=gettext_lazy("QPV"),
        queryset=QPV.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choisissez au moins un QPV.")},
        help_text=gettext_lazy("Les QPV du périmètre du CLSM."),
    )
    animators = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Animation"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Les animateur·rices locaux·ales du CLSM (invitez-les depuis « Animateur·rices locaux·ales »), "
            "ou une chargée de mission du centre national."
        ),
    )

    class Meta:
        model = AwarenessSession
        fields = [
            "clsm",
            "qpvs",
            "date",
            "start_time",
            "duration_minutes",
            "venue",
            "address",
            "animators",
            "expected_attendance",
            "notes",
        ]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        clsms = CLSM.objects.all() if user.is_national_staff else user.clsms.all()
        self.fields["clsm"].queryset = clsms.order_by("name")
        self.fields["qpvs"].queryset = QPV.objects.filter(clsms__in=clsms).distinct().order_by("code")
        self.fields["animators"].queryset = self_run_animator_choices(clsms)
        if clsms.count() == 1 and not self.is_bound:
            self.initial["clsm"] = clsms.first().pk
        self.fields["duration_minutes"].widget.attrs.update({"min": 15, "max": 600, "step": 15})
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Créer la séance")))

    def clean(self):
        cleaned = super().clean()
        clsm = cleaned.get("clsm")
        if clsm is None:
            return cleaned
        outside = [qpv for qpv in cleaned.get("qpvs") or [] if not clsm.qpvs.filter(pk=qpv.pk).exists()]
        if outside:
            self.add_error(
                "qpvs",
                _("Hors du périmètre du CLSM « %(clsm)s » : %(qpvs)s.")
                % {"clsm": clsm, "qpvs": ", ".join(qpv.code for qpv in outside)},
            )
        allowed = self_run_animator_choices([clsm.pk])
        others = [person for person in cleaned.get("animators") or [] if not allowed.filter(pk=person.pk).exists()]
        if others:
            self.add_error(
                "animators",
                _("%(people)s n'anime pas pour le CLSM « %(clsm)s ».")
                % {"people": ", ".join(str(person) for person in others), "clsm": clsm},
            )
        for message in conflict_messages(
            self.instance,
            cleaned.get("animators") or [],
            day=cleaned.get("date"),
            start=cleaned.get("start_time"),
            duration=cleaned.get("duration_minutes") or 180,
        ):
            self.add_error("animators", message)
        return cleaned

    def create(self) -> AwarenessSession:
        data = dict(self.cleaned_data)
        qpvs, animators = data.pop("qpvs"), data.pop("animators")
        communes = list(Commune.objects.filter(qpvs__in=qpvs).distinct()[:2])
        if len(communes) == 1:
            data["commune"] = communes[0]  # the commune of the QPV, when they lie in one commune only
        return AwarenessSession.create_self_run(self.user, qpvs=qpvs, animators=animators, **data)


class ValidationForm(forms.Form):
    """The national centre's review of a self-run session, and the territory sending it again."""

    action = forms.ChoiceField(
        choices=[
            ("validate", gettext_lazy("Valider")),
            ("send_back", gettext_lazy("Renvoyer au territoire")),
            ("resubmit", gettext_lazy("Renvoyer pour validation")),
        ]
    )
    reason = forms.CharField(label=gettext_lazy("Motif du renvoi"), required=False, max_length=2000)


class TransitionForm(BoundedFieldsMixin, forms.Form):
    """The status buttons of the session page; the model methods decide what makes sense."""

    ACTIONS = {
        "confirm": AwarenessSession.Status.CONFIRMED,
        "held": AwarenessSession.Status.HELD,
        "cancel": AwarenessSession.Status.CANCELLED,
        "postpone": AwarenessSession.Status.POSTPONED,
        "replan": AwarenessSession.Status.PLANNED,
    }

    action = forms.ChoiceField(
        label=gettext_lazy("Action"),
        choices=[
            ("confirm", gettext_lazy("Confirmer")),
            ("held", gettext_lazy("Marquer comme réalisée")),
            ("cancel", gettext_lazy("Annuler")),
            ("postpone", gettext_lazy("Reporter")),
            ("replan", gettext_lazy("Replanifier")),
        ],
    )
    reason = forms.CharField(label=gettext_lazy("Motif"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    actual_attendance = forms.IntegerField(label=gettext_lazy("Participants présents"), required=False, min_value=0)
    new_date = forms.DateField(
        label=gettext_lazy("Nouvelle date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    new_time = forms.TimeField(
        label=gettext_lazy("Heure de début"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == "replan" and not cleaned.get("new_date"):
            self.add_error("new_date", _("Indiquez la nouvelle date de la séance."))
        return cleaned
