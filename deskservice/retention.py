"""Patron privacy: chats and tickets keep the patron's data only as long as the library's
retention period, and any patron may ask to be erased sooner.

Anonymising keeps the rows (and so the reference statistics, the chat service figures and the
ticket history) and empties what identifies or quotes the patron: names, email addresses,
phone numbers, the question, message bodies, the pages they came from, attachments, the
addresses mail went to, the names and addresses an operator corrected (Patron Information) and
the rating comment; mail that reached no ticket goes after the same period. Internal chat between
staff (InternalMessage) is staff talk about the work, not patron data, and is left alone.
It is idempotent (anonymised rows are skipped) and works in batches, so
the first run on a large desk never holds one huge transaction.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from chat.models import Chat, ChatEvent, Message, TranscriptEmail, Transfer
from deskservice import audit
from deskservice.models import DeskSettings
from tickets.attachments import attachment_path
from tickets.models import InboundEmail, OutgoingEmail, Ticket, TicketAttachment, TicketMessage

logger = logging.getLogger(__name__)

ERASED = "[removed]"


@dataclass
class RetentionResult:
    chats: int = 0
    tickets: int = 0
    files: int = 0
    emails: int = 0  # received mail that reached no ticket

    def as_dict(self) -> dict:
        return {"chats": self.chats, "tickets": self.tickets, "files": self.files, "emails": self.emails}


def retention_cutoff(now=None):
    return (now or timezone.now()) - timedelta(days=DeskSettings.current().retention_days)


def anonymise_expired(*, now=None, batch_size=None) -> RetentionResult:
    """Anonymise every chat that ended and every ticket last touched before the cutoff.

    Chats still open, and tickets changed within the period, keep their data: a patron who
    wrote back last week is still being helped. Logs and audits what it did.
    """
    cutoff = retention_cutoff(now)
    batch_size = batch_size or settings.DESK_RETENTION_BATCH_SIZE
    chats = Chat.objects.filter(anonymised_at__isnull=True, created_at__lt=cutoff).filter(
        Q(ended_at__lt=cutoff) | Q(ended_at__isnull=True, status=Chat.Status.ENDED)
    )
    tickets = Ticket.objects.filter(anonymised_at__isnull=True, updated_at__lt=cutoff)
    result = _in_batches(chats, tickets, batch_size)
    result.emails = _erase_unthreaded_mail(
        InboundEmail.objects.filter(ticket__isnull=True, received_at__lt=cutoff), batch_size
    )
    logger.info("retention: anonymised %s (cutoff %s)", result.as_dict(), cutoff.isoformat())
    if result.chats or result.tickets or result.emails:
        audit.record(
            actor=None,
            action=audit.Action.RETENTION_RUN,
            object_type="retention",
            cutoff=cutoff.isoformat(),
            **result.as_dict(),
        )
    return result


def erase_patron(*, email: str, actor) -> RetentionResult:
    """A patron's request: anonymise every chat and ticket of this email address, whatever
    their age, except chats still live (End Chat first). Audited, with the count, not the address.

    The address finds a chat by its patron, or by a transcript sent there; a ticket by its
    patron, or by a message from or to the address (a patron who wrote in from it). A ticket
    made from a found chat carries its transcript, and a chat whose ticket was found is the
    same conversation: both go too.
    """
    email = (email or "").strip()
    if "@" not in email:
        raise ValueError("Enter the patron's email address.")
    chats_by_address = Chat.objects.filter(Q(patron_email__iexact=email) | Q(transcript_emails__to_email__iexact=email))
    tickets_by_address = Ticket.objects.filter(
        Q(patron_email__iexact=email) | Q(messages__from_email__iexact=email) | Q(messages__to_email__iexact=email)
    )
    # Ids first: anonymising the chats empties the addresses the tickets' query follows.
    chat_ids = set(
        Chat.objects.filter(Q(pk__in=chats_by_address.values("pk")) | Q(tickets__in=tickets_by_address.values("pk")))
        .exclude(status__in=[Chat.Status.WAITING, Chat.Status.ACTIVE])
        .values_list("pk", flat=True)
    )
    ticket_ids = set(
        Ticket.objects.filter(
            Q(pk__in=tickets_by_address.values("pk")) | Q(chat__in=chats_by_address.values("pk"))
        ).values_list("pk", flat=True)
    )
    chats = Chat.objects.filter(pk__in=chat_ids, anonymised_at__isnull=True)
    tickets = Ticket.objects.filter(pk__in=ticket_ids, anonymised_at__isnull=True)
    result = _in_batches(chats, tickets, settings.DESK_RETENTION_BATCH_SIZE)
    result.emails = _erase_unthreaded_mail(
        InboundEmail.objects.filter(ticket__isnull=True, sender__iexact=email), settings.DESK_RETENTION_BATCH_SIZE
    )
    audit.record(actor=actor, action=audit.Action.ERASED_PATRON, object_type="patron", **result.as_dict())
    logger.info("erasure request: anonymised %s", result.as_dict())
    return result


def _in_batches(chats, tickets, batch_size) -> RetentionResult:
    result = RetentionResult()
    while ids := list(chats.values_list("pk", flat=True)[:batch_size]):
        with transaction.atomic():
            files, done = _anonymise_chats(ids)
            result.chats += done
            result.files += files
    while ids := list(tickets.values_list("pk", flat=True)[:batch_size]):
        with transaction.atomic():
            done, files = _anonymise_tickets(ids)
            result.tickets += done
            result.files += files
    return result


def _anonymise_chats(ids) -> tuple[int, int]:
    now = timezone.now()
    Message.objects.filter(chat_id__in=ids).exclude(sender=Message.Sender.SYSTEM).update(body=ERASED)
    TranscriptEmail.objects.filter(chat_id__in=ids).update(to_email="", last_error="")
    Transfer.objects.filter(chat_id__in=ids).update(note="")
    # Patron Information keeps the name and address an operator replaced, old and new.
    ChatEvent.objects.filter(chat_id__in=ids, kind=ChatEvent.Kind.PATRON_UPDATED).update(detail={})
    _erase_sms(ids)
    files = erase_chat_attachments(ids)
    return files, Chat.objects.filter(pk__in=ids, anonymised_at__isnull=True).update(
        question=ERASED,
        patron_name="",
        patron_email="",
        page_url="",
        user_agent="",
        rating_comment="",
        anonymised_at=now,
    )


def erase_chat_attachments(chat_ids) -> int:
    """Files patrons attached in chats: the file on disk, then its row. Returns files removed."""
    from chat.attachments import storage
    from chat.attachments.models import ChatAttachment

    attachments = ChatAttachment.objects.filter(chat_id__in=chat_ids)
    removed = 0
    for path in attachments.values_list("path", flat=True):
        storage.remove(path)
        removed += 1
    attachments.delete()
    return removed


def _erase_sms(chat_ids) -> None:
    """The patron's phone number and the texts sent to it."""
    from chat.sms.models import OutgoingSms, SmsConversation

    SmsConversation.objects.filter(chat_id__in=chat_ids).update(phone="", open=False)
    OutgoingSms.objects.filter(conversation__chat_id__in=chat_ids).update(to_phone="", body=ERASED, last_error="")


def _erase_unthreaded_mail(mails, batch_size) -> int:
    """Received mail that opened or joined no ticket (rejected, bounced, automatic replies)
    keeps its sender and subject in the log; empty them. Returns the rows emptied."""
    pending = mails.exclude(sender="", subject="", detail="")
    erased = 0
    while ids := list(pending.values_list("pk", flat=True)[:batch_size]):
        erased += InboundEmail.objects.filter(pk__in=ids).update(sender="", subject="", detail="")
    return erased


def _anonymise_tickets(ids) -> tuple[int, int]:
    now = timezone.now()
    files = 0
    for attachment in TicketAttachment.objects.filter(ticket_id__in=ids):
        try:
            attachment_path(attachment).unlink(missing_ok=True)
            files += 1
        except FileNotFoundError:
            pass
    TicketAttachment.objects.filter(ticket_id__in=ids).delete()
    TicketMessage.objects.filter(ticket_id__in=ids).update(
        body=ERASED, quoted="", from_name="", from_email="", to_email=""
    )
    OutgoingEmail.objects.filter(ticket_id__in=ids).update(to_email="", last_error="")
    InboundEmail.objects.filter(ticket_id__in=ids).update(sender="", subject="", detail="")
    done = Ticket.objects.filter(pk__in=ids, anonymised_at__isnull=True).update(
        subject=ERASED,
        question=ERASED,
        patron_name="",
        patron_email="",
        patron_phone="",
        anonymised_at=now,
    )
    return done, files
