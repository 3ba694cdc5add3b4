from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("Évaluation et bilans")

    def ready(self):
        from evaluation.importers import QuestionnaireImporter
        from evaluation.models import FollowUp
        from imports import registry
        from sessions_app.summaries import bump_on_changes_of

        bump_on_changes_of(FollowUp)

        registry.register(QuestionnaireImporter)
