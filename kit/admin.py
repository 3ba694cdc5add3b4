from django.contrib import admin
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kit.models import ActionSheet, Determinant, ProjectType


class TaxonomyAdmin(admin.ModelAdmin):
    list_display = ("label", "code", "order", "is_other", "sheet_count")
    list_editable = ("order",)
    search_fields = ("label", "code")
    ordering = ("order", "label")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_sheets=Count("action_sheets"))

    @admin.display(description=_("fiches"), ordering="n_sheets")
    def sheet_count(self, obj):
        return obj.n_sheets


@admin.register(ProjectType)
class ProjectTypeAdmin(TaxonomyAdmin):
    pass


@admin.register(Determinant)
class DeterminantAdmin(TaxonomyAdmin):
    pass


@admin.register(ActionSheet)
class ActionSheetAdmin(admin.ModelAdmin):
    list_display = ("title", "status", "department", "region", "qpv_specific", "proposed_by", "updated_at")
    list_filter = ("status", "qpv_specific", "region", "project_types", "determinants")
    search_fields = ("title", "territory_text", "lead", "slug")
    list_select_related = ("department", "region", "proposed_by")
    autocomplete_fields = ("communes", "proposed_by", "clsm")
    filter_horizontal = ("project_types", "determinants")
    readonly_fields = ("slug", "region", "created_at", "updated_at", "published_at")
    date_hierarchy = "updated_at"
    fieldsets = (
        (_("L'action"), {"fields": ("title", "slug", "source", "status", "review_comment", "proposed_by", "clsm")}),
        (
            _("Territoire et organisation"),
            {
                "fields": (
                    "territory_text",
                    "communes",
                    "department",
                    "region",
                    "period_text",
                    "start_year",
                    "lead",
                    "authority_role",
                    "services",
                    "partners",
                )
            },
        ),
        (
            _("Budget"),
            {"fields": ("budget_operating", "budget_investment", "budget_contribution", "financial_partners")},
        ),
        (
            _("Thématiques"),
            {
                "fields": (
                    "project_types",
                    "project_type_other",
                    "qpv_specific",
                    "other_specificity",
                    "determinants",
                    "determinant_other",
                )
            },
        ),
        (_("Description"), {"fields": ("context", "objectives", "course_of_action")}),
        (
            _("Bilan"),
            {
                "fields": (
                    "mental_health_explicit",
                    "what_helped",
                    "what_hindered",
                    "inequalities",
                    "lessons",
                    "effects_indicators",
                    "all_policies",
                )
            },
        ),
        (_("Dates"), {"fields": ("created_at", "updated_at", "published_at")}),
    )

    def save_model(self, request, obj, form, change):
        # A sheet published from here rather than through the review page still gets its publication date.
        if obj.status == ActionSheet.Status.PUBLISHED and obj.published_at is None:
            obj.published_at = timezone.now()
        super().save_model(request, obj, form, change)
