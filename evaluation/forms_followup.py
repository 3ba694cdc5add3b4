"""The follow-up of effects: the coordinator's answer form, and the filters of the follow-up list."""

import django_filters
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from evaluation.models import Effect, FollowUp
from smdq.bounds import BoundedFieldsMixin
from territories.models import CLSM


class FollowUpForm(BoundedFieldsMixin, forms.ModelForm):
    """The checklist of the programme's effects (seed 001) and what happened since the session, in free text.
    At least one of the two: an empty answer would count as « nothing happened » in the bilan by mistake."""

    effects = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Effets constatés depuis la séance"),
        queryset=Effect.objects.order_by("order"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=gettext_lazy("Cochez tout ce qui s'applique à votre territoire."),
    )
    comment = forms.CharField(
        label=gettext_lazy("Ce qui s'est passé depuis la séance"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=5000,
        help_text=gettext_lazy(
            "Actions lancées, partenaires mobilisés, personnes qui ont rejoint le CLSM, difficultés rencontrées… "
            "Si rien de particulier ne s'est passé, dites-le : c'est aussi une réponse utile."
        ),
    )

    class Meta:
        model = FollowUp
        fields = ["effects", "comment"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Enregistrer le suivi")))

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("effects") and not (cleaned.get("comment") or "").strip() and not self.errors:
            raise forms.ValidationError(
                _(
                    "Cochez au moins un effet ou décrivez en quelques mots ce qui s'est passé depuis la séance "
                    "(« rien de particulier » est une réponse)."
                )
            )
        return cleaned

    def save_answer(self, user) -> FollowUp:
        """Saves the checklist and the text, and who answered when (the last person to save)."""
        followup = self.save(commit=False)
        followup.comment = followup.comment.strip()
        followup.answered_at = timezone.now()
        followup.answered_by = user
        followup.save(update_fields=["comment", "answered_at", "answered_by"])
        self.save_m2m()
        return followup


class FollowUpState:
    DUE = "a_renseigner"
    UPCOMING = "a_venir"
    ANSWERED = "renseigne"
    CHOICES = [
        (DUE, gettext_lazy("À renseigner")),
        (UPCOMING, gettext_lazy("À venir")),
        (ANSWERED, gettext_lazy("Renseigné")),
    ]


def _visible_clsms(request):
    return CLSM.objects.visible_to(request.user).order_by("name") if request else CLSM.objects.none()


class FollowUpFilter(django_filters.FilterSet):
    """Pass the follow-ups the user may see as `queryset` and the `request`: the season choices are taken from
    them, the CLSM choices from the CLSM the user sees (a coordinator is offered only theirs)."""

    state = django_filters.ChoiceFilter(
        label=gettext_lazy("État"),
        choices=FollowUpState.CHOICES,
        method="filter_state",
        empty_label=gettext_lazy("Tous"),
    )
    season = django_filters.ChoiceFilter(
        label=gettext_lazy("Saison de la séance"),
        field_name="session__season",
        choices=[],
        empty_label=gettext_lazy("Toutes"),
    )
    clsm = django_filters.ModelChoiceFilter(
        label=gettext_lazy("CLSM"),
        field_name="session__clsm",
        queryset=_visible_clsms,
        empty_label=gettext_lazy("Tous"),
        widget=forms.Select(attrs={"data-enhance": "select"}),
    )

    class Meta:
        model = FollowUp
        fields = ["state", "season", "clsm"]

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, today=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.today = today or timezone.localdate()
        # One query: the seasons of the sessions whose follow-ups the user sees, newest first.
        seasons = self.queryset.order_by("-session__season").values_list("session__season", flat=True).distinct()
        self.filters["season"].extra["choices"] = [(s, s) for s in seasons]

    def filter_state(self, queryset, name, value):
        if value == FollowUpState.DUE:
            return queryset.due(self.today)
        if value == FollowUpState.UPCOMING:
            return queryset.filter(answered_at__isnull=True, due_on__gt=self.today)
        if value == FollowUpState.ANSWERED:
            return queryset.answered()
        return queryset
