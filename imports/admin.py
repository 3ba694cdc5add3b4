from django.contrib import admin

from imports.models import PendingImport


@admin.register(PendingImport)
class PendingImportAdmin(admin.ModelAdmin):
    list_display = ("filename", "kind", "user", "created_at", "applied_at", "summary")
    list_filter = ("kind", "applied_at")
    search_fields = ("filename", "user__username", "summary")
    exclude = ("content",)
    readonly_fields = ("user", "kind", "filename", "created_at", "applied_at", "summary")
