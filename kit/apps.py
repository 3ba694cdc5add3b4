from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KitConfig(AppConfig):
    name = "kit"
    verbose_name = _("Kit de déploiement")

    def ready(self):
        from django.db.backends.signals import connection_created

        from evaluation import sections
        from kit.suggestions import bilan_section
        from smdq.text import register_sqlite_fold

        sections.register(bilan_section)
        # The catalogue search ignores accents on SQLite too (kit/models.py, `search`).
        connection_created.connect(register_sqlite_fold, dispatch_uid="smdq_fold")
