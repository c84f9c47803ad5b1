"""Reads about tickets that views, the dashboard and services share."""

import re
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q
from django.utils.translation import gettext, gettext_noop, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from deskservice.models import User
from tickets.models import Queue, Ticket, TicketAttachment, TicketMessage

# Each list shows this many tickets a page; the queries do not grow with it.
PAGE_SIZE = 50


def my_queues_q(user_id) -> Q:
    """A queue is mine when I am one of its members or it belongs to one of my departments."""
    return Q(members__id=user_id) | Q(department__operators__id=user_id)


def my_queue_ids(user_id):
    return Queue.objects.filter(my_queues_q(user_id)).values("id")


def ticket_counts_for(user) -> dict:
    """The dashboard's live counts, in one query: {"mine": open tickets assigned to me,
    "unassigned": open tickets with nobody (and no external team) in my queues}."""
    user_id = getattr(user, "pk", user)
    return Ticket.objects.exclude(status=Ticket.Status.CLOSED).aggregate(
        mine=Count("id", filter=Q(assignee_id=user_id)),
        unassigned=Count(
            "id",
            filter=Q(assignee__isnull=True, external_team__isnull=True, queue_id__in=my_queue_ids(user_id)),
        ),
    )


def operators_to_tell(*, queue_ids, user_ids=()) -> set[int]:
    """Who should get new counts when tickets in these queues (or assigned to these people) change."""
    people = User.objects.filter(is_active=True).filter(
        Q(ticket_queues__id__in=queue_ids) | Q(departments__queues__id__in=queue_ids)
    )
    return set(people.values_list("id", flat=True).distinct()) | {uid for uid in user_ids if uid}


def may_create_ticket_from(user, chat) -> bool:
    """The chat's operator, an operator of its department, or a superuser."""
    if user.is_superuser or chat.operator_id == user.pk:
        return True
    return user.departments.filter(pk=chat.department_id).exists()


def assignable_operators():
    """Staff a ticket may be assigned to: active operators (in a department) and superusers."""
    return (
        User.objects.filter(is_active=True)
        .filter(Q(departments__isnull=False) | Q(is_superuser=True))
        .distinct()
        .order_by("first_name", "username")
    )


# --- Lists ----------------------------------------------------------------------------------

VIEWS = {
    "mine": pgettext_lazy("my tickets", "Mine"),
    "unassigned": _("Unassigned in my queues"),
    "all": _("All tickets"),
}


@dataclass
class TicketFilters:
    view: str = "mine"
    q: str = ""
    queue: Queue | None = None
    status: str = ""
    source: str = ""
    # "open" hides closed tickets unless a status is chosen; lists default to work still to do.
    include_closed: bool = False


def ticket_list(user, filters: TicketFilters):
    """The tickets of one list tab, filtered and searched, with what the table shows joined in."""
    tickets = Ticket.objects.select_related("queue", "assignee", "external_team").order_by("-updated_at", "-id")
    if filters.view == "mine":
        tickets = tickets.filter(assignee_id=user.pk)
    elif filters.view == "unassigned":
        tickets = tickets.filter(assignee__isnull=True, external_team__isnull=True, queue_id__in=my_queue_ids(user.pk))
    if filters.status:
        tickets = tickets.filter(status=filters.status)
    elif not filters.include_closed:
        tickets = tickets.exclude(status=Ticket.Status.CLOSED)
    if filters.queue is not None:
        tickets = tickets.filter(queue=filters.queue)
    if filters.source:
        tickets = tickets.filter(source=filters.source)
    if filters.q:
        tickets = tickets.filter(search_q(filters.q))
    return tickets


NUMBER_SEARCH = re.compile(r"^#?\s*(\d{1,12})$")


def search_q(text: str) -> Q:
    """A ticket number (#10234 or 10234), an email address, or words in the subject or question."""
    text = text.strip()
    number = NUMBER_SEARCH.match(text)
    if number:
        by_number = Q(pk=Ticket.pk_from_number(int(number.group(1))))
        return by_number | Q(incident_number__iexact=text) | Q(patron_phone__contains=text)
    if "@" in text:
        return Q(patron_email__iexact=text) | Q(patron_email__icontains=text)
    condition = Q()
    for word in text.split()[:8]:
        condition &= (
            Q(subject__icontains=word)
            | Q(question__icontains=word)
            | Q(patron_name__icontains=word)
            | Q(incident_number__iexact=word)
        )
    return condition


# --- One ticket -----------------------------------------------------------------------------


def ticket_by_number(number) -> Ticket | None:
    try:
        pk = Ticket.pk_from_number(int(number))
    except (TypeError, ValueError):
        return None
    return (
        Ticket.objects.select_related("queue", "assignee", "external_team", "chat__department", "chat__operator")
        .filter(pk=pk)
        .first()
    )


def conversation(ticket):
    """The ticket's messages in order, with their authors, attachments and email status."""
    return (
        ticket.messages.select_related("author", "email")
        .prefetch_related(Prefetch("attachments", queryset=TicketAttachment.objects.order_by("id")))
        .order_by("created_at", "id")
    )


def history(ticket):
    return ticket.changes.select_related("actor").order_by("created_at", "id")


# Whole sentences, so that each language words them its own way.
ADDED = {
    TicketMessage.Kind.PATRON: gettext_noop("%(who)s added an email"),
    TicketMessage.Kind.REPLY: gettext_noop("%(who)s added a reply"),
    TicketMessage.Kind.NOTE: gettext_noop("%(who)s added an internal note"),
    TicketMessage.Kind.REFERRAL: gettext_noop("%(who)s added a referral"),
    TicketMessage.Kind.EXTERNAL: gettext_noop("%(who)s added an email"),
    TicketMessage.Kind.BOUNCE: gettext_noop("%(who)s added a delivery failure"),
}


def last_activity(ticket) -> str:
    """Who did the latest thing to the ticket, for a conflict message."""
    change = ticket.changes.select_related("actor").order_by("-created_at", "-id").first()
    message = ticket.messages.select_related("author").order_by("-created_at", "-id").first()
    latest = max([x for x in (change, message) if x is not None], key=lambda x: x.created_at, default=None)
    if latest is None:
        return ""
    if isinstance(latest, TicketMessage):
        who = latest.author.display_name if latest.author_id else (latest.from_name or latest.from_email)
        return gettext(ADDED[latest.kind]) % {"who": who or gettext("Someone")}
    who = latest.actor.display_name if latest.actor_id else gettext("The desk")
    if latest.field == "created":
        return gettext("%(who)s created it") % {"who": who}
    return gettext("%(who)s changed the %(field)s to %(value)s") % {
        "who": who,
        "field": latest.get_field_display().lower(),
        "value": latest.shown_new_value or gettext("nothing"),
    }
