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
