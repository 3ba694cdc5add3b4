from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KitConfig(AppConfig):
    name = "kit"
    verbose_name = _("Kit de déploiement")

    def ready(self):
        from evaluation import sections
        from kit.suggestions import bilan_section

        sections.register(bilan_section)
