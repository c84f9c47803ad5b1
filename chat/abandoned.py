"""Chats whose patron went away while waiting: ended as left by the patron.

A patron who closes the tab while waiting says nothing to the desk, so without this the chat
would wait in the queue for ever: never counted as missed ("left while waiting"), never purged
by the retention run, and always in the operators' queue. While a chat waits, the widget's
socket sends a heartbeat every DESK_PATRON_HEARTBEAT_SECONDS (docs/protocol.md), which
`note_patron_present` records; "gone" means a quiet chat: waiting, with no heartbeat (or, from
a widget that never connected, no start) for DESK_ABANDONED_WAIT_MINUTES, and no message (the
patron's, or any other) and no event (a transfer into the queue, a transcript request...) since.
A heartbeat per patron, not a record per socket: two tabs, a reload or a crashed server
process all keep or lose it correctly.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from chat.models import Chat, ChatEvent, Message
from chat.services import end_chat

logger = logging.getLogger(__name__)


def end_abandoned_chats(*, now=None) -> int:
    """End every quiet waiting web chat as left by the patron; returns how many.

    SMS chats are left alone: a texting patron has no tab to close and may answer hours later.
    A setting of 0 turns the sweep off.
    """
    minutes = settings.DESK_ABANDONED_WAIT_MINUTES
    if minutes <= 0:
        return 0
    quiet_since = (now or timezone.now()) - timedelta(minutes=minutes)
    ended = sum(
        end_abandoned_chat(chat_id=chat_id, quiet_since=quiet_since)
        for chat_id in list(quiet_waiting_chats(quiet_since).values_list("pk", flat=True))
    )
    if ended:
        logger.info("ended %s chat(s) left waiting with no sign of the patron for %s minutes", ended, minutes)
    return ended


def end_abandoned_chat(*, chat_id, quiet_since) -> bool:
    """End one chat through end_chat (which tells the queue and the patron's tab) if it is still
    waiting and quiet. The row is locked first, so a claim at the same instant either comes first
    (and the chat stays) or waits and finds the chat ended."""
    with transaction.atomic():
        chat = quiet_waiting_chats(quiet_since).select_for_update(of=("self",)).filter(pk=chat_id).first()
        if chat is None:
            return False
        end_chat(chat=chat, ended_by=Chat.EndedBy.PATRON)
    return True


def note_patron_present(*, chat_id, now=None) -> bool:
    """The patron's widget is still open on a waiting chat; False once the chat no longer waits.

    One conditional UPDATE: a chat claimed or ended meanwhile is left as it is.
    """
    return bool(
        Chat.objects.filter(pk=chat_id, status=Chat.Status.WAITING).update(patron_seen_at=now or timezone.now())
    )


def quiet_waiting_chats(quiet_since):
    messages = Message.objects.filter(chat=OuterRef("pk"), created_at__gte=quiet_since)
    events = ChatEvent.objects.filter(chat=OuterRef("pk"), created_at__gte=quiet_since)
    not_heard_from = Q(patron_seen_at__lt=quiet_since) | Q(patron_seen_at__isnull=True, created_at__lt=quiet_since)
    return (
        Chat.objects.filter(not_heard_from, status=Chat.Status.WAITING, source=Chat.Source.WEB)
        .exclude(Exists(messages))
        .exclude(Exists(events))
        .order_by("created_at")
    )
