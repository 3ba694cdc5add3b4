from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SessionsAppConfig(AppConfig):
    name = "sessions_app"
    verbose_name = _("Sollicitations et séances")

    def ready(self):
        from imports import registry
        from sessions_app.importers import AwarenessSessionImporter, ParticipantImporter, SessionRequestImporter
        from sessions_app.models import AwarenessSession, SessionRequest
        from sessions_app.summaries import bump_on_changes_of

        bump_on_changes_of(AwarenessSession, SessionRequest)

        registry.register(SessionRequestImporter)
        registry.register(AwarenessSessionImporter)
        registry.register(ParticipantImporter)
