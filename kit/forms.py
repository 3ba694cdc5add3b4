import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Submit
from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from kit.models import ActionSheet, Determinant, ProjectType
from territories.forms import AutocompleteSelectMultiple
from territories.models import CLSM, Commune, Department

# What a sheet needs before the national centre can review it; a draft only needs a title.
REQUIRED_TO_SUBMIT = ("department", "lead", "context", "objectives", "course_of_action")

SUBMIT, DRAFT, SAVE = "soumettre", "brouillon", "enregistrer"


def action_from(post, sheet) -> str:
    """Which button was pressed. A sheet under review or published is only saved, never re-submitted."""
    if sheet is not None and sheet.status in (ActionSheet.Status.SUBMITTED, ActionSheet.Status.PUBLISHED):
        return SAVE
    return DRAFT if DRAFT in post else SUBMIT


class SecondarySubmit(Submit):
    field_classes = "btn btn-outline-secondary"


class TaxonomyChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return obj.label


class ActionSheetForm(forms.ModelForm):
    """The Villes-Santé form, in its order. `action` is the button pressed: submitting asks for more."""

    communes = forms.ModelMultipleChoiceField(
        label=_("Communes"),
        queryset=Commune.objects.all(),
        required=False,
        widget=AutocompleteSelectMultiple(reverse_lazy("territories:commune_search")),
        help_text=_("Tapez le nom ou le code INSEE d'une commune."),
    )
    department = forms.ModelChoiceField(
        label=_("Département"),
        queryset=Department.objects.all(),
        required=False,
        widget=forms.Select(attrs={"data-enhance": "select"}),
        help_text=_("La région s'en déduit."),
    )
    project_types = TaxonomyChoiceField(
        label=_("Type de projet ou de démarche"), queryset=ProjectType.objects.all(), required=False
    )
    determinants = TaxonomyChoiceField(
        label=_("Déterminants de la santé mentale concernés"), queryset=Determinant.objects.all(), required=False
    )

    class Meta:
        model = ActionSheet
        fields = [
            "title",
            "clsm",
            "territory_text",
            "communes",
            "department",
            "period_text",
            "start_year",
            "lead",
            "authority_role",
            "services",
            "partners",
            "budget_operating",
            "budget_investment",
            "budget_contribution",
            "financial_partners",
            "project_types",
            "project_type_other",
            "qpv_specific",
            "other_specificity",
            "determinants",
            "determinant_other",
            "context",
            "objectives",
            "course_of_action",
            "mental_health_explicit",
            "what_helped",
            "what_hindered",
            "inequalities",
            "lessons",
            "effects_indicators",
            "all_policies",
        ]
        labels = {
            "title": _("Titre de l'action"),
            "clsm": _("CLSM (facultatif)"),
            "qpv_specific": _("L'action concerne un ou des quartiers politique de la ville"),
        }
        help_texts = {
            "what_helped": _("Quels facteurs ont favorisé le déroulé de l'action ?"),
            "what_hindered": _("Quels facteurs l'ont mise en difficulté ?"),
            "inequalities": _(
                "L'action a-t-elle contribué à réduire les inégalités sociales et/ou territoriales de santé ?"
            ),
            "lessons": _("La mise en œuvre de cette action a-t-elle permis de tirer des apprentissages ?"),
            "effects_indicators": _(
                "En quoi contribue-t-elle à améliorer la santé mentale des habitants ? Impacts, effets ou résultats "
                "observés, éléments d'évaluation, indicateurs."
            ),
            "all_policies": _(
                "En quoi contribue-t-elle à intégrer « la santé mentale dans toutes les politiques » ? "
                "Rapprochement entre services et entre élus, sensibilisation d'acteurs…"
            ),
        }
        widgets = {
            "services": forms.Textarea(attrs={"rows": 3}),
            "partners": forms.Textarea(attrs={"rows": 3}),
            "authority_role": forms.Textarea(attrs={"rows": 2}),
            "budget_operating": forms.Textarea(attrs={"rows": 2}),
            "budget_investment": forms.Textarea(attrs={"rows": 2}),
            "budget_contribution": forms.Textarea(attrs={"rows": 2}),
            "financial_partners": forms.Textarea(attrs={"rows": 2}),
            "start_year": forms.NumberInput(attrs={"min": 1990, "max": datetime.date.today().year + 1}),
            **{
                name: forms.Textarea(attrs={"rows": 4})
                for name in (
                    "context",
                    "objectives",
                    "course_of_action",
                    "mental_health_explicit",
                    "what_helped",
                    "what_hindered",
                    "inequalities",
                    "lessons",
                    "effects_indicators",
                    "all_policies",
                )
            },
        }

    def __init__(self, *args, user, action=SUBMIT, **kwargs):
        super().__init__(*args, **kwargs)
        self.action = action
        if user.is_national_staff:
            self.fields["clsm"].queryset = CLSM.objects.order_by("name")
        else:
            self.fields["clsm"].queryset = CLSM.objects.filter(coordinators=user).order_by("name")
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(_("L'action"), "title", "clsm"),
            Fieldset(
                _("Territoire et organisation"),
                "territory_text",
                "communes",
                "department",
                "period_text",
                "start_year",
                "lead",
                "authority_role",
                "services",
                "partners",
            ),
            Fieldset(_("Budget"), "budget_operating", "budget_investment", "budget_contribution", "financial_partners"),
            Fieldset(
                _("Thématiques de l'action"),
                "project_types",
                "project_type_other",
                "qpv_specific",
                "other_specificity",
                "determinants",
                "determinant_other",
            ),
            Fieldset(_("Description de l'action"), "context", "objectives", "course_of_action"),
            Fieldset(
                _("Bilan"),
                "mental_health_explicit",
                "what_helped",
                "what_hindered",
                "inequalities",
                "lessons",
                "effects_indicators",
                "all_policies",
            ),
        )
        # The buttons are told apart by their name: the view reads which one was pressed (`action_from`).
        status = self.instance.status if self.instance.pk else ActionSheet.Status.DRAFT
        if status in (ActionSheet.Status.DRAFT, ActionSheet.Status.CHANGES_REQUESTED):
            label = _("Soumettre à la relecture") if status == ActionSheet.Status.DRAFT else _("Soumettre à nouveau")
            self.helper.add_input(Submit(SUBMIT, label))
            self.helper.add_input(SecondarySubmit(DRAFT, _("Enregistrer sans soumettre")))
        else:
            self.helper.add_input(Submit(SAVE, _("Enregistrer")))

    def clean_start_year(self):
        year = self.cleaned_data.get("start_year")
        latest = datetime.date.today().year + 1
        if year is not None and not 1990 <= year <= latest:
            raise forms.ValidationError(_("Indiquez une année entre 1990 et %(latest)s.") % {"latest": latest})
        return year

    def clean(self):
        cleaned = super().clean()
        for field, other in (("project_types", "project_type_other"), ("determinants", "determinant_other")):
            chosen = list(cleaned.get(field) or [])
            ticks_other = any(item.is_other for item in chosen)
            text = (cleaned.get(other) or "").strip()
            if ticks_other and not text:
                self.add_error(other, _("Précisez ce que recouvre « Autre »."))
            elif text and not ticks_other:
                # Writing in « précisez » means « Autre »: tick it rather than refuse the form.
                extra = self.fields[field].queryset.filter(is_other=True)
                cleaned[field] = [*chosen, *extra]
        if self.action in (SUBMIT, SAVE):
            for name in REQUIRED_TO_SUBMIT:
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, _("Ce champ est nécessaire pour soumettre la fiche."))
            if not cleaned.get("project_types"):
                self.add_error("project_types", _("Cochez au moins un type de projet pour soumettre la fiche."))
            if not cleaned.get("determinants"):
                self.add_error("determinants", _("Cochez au moins un déterminant pour soumettre la fiche."))
        return cleaned
