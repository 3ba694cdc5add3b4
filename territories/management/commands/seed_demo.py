from django.core.management.base import BaseCommand, CommandError

from territories.demo import seed_demo_clsms, seed_national_clsms
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
        if scale == "demo":
            clsms = seed_demo_clsms()
            self.stdout.write(f"Démonstration : {len(clsms)} CLSM sur des QPV réels.")
        else:
            count = seed_national_clsms()
            self.stdout.write(f"Taille nationale : {count} CLSM couvrant les {QPV.objects.count()} QPV.")
