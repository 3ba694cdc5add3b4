from django.contrib import admin

from programme.models import TaskRun


@admin.register(TaskRun)
class TaskRunAdmin(admin.ModelAdmin):
    """Read only: the worker writes these rows (programme/task_runs.py)."""

    list_display = ("name", "description", "state", "attempts", "enqueued_at", "finished_at")
    list_filter = ("state", "name")
    readonly_fields = [f.name for f in TaskRun._meta.fields]
