"""Attaching a file to a chat."""

import hashlib

from django.db import transaction
from django.utils.translation import gettext_noop

from chat.attachments import storage
from chat.attachments.inspection import Refused, inspect
from chat.attachments.models import ChatAttachment
from chat.models import Chat, Message
from chat.services import ChatConflict, ChatError
from deskservice import realtime
from tickets.attachments import safe_filename


def attach_file(*, chat, filename: str, data: bytes) -> ChatAttachment:
    """The patron sends a file in a waiting or active chat.

    The type comes from the content (see inspection.py); the file is written before the rows so
    that a refused or failed write leaves no message pointing at nothing. Publishes the message,
    which carries the attachment's name, size and type.
    """
    name = safe_filename(filename)
    try:
        content_type = inspect(data, name)
    except Refused as error:
        raise ChatError(str(error), field="file") from None
    relative = storage.write(data)
    try:
        with transaction.atomic():
            status = Chat.objects.select_for_update().filter(pk=chat.pk).values_list("status", flat=True).get()
            if status == Chat.Status.ENDED:
                raise ChatConflict(gettext_noop("This chat has ended; files can no longer be sent."))
            message = Message.objects.create(
                chat=chat, sender=Message.Sender.PATRON, body=f"Sent a file: {name} ({_size(len(data))})"
            )
            attachment = ChatAttachment.objects.create(
                chat=chat,
                message=message,
                filename=name,
                content_type=content_type,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                path=relative,
            )
            message.chat = chat
            message.attachment = attachment
            realtime.publish(realtime.chat_group(chat.pk), realtime.message_event(message))
    except BaseException:
        storage.remove(relative)
        raise
    return attachment


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"
