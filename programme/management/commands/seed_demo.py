import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from programme.demo import seed_demo, seed_national
from territories.models import CLSM, QPV


class Command(BaseCommand):
    help = (
        "Remplit la base avec des données de démonstration : « demo » (petit, réaliste, pour essayer l'interface) "
        "ou « national » (la taille du programme national, pour les mesures de performance)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=["demo", "national"], default="demo")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="ne fait rien si la base contient déjà des CLSM (relance rapide)",
        )

    def handle(self, *args, scale, if_empty, **options):
        if not QPV.objects.exists():
            raise CommandError("Le référentiel des QPV est vide : lancez d'abord « manage.py load_territories ».")
        if if_empty and CLSM.objects.exists():
            self.stdout.write("Données de démonstration déjà présentes : rien à faire.")
            return
        started = time.monotonic()
        if scale == "demo":
            count, summary, discoveries = seed_demo(with_accounts=settings.DEBUG)
            self.stdout.write(f"Démonstration : {count} CLSM sur des QPV réels.")
            self.stdout.write(summary.line("Démonstration"))
            self.stdout.write(discoveries.line())
        else:
            summary = seed_national(progress=self.stdout.write)
            self.stdout.write(summary.line("Taille nationale"))
            self.stdout.write(f"Chargé en {time.monotonic() - started:.0f} s.")
