from django.contrib import admin

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
            "Required fields",
            {
                "description": "Location, mode and duration are always required. "
                "Tick the other fields operators must fill in.",
                "fields": list(FormSettings.CONFIGURABLE.values()),
            },
        )
    ]

    def has_add_permission(self, request):
        return not FormSettings.objects.exists()

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
