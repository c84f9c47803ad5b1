"""Transfers of patron chats between operators and departments, as the manuals describe them.

A transfer to an operator waits for their Accept or Decline (or expires after
DESK_TRANSFER_TIMEOUT_SECONDS); a transfer to a department puts the chat back in that
department's queue at once. Only someone online can receive a transfer. Every transfer is
recorded whatever its outcome.
"""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from chat import participants
from chat.models import Chat, ChatEvent, Transfer
from chat.services import ChatConflict, ChatError, NotAllowed, _require_owner, _system_message, in_patron_language
from deskservice import audit, realtime, roles
from deskservice.compiled_sql import CompiledQuery
from deskservice.selectors import department_is_online, is_operator_online


def request_transfer(
    *, chat, from_operator, to_operator=None, to_department=None, note: str = "", stay: bool = False
) -> Transfer:
    """Offer an active chat to an online operator, or move it to an online department's queue.

    With `stay` the sender stays in the chat once the operator accepts (a three-way chat,
    chat.participants); a chat sent back to a queue has nobody to share it with yet.
    """
    if (to_operator is None) == (to_department is None):
        raise ChatError(gettext_noop("Choose one operator or one department to transfer to."), field="target")
    _require_owner(chat, from_operator)
    if chat.status != Chat.Status.ACTIVE:
        raise ChatConflict(gettext_noop("Only an active chat can be transferred."))
    if stay and to_department is not None:
        raise ChatError(
            gettext_noop("You can stay in the chat only when you transfer it to an operator."), field="stay"
        )
    note = (note or "").strip()[:2000]
    if to_operator is not None:
        return _offer_to_operator(chat, from_operator, to_operator, note, stay)
    return _move_to_department(chat, from_operator, to_department, note)


def _offer_to_operator(chat, from_operator, to_operator, note, stay) -> Transfer:
    if to_operator.pk == from_operator.pk:
        raise ChatError(gettext_noop("You already have this chat."), field="target")
    if not is_operator_online(to_operator):
        raise ChatConflict(
            gettext("%(name)s is not online. Transfer to someone online, or create a ticket.")
            % {"name": to_operator.display_name}
        )
    try:
        with transaction.atomic():
            transfer = Transfer.objects.create(
                chat=chat, from_operator=from_operator, to_operator=to_operator, note=note, from_operator_stays=stay
            )
            ChatEvent.objects.create(
                chat=chat,
                kind=ChatEvent.Kind.TRANSFER_REQUESTED,
                actor=from_operator,
                detail={"to_operator": to_operator.pk},
            )
            realtime.publish(realtime.operator_group(to_operator.pk), realtime.transfer_requested_event(transfer))
            realtime.publish(realtime.operator_group(from_operator.pk), realtime.transfer_answered_event(transfer))
    except IntegrityError:
        raise ChatConflict(gettext_noop("A transfer of this chat is already waiting for an answer.")) from None
    return transfer


def _move_to_department(chat, from_operator, department, note) -> Transfer:
    if not department.active or not department_is_online(department):
        raise ChatConflict(
            gettext("Nobody in %(department)s is online. Create a ticket for them instead.")
            % {"department": department.name}
        )
    with transaction.atomic():
        locked = Chat.objects.select_for_update().get(pk=chat.pk)
        if locked.status != Chat.Status.ACTIVE or locked.operator_id != from_operator.pk:
            raise ChatConflict(gettext_noop("This chat changed before it could be transferred."))
        transfer = Transfer.objects.create(
            chat=locked,
            from_operator=from_operator,
            to_department=department,
            note=note,
            status=Transfer.Status.ACCEPTED,
            answered_at=timezone.now(),
        )
        locked.status, locked.operator, locked.department = Chat.Status.WAITING, None, department
        locked.save(update_fields=["status", "operator", "department"])
        _record_transfer(locked, transfer, from_operator)
        _system_message(
            locked,
            in_patron_language(
                locked,
                gettext_noop("You are being transferred to %(name)s. Someone will be with you shortly."),
                name=department.name,
            ),
        )
        realtime.publish(
            realtime.operator_group(from_operator.pk), realtime.chat_transferred_event(locked, department.name)
        )
        realtime.publish(realtime.department_group(department.pk), realtime.queue_added_event(locked))
        realtime.publish(realtime.chat_group(locked.pk), realtime.status_event(locked))
        realtime.publish(realtime.waiting_group(department.pk), realtime.queue_changed_event(department.pk))
        _tell_participants(locked)
    return transfer


def accept_transfer(*, transfer_id, operator) -> Chat:
    """The target accepts: the chat becomes theirs and the patron is told who now answers.

    A sender who chose to stay becomes a participant (chat.participants.join_chat) and keeps
    the chat on their dashboard; one who did not gets chat.transferred and loses it.
    """
    with transaction.atomic():
        transfer = _answerable(transfer_id, operator)
        chat = Chat.objects.select_for_update().select_related("department").get(pk=transfer.chat_id)
        if chat.status != Chat.Status.ACTIVE or chat.operator_id != transfer.from_operator_id:
            _finish(transfer, Transfer.Status.CANCELLED)
            if chat.status == Chat.Status.ENDED:
                raise ChatConflict(gettext_noop("The patron ended the chat. The transfer was cancelled."))
            raise ChatConflict(gettext_noop("The chat has moved on. The transfer was cancelled."))
        _finish(transfer, Transfer.Status.ACCEPTED)
        chat.operator = operator
        chat.save(update_fields=["operator"])
        participants.owner_changed(chat, operator)
        _record_transfer(chat, transfer, transfer.from_operator)
        _system_message(
            chat,
            in_patron_language(
                chat, gettext_noop("You are being transferred to %(name)s."), name=_announced_name(operator, chat)
            ),
        )
        previous = transfer.from_operator
        realtime.publish(
            realtime.operator_group(operator.pk), realtime.chat_assigned_event(chat), join=realtime.chat_group(chat.pk)
        )
        realtime.publish(realtime.chat_group(chat.pk), realtime.status_event(chat))
        if transfer.from_operator_stays:
            participants.join_chat(chat=chat, operator=previous)
        else:
            realtime.publish(
                realtime.operator_group(previous.pk), realtime.chat_transferred_event(chat, operator.display_name)
            )
            _tell_participants(chat)
    return chat


def decline_transfer(*, transfer_id, operator) -> Transfer:
    """The target declines: the chat stays with the sender, who is told."""
    with transaction.atomic():
        transfer = _answerable(transfer_id, operator)
        _finish(transfer, Transfer.Status.DECLINED)
    return transfer


def cancel_pending_transfers(chat) -> None:
    """Called when a chat ends: a transfer nobody can accept any more is cancelled, and said so."""
    for transfer in Transfer.objects.select_for_update().filter(chat=chat, status=Transfer.Status.PENDING):
        _finish(transfer, Transfer.Status.CANCELLED)


def _due_transfers():
    # The database's clock: the same SQL every time (deskservice/compiled_sql.py).
    timeout = timedelta(seconds=settings.DESK_TRANSFER_TIMEOUT_SECONDS)
    return Transfer.objects.filter(status=Transfer.Status.PENDING, created_at__lt=Now() - timeout)


def _transfer_timeout():
    return settings.DESK_TRANSFER_TIMEOUT_SECONDS


_ANY_DUE = CompiledQuery(lambda: _due_transfers().values_list("pk")[:1], key=_transfer_timeout)


def expire_stale_transfers() -> int:
    """Transfers unanswered for DESK_TRANSFER_TIMEOUT_SECONDS expire; the sender keeps the chat.

    Every dashboard heartbeat runs this sweep, so expiry needs no scheduler and holds across
    processes; the conditional update makes concurrent sweeps harmless.
    """
    # Nearly every sweep finds nothing: one query then, compiled once, not a transaction of
    # three, since fifty dashboards beating together stalled the desk (bench/chat_load.py).
    if not _ANY_DUE.rows():
        return 0
    expired = 0
    with transaction.atomic():
        stale = _due_transfers().select_for_update(skip_locked=True, of=("self",))
        for transfer in stale.select_related("chat__department", "chat__operator", "from_operator", "to_operator"):
            _finish(transfer, Transfer.Status.EXPIRED)
            expired += 1
    return expired


def referred_by_for(chat) -> str:
    """Who handed this chat on to its current operator: Reference Analytics' *referred by*."""
    last = chat.transfers.filter(status=Transfer.Status.ACCEPTED).select_related("from_operator").last()
    if last and last.from_operator_id:
        return last.from_operator.get_full_name() or last.from_operator.display_name
    return ""


def reassign_chat(*, chat, supervisor, to_operator) -> Chat:
    """A supervisor moves an active or waiting chat to an operator (who must be online)."""
    if not supervisor.has_perm(roles.REASSIGN_CHAT):
        raise NotAllowed(gettext_noop("Only supervisors can reassign chats."))
    if not is_operator_online(to_operator):
        raise ChatConflict(gettext("%(name)s is not online.") % {"name": to_operator.display_name})
    with transaction.atomic():
        locked = Chat.objects.select_for_update().select_related("department").get(pk=chat.pk)
        if locked.status == Chat.Status.ENDED:
            raise ChatConflict(gettext_noop("This chat has already ended."))
        previous_id, was_waiting = locked.operator_id, locked.status == Chat.Status.WAITING
        locked.operator, locked.status = to_operator, Chat.Status.ACTIVE
        locked.claimed_at = locked.claimed_at or timezone.now()
        locked.save(update_fields=["operator", "status", "claimed_at"])
        participants.owner_changed(locked, to_operator)
        audit.record(
            actor=supervisor,
            action=audit.Action.REASSIGNED_CHAT,
            target=locked,
            from_operator=previous_id,
            to_operator=to_operator.pk,
        )
        ChatEvent.objects.create(
            chat=locked,
            kind=ChatEvent.Kind.REASSIGNED,
            actor=supervisor,
            detail={"from": previous_id, "to": to_operator.pk},
        )
        _system_message(
            locked,
            in_patron_language(
                locked,
                gettext_noop("You are being transferred to %(name)s."),
                name=_announced_name(to_operator, locked),
            ),
        )
        if previous_id:
            realtime.publish(
                realtime.operator_group(previous_id), realtime.chat_transferred_event(locked, to_operator.display_name)
            )
        if was_waiting:
            realtime.publish(
                realtime.department_group(locked.department_id), realtime.queue_removed_event(locked, "claimed")
            )
            realtime.publish(
                realtime.waiting_group(locked.department_id), realtime.queue_changed_event(locked.department_id)
            )
        realtime.publish(
            realtime.operator_group(to_operator.pk),
            realtime.chat_assigned_event(locked),
            join=realtime.chat_group(locked.pk),
        )
        realtime.publish(realtime.chat_group(locked.pk), realtime.status_event(locked))
        _tell_participants(locked)
    return locked


# --- Internals -----------------------------------------------------------------------------


def _answerable(transfer_id, operator) -> Transfer:
    transfer = (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("chat__department", "chat__operator", "from_operator", "to_operator")
        .filter(pk=transfer_id)
        .first()
    )
    if transfer is None or transfer.to_operator_id != operator.pk:
        raise NotAllowed(gettext_noop("That transfer was not offered to you."))
    if transfer.status != Transfer.Status.PENDING:
        raise ChatConflict(
            gettext("That transfer is no longer waiting (%(status)s).")
            % {"status": transfer.get_status_display().lower()}
        )
    return transfer


def _finish(transfer, status) -> None:
    """Close a pending transfer and tell both sides' dashboards."""
    transfer.status, transfer.answered_at = status, timezone.now()
    transfer.save(update_fields=["status", "answered_at"])
    event = realtime.transfer_answered_event(transfer)
    for user_id in {transfer.from_operator_id, transfer.to_operator_id} - {None}:
        realtime.publish(realtime.operator_group(user_id), event)


def _record_transfer(chat, transfer, from_operator) -> None:
    audit.record(
        actor=from_operator,
        action=audit.Action.TRANSFERRED_CHAT,
        target=chat,
        to_operator=transfer.to_operator_id,
        to_department=transfer.to_department_id,
    )
    ChatEvent.objects.create(
        chat=chat,
        kind=ChatEvent.Kind.TRANSFERRED,
        actor=from_operator,
        detail={
            "transfer": transfer.pk,
            "to_operator": transfer.to_operator_id,
            "to_department": transfer.to_department_id,
        },
    )


def _tell_participants(chat) -> None:
    """Operators still in a chat whose owner changed hear who owns it now."""
    chat.active_participations = list(participants.active_participations(chat))
    if chat.active_participations:
        participants.publish_participants(chat)


def _announced_name(operator, chat) -> str:
    """The library chooses whether patrons hear the operator's first name or the department."""
    if settings.DESK_TRANSFER_ANNOUNCE == "department":
        return chat.department.name
    return operator.display_name
