import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from territories.models import CLSM, Department, Region


class CLSMFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Recherche"),
        method="filter_search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Nom, commune ou QPV")}),
    )
    region = django_filters.ModelChoiceFilter(
        label=_("Région"), queryset=Region.objects.all(), method="filter_region", empty_label=_("Toutes")
    )
    department = django_filters.ModelChoiceFilter(
        label=_("Département"),
        queryset=Department.objects.all(),
        method="filter_department",
        empty_label=_("Tous"),
    )
    status = django_filters.ChoiceFilter(label=_("Statut"), choices=CLSM.Status.choices, empty_label=_("Tous"))

    class Meta:
        model = CLSM
        fields = ["q", "region", "department", "status"]

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_region(self, queryset, name, value):
        return queryset.in_region(value.pk)

    def filter_department(self, queryset, name, value):
        return queryset.in_department(value.pk)
