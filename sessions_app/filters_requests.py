from datetime import timedelta

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sessions_app.models import SessionRequest
from smdq.formatting import in_french_order_when_drawn
from territories.models import CLSM, Region

OPEN = "ouvertes"
STATUS_CHOICES = [(OPEN, _("ouvertes (nouvelles ou en étude)")), *SessionRequest.Status.choices]
AGE_CHOICES = [
    ("moins_7", _("moins de 7 jours")),
    ("7_30", _("7 à 30 jours")),
    ("plus_30", _("plus de 30 jours")),
]

RequestQPV = SessionRequest.qpvs.through


def _visible_clsms(request):
    return CLSM.objects.visible_to(request.user).order_by("name") if request else CLSM.objects.none()


class SessionRequestFilter(django_filters.FilterSet):
    """The filters of the requests' inbox. Pass the requests the user may see as `queryset` and the
    `request`: a coordinator is offered only their own CLSM."""

    q = django_filters.CharFilter(
        label=_("Recherche"),
        method="filter_search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Référence, CLSM, QPV, message")}),
    )
    status = django_filters.ChoiceFilter(
        label=_("Statut"), choices=STATUS_CHOICES, method="filter_status", empty_label=_("Tous")
    )
    region = django_filters.ModelChoiceFilter(
        label=_("Région"), queryset=Region.objects.all(), method="filter_region", empty_label=_("Toutes")
    )
    clsm = django_filters.ModelChoiceFilter(label=_("CLSM"), queryset=_visible_clsms, empty_label=_("Tous"))
    age = django_filters.ChoiceFilter(
        label=_("Ancienneté de la demande"), choices=AGE_CHOICES, method="filter_age", empty_label=_("Toutes")
    )

    class Meta:
        model = SessionRequest
        fields = ["q", "status", "region", "clsm", "age"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("region", "clsm"):
            in_french_order_when_drawn(self.form.fields[name])

    def filter_search(self, queryset, name, value):
        text = value.strip()
        if not text:
            return queryset
        by_qpv = RequestQPV.objects.filter(sessionrequest_id=OuterRef("pk")).filter(
            Q(qpv__code__iexact=text) | Q(qpv__name__icontains=text)
        )
        return queryset.filter(
            Q(reference__icontains=text)
            | Q(clsm__name__icontains=text)
            | Q(expected_audience__icontains=text)
            | Q(partners__icontains=text)
            | Q(message__icontains=text)
            | Exists(by_qpv)
        )

    def filter_status(self, queryset, name, value):
        if value == OPEN:
            return queryset.open()
        return queryset.filter(status=value)

    def filter_region(self, queryset, name, value):
        """A request is in the région of its QPVs; one filed without QPV, in the région of its CLSM."""
        return queryset.in_region(value.pk)

    def filter_age(self, queryset, name, value):
        """Age in whole days since the request was filed: « 7 à 30 jours » includes both 7 and 30."""
        today = timezone.localdate()
        if value == "moins_7":
            return queryset.filter(requested_on__gt=today - timedelta(days=7))
        if value == "7_30":
            return queryset.filter(requested_on__range=(today - timedelta(days=30), today - timedelta(days=7)))
        return queryset.filter(requested_on__lt=today - timedelta(days=30))
