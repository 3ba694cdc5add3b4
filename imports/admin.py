from django.contrib import admin

from imports.models import PendingImport


@admin.register(PendingImport)
class PendingImportAdmin(admin.ModelAdmin):
    list_display = ("filename", "kind", "user", "state", "created_at", "applied_at", "summary")
    list_filter = ("kind", "state", "applied_at")
    search_fields = ("filename", "user__username", "summary")
    exclude = ("content", "report")
    readonly_fields = (
        "user",
        "kind",
        "filename",
        "state",
        "background",
        "rows_total",
        "rows_done",
        "created_at",
        "applied_at",
        "summary",
    )
