"""French presentation of the bilan's numbers: `4,5/5`, `8,5 %`, `2 150`, `12 mars 2023`.

The engine keeps numbers unrounded; rounding happens here, for people.
"""

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
