"""Reads of chats shared by the dashboard consumer and the desk pages."""

from django.db.models import Exists, OuterRef, Q

from chat.models import CannedMessage


def annotate_has_interaction(chats):
    from analytics.models import Interaction

    return chats.annotate(has_interaction=Exists(Interaction.objects.filter(chat=OuterRef("pk"))))


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
