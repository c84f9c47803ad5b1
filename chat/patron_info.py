"""Patron Information: who the patron says they are, what the widget knows, and their earlier
chats and tickets found by the same contact (issue 12)."""

import re

from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Replace
from django.utils.translation import gettext, gettext_noop

from chat.models import Chat, ChatEvent
from chat.selectors import may_see_chat
from chat.services import NotAllowed, _clean_email, _optional_text
from deskservice import realtime

HISTORY_LIMIT = 20


may_see = may_see_chat


def update_patron(*, chat, operator, name: str, email: str) -> Chat:
    """Update: the operator corrects the patron's name and email (say, given in the chat).
    Recorded as a chat event with what changed; the dashboards of the chat hear of it."""
    if not may_see(operator, chat):
        raise NotAllowed(gettext_noop("Only operators of this department can change the patron's details."))
    name = _optional_text(name, limit=100)
    email = _clean_email(email, required=False)
    with transaction.atomic():
        locked = Chat.objects.select_for_update().get(pk=chat.pk)
        changed = {
            field: {"from": getattr(locked, field), "to": value}
            for field, value in (("patron_name", name), ("patron_email", email))
            if getattr(locked, field) != value
        }
        if not changed:
            return locked
        locked.patron_name, locked.patron_email = name, email
        locked.save(update_fields=list(changed))
        ChatEvent.objects.create(chat=locked, kind=ChatEvent.Kind.PATRON_UPDATED, actor=operator, detail=changed)
        # Not to the chat's group: the patron's own socket has no use for it.
        staff = {locked.operator_id, *locked.participations.filter(left_at=None).values_list("operator_id", flat=True)}
        for user_id in staff - {None}:
            realtime.publish(realtime.operator_group(user_id), realtime.patron_updated_event(locked))
    return locked


def browser_summary(user_agent: str) -> str:
    """ "Firefox on Windows" from a user agent string: what a librarian needs, not the whole string."""
    agent = user_agent or ""
    browser = next(
        (name for pattern, name in BROWSERS if re.search(pattern, agent)),
        gettext("Unknown browser") if agent else "",
    )
    system = next((name for pattern, name in SYSTEMS if re.search(pattern, agent)), "")
    return (
        gettext("%(browser)s on %(system)s") % {"browser": browser, "system": system} if browser and system else browser
    )


BROWSERS = [
    (r"Edg/", "Edge"),
    (r"OPR/|Opera", "Opera"),
    (r"Firefox/", "Firefox"),
    (r"Chrome/|Chromium/|CriOS/", "Chrome"),
    (r"Safari/", "Safari"),
]
SYSTEMS = [
    (r"Android", "Android"),
    (r"iPhone|iPad|iPod", "iOS"),
    (r"Windows", "Windows"),
    (r"Mac OS X|Macintosh", "macOS"),
    (r"CrOS", "ChromeOS"),
    (r"Linux", "Linux"),
]


def history(chat, phone: str = "") -> dict:
    """Earlier chats and tickets with this patron's email or SMS number (`_contact_filters`),
    newest first, in two queries whatever their number."""
    from tickets.models import Ticket

    chats_q, tickets_q = _contact_filters(chat, phone)
    if chats_q is None:
        return {"chats": [], "tickets": []}
    chats = (
        Chat.objects.filter(chats_q, anonymised_at__isnull=True)
        .exclude(pk=chat.pk)
        .select_related("department", "operator")
        .order_by("-created_at")[:HISTORY_LIMIT]
    )
    tickets = (
        Ticket.objects.annotate(patron_phone_digits=_phone_digits("patron_phone"))
        .filter(tickets_q, anonymised_at__isnull=True)
        .select_related("queue")
        .order_by("-created_at")[:HISTORY_LIMIT]
    )
    return {
        "chats": [
            {
                "id": str(c.pk),
                "created_at": c.created_at.isoformat(),
                "department": c.department.name,
                "operator": c.operator.display_name if c.operator_id else "",
                "question": c.question[:140],
                "status": c.status,
                "url": f"/desk/chats/{c.pk}/transcript",
            }
            for c in chats
        ],
        "tickets": [
            {
                "number": t.number,
                "created_at": t.created_at.isoformat(),
                "subject": t.subject,
                "status": t.get_status_display(),
                "url": f"/tickets/{t.number}/",
            }
            for t in tickets
        ],
    }


def _contact_filters(chat, phone: str):
    """How to find the same patron: by email, and for an SMS chat by its number too (earlier
    SMS chats from it, and tickets whose patron phone is that number however it was typed)."""
    chats_q = tickets_q = None
    if chat.patron_email:
        chats_q = tickets_q = Q(patron_email__iexact=chat.patron_email)
    key = phone_key(phone)
    if key:
        by_phone_chats = Q(sms__phone=phone)
        by_phone_tickets = Q(patron_phone_digits__endswith=key)
        chats_q = by_phone_chats if chats_q is None else chats_q | by_phone_chats
        tickets_q = by_phone_tickets if tickets_q is None else tickets_q | by_phone_tickets
    return chats_q, tickets_q


# Ten digits identify a number in North America whether or not it was typed with its country
# code ("+1 (555) 010-2000" and "555-010-2000" are one patron); shorter numbers must match whole.
PHONE_KEY_DIGITS = 10
MIN_PHONE_DIGITS = 7


def phone_key(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    return digits[-PHONE_KEY_DIGITS:] if len(digits) >= MIN_PHONE_DIGITS else ""


def _phone_digits(field: str):
    """The digits of a phone number column, in SQL every database speaks (no regexp_replace in SQLite)."""
    expression = F(field)
    for character in " -().+/":
        expression = Replace(expression, Value(character), Value(""))
    return expression


def sms_phone(chat) -> str:
    """The number an SMS chat came from; empty for web chats (no query for them)."""
    if chat.source != Chat.Source.SMS:
        return ""
    from chat.sms.models import SmsConversation

    return SmsConversation.objects.filter(chat_id=chat.pk).values_list("phone", flat=True).first() or ""


def patron_info(chat) -> dict:
    phone = sms_phone(chat)
    return {
        "name": chat.patron_name,
        "email": chat.patron_email,
        "phone": phone,
        "page_url": chat.page_url,
        "browser": browser_summary(chat.user_agent),
        "user_agent": chat.user_agent,
        "language": chat.language,
        **history(chat, phone),
    }
