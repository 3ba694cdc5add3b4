from django.core.management.base import BaseCommand

from territories.models import QPV, Commune, Department, Region
from territories.reference_data import load_reference_data


class Command(BaseCommand):
    help = "Charge les régions, départements, communes (COG 2024) et les 1 584 QPV de 2024 livrés avec l'application."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="recharge même si les fichiers n'ont pas changé")

    def handle(self, *args, force, **options):
        loaded = load_reference_data(force=force)
        for line in loaded:
            self.stdout.write(f"Chargé : {line}")
        self.stdout.write(
            f"Référentiel : {Region.objects.count()} régions, {Department.objects.count()} départements, "
            f"{Commune.objects.count()} communes, {QPV.objects.count()} QPV" + ("" if loaded else " (déjà à jour)")
        )
