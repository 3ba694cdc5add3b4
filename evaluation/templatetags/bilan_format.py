from django import template
from django.utils.translation import ngettext

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


# A value hidden from the funder (« < 5 ») or missing is read in the plural: « < 5 participant·es ».
_PLURAL = 5


@register.filter
def figure_label(value, key):
    """The words under a key figure, agreeing with it: « 1 sollicitation », « 0 séance réalisée », « 2 CLSM
    impliqués » (French: 0 and 1 take the singular; the catalogue's plural rule)."""
    n = value if isinstance(value, int | float) and not isinstance(value, bool) else _PLURAL
    n = int(abs(n))
    labels = {
        "sollicitations": lambda: ngettext("sollicitation", "sollicitations", n),
        "clsm": lambda: ngettext("CLSM impliqué", "CLSM impliqués", n),
        "sessions": lambda: ngettext("séance réalisée", "séances réalisées", n),
        "qpv": lambda: ngettext("QPV couvert", "QPV couverts", n),
        "participants": lambda: ngettext("participant·e", "participant·es", n),
        "structures": lambda: ngettext("structure représentée", "structures représentées", n),
        "responses": lambda: ngettext("questionnaire reçu", "questionnaires reçus", n),
        "needs": lambda: ngettext("besoin exprimé", "besoins exprimés", n),
        "self_run_sessions": lambda: ngettext(
            "séance animée par le territoire", "séances animées par le territoire", n
        ),
        "not_categorised": lambda: ngettext("pas encore catégorisé", "pas encore catégorisés", n),
        "compared_sessions": lambda: ngettext("séance", "séances", n),
        "compared_participants": lambda: ngettext("participant·e", "participant·es", n),
        "compared_responses": lambda: ngettext("questionnaire", "questionnaires", n),
    }
    return labels[key]()
