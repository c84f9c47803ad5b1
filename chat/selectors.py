"""Reads of chats shared by the dashboard consumer and the desk pages."""

from django.db.models import Exists, ExpressionWrapper, IntegerField, OuterRef, Q, Subquery, Value

from chat.models import CannedMessage, Chat, ChatParticipant


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


def participating(user) -> Q:
    """Chats `user` stayed in after transferring them and has not left (chat.participants)."""
    return Q(Exists(ChatParticipant.objects.filter(chat=OuterRef("pk"), operator=user, left_at=None)))


def chats_i_am_in(user):
    """Chats `user` owns or takes part in: where their dashboard may write, type and sync."""
    return Chat.objects.filter(Q(operator=user) | participating(user))


def open_chats_of(user):
    """A dashboard's chats: those it owns until Close Chat, and those it stays in until Leave chat
    (a participant cannot close a chat, so its end does not take it off their dashboard)."""
    owned = Q(operator=user, closed_at__isnull=True) & ~Q(status=Chat.Status.WAITING)
    # The chats stayed in are read first, as ids: OR-ed with an EXISTS, PostgreSQL could use no
    # index and read every chat ever held (400 ms with 300,000 chats, bench/pages_bench.py).
    staying = list(ChatParticipant.objects.filter(operator=user, left_at=None).values_list("chat_id", flat=True))
    mine = owned | Q(pk__in=staying) if staying else owned
    return Chat.objects.select_related("department", "operator").filter(mine)


def is_participant(user, chat) -> bool:
    return ChatParticipant.objects.filter(chat_id=chat.pk, operator_id=user.pk, left_at=None).exists()


def may_see_chat(user, chat) -> bool:
    """Who may read a chat and its files: its operator, an operator still in it, its department's
    operators, supervisors."""
    from deskservice import roles

    if chat.operator_id == user.pk or user.has_perm(roles.REASSIGN_CHAT):
        return True
    return user.departments.filter(pk=chat.department_id).exists() or is_participant(user, chat)
