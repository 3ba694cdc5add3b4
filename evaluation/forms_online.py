"""The public questionnaire form a participant fills on their phone: every question may be left blank."""

from django import forms
from django.utils.translation import gettext as _

from evaluation.online import item_groups, scale_ends
from evaluation.responses import MAX_NEEDS, Sheet

NO_ANSWER = "sans_reponse"
NEED_MAX_LENGTH = 500
COMMENT_MAX_LENGTH = 3000


class ScaleField(forms.ChoiceField):
    """1 to the item's scale, or « Je ne souhaite pas répondre »; cleans to an int or None (no answer)."""

    def __init__(self, item, **kwargs):
        self.item = item
        self.low, self.high = scale_ends(item)
        choices = [(str(value), str(value)) for value in range(1, item.scale + 1)]
        choices.append((NO_ANSWER, _("Je ne souhaite pas répondre")))
        message = _("Choisissez une réponse de 1 à %(scale)s, ou « Je ne souhaite pas répondre ».") % {
            "scale": item.scale
        }
        super().__init__(
            choices=choices,
            required=False,
            label=item.label,
            error_messages={"invalid_choice": message},
            widget=forms.RadioSelect(attrs={"class": "btn-check"}),
            **kwargs,
        )

    def clean(self, value):
        value = super().clean(value)
        return None if value in ("", NO_ANSWER) else int(value)


class OnlineQuestionnaireForm(forms.Form):
    """One field per item (named by its code), `besoin_1` to `besoin_3` and `commentaire`, as in the import format."""

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[item.code] = ScaleField(item)
        for position in range(1, MAX_NEEDS + 1):
            self.fields[f"besoin_{position}"] = forms.CharField(
                label=_("Besoin n° %(n)s") % {"n": position},
                required=False,
                max_length=NEED_MAX_LENGTH,
                widget=forms.TextInput(attrs={"autocomplete": "off"}),
            )
        self.fields["commentaire"] = forms.CharField(
            label=_("Un commentaire, une suggestion ?"),
            required=False,
            max_length=COMMENT_MAX_LENGTH,
            widget=forms.Textarea(attrs={"rows": 4}),
        )

    def groups(self):
        """The groups of questions with, for each question, its bound field (for the template)."""
        groups = item_groups(self.items)
        for group in groups:
            group.fields = [self[item.code] for item in group.items]
        return groups

    def need_fields(self):
        return [self[f"besoin_{position}"] for position in range(1, MAX_NEEDS + 1)]

    def fields_in_error(self):
        return [field for field in self if field.errors]

    def sheet(self) -> Sheet:
        data = self.cleaned_data
        return Sheet(
            answers={item.code: data[item.code] for item in self.items},
            needs=[(data[f"besoin_{position}"], None) for position in range(1, MAX_NEEDS + 1)],
            comment=data["commentaire"],
        )
