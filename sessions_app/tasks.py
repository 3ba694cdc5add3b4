"""Tasks of the sessions floor.

Hook for the session reminders (e-mails to animators and coordinators before a session, another change): write
them here as `@db_periodic_task(crontab(hour=..., minute=...))` functions that build their messages and hand
them to `smdq.mail.send_email_later` (the worker sends and retries them). `manage.py run_huey` imports every
app's `tasks.py` (djhuey's autodiscovery): nothing else to register. Name them in `programme/task_runs.py`
LABELS so the « Tâches » page shows them in French."""
