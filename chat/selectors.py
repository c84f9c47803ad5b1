"""Reads of chats shared by the dashboard consumer and the desk pages."""

from django.db.models import Exists, OuterRef, Q

from chat.models import CannedMessage, Chat, ChatParticipant


def annotate_has_interaction(chats):
    from analytics.models import Interaction

    return chats.annotate(has_interaction=Exists(Interaction.objects.filter(chat=OuterRef("pk"))))


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
    return Chat.objects.select_related("department", "operator").filter(owned | participating(user))


def is_participant(user, chat) -> bool:
    return ChatParticipant.objects.filter(chat_id=chat.pk, operator_id=user.pk, left_at=None).exists()


def may_see_chat(user, chat) -> bool:
    """Who may read a chat and its files: its operator, an operator still in it, its department's
    operators, supervisors."""
    from deskservice import roles

    if chat.operator_id == user.pk or user.has_perm(roles.REASSIGN_CHAT):
        return True
    return user.departments.filter(pk=chat.department_id).exists() or is_participant(user, chat)
