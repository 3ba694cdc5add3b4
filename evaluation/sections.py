"""Sections that apps above evaluation add to the bilan page, so that the page shows them without this app
knowing those apps (the kit's « Des besoins aux actions »). An app registers, in its AppConfig.ready(), a
function (scope, bilan figures) → HTML; the dashboard renders them below the needs, in registration order."""

from collections.abc import Callable

from django.utils.safestring import SafeString

_sections: list[Callable[..., SafeString]] = []


def register(section: Callable[..., SafeString]) -> Callable[..., SafeString]:
    if section not in _sections:
        _sections.append(section)
    return section


def render_sections(scope, data: dict) -> list[SafeString]:
    return [section(scope, data) for section in _sections]
