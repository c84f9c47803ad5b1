from django.contrib import admin

from analytics.models import Interaction, Location


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "active"]
    list_editable = ["position", "active"]


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ["happened_at", "mode", "location", "duration_minutes", "department", "operator", "referred_by"]
    list_filter = ["mode", "location", "department"]
    list_select_related = ["location", "department", "operator"]
    date_hierarchy = "happened_at"
    raw_id_fields = ["chat"]
