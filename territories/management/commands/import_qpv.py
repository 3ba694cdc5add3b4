from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import ngettext

from imports.base import ImportFailed
from imports.tables import FileError
from territories.qpv_import import import_qpv_file


class Command(BaseCommand):
    help = (
        "Importe la liste officielle des QPV (CSV ou XLSX de l'ANCT, liste 2015 ou 2024, GeoJSON des périmètres). "
        "Crée ou met à jour, sans jamais dupliquer ; rien n'est écrit si une ligne est fausse."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="fichier CSV, XLSX, GeoJSON ou JSON(.gz)")

    def handle(self, *args, file, **options):
        try:
            result = import_qpv_file(file)
        except FileError as exc:
            raise CommandError(str(exc)) from None
        except ImportFailed as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            message = ngettext(
                "%(n)s erreur dans %(file)s : aucun QPV n'a été importé.",
                "%(n)s erreurs dans %(file)s : aucun QPV n'a été importé.",
                len(exc.errors),
            )
            raise CommandError(message % {"n": len(exc.errors), "file": file}) from None
        self.stdout.write(result.summary())
