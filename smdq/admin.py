from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the application writes and deletes itself (the limits' keyed hashes): shown, never added or changed."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
