from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from evaluation.responses import refresh_summaries
from sessions_app.models import AwarenessSession


class Command(BaseCommand):
    help = (
        "Reconstruit les synthèses par séance que lit le bilan (participant·es, réponses, questions, besoins, "
        "structures) à partir des données saisies. Elles sont tenues à jour à chaque écriture : cette commande "
        "sert après une intervention directe dans la base."
    )

    def handle(self, *args, **options):
        session_ids = list(AwarenessSession.objects.order_by("pk").values_list("pk", flat=True))
        refresh_summaries(session_ids, participants=True)
        n = len(session_ids)
        self.stdout.write(
            ngettext("Synthèses reconstruites pour %(n)s séance.", "Synthèses reconstruites pour %(n)s séances.", n)
            % {"n": n}
        )
