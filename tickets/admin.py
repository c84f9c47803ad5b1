from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from deskservice.admin_actions import choose_operator_then, run_each
from deskservice.admin_export import export_csv_action, has_export_permission
from deskservice.outbox_admin import SendAgainAdmin
from tickets import services
from tickets.models import (
    ExternalTeam,
    InboundEmail,
    OutgoingEmail,
    Queue,
    Ticket,
    TicketAttachment,
    TicketChange,
    TicketMessage,
)


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ["name", "department", "is_default"]
    list_select_related = ["department"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["members"]


@admin.register(ExternalTeam)
class ExternalTeamAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "incident_pattern", "active"]
    list_filter = ["active"]


class TicketMessageInline(admin.TabularInline):
    model = TicketMessage
    fields = ["created_at", "kind", "author", "from_email", "body", "automatic"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


class TicketChangeInline(admin.TabularInline):
    model = TicketChange
    fields = ["created_at", "actor", "field", "old_value", "new_value"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["number", "subject", "queue", "status", "source", "assignee", "external_team", "updated_at"]
    list_filter = ["status", "source", "queue", "external_team"]
    search_fields = ["subject", "question", "patron_email", "patron_name", "incident_number"]
    list_select_related = ["queue", "assignee", "external_team"]
    # Queue, assignee and status change only through the services (the actions below and the
    # ticket page), which keep the history, write the audit and tell the operators; patron
    # details only through the desk too. The admin shows a ticket, it does not edit one.
    readonly_fields = ["desk_page", *(f.name for f in Ticket._meta.fields)]
    inlines = [TicketMessageInline, TicketChangeInline]
    actions = [
        export_csv_action(
            [
                ("number", "number"),
                ("subject", "subject"),
                ("queue", "queue.name"),
                ("status", "status"),
                ("source", "source"),
                ("assignee", "assignee.display_name"),
                ("external_team", "external_team.name"),
                ("created_at", "created_at"),
                ("closed_at", "closed_at"),
            ],
            filename="tickets.csv",
        ),
        "reassign_tickets",
        "close_tickets",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # The list keeps its actions; one ticket's page is view-only (Save would only bump
        # updated_at, and with it the ticket's retention date).
        return obj is None and super().has_change_permission(request)

    @admin.display(description=_("Work it on the desk"))
    def desk_page(self, ticket):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("tickets:detail", args=[ticket.number]),
            gettext("Ticket #%(number)s") % {"number": ticket.number},
        )

    def has_reassign_permission(self, request):
        return request.user.has_perm("tickets.reassign_ticket")

    @admin.action(description=_("Reassign to an operator"), permissions=["reassign"])
    def reassign_tickets(self, request, queryset):
        return choose_operator_then(
            request,
            queryset,
            action="reassign_tickets",
            question=gettext("Assign these tickets to:"),
            button=gettext("Reassign"),
            apply=lambda ticket, operator: services.transfer_ticket(
                ticket=ticket, operator=request.user, queue=ticket.queue, assignee=operator
            ),
        )

    @admin.action(description=pgettext_lazy("close the tickets", "Close"), permissions=["reassign"])
    def close_tickets(self, request, queryset):
        run_each(
            request,
            queryset,
            lambda ticket: services.change_ticket_status(ticket=ticket, operator=request.user, status="closed"),
        )

    def has_export_permission(self, request):
        return has_export_permission(request)


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(SendAgainAdmin):
    list_display = ["ticket", "kind", "to_email", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["ticket"]
    readonly_fields = [f.name for f in OutgoingEmail._meta.fields]

    def send_again(self, row, supervisor):
        services.send_email_again(outgoing=row, supervisor=supervisor)


@admin.register(InboundEmail)
class InboundEmailAdmin(admin.ModelAdmin):
    list_display = ["received_at", "sender", "subject", "outcome", "ticket", "size"]
    list_filter = ["outcome"]
    search_fields = ["sender", "subject", "message_id"]
    list_select_related = ["ticket"]
    readonly_fields = [f.name for f in InboundEmail._meta.fields]


@admin.register(TicketAttachment)
class TicketAttachmentAdmin(admin.ModelAdmin):
    list_display = ["filename", "ticket", "content_type", "size", "created_at"]
    list_select_related = ["ticket"]
    readonly_fields = [f.name for f in TicketAttachment._meta.fields]
