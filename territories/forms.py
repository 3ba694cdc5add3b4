from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from smdq.bounds import BoundedFieldsMixin
from territories.models import CLSM, QPV, Commune


class AutocompleteSelectMultiple(forms.SelectMultiple):
    """A multiple select that renders only the chosen options; the others are fetched as the user types
    (a list of 1,584 QPV or 37,000 communes is no choice to scroll through)."""

    def __init__(self, url, attrs=None):
        super().__init__(attrs)
        self.url = url

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs)
        attrs["data-autocomplete-url"] = str(self.url)
        attrs["data-placeholder"] = _("Tapez un code ou un nom…")
        return attrs

    def optgroups(self, name, value, attrs=None):
        selected = [v for v in value if v not in ("", None)]
        queryset = self.choices.queryset.filter(pk__in=selected) if selected else self.choices.queryset.none()
        options = [
            self.create_option(
                name,
                self.choices.field.prepare_value(obj),
                self.choices.field.label_from_instance(obj),
                True,
                index,
            )
            for index, obj in enumerate(queryset)
        ]
        return [(None, options, 0)]


class AutocompleteSelect(forms.Select):
    """The single-choice sibling of `territories.forms.AutocompleteSelectMultiple`: only the chosen option
    (and the blank one) is rendered, the others are fetched as the user types."""

    def __init__(self, url, attrs=None):
        super().__init__(attrs)
        self.url = url

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs)
        attrs["data-autocomplete-url"] = str(self.url)
        attrs["data-placeholder"] = _("Tapez un code ou un nom…")
        return attrs

    def optgroups(self, name, value, attrs=None):
        selected = [v for v in value if v not in ("", None)][:1]
        # The blank option has a text (an empty <option> is invalid HTML): shown without JavaScript, Tom Select
        # hides it behind its placeholder.
        options = [self.create_option(name, "", _("Aucun choix"), not selected, 0)]
        if selected:
            for obj in self.choices.queryset.filter(pk__in=selected):
                options.append(
                    self.create_option(
                        name,
                        self.choices.field.prepare_value(obj),
                        self.choices.field.label_from_instance(obj),
                        True,
                        1,
                    )
                )
        return [(None, options, 0)]


class QPVChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} – {obj.name}"


class CLSMForm(BoundedFieldsMixin, forms.ModelForm):
    qpvs = QPVChoiceField(
        label=_("QPV du périmètre"),
        queryset=QPV.objects.all(),
        required=False,
        widget=AutocompleteSelectMultiple(reverse_lazy("territories:qpv_search")),
        help_text=_("Cherchez par code (QN…) ou par nom de quartier ou de commune."),
    )
    communes = forms.ModelMultipleChoiceField(
        label=_("Communes"),
        queryset=Commune.objects.all(),
        required=False,
        widget=AutocompleteSelectMultiple(reverse_lazy("territories:commune_search")),
        help_text=_("Laissez vide pour reprendre les communes des QPV choisis."),
    )
    coordinators = forms.ModelMultipleChoiceField(
        label=_("Coordinateur·rices"),
        queryset=User.objects.filter(role=Role.COORDINATOR, is_active=True),
        required=False,
        widget=forms.SelectMultiple(attrs={"data-enhance": "select"}),
    )

    class Meta:
        model = CLSM
        fields = ["name", "status", "contact_email", "qpvs", "communes", "coordinators"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Enregistrer")))

    def save(self, commit=True):
        clsm = super().save(commit=commit)
        if commit and not self.cleaned_data.get("communes"):
            clsm.fill_communes_from_qpvs()
        return clsm
