"""Internal chat between staff: one-to-one conversations, a room for each department, and the
All staff room that everyone who works the desk is in.

Internal messages never reach a patron or a transcript. They are delivered to each
recipient's operator group, so no group grows beyond one person's tabs.
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext, gettext_noop

from chat.models import InternalConversation, InternalMessage, InternalReadMark
from chat.services import ChatError, NotAllowed, _clean_text
from deskservice import realtime
from deskservice.models import User
from deskservice.selectors import desk_staff


def direct_conversation(*, user, other) -> InternalConversation:
    if user.pk == other.pk:
        raise ChatError(gettext_noop("Choose another operator to chat with."), field="target")
    low, high = sorted([user.pk, other.pk])
    conversation = _get_or_create(f"direct:{low}:{high}", kind=InternalConversation.Kind.DIRECT)
    conversation.participants.add(user, other)
    return conversation


def department_room(*, user, department) -> InternalConversation:
    """The department's room; someone from elsewhere who opens it joins it (to ask for a transfer)."""
    conversation = _get_or_create(
        f"department:{department.pk}", kind=InternalConversation.Kind.DEPARTMENT, department=department
    )
    if not user.departments.filter(pk=department.pk).exists():
        conversation.participants.add(user)
    return conversation


ALL_STAFF_KEY = "all"
# Titles are translated as they are shown (gettext), in the language of whoever asks.
ALL_STAFF_TITLE = gettext_noop("All staff")
NOTE_TO_SELF = gettext_noop("Note to self")


def all_staff_room() -> InternalConversation:
    return _get_or_create(ALL_STAFF_KEY, kind=InternalConversation.Kind.ALL_STAFF)


def _get_or_create(key, **fields) -> InternalConversation:
    try:
        with transaction.atomic():
            return InternalConversation.objects.get_or_create(key=key, defaults=fields)[0]
    except IntegrityError:
        # Two operators opened the same conversation at once; the other one created it.
        return InternalConversation.objects.get(key=key)


def members(conversation):
    """Everyone who sees a conversation: its participants, a room's department operators, and
    for All staff everyone whose role lets them work the desk."""
    if conversation.kind == InternalConversation.Kind.ALL_STAFF:
        return desk_staff()
    query = Q(internal_conversations=conversation)
    if conversation.department_id:
        query |= Q(departments=conversation.department_id)
    return User.objects.filter(query, is_active=True).distinct()


def can_see(conversation, user) -> bool:
    return members(conversation).filter(pk=user.pk).exists()


def title_for(conversation, user) -> str:
    if conversation.kind == InternalConversation.Kind.DEPARTMENT:
        return conversation.department.name
    if conversation.kind == InternalConversation.Kind.ALL_STAFF:
        return gettext(ALL_STAFF_TITLE)
    other = conversation.participants.exclude(pk=user.pk).first()
    return other.display_name if other else gettext(NOTE_TO_SELF)


def send_internal_message(*, conversation, author, body) -> InternalMessage:
    """Store, then deliver to every member's dashboards (an alert and an unread count there)."""
    if not can_see(conversation, author):
        raise NotAllowed(gettext_noop("You are not part of that internal chat."))
    body = _clean_text(body, field="body", limit=settings.DESK_MAX_MESSAGE_LENGTH)
    with transaction.atomic():
        message = InternalMessage.objects.create(conversation=conversation, author=author, body=body)
        mark_read(conversation=conversation, user=author, up_to=message.id)
        for member in members(conversation):
            realtime.publish(
                realtime.operator_group(member.pk),
                realtime.internal_message_event(message, title_for(conversation, member)),
            )
    return message


def mark_read(*, conversation, user, up_to: int) -> None:
    InternalReadMark.objects.update_or_create(conversation=conversation, user=user, defaults={"last_read_id": up_to})


def conversations_for(user) -> list[dict]:
    """The operator's internal chats with their unread counts, newest activity first, in one query."""
    read_mark = InternalReadMark.objects.filter(conversation=OuterRef("pk"), user=user).values("last_read_id")[:1]
    rows = (
        InternalConversation.objects.filter(
            Q(participants=user) | Q(department__in=user.departments.all()) | Q(key=ALL_STAFF_KEY)
        )
        .distinct()
        .annotate(last_read=Coalesce(Subquery(read_mark), 0))
        .annotate(unread=Count("messages", filter=Q(messages__id__gt=F("last_read")), distinct=True))
        .select_related("department")
        .prefetch_related("participants")
    )
    result = []
    for conversation in rows:
        if conversation.kind == InternalConversation.Kind.DIRECT:
            others = [p for p in conversation.participants.all() if p.pk != user.pk]
            title = others[0].display_name if others else gettext(NOTE_TO_SELF)
        elif conversation.kind == InternalConversation.Kind.ALL_STAFF:
            title = gettext(ALL_STAFF_TITLE)
        else:
            title = conversation.department.name
        result.append({"id": conversation.pk, "kind": conversation.kind, "title": title, "unread": conversation.unread})
    if not any(row["kind"] == InternalConversation.Kind.ALL_STAFF for row in result):
        # The room exists from the first time anyone lists their chats; it is never absent.
        room = all_staff_room()
        result.append({"id": room.pk, "kind": room.kind, "title": gettext(ALL_STAFF_TITLE), "unread": 0})
    return result


def messages_of(conversation, *, after: int = 0, limit: int = 200) -> list[InternalMessage]:
    return list(conversation.messages.select_related("author").filter(id__gt=after).order_by("id")[:limit])
