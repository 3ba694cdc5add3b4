"""The forms of the requests (« sollicitations »): filing one with its wished periods, accepting it (which
creates the session), declining or withdrawing it."""

from datetime import time

from django import forms
from django.forms.models import BaseInlineFormSet, inlineformset_factory
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from sessions_app.models import AwarenessSession, SessionRequest, SessionRequestPeriod
from smdq.bounds import BoundedFieldsMixin
from territories.forms import AutocompleteSelect
from territories.models import CLSM, QPV, Commune

MAX_PERIODS = 10
DATE_WIDGET = {"type": "date"}


def format_period(start, end) -> str:
    """« du 1 mars 2025 au 31 mars 2025 »."""
    return _("du %(start)s au %(end)s") % {"start": date_format(start, "j F Y"), "end": date_format(end, "j F Y")}


# Filing a request ------------------------------------------------------------------------------------


class SessionRequestForm(BoundedFieldsMixin, forms.ModelForm):
    """The CLSM is one of the user's (any CLSM for the national centre); the QPVs are those of that CLSM's
    perimeter only. Only the chosen CLSM's QPVs are offered, and the server checks it again."""

    clsm = forms.ModelChoiceField(
        label=gettext_lazy("CLSM"),
        queryset=CLSM.objects.none(),
        empty_label=gettext_lazy("Choisissez le CLSM"),
        error_messages={
            "required": gettext_lazy("Choisissez le CLSM qui sollicite la séance."),
            "invalid_choice": gettext_lazy("Choisissez un CLSM de la liste."),
        },
    )
    qpvs = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Quartiers prioritaires (QPV) concernés"),
        queryset=QPV.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": gettext_lazy("Choisissez au moins un quartier prioritaire (QPV) du périmètre du CLSM."),
            "invalid_choice": gettext_lazy("Ce QPV n'existe pas dans la liste officielle."),
            "invalid_pk_value": gettext_lazy("Ce QPV n'existe pas dans la liste officielle."),
        },
    )
    expected_audience = forms.CharField(
        label=gettext_lazy("Public attendu"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Par exemple : habitant·es, professionnel·les du social et de la jeunesse, élu·es."),
        error_messages={"required": gettext_lazy("Décrivez le public attendu.")},
    )
    expected_size = forms.IntegerField(
        label=gettext_lazy("Nombre de participants attendus"),
        min_value=1,
        max_value=500,
        help_text=gettext_lazy("Une séance réunit en général 10 à 25 personnes."),
        error_messages={
            "required": gettext_lazy("Indiquez le nombre de participants attendus."),
            "min_value": gettext_lazy("Indiquez au moins 1 participant."),
            "max_value": gettext_lazy("Au-delà de 500 participants, contactez directement le centre national."),
        },
    )

    class Meta:
        model = SessionRequest
        fields = ["clsm", "qpvs", "expected_audience", "expected_size", "partners", "message"]
        widgets = {
            "partners": forms.Textarea(attrs={"rows": 2}),
            "message": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "partners": gettext_lazy("Structures qui co-organisent ou relaient la séance (centre social, CCAS…)."),
            "message": gettext_lazy("Contexte, attentes, contraintes de lieu ou d'horaire…"),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        clsms = CLSM.objects.visible_to(user).order_by("name")
        field = self.fields["clsm"]
        field.queryset = clsms
        # Choosing another CLSM reloads the list of its QPVs (htmx); without JavaScript, the QPVs appear
        # when the form comes back with the error « choisissez au moins un QPV ».
        field.widget.attrs.update(
            {
                "data-hx-get": reverse("sessions_app:request_create"),
                "data-hx-target": "#qpv-field",
                "data-hx-swap": "outerHTML",
                "data-hx-trigger": "change",
            }
        )
        self.chosen_clsm = self._chosen_clsm(clsms)
        if self.chosen_clsm is not None and not self.is_bound:
            self.initial["clsm"] = self.chosen_clsm.pk
        perimeter = list(self.chosen_clsm.qpvs.order_by("code")) if self.chosen_clsm else []
        self.perimeter_ids = {qpv.pk for qpv in perimeter}
        # The field accepts any QPV so that one outside the perimeter gets a clear message in clean();
        # the page offers only the chosen CLSM's.
        self.fields["qpvs"].widget.choices = [(qpv.pk, f"{qpv.code} – {qpv.name}") for qpv in perimeter]
        if self.chosen_clsm is not None and len(perimeter) == 1 and not self.is_bound:
            self.initial["qpvs"] = [perimeter[0].pk]

    def _chosen_clsm(self, clsms):
        raw = self.data.get(self.add_prefix("clsm")) if self.is_bound else self.initial.get("clsm")
        if isinstance(raw, CLSM):
            raw = raw.pk
        try:
            chosen = clsms.filter(pk=int(raw)).first() if raw not in (None, "") else None
        except (TypeError, ValueError):
            chosen = None
        if chosen is not None or self.is_bound:
            return chosen
        only = list(clsms[:2])  # a coordinator of a single CLSM has nothing to choose
        return only[0] if len(only) == 1 else None

    def clean(self):
        cleaned = super().clean()
        clsm, qpvs = cleaned.get("clsm"), cleaned.get("qpvs")
        if clsm is not None and not self.perimeter_ids:
            self.add_error(
                "qpvs",
                _(
                    "Aucun QPV n'est encore rattaché au CLSM « %(clsm)s » : demandez au centre national "
                    "de compléter son périmètre."
                )
                % {"clsm": clsm.name},
            )
        elif clsm is not None and qpvs:
            outside = sorted(qpv.code for qpv in qpvs if qpv.pk not in self.perimeter_ids)
            if outside:
                self.add_error(
                    "qpvs",
                    _("Hors du périmètre du CLSM « %(clsm)s » : %(codes)s. Choisissez parmi les QPV proposés.")
                    % {"clsm": clsm.name, "codes": ", ".join(outside)},
                )
        return cleaned


class PeriodForm(BoundedFieldsMixin, forms.ModelForm):
    """One wished period: both dates inclusive, not already over."""

    class Meta:
        model = SessionRequestPeriod
        fields = ["start", "end"]
        labels = {"start": gettext_lazy("Du"), "end": gettext_lazy("Au")}
        widgets = {
            "start": forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"),
            "end": forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"),
        }
        error_messages = {
            "start": {
                "required": gettext_lazy("Indiquez le début de la période."),
                "invalid": gettext_lazy("Date de début invalide (attendu : JJ/MM/AAAA)."),
            },
            "end": {
                "required": gettext_lazy("Indiquez la fin de la période."),
                "invalid": gettext_lazy("Date de fin invalide (attendu : JJ/MM/AAAA)."),
            },
        }

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error(
                "end",
                _("La fin de la période (%(end)s) est avant son début (%(start)s).")
                % {"end": date_format(end, "j F Y"), "start": date_format(start, "j F Y")},
            )
        elif end and end < timezone.localdate():
            self.add_error("end", _("Cette période est déjà passée : choisissez des dates à venir."))
        return cleaned


class BasePeriodFormSet(BaseInlineFormSet):
    default_error_messages = {
        "too_few_forms": gettext_lazy("Indiquez au moins une période souhaitée."),
        "too_many_forms": gettext_lazy("Indiquez au plus 10 périodes souhaitées."),
    }

    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            if not form.has_changed() or form.errors:
                continue
            key = (form.cleaned_data.get("start"), form.cleaned_data.get("end"))
            if key in seen:
                form.add_error(None, _("Cette période est déjà indiquée."))
            seen.add(key)


PeriodFormSet = inlineformset_factory(
    SessionRequest,
    SessionRequestPeriod,
    form=PeriodForm,
    formset=BasePeriodFormSet,
    extra=2,
    min_num=1,
    validate_min=True,
    max_num=MAX_PERIODS,
    validate_max=True,
    can_delete=False,
)


# Accepting, declining, withdrawing -------------------------------------------------------------------


def animator_choices():
    return User.objects.filter(role__in=[Role.NATIONAL_STAFF, Role.ADMINISTRATOR], is_active=True).order_by(
        "last_name", "first_name", "username"
    )


class AcceptForm(BoundedFieldsMixin, forms.Form):
    """The session that accepting the request creates, pre-filled from the request."""

    date = forms.DateField(
        label=gettext_lazy("Date de la séance"),
        widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"),
        error_messages={"required": gettext_lazy("Indiquez la date de la séance.")},
    )
    start_time = forms.TimeField(
        label=gettext_lazy("Heure de début"),
        initial=time(14, 0),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": gettext_lazy("Indiquez l'heure de début.")},
    )
    duration_minutes = forms.IntegerField(
        label=gettext_lazy("Durée (minutes)"),
        initial=180,
        min_value=15,
        max_value=600,
        widget=forms.NumberInput(attrs={"step": 15}),
        help_text=gettext_lazy("180 minutes (3 h) par défaut."),
        error_messages={
            "min_value": gettext_lazy("La durée doit être comprise entre 15 et 600 minutes."),
            "max_value": gettext_lazy("La durée doit être comprise entre 15 et 600 minutes."),
        },
    )
    venue = forms.CharField(label=gettext_lazy("Lieu"), max_length=200, required=False)
    address = forms.CharField(label=gettext_lazy("Adresse"), max_length=300, required=False)
    commune = forms.ModelChoiceField(
        label=gettext_lazy("Commune"),
        queryset=Commune.objects.select_related("department"),
        required=False,
        widget=AutocompleteSelect(reverse_lazy("territories:commune_search")),
        help_text=gettext_lazy("Tapez au moins deux lettres du nom ou le code INSEE."),
    )
    animators = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Animation (chargées de mission)"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"data-enhance": "select"}),
    )
    coordinator = forms.ModelChoiceField(
        label=gettext_lazy("Coordinateur·rice co-organisateur·rice"),
        queryset=User.objects.none(),
        required=False,
        empty_label=gettext_lazy("À désigner"),
    )
    expected_attendance = forms.IntegerField(
        label=gettext_lazy("Participants attendus"), min_value=0, max_value=500, required=False
    )

    def __init__(self, *args, session_request: SessionRequest, **kwargs):
        super().__init__(*args, **kwargs)
        self.session_request = session_request
        self.fields["animators"].queryset = animator_choices()
        coordinators = session_request.clsm.coordinators.filter(is_active=True).order_by("last_name", "first_name")
        self.fields["coordinator"].queryset = coordinators
        if not self.is_bound:
            self.initial.update(self._prefill(session_request, list(coordinators)))

    @staticmethod
    def _prefill(session_request, coordinators) -> dict:
        periods = list(session_request.periods.all())
        initial = {"expected_attendance": session_request.expected_size}
        if periods:
            # The first day of a wished period that is not over yet (periods are kept in date order).
            today = timezone.localdate()
            upcoming = [max(p.start, today) for p in periods if p.end >= today]
            initial["date"] = min(upcoming) if upcoming else periods[0].start
        if session_request.created_by in coordinators:
            initial["coordinator"] = session_request.created_by.pk
        elif len(coordinators) == 1:
            initial["coordinator"] = coordinators[0].pk
        # The commune shared by all the request's QPVs (a QPV may straddle several communes).
        qpvs = list(session_request.qpvs.prefetch_related("communes"))
        common = set.intersection(*(set(qpv.communes.all()) for qpv in qpvs)) if qpvs else set()
        if len(common) == 1:
            initial["commune"] = common.pop().pk
        return initial

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day < timezone.localdate():
            raise forms.ValidationError(_("La date de la séance est passée : choisissez une date à venir."))
        return day

    def clean(self):
        cleaned = super().clean()
        day, start = cleaned.get("date"), cleaned.get("start_time")
        duration, animators = cleaned.get("duration_minutes"), cleaned.get("animators")
        if day and start and duration and animators:
            draft = AwarenessSession(date=day, start_time=start, duration_minutes=duration)
            conflicts = draft.animator_conflicts(list(animators), day=day, start=start, duration=duration)
            for person in sorted(conflicts, key=lambda p: (p.last_name, p.first_name, p.username)):
                for other in sorted({s.pk: s for s in conflicts[person]}.values(), key=lambda s: s.start_time):
                    self.add_error(
                        "animators",
                        _("%(person)s anime déjà la séance %(reference)s (%(clsm)s) qui chevauche cet horaire.")
                        % {"person": person, "reference": other.reference, "clsm": other.clsm.name},
                    )
        return cleaned

    def session_fields(self) -> dict:
        """What `SessionRequest.accept` passes on to the new session (the animators are set afterwards)."""
        data = self.cleaned_data
        names = ("date", "start_time", "duration_minutes", "venue", "address", "commune", "coordinator")
        fields = {name: data[name] for name in names}
        fields["expected_attendance"] = data["expected_attendance"]
        return fields


class DeclineForm(forms.Form):
    # Not required here: the model refuses a blank reason, with the message shown under this field.
    reason = forms.CharField(
        label=gettext_lazy("Motif du refus (obligatoire, envoyé au CLSM)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "required": True}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "decline_%s")  # the page also has the withdraw form's « reason »
        super().__init__(*args, **kwargs)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Motif du retrait (facultatif)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "withdraw_%s")
        super().__init__(*args, **kwargs)
