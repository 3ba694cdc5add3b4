from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DEMO_PASSWORD
from programme.demo import attach_demo_accounts


class Command(BaseCommand):
    help = "Crée (si besoin) un compte de démonstration par rôle et affiche comment se connecter."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/")
        parser.add_argument("--force", action="store_true", help="autorise la création hors DEBUG")

    def handle(self, *args, url, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Les comptes de démonstration ne se créent qu'en développement (DEBUG=1) ou avec --force."
            )
        accounts = attach_demo_accounts()
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"La santé mentale dans mon quartier : {url}"))
        self.stdout.write(f"Comptes de démonstration (mot de passe pour tous : {DEMO_PASSWORD}) :")
        for user, clsms in accounts:
            extra = f" — {', '.join(clsms)}" if clsms else ""
            self.stdout.write(f"  {user.get_role_display():<40} identifiant : {user.username}{extra}")
        self.stdout.write("")
