from django.contrib import admin
from django.db import transaction

from sessions_app.models import (
    AwarenessSession,
    AwarenessSessionChange,
    DataVersion,
    Participant,
    SessionParticipantSummary,
    SessionRequest,
    SessionRequestChange,
    SessionRequestPeriod,
    SessionStructure,
    SessionValidationChange,
    Structure,
)
from sessions_app.summaries import refresh_participant_summaries


class SessionRequestPeriodInline(admin.TabularInline):
    model = SessionRequestPeriod
    extra = 0


class SessionRequestChangeInline(admin.TabularInline):
    model = SessionRequestChange
    extra = 0
    readonly_fields = ("from_status", "to_status", "changed_by", "changed_at", "reason")
    can_delete = False


@admin.register(SessionRequest)
class SessionRequestAdmin(admin.ModelAdmin):
    list_display = ("reference", "clsm", "requested_on", "status", "expected_size")
    list_filter = ("status", "clsm__qpvs__department__region")
    search_fields = ("reference", "clsm__name", "message")
    autocomplete_fields = ("clsm", "qpvs", "created_by")
    inlines = [SessionRequestPeriodInline, SessionRequestChangeInline]
    list_select_related = ("clsm",)


class AwarenessSessionChangeInline(admin.TabularInline):
    model = AwarenessSessionChange
    extra = 0
    readonly_fields = ("from_status", "to_status", "changed_by", "changed_at", "reason")
    can_delete = False


@admin.register(AwarenessSession)
class AwarenessSessionAdmin(admin.ModelAdmin):
    list_display = ("reference", "clsm", "date", "status", "season", "expected_attendance", "actual_attendance")
    list_filter = ("status", "season", "clsm__qpvs__department__region")
    search_fields = ("reference", "clsm__name", "venue")
    autocomplete_fields = ("clsm", "qpvs", "commune", "animators", "coordinator", "request")
    date_hierarchy = "date"
    inlines = [AwarenessSessionChangeInline]
    list_select_related = ("clsm",)


@admin.register(SessionRequestChange, AwarenessSessionChange, SessionValidationChange)
class StatusChangeAdmin(admin.ModelAdmin):
    list_display = ("__str__", "from_status", "to_status", "changed_by", "changed_at")
    list_filter = ("to_status",)


@admin.register(Structure)
class StructureAdmin(admin.ModelAdmin):
    list_display = ("name", "key")
    search_fields = ("name", "key")


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ("session", "line", "gender", "profile", "structure", "lives_in_qpv", "acts_in_qpv")
    list_filter = ("gender", "profile", "lives_in_qpv", "acts_in_qpv")
    search_fields = ("session__reference", "structure__name", "last_name")
    autocomplete_fields = ("session", "structure")
    list_select_related = ("session", "structure")

    # The bilan reads per-session summaries: an edit here refreshes them (and its session's former one).
    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            before = Participant.objects.filter(pk=obj.pk).values_list("session_id", flat=True).first()
            super().save_model(request, obj, form, change)
            refresh_participant_summaries({obj.session_id, before} - {None})

    def delete_model(self, request, obj):
        with transaction.atomic():
            super().delete_model(request, obj)
            refresh_participant_summaries([obj.session_id])

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            sessions = set(queryset.values_list("session_id", flat=True))
            super().delete_queryset(request, queryset)
            refresh_participant_summaries(sessions)


@admin.register(SessionRequestPeriod)
class SessionRequestPeriodAdmin(admin.ModelAdmin):
    list_display = ("request", "start", "end")
    search_fields = ("request__reference",)


# What the bilan reads (sessions_app/summaries.py): kept up to date by the write paths, shown for inspection.
@admin.register(SessionParticipantSummary)
class SessionParticipantSummaryAdmin(admin.ModelAdmin):
    list_display = ("session", "rows", "with_gender", "women", "lives_known", "acts_known")
    raw_id_fields = ("session",)


@admin.register(SessionStructure)
class SessionStructureAdmin(admin.ModelAdmin):
    list_display = ("session", "structure")
    raw_id_fields = ("session", "structure")


@admin.register(DataVersion)
class DataVersionAdmin(admin.ModelAdmin):
    list_display = ("season", "counter")
