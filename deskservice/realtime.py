"""The one place that names real-time groups and builds the events clients receive.

Every event a browser sees is a JSON object with a "type"; docs/protocol.md lists them.
Services call `publish`, which sends only after the surrounding transaction commits
(persist, then publish). Channel layers deliver at most once, so clients catch up from
the database on every (re)connect; a lost event is a delay, never a loss.
"""

import logging
import os

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from deskservice import event_publisher

logger = logging.getLogger(__name__)

# The channel-layer message type every consumer handles (method `desk_event`).
LAYER_TYPE = "desk.event"


# --- Groups -----------------------------------------------------------------------------
# Groups stay small (one chat, one department, one operator) because channels_redis
# group_send slows down and drops for groups of hundreds (STACK-NOTES).


def chat_group(chat_id) -> str:
    """The patron's sockets and the dashboards of the operator(s) in the chat."""
    return f"chat.{_hex(chat_id)}"


def waiting_group(department_id) -> str:
    """Patrons waiting in a department's queue, told when their place in line changes."""
    return f"waiting.{department_id}"


def department_group(department_id) -> str:
    """Dashboards of a department's operators: the queue and its alerts."""
    return f"department.{department_id}"


def operator_group(user_id) -> str:
    """All dashboards (tabs) of one operator."""
    return f"operator.{user_id}"


def staff_group() -> str:
    """All operator dashboards, for presence. Bounded by the number of staff, never patrons."""
    return "staff"


def _hex(value) -> str:
    return getattr(value, "hex", None) or str(value).replace("-", "")


# --- Publishing ---------------------------------------------------------------------------


def publish(group: str, event: dict, *, join: str | None = None, skip_channel: str | None = None) -> None:
    """Send `event` to `group` once the current transaction commits.

    `join` asks every receiving consumer to add itself to another group first (an operator's
    dashboards join a chat they just claimed). `skip_channel` spares the socket that caused
    the event (typing indicators are not echoed to the typist).
    """
    message = _layer_message(event, join=join, skip_channel=skip_channel)
    transaction.on_commit(lambda: _send(group, message))


def publish_from_loop(group: str, event: dict) -> None:
    """`publish` for a coroutine whose statement has committed (deskservice/loop_db.py)."""
    event_publisher.enqueue(group, _layer_message(event))


def _layer_message(event: dict, *, join: str | None = None, skip_channel: str | None = None) -> dict:
    message = {"type": LAYER_TYPE, "event": event}
    if join:
        message["join"] = join
    if skip_channel:
        message["skip_channel"] = skip_channel
    return message


def _send(group: str, message: dict) -> None:
    loop = _calling_loop()
    if loop is not None:
        # Called from a thread that an event loop is waiting on (a consumer's database call,
        # an ASGI view): hand the event to that loop and return. Waiting for the publish here
        # held the database thread for half of each message (py-spy, docs/performance.md).
        loop.call_soon_threadsafe(event_publisher.enqueue, group, message)
        return
    try:
        async_to_sync(get_channel_layer().group_send)(group, message)
    except Exception:
        # The state is saved; clients will catch up from the database when they reconnect.
        logger.exception("could not publish %s to %s", message["event"].get("type"), group)


def _calling_loop():
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    if loop is None or getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None) != os.getpid():
        return None
    return loop if loop.is_running() else None


# --- Events -------------------------------------------------------------------------------


def _iso(dt):
    return dt.isoformat() if dt else None


def message_event(message) -> dict:
    event = {
        "type": "message",
        "chat": str(message.chat_id),
        "id": message.id,
        "sender": message.sender,
        "name": message_sender_name(message),
        "body": message.body,
        "created_at": _iso(message.created_at),
    }
    attachment = _cached_attachment(message)
    if attachment is not None:
        event["attachment"] = attachment.summary()
    return event


def _cached_attachment(message):
    # Read only what the caller loaded (select_related("attachment"), or set when attaching):
    # a lookup per message here would make every catch-up N+1 queries.
    descriptor = type(message).attachment
    if not descriptor.is_cached(message):
        return None
    return descriptor.related.get_cached_value(message, default=None)


def message_sender_name(message) -> str:
    if message.sender == "operator" and message.operator_id:
        return message.operator.display_name
    if message.sender == "patron":
        return message.chat.patron_label
    return ""


def typing_event(chat, sender: str, name: str) -> dict:
    return {"type": "typing", "chat": str(chat.pk), "sender": sender, "name": name}


def status_event(chat) -> dict:
    return {
        "type": "status",
        "chat": str(chat.pk),
        "status": chat.status,
        "operator": chat.operator.display_name if chat.operator_id else None,
        "ended_by": chat.ended_by or None,
    }


def patron_updated_event(chat) -> dict:
    """To the operator's dashboards only: the patron's corrected name and email."""
    return {"type": "patron.updated", "chat": str(chat.pk), "name": chat.patron_name, "email": chat.patron_email}


def queue_changed_event(department_id) -> dict:
    """Tells waiting patrons' consumers to recompute their place in line."""
    return {"type": "queue.changed", "department": department_id}


def queue_position_event(position: int) -> dict:
    return {"type": "queue", "position": position}


def chat_summary(chat) -> dict:
    """What a dashboard shows of a chat in its lists; "participants" when they were loaded
    (chat.participants.with_participants), so that no list pays a query per chat."""
    summary = {
        "id": str(chat.pk),
        "status": chat.status,
        "source": chat.source,
        "department": {"id": chat.department_id, "name": chat.department.name},
        "patron_name": chat.patron_name,
        "patron_email": chat.patron_email,
        "question": chat.question,
        "operator": chat.operator.display_name if chat.operator_id else None,
        "operator_id": chat.operator_id,
        "created_at": _iso(chat.created_at),
        "claimed_at": _iso(chat.claimed_at),
        "ended_at": _iso(chat.ended_at),
        "has_interaction": getattr(chat, "has_interaction", False),
        "ticket": ticket_ref(getattr(chat, "ticket_number", None)),
    }
    participations = getattr(chat, "active_participations", None)
    if participations is not None:
        summary["participants"] = participant_list(participations)
    return summary


def participant_list(participations) -> list[dict]:
    return [{"id": p.operator_id, "name": p.operator.display_name} for p in participations]


def ticket_ref(number) -> dict | None:
    """The ticket a chat became, for the chat header's View Ticket; None while it has none."""
    if number is None:
        return None
    from django.urls import reverse

    return {"number": number, "url": reverse("tickets:detail", args=[number])}


def queue_added_event(chat) -> dict:
    return {"type": "queue.added", "chat": chat_summary(chat)}


def queue_removed_event(chat, reason: str) -> dict:
    return {
        "type": "queue.removed",
        "chat": str(chat.pk),
        "reason": reason,
        "operator": chat.operator.display_name if chat.operator_id else None,
    }


def chat_assigned_event(chat) -> dict:
    return {"type": "chat.assigned", "chat": chat_summary(chat)}


def chat_closed_event(chat) -> dict:
    return {"type": "chat.closed", "chat": str(chat.pk)}


def presence_event(departments: list[dict]) -> dict:
    return {"type": "presence", "departments": departments}


# --- Transfers and internal chat -----------------------------------------------------------


def transfer_summary(transfer) -> dict:
    return {
        "id": transfer.id,
        "chat": chat_summary(transfer.chat),
        "from": transfer.from_operator.display_name if transfer.from_operator_id else None,
        "to_operator": transfer.to_operator.display_name if transfer.to_operator_id else None,
        "to_department": transfer.to_department.name if transfer.to_department_id else None,
        "note": transfer.note,
        "stay": transfer.from_operator_stays,
        "status": transfer.status,
        "created_at": _iso(transfer.created_at),
    }


def transfer_requested_event(transfer) -> dict:
    """To the target operator: Accept or Decline."""
    return {"type": "transfer.requested", "transfer": transfer_summary(transfer)}


def transfer_answered_event(transfer) -> dict:
    """To the sender (and the target's other tabs): accepted, declined, expired or cancelled."""
    return {"type": "transfer.answered", "transfer": transfer_summary(transfer)}


def chat_transferred_event(chat, to_name: str) -> dict:
    """To the previous owner's dashboards: the chat is no longer theirs."""
    return {"type": "chat.transferred", "chat": str(chat.pk), "to": to_name}


def chat_participating_event(chat) -> dict:
    """To the operator who transferred the chat and stayed: it is now theirs to write in, not to own."""
    return {"type": "chat.participating", "chat": chat_summary(chat)}


def chat_participants_event(chat) -> dict:
    """To the owner and the participants: who owns the chat now and who else is in it."""
    return {
        "type": "chat.participants",
        "chat": str(chat.pk),
        "operator": chat.operator.display_name if chat.operator_id else None,
        "operator_id": chat.operator_id,
        "participants": participant_list(chat.active_participations),
    }


def chat_left_event(chat) -> dict:
    """To the dashboards of the operator who pressed Leave chat: the chat leaves their dashboard
    and their sockets leave its group."""
    return {"type": "chat.left", "chat": str(chat.pk)}


def internal_message_event(message, conversation_title: str) -> dict:
    return {
        "type": "internal.message",
        "conversation": message.conversation_id,
        "title": conversation_title,
        "id": message.id,
        "author": message.author.display_name if message.author_id else "",
        "author_id": message.author_id,
        "body": message.body,
        "created_at": _iso(message.created_at),
    }


# --- Screenshare ------------------------------------------------------------------------------


def screenshare_requested_event(request) -> dict:
    """To the chat: the widget asks the patron Yes or No; the dashboard shows that it is waiting."""
    return {
        "type": "screenshare.requested",
        "chat": str(request.chat_id),
        "id": request.id,
        "operator": request.operator.display_name if request.operator_id else "",
    }


def screenshare_answered_event(request) -> dict:
    """To the chat: the answer, and after Yes the meeting link (the widget opens it in a new tab)."""
    event = {"type": "screenshare.answered", "chat": str(request.chat_id), "id": request.id, "accepted": False}
    if request.status == "accepted":
        event.update(accepted=True, url=request.meeting_url)
    return event
