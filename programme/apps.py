from django.apps import AppConfig


class ProgrammeConfig(AppConfig):
    """The top floor: what spans every domain (home pages, change history, the personal-data purge across apps,
    the demonstration data, the record of the worker's tasks). It may import every app; no app imports it."""

    name = "programme"
    verbose_name = "Programme"

    def ready(self):
        from programme import task_runs

        # Every task of every app, in the web process (enqueued) and in the worker (the rest).
        task_runs.connect()
        # The e-mail task: `smdq` is not an installed app, so run_huey's autodiscovery of `tasks.py` misses it.
        import smdq.tasks  # noqa: F401
