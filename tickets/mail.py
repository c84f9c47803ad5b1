"""The mail the desk sends about tickets: its addresses, threading headers, and the messages.

Every ticket mail goes out from the ticket's own reply address, `desk+t<token>@domain`,
both as Reply-To and as the envelope sender. Patrons' replies, help desks' automatic
receipts (RFC 3834 answers the envelope sender) and bounces therefore all come back to an
address that names the ticket, and `[#10234]` in the subject is only a second way in.
"""

import re
from email.utils import formataddr, make_msgid, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from tickets.models import OutgoingEmail, TicketMessage

REPLY_TOKEN = re.compile(r"\+t([0-9a-f]{8,32})@", re.IGNORECASE)
SUBJECT_NUMBER = re.compile(r"\[#(\d{1,12})\]")


def desk_address() -> str:
    """The desk's own address, e.g. desk@library.example.edu (DESK_TICKET_EMAIL or DEFAULT_FROM_EMAIL)."""
    configured = getattr(settings, "DESK_TICKET_EMAIL", "") or settings.DEFAULT_FROM_EMAIL
    return parseaddr(configured)[1].lower()


def desk_name() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[0] or "Library Ask Desk"


def desk_domain() -> str:
    return desk_address().rpartition("@")[2] or "localhost"


def reply_address(ticket) -> str:
    local, _, domain = desk_address().partition("@")
    return f"{local}+t{ticket.reply_token}@{domain}"


def is_desk_address(address: str) -> bool:
    """Our own address, with or without a ticket token: mail from it is a loop."""
    local, _, domain = (address or "").lower().partition("@")
    desk_local, _, desk_dom = desk_address().partition("@")
    return domain == desk_dom and local.split("+", 1)[0] == desk_local


def new_message_id(ticket) -> str:
    return make_msgid(idstring=f"ticket{ticket.number}", domain=desk_domain())


def one_line(text: str, limit: int = 200) -> str:
    """Anything that reaches a mail header: line breaks and control characters collapse to spaces."""
    cleaned = "".join(" " if ch < " " or ch == "\x7f" else ch for ch in str(text or ""))
    return " ".join(cleaned.split())[:limit]


def ticket_subject(ticket, *, reply: bool = False) -> str:
    subject = f"[#{ticket.number}] {one_line(ticket.subject, 150)}"
    return f"Re: {subject}" if reply else subject


def build_email(outgoing: OutgoingEmail) -> EmailMultiAlternatives:
    """The email for one OutgoingEmail row, HTML and plain text, with its threading headers."""
    ticket = outgoing.ticket
    build = {
        OutgoingEmail.Kind.ACKNOWLEDGEMENT: _acknowledgement,
        OutgoingEmail.Kind.REPLY: _reply,
        OutgoingEmail.Kind.REFERRAL: _referral,
    }[outgoing.kind]
    # Patrons read the desk's mail in their language; a referral goes to staff in the desk's.
    language = settings.LANGUAGE_CODE if outgoing.kind == OutgoingEmail.Kind.REFERRAL else ticket.language
    with translation.override(language):
        subject, template, context, to_name, headers = build(outgoing)
        context = {**context, "ticket": ticket, "desk_name": desk_name()}
        # Templates autoescape what patrons and operators wrote; the .txt ones turn it off on purpose.
        text = render_to_string(f"tickets/email/{template}.txt", context)
        html = render_to_string(f"tickets/email/{template}.html", context)
    reply_to = reply_address(ticket)
    message = EmailMultiAlternatives(
        subject=one_line(subject, 250),
        body=text,
        from_email=reply_to,
        to=[formataddr((one_line(to_name, 100), outgoing.to_email))],
        reply_to=[reply_to],
        headers={"From": formataddr((desk_name(), desk_address())), "Message-ID": outgoing.message_id, **headers},
    )
    message.attach_alternative(html, "text/html")
    return message


def _acknowledgement(outgoing):
    ticket = outgoing.ticket
    headers = {
        # RFC 3834: an automatic message; well-behaved responders do not answer it, so no loop.
        "Auto-Submitted": "auto-replied" if ticket.source == ticket.Source.EMAIL else "auto-generated",
        "X-Auto-Response-Suppress": "All",
    }
    headers.update(_thread_headers(ticket, exclude=outgoing.message_id))
    return ticket_subject(ticket), "acknowledgement", {}, ticket.patron_name, headers


def _reply(outgoing):
    ticket, entry = outgoing.ticket, outgoing.ticket_message
    context = {"reply": entry, "author": entry.author, "signature": _signature(entry)}
    headers = _thread_headers(ticket, exclude=outgoing.message_id)
    return ticket_subject(ticket, reply=True), "reply", context, ticket.patron_name, headers


def _referral(outgoing):
    from chat.transcripts import transcript_lines

    ticket, entry = outgoing.ticket, outgoing.ticket_message
    context = {
        "note": entry.body,
        "author": entry.author,
        "signature": _signature(entry),
        "transcript": transcript_lines(ticket.chat) if ticket.chat_id else [],
    }
    team_name = ticket.external_team.name if ticket.external_team_id else ""
    return ticket_subject(ticket), "referral", context, team_name, {}


def _signature(entry: TicketMessage) -> str:
    author = entry.author
    name = (author.get_full_name() or author.display_name) if author else desk_name()
    return f"{name}, {entry.ticket.queue.name}"


def _thread_headers(ticket, *, exclude: str) -> dict:
    """In-Reply-To the patron's latest email and References to the conversation, so their
    mail program shows one thread."""
    ids = list(
        ticket.messages.filter(kind__in=[TicketMessage.Kind.PATRON, TicketMessage.Kind.REPLY])
        .exclude(message_id="")
        .exclude(message_id=exclude)
        .order_by("-created_at", "-id")
        .values_list("kind", "message_id")[:10]
    )
    if not ids:
        return {}
    headers = {"References": " ".join(mid for _, mid in reversed(ids))}
    latest_patron = next((mid for kind, mid in ids if kind == TicketMessage.Kind.PATRON), None)
    if latest_patron:
        headers["In-Reply-To"] = latest_patron
    return headers
