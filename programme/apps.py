from django.apps import AppConfig


class ProgrammeConfig(AppConfig):
    """The top floor: what spans every domain (home pages, change history, the personal-data purge across apps,
    the demonstration data). It may import every app; no app imports it."""

    name = "programme"
    verbose_name = "Programme"
