from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TerritoriesConfig(AppConfig):
    name = "territories"
    verbose_name = _("Territoires")

    def ready(self):
        from imports import registry
        from territories.importers import CLSMImporter

        registry.register(CLSMImporter)
