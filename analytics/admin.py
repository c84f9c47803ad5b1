from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from analytics import services
from analytics.models import FormSettings, Interaction, Location, PatronType, QuestionType, ReferralSource


class ChoiceAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "active"]
    list_editable = ["position", "active"]
    list_filter = ["active"]
    search_fields = ["name"]


for choice_model in (Location, QuestionType, PatronType, ReferralSource):
    admin.site.register(choice_model, ChoiceAdmin)


@admin.register(FormSettings)
class FormSettingsAdmin(admin.ModelAdmin):
    """One row: which optional fields the End Chat and Record interaction forms require."""

    fieldsets = [
        (
            _("Required fields"),
            {
                "description": _(
                    "Location, mode and duration are always required. Tick the other fields operators must fill in."
                ),
                "fields": list(FormSettings.CONFIGURABLE.values()),
            },
        )
    ]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not FormSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = [
        "happened_at",
        "mode",
        "location",
        "duration_minutes",
        "department",
        "operator",
        "question_type",
        "read_scale",
        "patron_type",
        "referral_source",
    ]
    list_filter = ["mode", "location", "department", "question_type", "read_scale", "patron_type"]
    list_select_related = ["location", "department", "operator", "question_type", "patron_type", "referral_source"]
    date_hierarchy = "happened_at"
    raw_id_fields = ["chat", "ticket", "operator"]
    # A million rows: counting them for every page of the changelist would be the slowest part.
    show_full_result_count = False

    # Through the services, so the report rollups follow every edit and delete.
    def save_model(self, request, obj, form, change):
        services.save_interaction_edit(actor=request.user, interaction=obj)

    def delete_model(self, request, obj):
        services.delete_interactions(actor=request.user, interactions=[obj])

    def delete_queryset(self, request, queryset):
        services.delete_interactions(actor=request.user, interactions=list(queryset.only("pk")))
