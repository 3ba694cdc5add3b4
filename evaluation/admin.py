from django.contrib import admin

from evaluation.models import (
    Answer,
    BilanDocument,
    BilanEdition,
    ClientSubmission,
    Effect,
    FollowUp,
    Item,
    Need,
    NeedCategory,
    Questionnaire,
    QuestionnaireLink,
    Response,
    ResponseChange,
    SessionItemSummary,
    SessionSummary,
)
from smdq.admin import ReadOnlyAdmin


class ItemInline(admin.TabularInline):
    model = Item
    extra = 0


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    list_display = ("code", "label", "valid_from", "is_current")
    inlines = [ItemInline]


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ("code", "label", "group", "scale", "order", "questionnaire")
    list_filter = ("questionnaire", "group", "scale")
    search_fields = ("code", "label")


@admin.register(NeedCategory)
class NeedCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "label", "key", "order")


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0


class NeedInline(admin.TabularInline):
    model = Need
    extra = 0
    fields = ("position", "text", "category")


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ("session", "sheet_number", "channel", "entered_by", "created_at")
    list_filter = ("channel", "session__season")
    search_fields = ("session__reference",)
    raw_id_fields = ("session", "entered_by")
    list_select_related = ("session", "entered_by")
    inlines = [AnswerInline, NeedInline]


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = ("response", "item", "value")
    list_filter = ("item__code",)
    raw_id_fields = ("response",)
    list_select_related = ("response__session", "item")


@admin.register(Need)
class NeedAdmin(admin.ModelAdmin):
    list_display = ("text", "category", "response")
    list_filter = ("category",)
    search_fields = ("text",)
    raw_id_fields = ("response",)
    list_select_related = ("category", "response__session")


@admin.register(SessionItemSummary)
class SessionItemSummaryAdmin(admin.ModelAdmin):
    list_display = ("session", "item_code", "answers", "total")
    list_filter = ("item_code",)
    raw_id_fields = ("session",)


@admin.register(SessionSummary)
class SessionSummaryAdmin(admin.ModelAdmin):
    list_display = ("session", "responses", "needs")
    raw_id_fields = ("session",)


@admin.register(ResponseChange)
class ResponseChangeAdmin(admin.ModelAdmin):
    list_display = ("session", "sheet_number", "action", "changed_by", "changed_at")
    list_filter = ("action",)
    raw_id_fields = ("session", "response")


@admin.register(ClientSubmission)
class ClientSubmissionAdmin(ReadOnlyAdmin):
    """Rows of the per-client limit of the online form, deleted after ten minutes."""

    list_display = ("session", "created_at")
    raw_id_fields = ("session",)


@admin.register(QuestionnaireLink)
class QuestionnaireLinkAdmin(admin.ModelAdmin):
    list_display = ("session", "created_at")
    raw_id_fields = ("session",)


@admin.register(BilanEdition)
class BilanEditionAdmin(admin.ModelAdmin):
    list_display = ("label", "number", "state", "published_at", "published_by", "ready_at")
    list_filter = ("state",)
    search_fields = ("label",)
    exclude = ("pdf", "pdf_funder")
    readonly_fields = (
        "scope_key",
        "scope_params",
        "label",
        "clsm_name",
        "number",
        "state",
        "progress",
        "error",
        "published_at",
        "published_by",
        "ready_at",
        "notified_at",
        "data_fingerprint",
    )


@admin.register(BilanDocument)
class BilanDocumentAdmin(admin.ModelAdmin):
    """Files kept for a scope and a data version (made again when asked after they are deleted)."""

    list_display = ("kind", "label", "hide_small", "free_text", "state", "created_at", "ready_at")
    list_filter = ("kind", "state")
    exclude = ("content",)
    readonly_fields = [f.name for f in BilanDocument._meta.fields if f.name != "content"]


@admin.register(Effect)
class EffectAdmin(admin.ModelAdmin):
    list_display = ("code", "label", "order")


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ("session", "due_on", "reminded_at", "answered_at", "answered_by")
    list_filter = ("answered_at", "effects")
    search_fields = ("session__reference", "session__clsm__name")
    raw_id_fields = ("session", "answered_by")
    filter_horizontal = ("effects",)
