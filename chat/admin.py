from django.contrib import admin

from chat.models import CannedMessage, Chat, ChatEvent, Message, TranscriptEmail, Transfer


@admin.register(CannedMessage)
class CannedMessageAdmin(admin.ModelAdmin):
    list_display = ["title", "department", "position"]
    list_filter = ["department"]
    search_fields = ["title", "body"]
    list_select_related = ["department"]


class MessageInline(admin.TabularInline):
    model = Message
    fields = ["created_at", "sender", "operator", "body"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ChatEventInline(admin.TabularInline):
    model = ChatEvent
    fields = ["created_at", "kind", "actor", "detail"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Chat)
class ChatAdmin(admin.ModelAdmin):
    list_display = ["short_id", "department", "status", "source", "patron_name", "operator", "created_at", "rating"]
    list_filter = ["status", "source", "department"]
    search_fields = ["patron_name", "patron_email", "question"]
    list_select_related = ["department", "operator"]
    readonly_fields = [f.name for f in Chat._meta.fields]
    inlines = [MessageInline, ChatEventInline]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False


@admin.register(TranscriptEmail)
class TranscriptEmailAdmin(admin.ModelAdmin):
    list_display = ["chat", "to_email", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status"]
    list_select_related = ["chat"]
    readonly_fields = ["chat", "to_email", "requested_by", "status", "attempts", "last_error", "created_at", "sent_at"]


@admin.register(Transfer)
class TransferAdmin(admin.ModelAdmin):
    list_display = ["chat", "from_operator", "to_operator", "to_department", "status", "created_at", "answered_at"]
    list_filter = ["status", "to_department"]
    list_select_related = ["chat", "from_operator", "to_operator", "to_department"]
    readonly_fields = [
        "chat",
        "from_operator",
        "to_operator",
        "to_department",
        "note",
        "status",
        "created_at",
        "answered_at",
    ]


# SMS and screenshare keep their admin beside their code; importing registers it.
import chat.screenshare.admin  # noqa: E402, F401
import chat.sms.admin  # noqa: E402, F401
