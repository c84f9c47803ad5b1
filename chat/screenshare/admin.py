from django.contrib import admin

from chat.screenshare.models import MeetingRoom, ScreenshareRequest


@admin.register(MeetingRoom)
class MeetingRoomAdmin(admin.ModelAdmin):
    """The library's meeting link (no operator) and operators' own links, used by Request Screenshare."""

    list_display = ["__str__", "operator", "url"]
    list_select_related = ["operator"]
    autocomplete_fields = ["operator"]


@admin.register(ScreenshareRequest)
class ScreenshareRequestAdmin(admin.ModelAdmin):
    list_display = ["chat", "operator", "status", "created_at", "answered_at"]
    list_filter = ["status"]
    list_select_related = ["chat", "operator"]
    readonly_fields = ["chat", "operator", "status", "meeting_url", "created_at", "answered_at"]
