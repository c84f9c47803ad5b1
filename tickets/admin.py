from django.contrib import admin

from tickets.models import Queue, Ticket


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ["name", "department", "is_default"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["members"]


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["number", "subject", "queue", "status", "source", "assignee", "created_at"]
    list_filter = ["status", "source", "queue"]
    search_fields = ["subject", "question", "patron_email", "patron_name"]
    list_select_related = ["queue", "assignee"]
