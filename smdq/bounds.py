"""The range of dates and numbers the application accepts from people, in forms, query strings and files.

Well-formed but absurd values (the year 9999, the year 1, 2^40 participants) are refused where they come in,
with a French message, before they reach a computation that overflows (a season « 9999-10000 » longer than its
column, a month after December 9999, an integer beyond PostgreSQL's 32 bits).
"""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

MIN_DATE = date(2000, 1, 1)
MAX_DATE = date(2100, 12, 31)
# The largest value of a PostgreSQL « integer » column (Django's IntegerField and PositiveIntegerField).
MAX_INT = 2**31 - 1


def date_in_range(day: date | None) -> bool:
    return day is not None and MIN_DATE <= day <= MAX_DATE


def year_in_range(year: int) -> bool:
    return MIN_DATE.year <= year <= MAX_DATE.year


def validate_date_in_range(day: date) -> None:
    if day is not None and not date_in_range(day):
        raise ValidationError(
            _("Indiquez une date comprise entre le %(min)s et le %(max)s."),
            code="date_out_of_range",
            params={"min": MIN_DATE.strftime("%d/%m/%Y"), "max": MAX_DATE.strftime("%d/%m/%Y")},
        )


def bound_fields(form: forms.BaseForm) -> None:
    """Every date field of `form` refuses dates out of range (and its date picker stops there); every integer
    field without a maximum of its own refuses values a database integer cannot hold."""
    for field in form.fields.values():
        if isinstance(field, forms.DateField) and validate_date_in_range not in field.validators:
            field.validators.append(validate_date_in_range)
            field.widget.attrs.setdefault("min", MIN_DATE.isoformat())
            field.widget.attrs.setdefault("max", MAX_DATE.isoformat())
        elif isinstance(field, forms.IntegerField) and field.max_value is None:
            field.max_value = MAX_INT
            field.validators.append(MaxValueValidator(MAX_INT))
            field.widget.attrs.setdefault("max", MAX_INT)


class BoundedFieldsMixin:
    """For a form class: `bound_fields` applied to each form built."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bound_fields(self)
