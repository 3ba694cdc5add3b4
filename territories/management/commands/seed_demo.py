import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sessions_app.demo import delete_national_sessions, seed_demo_sessions, seed_national_sessions
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
        started = time.monotonic()
        if scale == "demo":
            clsms = seed_demo_clsms()
            if settings.DEBUG:
                # The demo accounts exist before the sessions, so that the chargée animates them.
                from accounts.demo import ensure_demo_accounts

                ensure_demo_accounts()
            self.stdout.write(f"Démonstration : {len(clsms)} CLSM sur des QPV réels.")
            self.stdout.write(seed_demo_sessions().line("Démonstration"))
        else:
            # The national CLSM are generated again: their sessions and requests go first.
            delete_national_sessions(progress=self.stdout.write)
            count = seed_national_clsms()
            self.stdout.write(f"Taille nationale : {count} CLSM couvrant les {QPV.objects.count()} QPV.")
            summary = seed_national_sessions(progress=self.stdout.write)
            self.stdout.write(summary.line("Taille nationale"))
            self.stdout.write(f"Chargé en {time.monotonic() - started:.0f} s.")
