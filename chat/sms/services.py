"""Texts in, replies out.

A text from a number with no open SMS chat starts a chat marked Source SMS in the queue (same
alerts and Claim Chat as the widget's); later texts from the number join it. An operator's
message in an SMS chat becomes an OutgoingSms that a Celery task sends once.
"""

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext, gettext_noop

from chat.bans import client_hash, sms_client
from chat.models import Chat, ChatEvent, Message, hash_token, new_token
from chat.services import ChatConflict, ChatError, NotAllowed, send_message
from chat.sms.base import InboundText
from chat.sms.models import IncomingSms, OutgoingSms, SmsConversation
from chat.sms.twilio import MAX_BODY
from deskservice import outbox, realtime, roles
from deskservice.models import Department

logger = logging.getLogger(__name__)

EMPTY_TEXT = "(The text had no words; pictures sent by text are not shown.)"


class SmsUnavailable(ChatError):
    """The desk cannot take the text now; the provider will deliver it again."""

    status_code = 503


def receive_text(*, provider: str, text: InboundText) -> Chat | None:
    """Store one delivered text; returns its chat, or None when the text was already stored.

    Providers redeliver a text whose webhook timed out, possibly after later texts: the provider
    id is unique, so a redelivery is recognised at any time and stored once. Order is arrival
    order (Twilio's webhook carries no send time). Publishes queue.added for a new chat and the
    message event for a text that joins one.
    """
    body = (text.body or "").replace("\x00", "").strip()[: settings.DESK_MAX_MESSAGE_LENGTH] or EMPTY_TEXT
    # Two webhooks at once (a redelivery racing the original, two texts from a new number) meet
    # at a unique constraint; the loser's transaction is rolled back and it looks again.
    for _ in range(3):
        try:
            with transaction.atomic():
                return _store_text(provider, text, body)
        except IntegrityError:
            continue
    raise SmsUnavailable("The text could not be stored just now.")


def _store_text(provider: str, text: InboundText, body: str) -> Chat | None:
    if IncomingSms.objects.filter(provider_id=text.provider_id).exists():
        logger.info("SMS %s delivered again; already stored", text.provider_id)
        return None
    # The chat's row is locked too: End Chat locks it, so the chat cannot end between this check
    # and send_message below (which would refuse the text, and the text would be lost).
    conversation = (
        SmsConversation.objects.select_for_update(of=("self", "chat"))
        .select_related("chat")
        .filter(phone=text.phone, open=True)
        .first()
    )
    if conversation is not None and conversation.chat.status == Chat.Status.ENDED:
        conversation.open = False
        conversation.save(update_fields=["open"])
        conversation = None
    message = None
    if conversation is None:
        chat = _start_sms_chat(body, phone=text.phone)
        conversation = SmsConversation.objects.create(chat=chat, phone=text.phone, provider=provider)
    else:
        chat = conversation.chat
        message = send_message(chat=chat, body=body, sender=Message.Sender.PATRON)
    IncomingSms.objects.create(conversation=conversation, message=message, provider_id=text.provider_id)
    return chat


def _start_sms_chat(question: str, *, phone: str) -> Chat:
    department = sms_department()
    # SMS patrons have no widget: the token is never shown, it only fills the column.
    chat = Chat.objects.create(
        department=department,
        source=Chat.Source.SMS,
        token_hash=hash_token(new_token()),
        question=question,
        # Lets an operator Ban the number (chat.bans) without the chat row naming it twice.
        client_hash=client_hash(sms_client(phone)),
    )
    ChatEvent.objects.create(chat=chat, kind=ChatEvent.Kind.CREATED, detail={"source": "sms"})
    realtime.publish(realtime.department_group(department.id), realtime.queue_added_event(chat))
    return chat


def sms_department() -> Department:
    """The department whose queue SMS chats join (DESK_SMS_DEPARTMENT, else the first active one)."""
    departments = Department.objects.filter(active=True)
    if settings.DESK_SMS_DEPARTMENT:
        departments = departments.filter(slug=settings.DESK_SMS_DEPARTMENT)
    department = departments.order_by("position", "name").first()
    if department is None:
        raise SmsUnavailable("No active department takes SMS chats (DESK_SMS_DEPARTMENT).")
    return department


def queue_reply(*, message) -> OutgoingSms:
    """Called by send_message inside its transaction for an operator's message in an SMS chat."""
    if len(message.body) > MAX_BODY:
        raise ChatError(
            gettext(
                "A text can be at most %(limit)s characters; this one has %(length)s. "
                "Shorten it, or create a ticket for a long answer."
            )
            % {"limit": MAX_BODY, "length": len(message.body)},
            field="body",
        )
    from chat.sms.tasks import send_sms

    conversation = SmsConversation.objects.get(chat_id=message.chat_id)
    outgoing = OutgoingSms.objects.create(
        conversation=conversation, message=message, to_phone=conversation.phone, body=message.body
    )
    # With the broker down the row stays pending and the outbox sweep sends it once it is back.
    transaction.on_commit(lambda: outbox.enqueue(send_sms, OutgoingSms, outgoing.pk))
    return outgoing


def send_text_again(*, outgoing, supervisor) -> OutgoingSms:
    """Send again (admin): a failed reply text goes back to the outbox with a fresh set of attempts."""
    from chat.sms.tasks import send_sms

    if not supervisor.has_perm(roles.RUN_DESK):
        raise NotAllowed(gettext_noop("Only supervisors can send failed texts again."))
    try:
        return outbox.send_again(model=OutgoingSms, task=send_sms, pk=outgoing.pk)
    except outbox.NotFailed as error:
        raise ChatConflict(str(error)) from None


def sms_ticket_initial(chat) -> dict:
    """What Create Ticket pre-fills for an SMS chat: every text as the question, and the number."""
    phone = SmsConversation.objects.filter(chat=chat).values_list("phone", flat=True).first() or ""
    return {"question": texts_of(chat), "phone": phone}


def texts_of(chat) -> str:
    """Everything the patron texted, in order: the question pre-filled in Create Ticket."""
    texts = [chat.question] + list(
        chat.messages.filter(sender=Message.Sender.PATRON).order_by("id").values_list("body", flat=True)
    )
    return "\n".join(texts)
