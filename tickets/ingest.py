"""What the desk does with one email that arrives (from `manage.py ingest_email` or the HTTP endpoint).

In order: refuse what is too big or unreadable; drop a message already received (mail
servers deliver twice) and our own mail coming back; find the ticket it answers; thread it,
record a bounce, ignore an automatic reply that answers nothing, or open a new ticket.
Automatic mail is never acknowledged, so two autoresponders cannot keep each other busy.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction

from tickets import services
from tickets.inbound import MalformedEmail, ParsedEmail, all_addresses, parse_email
from tickets.mail import REPLY_TOKEN, SUBJECT_NUMBER, is_desk_address
from tickets.models import ExternalTeam, InboundEmail, OutgoingEmail, Ticket, TicketMessage

logger = logging.getLogger(__name__)
Outcome = InboundEmail.Outcome


def max_message_bytes() -> int:
    return getattr(settings, "DESK_INBOUND_EMAIL_MAX_BYTES", 25 * 1024 * 1024)


@dataclass
class IngestResult:
    outcome: str
    ticket: Ticket | None = None
    detail: str = ""

    def as_dict(self) -> dict:
        return {"outcome": self.outcome, "ticket": self.ticket.number if self.ticket else None, "detail": self.detail}


def ingest_email(raw: bytes) -> IngestResult:
    if len(raw) > max_message_bytes():
        detail = f"The message is larger than {max_message_bytes():,} bytes."
        return _log(Outcome.REJECTED, size=len(raw), detail=detail)
    try:
        parsed = parse_email(raw)
    except MalformedEmail as error:
        return _log(Outcome.REJECTED, size=len(raw), detail=str(error))
    if parsed.message_id and _already_received(parsed.message_id):
        return _log(Outcome.DUPLICATE, parsed=parsed, size=len(raw), detail="This message was already received.")
    if is_desk_address(parsed.sender_email):
        return _log(Outcome.LOOP, parsed=parsed, size=len(raw), detail="Mail from the desk itself is not read.")
    try:
        with transaction.atomic():
            result = _act(parsed, raw)
            _log(result.outcome, parsed=parsed, size=len(raw), detail=result.detail, ticket=result.ticket)
    except IntegrityError:
        # The same message, delivered twice at once: the other delivery won the unique Message-ID.
        return _log(Outcome.DUPLICATE, parsed=parsed, size=len(raw), detail="This message was already received.")
    logger.info("inbound email from %s: %s %s", parsed.sender_email or "?", result.outcome, result.detail)
    return result


def _act(parsed: ParsedEmail, raw: bytes) -> IngestResult:
    ticket, mentioned = find_ticket(parsed, raw)
    if parsed.bounce:
        if ticket is None:
            return IngestResult(Outcome.BOUNCE, detail="A delivery failure for no ticket we know.")
        _thread(ticket, parsed, TicketMessage.Kind.BOUNCE, team=None)
        return IngestResult(Outcome.BOUNCE, ticket, "A delivery failure, added to the ticket.")
    if ticket is not None:
        team = team_for(parsed.sender_email, ticket)
        kind = TicketMessage.Kind.EXTERNAL if team else TicketMessage.Kind.PATRON
        _thread(ticket, parsed, kind, team=team)
        return IngestResult(Outcome.THREADED, ticket, "Added to the ticket.")
    if parsed.automatic:
        return IngestResult(Outcome.AUTOMATIC, detail="An automatic reply that answers no ticket; nothing to do.")
    if not parsed.sender_email:
        return IngestResult(Outcome.REJECTED, detail="The message has no sender address we could reply to.")
    return _open(parsed, mentioned)


def _thread(ticket, parsed: ParsedEmail, kind, *, team) -> None:
    services.add_email_to_ticket(
        ticket=ticket,
        kind=kind,
        from_name=parsed.sender_name,
        from_email=parsed.sender_email,
        body=_with_notes(parsed.text, parsed),
        quoted=parsed.quoted,
        message_id=parsed.message_id,
        automatic=parsed.automatic,
        files=parsed.files,
        incident_team=team,
        subject=parsed.subject,
    )


def _open(parsed: ParsedEmail, mentioned: Ticket | None) -> IngestResult:
    question = _with_notes(parsed.text or parsed.subject or "(no text)", parsed)
    note = ""
    if mentioned is not None:
        note = (
            f"This email names #{mentioned.number} in its subject but came from {parsed.sender_email}, "
            "who is not that ticket's patron, so it was opened as a new ticket."
        )
    try:
        ticket = services.create_ticket(
            question=question[: services.MAX_QUESTION],
            subject=parsed.subject or parsed.text[:120],
            email=parsed.sender_email,
            name=parsed.sender_name,
            source=Ticket.Source.EMAIL,
            acknowledge=True,
            note=note,
            source_message_id=parsed.message_id,
            files=parsed.files,
        )
    except services.TicketError as error:
        return IngestResult(Outcome.REJECTED, detail=str(error))
    return IngestResult(Outcome.CREATED, ticket, "Opened a new ticket and acknowledged it.")


def find_ticket(parsed: ParsedEmail, raw: bytes) -> tuple[Ticket | None, Ticket | None]:
    """The ticket the message answers, and a ticket it merely names in its subject.

    The reply-address token and our Message-IDs are secrets only a ticket's correspondents
    hold, so they thread whoever writes. A `[#10234]` in the subject can be typed by anyone:
    it threads only mail from the ticket's patron or its external team.
    """
    haystacks = all_addresses(parsed.recipients) + parsed.recipients
    if parsed.bounce:
        # The failed message is quoted inside the bounce, with our reply address in it.
        haystacks.append(raw[:200_000].decode("latin-1"))
    for text in haystacks:
        match = REPLY_TOKEN.search(text)
        if match:
            ticket = Ticket.objects.filter(reply_token=match.group(1).lower()).first()
            if ticket:
                return ticket, None
    ticket = _by_message_ids(parsed.references)
    if ticket:
        return ticket, None
    number = SUBJECT_NUMBER.search(parsed.subject)
    if number:
        named = (
            Ticket.objects.select_related("external_team")
            .filter(pk=Ticket.pk_from_number(int(number.group(1))))
            .first()
        )
        if named and _is_correspondent(parsed.sender_email, named):
            return named, None
        return None, named
    return None, None


def _by_message_ids(ids: list[str]) -> Ticket | None:
    if not ids:
        return None
    ticket_id = (
        OutgoingEmail.objects.filter(message_id__in=ids).values_list("ticket_id", flat=True).first()
        or TicketMessage.objects.filter(message_id__in=ids).values_list("ticket_id", flat=True).first()
        or Ticket.objects.filter(source_message_id__in=ids).values_list("id", flat=True).first()
    )
    return Ticket.objects.filter(pk=ticket_id).first() if ticket_id else None


def _is_correspondent(sender: str, ticket: Ticket) -> bool:
    if sender and sender == ticket.patron_email.lower():
        return True
    return team_for(sender, ticket) is not None


def team_for(sender: str, ticket: Ticket) -> ExternalTeam | None:
    """The external team a sender writes for: the ticket's team when the sender shares its
    domain (help desks reply from robots like noreply@its...), else a team with exactly that address."""
    if not sender:
        return None
    team = ticket.external_team if ticket.external_team_id else None
    if team is not None and sender.rpartition("@")[2] == team.domain:
        return team
    return ExternalTeam.objects.filter(email__iexact=sender).first()


def _already_received(message_id: str) -> bool:
    return (
        InboundEmail.objects.filter(message_id=message_id)
        .exclude(outcome__in=[Outcome.DUPLICATE, Outcome.REJECTED])
        .exists()
    )


def _with_notes(text: str, parsed: ParsedEmail) -> str:
    if not parsed.notes:
        return text
    return text + "\n\n[Desk: " + " ".join(parsed.notes) + "]"


def _log(outcome, *, size: int, detail: str = "", parsed: ParsedEmail | None = None, ticket=None) -> IngestResult:
    InboundEmail.objects.create(
        message_id=parsed.message_id if parsed else "",
        sender=parsed.sender_email if parsed else "",
        subject=parsed.subject if parsed else "",
        size=size,
        outcome=outcome,
        detail=detail[:300],
        ticket=ticket,
    )
    return IngestResult(outcome, ticket, detail)
