import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.access import sees_names
from accounts.models import Role, User
from sessions_app.models import AwarenessSession
from smdq.formatting import in_french_order_when_drawn
from territories.models import CLSM, Department, Region


def _visible_clsms(request):
    return CLSM.objects.visible_to(request.user).order_by("name") if request else CLSM.objects.none()


def _animators(request):
    return User.objects.filter(role__in=[Role.NATIONAL_STAFF, Role.ADMINISTRATOR]).order_by("last_name", "first_name")


class AwarenessSessionFilter(django_filters.FilterSet):
    """The filters of the session list, also offered on the month calendar.

    Pass the sessions the user may see as `queryset` and the `request`: the season and CLSM choices are
    taken from them (a coordinator is offered only their CLSM)."""

    q = django_filters.CharFilter(
        label=_("Recherche"),
        method="filter_search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Référence, CLSM, lieu, commune, QPV")}),
    )
    season = django_filters.ChoiceFilter(label=_("Saison"), choices=[], empty_label=_("Toutes"))
    status = django_filters.ChoiceFilter(
        label=_("Statut"), choices=AwarenessSession.Status.choices, empty_label=_("Tous")
    )
    region = django_filters.ModelChoiceFilter(
        label=_("Région"), queryset=Region.objects.all(), method="filter_region", empty_label=_("Toutes")
    )
    department = django_filters.ModelChoiceFilter(
        label=_("Département"), queryset=Department.objects.all(), method="filter_department", empty_label=_("Tous")
    )
    clsm = django_filters.ModelChoiceFilter(label=_("CLSM"), queryset=_visible_clsms, empty_label=_("Tous"))
    animator = django_filters.ModelChoiceFilter(
        label=_("Animation"), field_name="animators", queryset=_animators, empty_label=_("Toutes et tous")
    )

    class Meta:
        model = AwarenessSession
        fields = ["q", "season", "status", "region", "department", "clsm", "animator"]

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        if request is not None and not sees_names(request.user):
            del self.filters["animator"]  # its choices are people's names
        # One query: the seasons in which the user has sessions, newest first.
        seasons = self.queryset.order_by("-season").values_list("season", flat=True).distinct()
        self.filters["season"].extra["choices"] = [(s, s) for s in seasons]
        for name in ("region", "clsm"):  # départements stay in the order of their codes
            in_french_order_when_drawn(self.form.fields[name])

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_region(self, queryset, name, value):
        return queryset.in_region(value.pk)

    def filter_department(self, queryset, name, value):
        return queryset.in_department(value.pk)
