"""The paper questionnaire as a Django form, built from the items of a questionnaire version.

Field names are the ones the response service reports its errors on (item code, `besoin_N`,
`besoin_N_categorie`), so that an error found by the service lands next to the field it concerns."""

from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from evaluation.models import Item, NeedCategory, Response
from evaluation.responses import MAX_NEEDS, Sheet
from smdq.bounds import BoundedFieldsMixin

NEED_MAX_LENGTH = 1000
COMMENT_MAX_LENGTH = 2000


class ScaleField(forms.IntegerField):
    """One item: a value from 1 to its scale, or nothing (a blank is « no answer », never 0)."""

    def __init__(self, *, scale: int, **kwargs):
        self.scale = scale
        choices = [(str(value), str(value)) for value in range(1, scale + 1)] + [("", _("sans réponse"))]
        super().__init__(required=False, widget=forms.RadioSelect(choices=choices), **kwargs)

    def validate(self, value):
        super().validate(value)
        if value is not None and not 1 <= value <= self.scale:
            # Same wording as the response service (and the file import) for the same mistake.
            raise ValidationError(
                _("%(value)s est hors de l'échelle de cette question (1 à %(scale)s)")
                % {"value": value, "scale": self.scale},
                code="out_of_scale",
            )


@dataclass
class ItemRow:
    number: int
    item: Item
    field: forms.BoundField

    @property
    def checked_value(self) -> str:
        """The radio shown checked: the value when it is on the scale, otherwise « sans réponse »."""
        value = self.field.value()
        value = "" if value is None else str(value).strip()
        return value if value in {str(v) for v in range(1, self.item.scale + 1)} else ""


@dataclass
class NeedRow:
    position: int
    text: forms.BoundField
    category: forms.BoundField


def need_field(position: int) -> str:
    return f"besoin_{position}"


def need_category_field(position: int) -> str:
    return f"besoin_{position}_categorie"


class SheetForm(BoundedFieldsMixin, forms.Form):
    """A paper questionnaire: one radio group per item (in the questionnaire's order), three needs with an
    optional category, a comment, and the sheet number the screen showed when the typing started."""

    sheet_number = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, data=None, *, items: list[Item], categories: list[NeedCategory], **kwargs):
        super().__init__(data, **kwargs)
        self.items = list(items)
        self.categories = list(categories)
        for item in self.items:
            self.fields[item.code] = ScaleField(scale=item.scale, label=item.label)
        category_choices = [("", _("catégorie (facultatif)"))] + [
            (category.code, f"{category.key} – {category.label}") for category in self.categories
        ]
        for position in range(1, MAX_NEEDS + 1):
            self.fields[need_field(position)] = forms.CharField(
                label=_("Besoin %(n)s") % {"n": position},
                required=False,
                max_length=NEED_MAX_LENGTH,
                widget=forms.TextInput(attrs={"autocomplete": "off"}),
            )
            self.fields[need_category_field(position)] = forms.ChoiceField(
                label=_("Catégorie du besoin %(n)s") % {"n": position}, required=False, choices=category_choices
            )
        # An <input>, not a <textarea>: Enter saves the sheet from every field.
        self.fields["commentaire"] = forms.CharField(
            label=_("Commentaire"),
            required=False,
            max_length=COMMENT_MAX_LENGTH,
            widget=forms.TextInput(attrs={"autocomplete": "off"}),
        )

    def clean(self):
        cleaned = super().clean()
        for position in range(1, MAX_NEEDS + 1):
            text = (cleaned.get(need_field(position)) or "").strip()
            if cleaned.get(need_category_field(position)) and not text:
                self.add_error(need_field(position), _("une catégorie sans texte de besoin"))
        return cleaned

    # Layout ---------------------------------------------------------------------------------------

    def item_rows(self) -> list[ItemRow]:
        return [ItemRow(number, item, self[item.code]) for number, item in enumerate(self.items, start=1)]

    def item_groups(self) -> list[tuple[str, list[ItemRow]]]:
        """Items under their group heading, in the questionnaire's order, as on the paper sheet."""
        groups: list[tuple[str, list[ItemRow]]] = []
        for row in self.item_rows():
            label = Item.Group(row.item.group).label if row.item.group in Item.Group.values else row.item.group
            if not groups or groups[-1][0] != label:
                groups.append((label, []))
            groups[-1][1].append(row)
        return groups

    def need_rows(self) -> list[NeedRow]:
        return [
            NeedRow(position, self[need_field(position)], self[need_category_field(position)])
            for position in range(1, MAX_NEEDS + 1)
        ]

    def first_error_field(self) -> str | None:
        """The field to put the cursor on when the form comes back with errors."""
        order = [item.code for item in self.items]
        for position in range(1, MAX_NEEDS + 1):
            order += [need_field(position), need_category_field(position)]
        order.append("commentaire")
        return next((name for name in order if name in self.errors), None)

    # Data -------------------------------------------------------------------------------------------

    def to_sheet(self) -> Sheet:
        data = self.cleaned_data
        return Sheet(
            answers={item.code: data.get(item.code) for item in self.items},
            needs=[
                (data.get(need_field(position)) or "", data.get(need_category_field(position)) or None)
                for position in range(1, MAX_NEEDS + 1)
            ],
            comment=data.get("commentaire") or "",
        )

    def add_service_errors(self, error: ValidationError) -> None:
        """Puts the response service's errors next to their fields (the others above the form)."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for key, errors in error.message_dict.items():
            self.add_error(key if key in self.fields and key != "sheet_number" else None, errors)


def initial_from_response(response: Response) -> dict:
    """The form's initial data from a saved sheet (answers with their item, needs with their category)."""
    initial = {answer.item.code: answer.value for answer in response.answers.all()}
    for position, need in enumerate(response.needs.all(), start=1):
        initial[need_field(position)] = need.text
        initial[need_category_field(position)] = need.category.code if need.category else ""
    initial["commentaire"] = response.comment
    return initial
