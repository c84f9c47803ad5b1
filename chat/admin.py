from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from chat.bans import lift_ban
from chat.models import Ban, CannedMessage, Chat, ChatEvent, Message, TranscriptEmail, Transfer
from chat.services import close_chat_for_operator, send_transcript_again
from chat.transfers import reassign_chat
from deskservice import audit
from deskservice.admin_actions import choose_operator_then, run_each
from deskservice.admin_export import export_csv_action, has_export_permission
from deskservice.outbox_admin import SendAgainAdmin


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
    actions = [
        export_csv_action(
            [
                ("id", "pk"),
                ("department", "department.name"),
                ("source", "source"),
                ("status", "status"),
                ("operator", "operator.display_name"),
                ("created_at", "created_at"),
                ("claimed_at", "claimed_at"),
                ("ended_at", "ended_at"),
                ("rating", "rating"),
            ],
            filename="chats.csv",
        ),
        "reassign_chats",
        "close_chats",
    ]

    def has_add_permission(self, request):
        return False

    def has_reassign_permission(self, request):
        return request.user.has_perm("chat.reassign_chat")

    @admin.action(description=_("Reassign to an operator"), permissions=["reassign"])
    def reassign_chats(self, request, queryset):
        return choose_operator_then(
            request,
            queryset,
            action="reassign_chats",
            question=gettext("Reassign these chats to an operator who is online:"),
            button=gettext("Reassign"),
            apply=lambda chat, operator: reassign_chat(chat=chat, supervisor=request.user, to_operator=operator),
        )

    @admin.action(description=_("Close ended chats"), permissions=["reassign"])
    def close_chats(self, request, queryset):
        run_each(request, queryset, lambda chat: close_chat_for_operator(chat=chat, supervisor=request.user))

    def has_export_permission(self, request):
        return has_export_permission(request)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The read-only transcript: opening it is recorded in the audit log."""
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            audit.record(
                actor=request.user,
                action=audit.Action.VIEWED_TRANSCRIPT,
                object_type="chat",
                object_id=object_id,
                via="admin",
            )
        return response


@admin.register(TranscriptEmail)
class TranscriptEmailAdmin(SendAgainAdmin):
    list_display = ["chat", "to_email", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status"]
    list_select_related = ["chat"]
    readonly_fields = [
        "chat",
        "to_email",
        "requested_by",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "sent_at",
    ]

    def send_again(self, row, supervisor):
        send_transcript_again(transcript=row, supervisor=supervisor)


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


@admin.register(Ban)
class BanAdmin(admin.ModelAdmin):
    """Supervisors see who was banned, why and until when, and lift a ban early."""

    list_display = ["created_at", "expires_at", "is_active", "banned_by", "reason", "chat"]
    list_filter = ["lifted_at"]
    list_select_related = ["banned_by", "chat"]
    readonly_fields = [
        "client_hash",
        "chat",
        "reason",
        "banned_by",
        "created_at",
        "expires_at",
        "lifted_at",
        "lifted_by",
    ]
    actions = ["lift_bans"]

    def has_add_permission(self, request):
        return False

    @admin.display(boolean=True, description=_("Active"))
    def is_active(self, obj):
        return obj.active

    @admin.action(description=_("Lift the selected bans"), permissions=["change"])
    def lift_bans(self, request, queryset):
        for ban in queryset:
            lift_ban(ban=ban, supervisor=request.user)
        self.message_user(request, gettext("Lifted %(count)s ban(s).") % {"count": queryset.count()})


# SMS and screenshare keep their admin beside their code; importing registers it.
import chat.screenshare.admin  # noqa: E402, F401
import chat.sms.admin  # noqa: E402, F401
