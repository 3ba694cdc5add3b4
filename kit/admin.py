from django import forms
from django.contrib import admin
from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evaluation.models import NeedCategory
from kit.models import ActionSheet, Determinant, NeedActionMapping, ProjectType, Resource


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


def _need_category_choices():
    return [(c.code, f"{c.label} ({c.code})") for c in NeedCategory.objects.order_by("order")]


class NeedActionMappingForm(forms.ModelForm):
    need_category_code = forms.ChoiceField(label=_("catégorie de besoin"), choices=_need_category_choices)

    class Meta:
        model = NeedActionMapping
        fields = ("need_category_code", "project_types", "determinants")


@admin.register(NeedActionMapping)
class NeedActionMappingAdmin(admin.ModelAdmin):
    """Which catalogue actions the bilan suggests for each need category: a sheet answers a category when it
    has one of its project types or one of its determinants."""

    form = NeedActionMappingForm
    list_display = ("need_category", "project_type_list", "determinant_list")
    filter_horizontal = ("project_types", "determinants")

    def get_queryset(self, request):
        label = NeedCategory.objects.filter(code=OuterRef("need_category_code")).values("label")[:1]
        return (
            super()
            .get_queryset(request)
            .annotate(category_label=Subquery(label))
            .prefetch_related("project_types", "determinants")
        )

    @admin.display(description=_("catégorie de besoin"), ordering="need_category_code")
    def need_category(self, obj):
        return obj.category_label or obj.need_category_code

    @admin.display(description=_("types de projet"))
    def project_type_list(self, obj):
        return ", ".join(item.label for item in obj.project_types.all()) or "–"

    @admin.display(description=_("déterminants"))
    def determinant_list(self, obj):
        return ", ".join(item.label for item in obj.determinants.all()) or "–"


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    """Read and delete only: files are uploaded through the kit's own page, which checks their type and size."""

    list_display = ("title", "kind", "version", "audience", "is_published", "uploaded_at")
    list_filter = ("kind", "audience", "is_published")
    search_fields = ("title", "description")
    readonly_fields = ("file", "original_name", "size", "content_type", "uploaded_by", "uploaded_at")

    def has_add_permission(self, request):
        return False
