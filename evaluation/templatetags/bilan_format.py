from django import template

from smdq import formatting

register = template.Library()

register.filter("fr_int", formatting.fr_int)
register.filter("fr_pct", formatting.fr_pct)
register.filter("fr_date", formatting.fr_date)
register.filter("fr_signed", formatting.fr_signed)


@register.filter
def fr_decimal(value, digits=1):
    return formatting.fr_decimal(value, int(digits))


@register.filter
def fr_mean(value, scale):
    return formatting.fr_mean(value, scale)


@register.simple_tag
def small(value, hide_small):
    return formatting.small_number(value, hide_small=hide_small)


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def profile_label(code):
    from sessions_app.models import Profile

    return Profile(code).label if code in Profile.values else code
