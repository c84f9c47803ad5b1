"""Operators in a patron chat besides its owner: the three-way chat after a transfer (issue 12).

In LibChat the operator who transfers a chat stays in it, with the patron and the new operator,
until they leave. Here the Transfer dialog asks (Transfer.from_operator_stays); on Accept the
sender becomes a ChatParticipant. A participant reads and writes in the chat; only the owner
(Chat.operator) ends, transfers or closes it, so a participant leaving never ends the chat.
"""

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_noop

from chat.models import Chat, ChatEvent, ChatParticipant
from chat.services import ChatConflict, NotAllowed, _system_message, in_patron_language
from deskservice import realtime


def join_chat(*, chat, operator) -> ChatParticipant:
    """`operator` stays in `chat` beside its owner. Called inside accept_transfer's transaction,
    with the chat row locked. The patron is told; the operator's dashboards get the chat as a
    participant (chat.participating), and the staff in the chat the new list (chat.participants)."""
    participation = ChatParticipant.objects.create(chat=chat, operator=operator)
    ChatEvent.objects.create(chat=chat, kind=ChatEvent.Kind.PARTICIPANT_JOINED, actor=operator)
    _system_message(
        chat, in_patron_language(chat, gettext_noop("%(name)s is staying in the chat."), name=operator.display_name)
    )
    chat.active_participations = list(active_participations(chat))
    realtime.publish(realtime.operator_group(operator.pk), realtime.chat_participating_event(chat))
    publish_participants(chat)
    return participation


def leave_chat(*, chat, operator) -> ChatParticipant:
    """Leave chat: the participant goes; the chat goes on with the patron and its owner.

    Refused for the owner (who transfers or ends it instead), for someone who already left
    and for someone who never was in it. The patron and the owner read "Alice has left the
    chat." (not after the chat ended: nobody is there to read it); the leaver's dashboards
    get chat.left and stop receiving the chat.
    """
    with transaction.atomic():
        # The chat row lock orders leaving against the participant's own messages and the end.
        locked = Chat.objects.select_for_update(of=("self",)).select_related("department", "operator").get(pk=chat.pk)
        if locked.operator_id == operator.pk:
            # Also for an operator who stayed and later claimed the chat back from a queue.
            raise ChatConflict(gettext_noop("This chat is yours: transfer it or end it rather than leave it."))
        participation = (
            ChatParticipant.objects.select_for_update().filter(chat=locked, operator=operator, left_at=None).first()
        )
        if participation is None:
            if ChatParticipant.objects.filter(chat=locked, operator=operator).exists():
                raise ChatConflict(gettext_noop("You have already left this chat."))
            raise NotAllowed(gettext_noop("You are not in this chat."))
        participation.left_at = timezone.now()
        participation.save(update_fields=["left_at"])
        ChatEvent.objects.create(chat=locked, kind=ChatEvent.Kind.PARTICIPANT_LEFT, actor=operator)
        if locked.status != Chat.Status.ENDED:
            _system_message(
                locked,
                in_patron_language(locked, gettext_noop("%(name)s has left the chat."), name=operator.display_name),
            )
        realtime.publish(realtime.operator_group(operator.pk), realtime.chat_left_event(locked))
        locked.active_participations = list(active_participations(locked))
        publish_participants(locked)
    return participation


def owner_changed(chat, owner) -> None:
    """A participant who becomes the owner (the chat was transferred back to them) is no longer
    a participant: the owner's own rights cover everything a participant may do."""
    ChatParticipant.objects.filter(chat=chat, operator=owner, left_at=None).update(left_at=timezone.now())


def publish_participants(chat) -> None:
    """chat.participants to the owner and every participant, after the list or the owner changed."""
    if not hasattr(chat, "active_participations"):
        chat.active_participations = list(active_participations(chat))
    event = realtime.chat_participants_event(chat)
    for user_id in {chat.operator_id, *(p.operator_id for p in chat.active_participations)} - {None}:
        realtime.publish(realtime.operator_group(user_id), event)


def active_participations(chat):
    return ChatParticipant.objects.filter(chat=chat, left_at=None).select_related("operator").order_by("joined_at")


def with_participants(chats):
    """`chats` with their active participants loaded in one more query (chat_summary shows them)."""
    return chats.prefetch_related(
        Prefetch(
            "participations",
            queryset=ChatParticipant.objects.filter(left_at=None).select_related("operator").order_by("joined_at"),
            to_attr="active_participations",
        )
    )
