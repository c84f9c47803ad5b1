"""Bans: an operator keeps an abusive or spamming patron out for a while.

The widget API refuses a banned client politely (403 with a sentence) when it starts a chat,
leaves a question or sends a message. Supervisors see and lift bans in the admin.
"""

import hashlib
import hmac
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from chat.models import Ban, Chat
from chat.services import ChatError, NotAllowed, end_chat
from deskservice import roles

DURATIONS = {"1h": timedelta(hours=1), "1d": timedelta(days=1), "1w": timedelta(weeks=1), "30d": timedelta(days=30)}
# Marked for translation here, translated when sent (the widget API), in the patron's language.
BANNED_MESSAGE = gettext_noop(
    "This device cannot use the library's chat right now. "
    "If you think this is a mistake, please contact the library by phone or in person."
)


def client_hash(client: str) -> str:
    """A keyed hash of an address or SMS number: recognisable by the desk, meaningless elsewhere."""
    if not client:
        return ""
    return hmac.new(settings.SECRET_KEY.encode(), f"client:{client}".encode(), hashlib.sha256).hexdigest()


def sms_client(phone: str) -> str:
    """The client key of an SMS number, kept apart from addresses."""
    return f"sms:{phone}"


def is_banned(client: str) -> bool:
    digest = client_hash(client)
    if not digest:
        return False
    return Ban.objects.filter(client_hash=digest, lifted_at__isnull=True, expires_at__gt=timezone.now()).exists()


def ban_patron(*, chat: Chat, operator, duration: str, reason: str = "") -> Ban:
    """The chat's operator (or a supervisor) bans its patron for `duration`; a live chat ends."""
    if chat.operator_id != operator.pk and not operator.has_perm(roles.REASSIGN_CHAT):
        raise NotAllowed(gettext_noop("Only the chat's operator or a supervisor can ban its patron."))
    if duration not in DURATIONS:
        raise ChatError(
            gettext_noop("Choose how long the ban lasts: 1 hour, 1 day, 1 week or 30 days."), field="duration"
        )
    if not chat.client_hash:
        raise ChatError(gettext_noop("The desk does not know where this chat came from, so it cannot ban it."))
    now = timezone.now()
    with transaction.atomic():
        ban = Ban.objects.create(
            client_hash=chat.client_hash,
            chat=chat,
            reason=(reason or "").strip()[:200],
            banned_by=operator,
            created_at=now,
            expires_at=now + DURATIONS[duration],
        )
        if chat.status != Chat.Status.ENDED:
            by_owner = chat.operator_id == operator.pk
            end_chat(chat=chat, ended_by="operator" if by_owner else "system", operator=operator if by_owner else None)
    return ban


def lift_ban(*, ban: Ban, supervisor) -> Ban:
    if not supervisor.has_perm(roles.REASSIGN_CHAT):
        raise NotAllowed(gettext_noop("Only supervisors can lift bans."))
    if ban.lifted_at is None:
        ban.lifted_at, ban.lifted_by = timezone.now(), supervisor
        ban.save(update_fields=["lifted_at", "lifted_by"])
    return ban
