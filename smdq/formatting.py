"""French presentation of the bilan's numbers: `4,5/5`, `8,5 %`, `2 150`, `12 mars 2023`.

The engine keeps numbers unrounded; rounding happens here, for people.
"""

import unicodedata
from datetime import date

NBSP = "\u00a0"  # between a number and its unit (« 8,5 % »)
THIN_NBSP = "\u202f"  # thousands separator (« 2 150 »), as the French typographic rules and CLDR use

MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


def fr_int(value) -> str:
    if value is None:
        return "–"
    return f"{round(value):,}".replace(",", THIN_NBSP)


def fr_decimal(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    text = f"{value:,.{digits}f}".replace(",", "\x00").replace(".", ",").replace("\x00", THIN_NBSP)
    if digits and text.endswith("," + "0" * digits):
        text = text[: -(digits + 1)]  # 4,0 reads « 4 », as in the programme's published bilans
    return text


def fr_pct(value, digits: int = 1) -> str:
    return "–" if value is None else f"{fr_decimal(value, digits)}{NBSP}%"


def fr_mean(value, scale) -> str:
    return "–" if value is None else f"{fr_decimal(value, 1)}/{scale}"


def fr_date(value: date | None) -> str:
    if value is None:
        return "–"
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MONTHS[value.month - 1]} {value.year}"


def fr_signed(value, digits: int = 1) -> str:
    """A difference with its sign: « +0,2 », « −3 » (a true minus sign), « 0 »."""
    if value is None:
        return "–"
    if round(value, digits) == 0:
        return "0"
    text = fr_decimal(abs(value), digits)
    return f"+{text}" if value > 0 else f"\u2212{text}"


def french_key(text: str) -> tuple[str, str]:
    """Sort key of a French name as a reader looks for it: « Île-de-France » among the I, « Élu·e » among the E,
    whatever the database's collation (SQLite's and PostgreSQL's « C » put every accented capital after Z)."""
    text = str(text)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold(), text


def in_french_order(choices) -> list:
    """A field's (value, label) choices sorted with french_key, the empty choice (« Toutes ») kept first."""
    choices = list(choices)
    empty = [choice for choice in choices if choice[0] in ("", None)]
    return empty + sorted((c for c in choices if c[0] not in ("", None)), key=lambda choice: french_key(choice[1]))


def in_french_order_when_drawn(field) -> None:
    """Puts a model choice field's choices in French order (french_key), read from the database once, when the field
    is first drawn: the field makes a new iterator at each access, and its widget and the template each read one."""

    class InFrenchOrder(field.iterator):  # Django's or django-filter's, which adds the filter's empty choice
        def __iter__(self):
            if getattr(self.field, "_in_french_order", None) is None:
                self.field._in_french_order = in_french_order(super().__iter__())
            return iter(self.field._in_french_order)

    field.iterator = InFrenchOrder
    field.widget.choices = field.choices
