"""Recording reference interactions."""

from django.db import transaction

from analytics.models import Interaction


def record_chat_interaction(
    *, chat, operator, location, mode: str, duration_minutes: int, referred_by: str = "", notes: str = ""
) -> Interaction:
    """Save (or correct) the one interaction of a chat. It carries no patron identity."""
    with transaction.atomic():
        interaction, _ = Interaction.objects.update_or_create(
            chat=chat,
            defaults={
                "happened_at": chat.created_at,
                "mode": mode,
                "location": location,
                "duration_minutes": duration_minutes,
                "department_id": chat.department_id,
                "operator": operator,
                "referred_by": referred_by,
                "notes": notes,
            },
        )
    return interaction


def chat_interaction_initial(chat) -> dict:
    """Pre-fill from the chat: the mode from its source, the duration from its timestamps."""
    from analytics.models import Location

    mode = Interaction.Mode.SMS if chat.source == "sms" else Interaction.Mode.CHAT
    initial = {"mode": mode, "duration_minutes": chat.duration_minutes}
    virtual = Location.objects.filter(active=True, name__iexact="Virtual").first()
    if virtual:
        initial["location"] = virtual.pk
    return initial
