"""The sign-in sheet typed back into the application: one formset row per participant.

The profile is typed the way it is written on paper: its number in the sheet's legend (1 to 16), its code
or the beginning of its French label. Structures are grouped by `normalise_structure_name`, while every
participant keeps the spelling that was typed.
"""

import hashlib
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sessions_app.models import Gender, Participant, Profile, Structure, normalise_structure_name
from sessions_app.summaries import refresh_participant_summaries
from smdq.bounds import BoundedFieldsMixin

FORMSET_PREFIX = "participants"
# The hidden field that carries the sheet as it was when the form was drawn (BaseParticipantFormSet.sheet_state).
STATE_FIELD = "sheet_state"
MAX_ROWS = 300
# Empty rows offered when the page opens, so that the page works without JavaScript.
MIN_EXTRA_ROWS = 5
MAX_EXTRA_ROWS = 60


@dataclass(frozen=True)
class NumberedProfile:
    number: int
    code: str
    label: str


def numbered_profiles() -> list[NumberedProfile]:
    """The 16 profiles with the number printed in the sign-in sheet's legend (1 = habitant·e …)."""
    return [NumberedProfile(n, code, str(label)) for n, (code, label) in enumerate(Profile.choices, start=1)]


def _simplify(text: str) -> str:
    # Same rule as structures: « Élu·e », « elue » and « ÉLU-E » are one text.
    return normalise_structure_name(text)


def resolve_profile(text: str) -> str:
    """The profile code for what was typed: a number of the legend, a code, a label or their beginning."""
    typed = (text or "").strip()
    if not typed:
        return ""
    profiles = numbered_profiles()
    if typed.isdigit():
        for profile in profiles:
            if profile.number == int(typed):
                return profile.code
        raise ValidationError(
            _("Il n'y a pas de profil n° %(n)s : les numéros vont de 1 à %(max)d.")
            % {"n": typed, "max": len(profiles)},
            code="unknown_profile",
        )
    key = _simplify(typed)
    if not key:
        raise ValidationError(_("Profil inconnu « %(text)s ».") % {"text": typed}, code="unknown_profile")
    for profile in profiles:
        if key in (_simplify(profile.code), _simplify(profile.label)):
            return profile.code
    matches = [p for p in profiles if _simplify(p.code).startswith(key) or _simplify(p.label).startswith(key)]
    if len(matches) == 1:
        return matches[0].code
    if matches:
        raise ValidationError(
            _("« %(text)s » correspond à plusieurs profils (%(labels)s) : précisez.")
            % {"text": typed, "labels": ", ".join(f"« {p.label} »" for p in matches)},
            code="ambiguous_profile",
        )
    raise ValidationError(
        _("Profil inconnu « %(text)s » : tapez un numéro de 1 à %(max)d, un code ou le début d'un libellé.")
        % {"text": typed, "max": len(profiles)},
        code="unknown_profile",
    )


class ProfileField(forms.CharField):
    """A text input with the profiles as suggestions; its cleaned value is a profile code (or "")."""

    def to_python(self, value):
        return resolve_profile(super().to_python(value))

    def prepare_value(self, value):
        # A saved code is shown as its label, which is also what the suggestions insert.
        return dict(Profile.choices).get(value, value)


class YesNoSelect(forms.NullBooleanSelect):
    """« — », « oui », « non »: typing o or n on the focused list picks the answer."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("unknown", "—"), ("true", gettext_lazy("oui")), ("false", gettext_lazy("non"))]


def _input(**attrs):
    return {"class": "form-control form-control-sm", "autocomplete": "off", **attrs}


class ParticipantForm(BoundedFieldsMixin, forms.ModelForm):
    gender = forms.ChoiceField(
        label=gettext_lazy("Genre"),
        required=False,
        choices=[("", "—"), *Gender.choices],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    profile = ProfileField(
        label=gettext_lazy("Profil"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs=_input(list="profile-options")),
    )
    structure_name = forms.CharField(
        label=gettext_lazy("Structure"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs=_input(list="structure-options", **{"data-structure-input": ""})),
    )
    lives_in_qpv = forms.NullBooleanField(
        label=gettext_lazy("Habite le QPV"),
        required=False,
        widget=YesNoSelect(attrs={"class": "form-select form-select-sm"}),
    )
    acts_in_qpv = forms.NullBooleanField(
        label=gettext_lazy("Agit dans le QPV"),
        required=False,
        widget=YesNoSelect(attrs={"class": "form-select form-select-sm"}),
    )

    class Meta:
        model = Participant
        fields = ["last_name", "first_name", "email", "gender", "profile", "lives_in_qpv", "acts_in_qpv"]
        labels = {"last_name": gettext_lazy("Nom"), "first_name": gettext_lazy("Prénom")}
        widgets = {
            "last_name": forms.TextInput(attrs=_input()),
            "first_name": forms.TextInput(attrs=_input()),
            "email": forms.EmailInput(attrs=_input()),
        }

    field_order = ["last_name", "first_name", "email", "gender", "profile", "structure_name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        participant = self.instance
        if participant.pk:
            # Reads participant.structure: the formset's queryset selects it, so this costs no query.
            spelling = participant.structure_spelling or (participant.structure.name if participant.structure else "")
            self.initial.setdefault("structure_name", spelling)

    def clean_structure_name(self):
        name = " ".join(self.cleaned_data["structure_name"].split())
        if name and not normalise_structure_name(name):
            raise ValidationError(_("Le nom de la structure doit contenir au moins une lettre ou un chiffre."))
        return name

    def full_clean(self):
        super().full_clean()
        # Invalid inputs are marked for the eye (red border) and for screen readers (error read with the field).
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"{self.auto_id % self.add_prefix(name)}-error"


@dataclass
class SheetResult:
    total: int
    created: int
    updated: int
    deleted: int


class BaseParticipantFormSet(forms.BaseModelFormSet):
    """The rows of one session's sign-in sheet, in the order of the sheet (`line`)."""

    def __init__(self, data=None, *, session, attendance: int | None = None, **kwargs):
        self.session = session
        kwargs.setdefault("prefix", FORMSET_PREFIX)
        kwargs.setdefault("queryset", session.participants.select_related("structure").order_by("line", "pk"))
        super().__init__(data, **kwargs)
        if not self.is_bound:
            self.extra = extra_rows(attendance, len(self.get_queryset()))

    def sheet_state(self) -> str:
        """A digest of the sheet as saved (its rows and every value typed in them). The form carries the digest of
        the sheet it was drawn from: a second send of the same form (a double click, a re-sent POST) or a form
        drawn before someone else saved the sheet no longer matches, and saving it would add its new rows again."""
        digest = hashlib.sha256()
        for row in self.get_queryset():
            values = (row.pk, row.line, row.last_name, row.first_name, row.email, row.gender, row.profile)
            values += (row.structure_id, row.structure_spelling, row.lives_in_qpv, row.acts_in_qpv)
            digest.update(repr(values).encode())
        return digest.hexdigest()[:32]

    def is_stale(self) -> bool:
        """The form was drawn from another state of the sheet than the one saved now (see sheet_state)."""
        return self.is_bound and self.data.get(STATE_FIELD) != self.sheet_state()

    def add_fields(self, form, index):
        super().add_fields(form, index)
        # The hidden id may only point to a row of this session's sheet.
        pk_field = form.fields[self._pk_field.name]
        pk_field.queryset = self.get_queryset()
        pk_field.error_messages = {
            **pk_field.error_messages,
            "invalid_choice": _(
                "Cette ligne n'existe plus (quelqu'un l'a supprimée entre-temps) : rechargez la page, "
                "votre saisie des autres lignes n'est pas enregistrée."
            ),
        }
        if self.can_delete and "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Supprimer")
            form.fields["DELETE"].widget.attrs["class"] = "form-check-input"

    def row_errors(self) -> list[dict]:
        """Each invalid row's errors with the label of their field, for the summary above the grid."""
        rows = []
        for index, form in enumerate(self.forms):
            if not form.errors:
                continue
            messages = []
            for name, errors in form.errors.items():
                field = form.fields.get(name)
                visible = field is not None and not field.widget.is_hidden
                # Errors of the whole row (or of its hidden id) lead to the row's first field.
                target = form[name if visible else "last_name"].id_for_label
                for error in errors:
                    messages.append({"label": field.label if visible else "", "message": error, "target": target})
            rows.append({"line": index + 1, "messages": messages})
        return rows

    def _kept_forms(self):
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form):
                continue
            if form.instance.pk is None and not form.has_changed():
                continue  # an empty new row
            yield form

    @transaction.atomic
    def save_sheet(self) -> SheetResult:
        structures: dict[str, Structure | None] = {}
        deleted = 0
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form) and form.instance.pk is not None:
                form.instance.delete()
                deleted += 1
        created = updated = 0
        kept = list(self._kept_forms())
        for line, form in enumerate(kept, start=1):
            participant = form.save(commit=False)
            is_new = participant.pk is None
            if is_new or "structure_name" in form.changed_data:
                typed = form.cleaned_data["structure_name"]
                participant.structure_spelling = typed
                participant.structure = self._structure(typed, structures)
            if is_new or form.has_changed() or participant.line != line:
                participant.session = self.session
                participant.line = line
                participant.save()
                if is_new:
                    created += 1
                elif form.has_changed():
                    updated += 1
        if created or updated or deleted:
            refresh_participant_summaries([self.session.pk])  # what the bilan reads, in this transaction
        return SheetResult(total=len(kept), created=created, updated=updated, deleted=deleted)

    @staticmethod
    def _structure(typed: str, cache: dict) -> Structure | None:
        """The structure a typed name belongs to, created with that spelling if it is the first."""
        key = normalise_structure_name(typed)
        if not key:
            return None
        if key not in cache:
            cache[key] = Structure.objects.get_or_create_by_name(typed)
        return cache[key]


def extra_rows(attendance: int | None, existing: int) -> int:
    """Enough empty rows for the participants not typed yet, never fewer than MIN_EXTRA_ROWS."""
    missing = (attendance or 0) - existing
    return max(MIN_EXTRA_ROWS, min(missing, MAX_EXTRA_ROWS, MAX_ROWS - existing))


ParticipantFormSet = forms.modelformset_factory(
    Participant,
    form=ParticipantForm,
    formset=BaseParticipantFormSet,
    extra=MIN_EXTRA_ROWS,
    can_delete=True,
    max_num=MAX_ROWS,
    validate_max=True,
    absolute_max=MAX_ROWS,
)
