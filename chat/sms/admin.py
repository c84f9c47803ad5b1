from django.contrib import admin

from chat.sms.models import OutgoingSms, SmsConversation
from chat.sms.services import send_text_again
from deskservice.outbox_admin import SendAgainAdmin


@admin.register(SmsConversation)
class SmsConversationAdmin(admin.ModelAdmin):
    list_display = ["phone", "chat", "open", "created_at"]
    list_filter = ["open"]
    list_select_related = ["chat"]
    readonly_fields = ["chat", "phone", "provider", "open", "created_at"]


@admin.register(OutgoingSms)
class OutgoingSmsAdmin(SendAgainAdmin):
    """Replies sent as texts, with their status: a failed one says why (last error)."""

    list_display = ["to_phone", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in OutgoingSms._meta.fields]

    def send_again(self, row, supervisor):
        send_text_again(outgoing=row, supervisor=supervisor)
