from django import template

from evaluation.suppression import Hidden, is_shown
from smdq import formatting

register = template.Library()

# What the engine hid from the funder reaches templates as `Hidden` (« < 5 »): every filter writes it as it is.


@register.filter
def fr_int(value):
    return value if isinstance(value, Hidden) else formatting.fr_int(value)


@register.filter
def fr_pct(value):
    return value if isinstance(value, Hidden) else formatting.fr_pct(value)


@register.filter
def fr_signed(value, digits=1):
    return value if isinstance(value, Hidden) else formatting.fr_signed(value, int(digits))


register.filter("fr_date", formatting.fr_date)


@register.filter
def fr_decimal(value, digits=1):
    return value if isinstance(value, Hidden) else formatting.fr_decimal(value, int(digits))


@register.filter
def fr_mean(value, scale):
    return value if isinstance(value, Hidden) else formatting.fr_mean(value, scale)


@register.filter
def shown(value):
    """A number to compute with or compare: neither hidden from the funder nor missing."""
    return is_shown(value)


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def profile_label(code):
    from sessions_app.models import Profile

    return Profile(code).label if code in Profile.values else code
