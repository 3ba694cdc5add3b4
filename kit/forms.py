import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Submit
from django import forms
from django.db import transaction
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kit import resources
from kit.models import ActionSheet, Determinant, ProjectType, Resource
from smdq.bounds import BoundedFieldsMixin
from smdq.formatting import fr_decimal
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


class ActionSheetForm(BoundedFieldsMixin, forms.ModelForm):
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


class ResourceForm(BoundedFieldsMixin, forms.ModelForm):
    """A file of the kit's library. On creation the file is required; on edit, a new file replaces the old."""

    file = forms.FileField(
        label=_("Fichier"),
        widget=forms.FileInput(attrs={"accept": resources.ACCEPT}),
    )

    class Meta:
        model = Resource
        fields = ["title", "kind", "version", "audience", "description", "is_published"]
        labels = {"title": _("Titre"), "kind": _("Type de ressource"), "audience": _("Qui peut la télécharger")}
        help_texts = {
            "audience": _(
                "« Tout public » : sans compte. « Coordinateur·rices » : coordinateur·rices de CLSM connecté·es et "
                "centre national. « Centre national » : chargées de mission et administrateur·rices."
            )
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, user, too_large=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.too_large = too_large  # the upload handler stopped the file at the size limit
        self.checked = None
        limits = {"formats": resources.ACCEPTED_LABEL, "limit": fr_decimal(resources.MAX_UPLOAD_SIZE / resources.MB)}
        self.fields["file"].help_text = _("Formats acceptés : %(formats)s. %(limit)s Mo au plus.") % limits
        if self.instance.pk:
            self.fields["file"].required = False
            self.fields["file"].label = _("Remplacer le fichier")
            self.fields["file"].help_text = _(
                "Fichier actuel : %(name)s. Laissez vide pour le garder. Formats acceptés : %(formats)s. "
                "%(limit)s Mo au plus."
            ) % {"name": self.instance.original_name, **limits}
        self.helper = FormHelper()
        self.helper.form_tag = False  # the template's <form> carries enctype and its CSRF token
        self.helper.disable_csrf = True
        self.helper.layout = Layout("title", "kind", "version", "audience", "description", "file", "is_published")
        if too_large:
            self.fields["file"].required = False  # the message below says what happened, not « obligatoire »

    def clean_file(self):
        if self.too_large:
            raise forms.ValidationError(
                _("Le fichier dépasse %(limit)s Mo : il n'a pas été accepté.")
                % {"limit": fr_decimal(resources.MAX_UPLOAD_SIZE / resources.MB)}
            )
        upload = self.cleaned_data.get("file")
        if upload:
            self.checked = resources.check_upload(upload)
        return upload

    def save(self, commit=True):
        resource = super().save(commit=False)
        replaced = None
        if self.checked is not None:
            replaced = resource.file.name if resource.pk else None
            resource.file = self.cleaned_data["file"]
            resource.original_name = self.checked.original_name
            resource.size = self.checked.size
            resource.content_type = self.checked.content_type
            resource.uploaded_by = self.user
            resource.uploaded_at = timezone.now()
        if commit:
            resource.save()
            if replaced and replaced != resource.file.name:
                storage = resource.file.storage
                transaction.on_commit(lambda: storage.delete(replaced))
        return resource
