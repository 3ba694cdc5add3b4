from django.contrib import admin

from territories.models import (
    CLSM,
    QPV,
    Commune,
    ContactRequest,
    Department,
    Invitation,
    QPVPerimeter,
    ReferenceDataset,
    Region,
)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "region")
    list_filter = ("region",)
    search_fields = ("code", "name")


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "department")
    list_filter = ("kind", "department__region")
    search_fields = ("code", "name")
    list_select_related = ("department",)


@admin.register(QPV)
class QPVAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "list_year", "department")
    list_filter = ("list_year", "department__region", "department")
    search_fields = ("code", "name", "communes__name")
    list_select_related = ("department",)
    autocomplete_fields = ("communes",)


@admin.register(QPVPerimeter)
class QPVPerimeterAdmin(admin.ModelAdmin):
    list_display = ("qpv",)
    search_fields = ("qpv__code", "qpv__name")
    raw_id_fields = ("qpv",)


@admin.register(CLSM)
class CLSMAdmin(admin.ModelAdmin):
    list_display = ("name", "status", "contact_email", "updated_at")
    list_filter = ("status", "qpvs__department__region")
    search_fields = ("name", "qpvs__code", "communes__name")
    autocomplete_fields = ("qpvs", "communes", "coordinators")


@admin.register(ReferenceDataset)
class ReferenceDatasetAdmin(admin.ModelAdmin):
    list_display = ("name", "fingerprint", "loaded_at")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are sent, resent and revoked from the coordinators page; the admin reads them."""

    list_display = ("email", "last_name", "first_name", "sent_at", "accepted_at", "revoked_at")
    search_fields = ("email", "last_name", "first_name")
    readonly_fields = ("nonce",)
    raw_id_fields = ("invited_by", "user")
    filter_horizontal = ("clsms",)


@admin.register(ContactRequest)
class ContactRequestAdmin(admin.ModelAdmin):
    list_display = ("clsm_name", "email", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("clsm_name", "email", "last_name")
    readonly_fields = ("client_key",)
