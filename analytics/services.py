"""Recording reference interactions."""

from django.db import transaction
from django.utils import timezone

from analytics.models import Interaction, Location


def record_chat_interaction(
    *,
    chat,
    operator,
    location,
    mode: str,
    duration_minutes: int,
    referred_by: str = "",
    notes: str = "",
    question_type=None,
    read_scale: int | None = None,
    patron_type=None,
    referral_source=None,
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
                "question_type": question_type,
                "read_scale": read_scale,
                "patron_type": patron_type,
                "referral_source": referral_source,
                "referred_by": referred_by,
                "notes": notes,
            },
        )
    return interaction


def record_interaction(
    *,
    operator,
    mode: str,
    location,
    duration_minutes: int,
    department=None,
    question_type=None,
    read_scale: int | None = None,
    patron_type=None,
    referral_source=None,
    referred_by: str = "",
    notes: str = "",
    happened_at=None,
    ticket=None,
) -> Interaction:
    """Record a walk-in, phone or email question (or a closed ticket) answered by `operator`, now."""
    if mode in (Interaction.Mode.CHAT, Interaction.Mode.SMS):
        raise ValueError("Chats and SMS chats are recorded from the chat, after End Chat.")
    return Interaction.objects.create(
        happened_at=happened_at or timezone.now(),
        mode=mode,
        location=location,
        duration_minutes=duration_minutes,
        department=department,
        operator=operator,
        question_type=question_type,
        read_scale=read_scale,
        patron_type=patron_type,
        referral_source=referral_source,
        referred_by=referred_by,
        notes=notes,
        ticket=ticket,
    )


def chat_interaction_initial(chat) -> dict:
    """Pre-fill from the chat: the mode from its source, the duration from its timestamps, and
    *referred by* from the last accepted transfer."""
    from chat.transfers import referred_by_for

    mode = Interaction.Mode.SMS if chat.source == "sms" else Interaction.Mode.CHAT
    initial = {"mode": mode, "duration_minutes": chat.duration_minutes, "referred_by": referred_by_for(chat)}
    virtual = Location.objects.filter(active=True, name__iexact="Virtual").first()
    if virtual:
        initial["location"] = virtual.pk
    return initial


def record_form_initial(operator) -> dict:
    """Keyboard defaults for Record interaction: in person, 5 minutes, and the operator's last place and desk."""
    initial = {"mode": Interaction.Mode.IN_PERSON, "duration_minutes": 5}
    last = (
        Interaction.objects.filter(operator=operator, mode__in=Interaction.DESK_MODES)
        .order_by("-happened_at")
        .values("location_id", "department_id")
        .first()
    )
    if last:
        initial["location"] = last["location_id"]
        initial["department"] = last["department_id"]
    return initial
