from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from imports.models import purge_expired_pending_imports


class Command(BaseCommand):
    help = (
        "Supprime les fichiers déposés pour import dont l'aperçu n'a pas été confirmé depuis PENDING_IMPORT_HOURS "
        "heures (à lancer toutes les heures)."
    )

    def handle(self, *args, **options):
        deleted = purge_expired_pending_imports()
        hours = settings.PENDING_IMPORT_HOURS
        self.stdout.write(
            ngettext(
                "%(n)s fichier d'import non confirmé depuis plus de %(hours)s h supprimé.",
                "%(n)s fichiers d'import non confirmés depuis plus de %(hours)s h supprimés.",
                deleted,
            )
            % {"n": deleted, "hours": hours}
        )
