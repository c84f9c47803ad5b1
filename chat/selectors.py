"""Reads of chats shared by the dashboard consumer and the desk pages."""

from django.db.models import Exists, ExpressionWrapper, IntegerField, OuterRef, Q, Subquery, Value

from chat.models import CannedMessage


def annotate_has_interaction(chats):
    """The dashboard's own chats with what their header needs: whether the Reference Analytics
    were saved (Close Chat) and the number of the ticket the chat became (View Ticket)."""
    from analytics.models import Interaction

    return chats.annotate(
        has_interaction=Exists(Interaction.objects.filter(chat=OuterRef("pk"))), ticket_number=_ticket_number()
    )


def _ticket_number():
    from tickets.models import Ticket

    # A chat becomes at most one ticket (tickets.one_ticket_per_chat); null while it has none.
    ticket_pk = Subquery(Ticket.objects.filter(chat=OuterRef("pk")).values("pk")[:1])
    return ExpressionWrapper(ticket_pk + Value(Ticket.NUMBER_OFFSET), output_field=IntegerField())


def ticket_number_of(chat) -> int | None:
    from tickets.models import Ticket

    ticket = Ticket.objects.filter(chat=chat).only("pk").first()
    return ticket.number if ticket else None


def canned_messages_for(department_id):
    """The department's canned messages and the global ones, department's first."""
    return CannedMessage.objects.filter(Q(department__isnull=True) | Q(department_id=department_id)).order_by(
        "department", "position", "title"
    )


def may_see_chat(user, chat) -> bool:
    """Who may read a chat and its files: its operator, its department's operators, supervisors."""
    from deskservice import roles

    if chat.operator_id == user.pk or user.has_perm(roles.REASSIGN_CHAT):
        return True
    return user.departments.filter(pk=chat.department_id).exists()
