"""Patron Information: who the patron says they are, what the widget knows, and their earlier
chats and tickets found by the same contact (issue 12)."""

import re

from django.db import transaction
from django.db.models import Q

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
        raise NotAllowed("Only operators of this department can change the patron's details.")
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
        if locked.operator_id:
            # Not to the chat's group: the patron's own socket has no use for it.
            realtime.publish(realtime.operator_group(locked.operator_id), realtime.patron_updated_event(locked))
    return locked


def browser_summary(user_agent: str) -> str:
    """"Firefox on Windows" from a user agent string: what a librarian needs, not the whole string."""
    agent = user_agent or ""
    browser = next(
        (name for pattern, name in BROWSERS if re.search(pattern, agent)),
        "Unknown browser" if agent else "",
    )
    system = next((name for pattern, name in SYSTEMS if re.search(pattern, agent)), "")
    return f"{browser} on {system}" if browser and system else browser


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


def history(chat) -> dict:
    """Earlier chats and tickets with this patron's email (phone numbers for SMS: see
    `_contact_filters`), newest first, in two queries whatever their number."""
    from tickets.models import Ticket

    chats_q, tickets_q = _contact_filters(chat)
    if chats_q is None:
        return {"chats": [], "tickets": []}
    chats = (
        Chat.objects.filter(chats_q, anonymised_at__isnull=True)
        .exclude(pk=chat.pk)
        .select_related("department", "operator")
        .order_by("-created_at")[:HISTORY_LIMIT]
    )
    tickets = (
        Ticket.objects.filter(tickets_q, anonymised_at__isnull=True)
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


def _contact_filters(chat):
    """How to find the same patron: by email today; an SMS chat's number joins here."""
    if not chat.patron_email:
        return None, None
    return Q(patron_email__iexact=chat.patron_email), Q(patron_email__iexact=chat.patron_email)


def patron_info(chat) -> dict:
    return {
        "name": chat.patron_name,
        "email": chat.patron_email,
        "page_url": chat.page_url,
        "browser": browser_summary(chat.user_agent),
        "user_agent": chat.user_agent,
        "language": chat.language,
        **history(chat),
    }

