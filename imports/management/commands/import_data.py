from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import ngettext

from imports import registry
from imports.base import ImportFailed
from imports.tables import FileError, read_table


class Command(BaseCommand):
    help = "Importe un fichier CSV ou XLSX (tout ou rien ; relancer le même fichier ne change rien)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=registry.kinds(), help="type de données")
        parser.add_argument("file", help="fichier CSV (UTF-8, « , » ou « ; ») ou XLSX")
        parser.add_argument("--dry-run", action="store_true", help="vérifie sans rien enregistrer")

    def handle(self, *args, kind, file, dry_run, **options):
        importer = registry.get(kind)()
        try:
            table = read_table(file, columns=importer.read_columns())
            result = importer.run(table, dry_run=dry_run)
        except FileError as exc:
            raise CommandError(str(exc)) from None
        except ImportFailed as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            message = ngettext(
                "%(n)s erreur dans %(file)s : rien n'a été importé. Corrigez le fichier et relancez.",
                "%(n)s erreurs dans %(file)s : rien n'a été importé. Corrigez le fichier et relancez.",
                len(exc.errors),
            )
            raise CommandError(message % {"n": len(exc.errors), "file": file}) from None
        for warning in result.warnings:
            self.stdout.write(self.style.WARNING(warning))
        self.stdout.write(result.summary())
