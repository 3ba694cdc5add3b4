"""The catalogue's search and filters, and the counts shown next to each filter option.

Within one filter the ticked options add up (a sheet about housing OR noise); different filters narrow
each other down. The count next to an option is the number of published sheets that match every other
active filter and that option: for each filter, one grouped query over the sheets the other filters keep.
"""

import django_filters
from django import forms
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from kit.models import ActionSheet, Determinant, ProjectType
from territories.models import Region

QPV_CHOICES = [("oui", _("Oui")), ("non", _("Non"))]


class CatalogueFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Rechercher"),
        method="filter_search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Mots du titre ou de la description")}),
    )
    type = django_filters.ModelMultipleChoiceFilter(
        label=_("Types de projet"),
        field_name="project_types__code",
        to_field_name="code",
        queryset=ProjectType.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )
    determinant = django_filters.ModelMultipleChoiceFilter(
        label=_("Déterminants de la santé mentale"),
        field_name="determinants__code",
        to_field_name="code",
        queryset=Determinant.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )
    region = django_filters.ModelChoiceFilter(label=_("Région"), field_name="region", queryset=Region.objects.all())
    qpv = django_filters.ChoiceFilter(
        label=_("Spécifique aux quartiers prioritaires"), choices=QPV_CHOICES, method="filter_qpv"
    )

    class Meta:
        model = ActionSheet
        fields = ["q", "type", "determinant", "region", "qpv"]

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_qpv(self, queryset, name, value):
        return queryset.filter(qpv_specific=(value == "oui"))

    def queryset_without(self, skipped: str):
        """The sheets kept by every valid active filter except `skipped` (same rules as `qs`)."""
        queryset = self.queryset.all()
        for name, value in self.form.cleaned_data.items():
            if name != skipped:
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def selected(self, name) -> set:
        self.is_valid()  # validates once; an invalid parameter is ignored, the valid ones still apply
        value = self.form.cleaned_data.get(name)
        if not value:
            return set()
        if name in ("type", "determinant"):
            return {item.code for item in value}
        if name == "region":
            return {value.pk}
        return {value}


def _grouped_counts(queryset, field: str) -> dict:
    """{value of `field`: number of sheets} in one query; a sheet counts once per value it has."""
    rows = (
        ActionSheet.objects.filter(pk__in=queryset.order_by().values("pk"))
        .order_by()
        .values(field)
        .annotate(n=Count("pk", distinct=True))
    )
    return {row[field]: row["n"] for row in rows}


def facets(filterset: CatalogueFilter) -> dict:
    """Options of each filter with their count and whether they are ticked. Six queries whatever the rows."""
    filterset.is_valid()
    result = {}
    for name, field, options in (
        ("type", "project_types", ProjectType.objects.all()),
        ("determinant", "determinants", Determinant.objects.all()),
    ):
        counts = _grouped_counts(filterset.queryset_without(name), field)
        selected = filterset.selected(name)
        result[name] = [
            {"value": o.code, "label": o.label, "count": counts.get(o.pk, 0), "checked": o.code in selected}
            for o in options
        ]

    counts = _grouped_counts(filterset.queryset_without("region"), "region")
    selected = filterset.selected("region")
    # Régions that have published sheets at all, so the list does not jump as other filters change.
    regions = Region.objects.filter(action_sheets__status=ActionSheet.Status.PUBLISHED).distinct().order_by("name")
    result["region"] = [
        {"value": r.pk, "label": r.name, "count": counts.get(r.pk, 0), "checked": r.pk in selected} for r in regions
    ]
    result["region_total"] = sum(counts.values())

    counts = _grouped_counts(filterset.queryset_without("qpv"), "qpv_specific")
    selected = filterset.selected("qpv")
    result["qpv"] = [
        {"value": "", "label": _("Toutes"), "count": sum(counts.values()), "checked": not selected},
        {"value": "oui", "label": _("Oui"), "count": counts.get(True, 0), "checked": "oui" in selected},
        {"value": "non", "label": _("Non"), "count": counts.get(False, 0), "checked": "non" in selected},
    ]
    return result
