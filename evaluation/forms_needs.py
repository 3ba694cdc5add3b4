"""Forms of the needs categorisation screen: which needs to show, and a category given to one need or to all
the uncategorised needs of a season that say the same thing."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from evaluation.forms_entry import NEED_MAX_LENGTH
from evaluation.models import NeedCategory
from sessions_app.models import season_bounds
from smdq.bounds import BoundedFieldsMixin

TO_CATEGORISE = "a_categoriser"
ALL = "toutes"


class NeedListForm(BoundedFieldsMixin, forms.Form):
    saison = forms.ChoiceField(label=gettext_lazy("Saison"))
    statut = forms.ChoiceField(
        label=gettext_lazy("Besoins affichés"),
        choices=[(TO_CATEGORISE, gettext_lazy("à catégoriser")), (ALL, gettext_lazy("tous les besoins"))],
        required=False,
    )

    def __init__(self, data, *, seasons: list[str], default_season: str):
        data = data.copy()
        data.setdefault("saison", default_season)
        data.setdefault("statut", TO_CATEGORISE)
        super().__init__(data)
        self.default_season = default_season
        self.fields["saison"].choices = [(season, season) for season in seasons]

    # A wrong value in one field falls back to its default without resetting the other.
    def season(self) -> str:
        self.is_valid()
        return self.cleaned_data.get("saison") or self.default_season

    def status(self) -> str:
        self.is_valid()
        return self.cleaned_data.get("statut") or TO_CATEGORISE


class CategoryField(forms.CharField):
    """A category by its code (« competences ») or its key (« 1 »); empty means « no category »."""

    def __init__(self, **kwargs):
        super().__init__(max_length=30, **kwargs)

    def clean(self, value):
        value = super().clean(value).strip()
        if not value:
            return None
        for category in NeedCategory.objects.all():
            if value in (category.code, category.key):
                return category
        raise ValidationError(_("Catégorie inconnue « %(value)s ».") % {"value": value}, code="unknown")


class NeedAssignForm(forms.Form):
    category = CategoryField(label=gettext_lazy("Catégorie"), required=False)


class NeedBulkAssignForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Texte du besoin"), max_length=NEED_MAX_LENGTH)
    category = CategoryField(
        label=gettext_lazy("Catégorie"), error_messages={"required": gettext_lazy("Choisissez une catégorie.")}
    )
    season = forms.CharField(label=gettext_lazy("Saison"), max_length=9)

    def clean_season(self):
        season = self.cleaned_data["season"]
        try:
            season_bounds(season)
        except ValueError as error:
            raise ValidationError(str(error), code="invalid") from None
        return season
