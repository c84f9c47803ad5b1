"""Recording reference interactions."""

from django.db import transaction
from django.utils import timezone

from analytics import rollup
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
    values = {
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
    }
    with transaction.atomic():
        interaction = Interaction.objects.select_for_update().filter(chat=chat).first()
        if interaction is None:
            interaction = Interaction.objects.create(chat=chat, **values)
            rollup.add(rollup.snapshot(interaction))
        else:
            _change(interaction, values)
    return interaction


def _change(interaction: Interaction, values: dict) -> None:
    """Update a locked interaction and move its count to its new rollup buckets."""
    rollup.remove(rollup.snapshot(interaction))
    for name, value in values.items():
        setattr(interaction, name, value)
    interaction.save()
    rollup.add(rollup.snapshot(interaction))


def record_ticket_interaction(
    *,
    ticket,
    operator,
    location,
    duration_minutes: int,
    question_type=None,
    read_scale: int | None = None,
    patron_type=None,
    referral_source=None,
    referred_by: str = "",
    notes: str = "",
) -> Interaction:
    """Save (or correct) the interaction of a closed ticket: closing it again updates, never duplicates."""
    values = {
        "mode": Interaction.Mode.TICKET,
        "location": location,
        "duration_minutes": duration_minutes,
        "department_id": ticket.queue.department_id if ticket.queue_id else None,
        "operator": operator,
        "question_type": question_type,
        "read_scale": read_scale,
        "patron_type": patron_type,
        "referral_source": referral_source,
        "referred_by": referred_by,
        "notes": notes,
    }
    with transaction.atomic():
        interaction = (
            Interaction.objects.select_for_update().filter(ticket=ticket, mode=Interaction.Mode.TICKET).first()
        )
        if interaction is None:
            interaction = Interaction.objects.create(ticket=ticket, happened_at=timezone.now(), **values)
            rollup.add(rollup.snapshot(interaction))
        else:
            _change(interaction, values)
    return interaction


def save_interaction_edit(*, actor, interaction: Interaction) -> Interaction:
    """Save an interaction edited in admin by `actor`, keeping the rollups equal to the rows."""
    with transaction.atomic():
        if interaction.pk is None:
            interaction.save()
            rollup.add(rollup.snapshot(interaction))
            return interaction
        before = Interaction.objects.select_for_update().get(pk=interaction.pk)
        rollup.remove(rollup.snapshot(before))
        interaction.save()
        rollup.add(rollup.snapshot(interaction))
    return interaction


def delete_interactions(*, actor, interactions) -> int:
    """Delete interactions (admin, by `actor`) and take them out of the rollups."""
    with transaction.atomic():
        locked = list(Interaction.objects.select_for_update().filter(pk__in=[i.pk for i in interactions]))
        for interaction in locked:
            rollup.remove(rollup.snapshot(interaction))
        Interaction.objects.filter(pk__in=[i.pk for i in locked]).delete()
    return len(locked)


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
    with transaction.atomic():
        interaction = Interaction.objects.create(
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
        rollup.add(rollup.snapshot(interaction))
    return interaction


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
