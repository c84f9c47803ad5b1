"""Every change to a patron chat goes through these functions.

Each one checks its rule, writes inside a transaction, records a ChatEvent, and publishes
its events with `realtime.publish` (after commit). Views and consumers only parse input,
authorise, and call them; they turn a ChatError into a clear message for the user.
"""

import asyncio
import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, connections, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop
from kombu.exceptions import OperationalError

from chat.models import CannedMessage, Chat, ChatEvent, ChatParticipant, Message, TranscriptEmail, hash_token, new_token
from deskservice import audit, loop_db, outbox, realtime, roles
from deskservice.consumer_db import database_sync_to_async
from deskservice.languages import supported_language
from deskservice.selectors import department_is_online

PLACEHOLDER = re.compile(r"\{(patron_name|operator_name|department)\}")


class ChatError(Exception):
    """A rule of the desk refused the action; `str(error)` is a sentence for the user."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


class NobodyOnline(ChatError):
    status_code = 409


class ChatConflict(ChatError):
    """The chat is no longer in a state that allows the action (claimed, ended...)."""

    status_code = 409


class NotAllowed(ChatError):
    status_code = 403


class TooManyMessages(ChatError):
    status_code = 429


class MailUnavailable(ChatError):
    """The Celery broker could not take the email; the user may try again."""

    status_code = 503


# --- Patron side --------------------------------------------------------------------------


def start_chat(
    *,
    department,
    question: str,
    name: str = "",
    email: str = "",
    page_url: str = "",
    user_agent: str = "",
    language: str = "",
    client_hash: str = "",
) -> tuple[Chat, str]:
    """Queue a new chat in `department`; returns the chat and its token (shown once, stored hashed).

    Refused with NobodyOnline when no operator of the department has a live dashboard, so
    the widget can offer the ticket form instead. Publishes queue.added to the department.
    """
    question = _clean_text(question, field="question", limit=settings.DESK_MAX_QUESTION_LENGTH)
    name = _optional_text(name, limit=100)
    email = _clean_email(email, required=False)
    if not department.active:
        raise ChatError(gettext_noop("That department does not take chats."), field="department")
    if not department_is_online(department):
        raise NobodyOnline(
            gettext("Nobody in %(department)s is online right now. Leave your question and we will reply by email.")
            % {"department": department.name}
        )
    token = new_token()
    with transaction.atomic():
        chat = Chat.objects.create(
            department=department,
            token_hash=hash_token(token),
            question=question,
            patron_name=name,
            patron_email=email,
            page_url=_optional_text(page_url, limit=500),
            user_agent=_optional_text(user_agent, limit=300),
            language=supported_language(language) or settings.LANGUAGE_CODE,
            client_hash=client_hash,
        )
        ChatEvent.objects.create(chat=chat, kind=ChatEvent.Kind.CREATED)
        realtime.publish(realtime.department_group(department.id), realtime.queue_added_event(chat))
    return chat, token


def queue_position(chat) -> int | None:
    """1 for the first waiting chat of its department; None when the chat is not waiting."""
    if chat.status != Chat.Status.WAITING:
        return None
    ahead = Chat.objects.filter(department_id=chat.department_id, status=Chat.Status.WAITING).filter(
        Q(created_at__lt=chat.created_at) | Q(created_at=chat.created_at, id__lt=chat.id)
    )
    return ahead.count() + 1


def rate_chat(*, chat, rating, comment: str = "") -> None:
    """The patron's 1-5 rating of an ended chat; rating again replaces it."""
    if chat.status != Chat.Status.ENDED:
        raise ChatConflict(gettext_noop("You can rate the chat once it has ended."))
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ChatError(gettext_noop("Choose a rating from 1 to 5."), field="rating")
    comment = _optional_text(comment)
    if len(comment) > settings.DESK_MAX_MESSAGE_LENGTH:
        raise ChatError(gettext_noop("That comment is too long."), field="comment")
    with transaction.atomic():
        chat.rating = rating
        chat.rating_comment = comment
        chat.save(update_fields=["rating", "rating_comment"])
        ChatEvent.objects.create(chat=chat, kind=ChatEvent.Kind.RATED, detail={"rating": rating})


# --- Operator side ------------------------------------------------------------------------


def claim_chat(*, chat_id, operator) -> Chat:
    """Make `operator` the owner of a waiting chat. Exactly one of concurrent claims wins.

    A conditional UPDATE ... WHERE status = 'waiting' decides the race in the database, so
    it holds across processes. The loser gets a ChatConflict naming the winner. Publishes
    queue.removed to the department, chat.assigned to the operator, status to the chat.
    """
    chat = Chat.objects.select_related("department").filter(pk=chat_id).first()
    if chat is None:
        raise ChatConflict(gettext_noop("That chat no longer exists."))
    _require_department_member(operator, chat.department)
    with transaction.atomic():
        won = Chat.objects.filter(pk=chat.pk, status=Chat.Status.WAITING).update(
            status=Chat.Status.ACTIVE, operator=operator, claimed_at=timezone.now()
        )
        if not won:
            chat.refresh_from_db()
            if chat.status == Chat.Status.ENDED and not chat.operator_id:
                raise ChatConflict(gettext_noop("The patron left before the chat was claimed."))
            owner = chat.operator.display_name if chat.operator_id else gettext("another operator")
            if chat.operator_id == operator.id:
                raise ChatConflict(gettext_noop("You have already claimed this chat."))
            raise ChatConflict(gettext("%(name)s has already claimed this chat.") % {"name": owner})
        chat.refresh_from_db()
        ChatEvent.objects.create(chat=chat, kind=ChatEvent.Kind.CLAIMED, actor=operator)
        _system_message(
            chat, in_patron_language(chat, gettext_noop("%(name)s has joined the chat."), name=operator.display_name)
        )
        realtime.publish(realtime.department_group(chat.department_id), realtime.queue_removed_event(chat, "claimed"))
        realtime.publish(
            realtime.operator_group(operator.id),
            realtime.chat_assigned_event(chat),
            join=realtime.chat_group(chat.pk),
        )
        realtime.publish(realtime.chat_group(chat.pk), realtime.status_event(chat))
        realtime.publish(realtime.waiting_group(chat.department_id), realtime.queue_changed_event(chat.department_id))
    return chat


def send_message(*, chat, body: str, sender: str, operator=None, per_minute: int | None = None) -> Message:
    """Store a message, then broadcast it to the chat.

    The patron may write while waiting or active; an operator only in a chat they own or
    stayed in after transferring it (chat.participants). Nobody writes after End Chat.
    `per_minute` caps the patron's messages in the chat over the last minute (the widget's
    socket and API pass it; a text that SMS already delivered is never refused).
    """
    body = _clean_text(body, field="body", limit=settings.DESK_MAX_MESSAGE_LENGTH)
    if sender == Message.Sender.PATRON:
        return _insert_patron_message(chat=chat, body=body, per_minute=per_minute)
    with transaction.atomic():
        # The row lock orders this message against End Chat and transfers, which update the
        # row: a message checked against a stale status could otherwise land after the end.
        chat.status, chat.operator_id = (
            Chat.objects.select_for_update().filter(pk=chat.pk).values_list("status", "operator_id").get()
        )
        if sender == Message.Sender.OPERATOR:
            _require_in_chat(chat, operator)
        if chat.status == Chat.Status.ENDED:
            raise ChatConflict(gettext_noop("This chat has ended; messages can no longer be sent."))
        message = Message.objects.create(chat=chat, sender=sender, operator=operator, body=body)
        message.chat = chat
        if chat.source == Chat.Source.SMS and sender == Message.Sender.OPERATOR:
            from chat.sms.services import queue_reply

            queue_reply(message=message)
        realtime.publish(realtime.chat_group(chat.pk), realtime.message_event(message))
    return message


def send_operator_message(*, chat_id, body: str, operator) -> Message | None:
    """An operator's message typed on the dashboard; None when the chat is not one of theirs.

    The common case, a web chat the operator is in, is one statement (`_MessageInsert`); an
    SMS chat (whose reply must be queued in the same transaction), an ended chat and a chat
    that is not theirs take the general path of `send_message`, which says why it refuses.
    """
    body = _clean_text(body, field="body", limit=settings.DESK_MAX_MESSAGE_LENGTH)
    message = _operator_message_insert(chat_id=chat_id, body=body, operator=operator).store()
    if message is None:
        return _send_operator_message_slowly(chat_id=chat_id, body=body, operator=operator)
    return message


async def send_operator_message_from_socket(*, chat_id, body: str, operator) -> Message | None:
    """`send_operator_message` for the dashboard's socket, stored from the event loop (loop_db)."""
    if not loop_db.available():
        return await database_sync_to_async(send_operator_message)(chat_id=chat_id, body=body, operator=operator)
    body = _clean_text(body, field="body", limit=settings.DESK_MAX_MESSAGE_LENGTH)
    message = await _operator_message_insert(chat_id=chat_id, body=body, operator=operator).store_on_loop()
    if message is None:
        return await database_sync_to_async(_send_operator_message_slowly)(
            chat_id=chat_id, body=body, operator=operator
        )
    return message


def _operator_message_insert(*, chat_id, body: str, operator) -> "_MessageInsert":
    table = ChatParticipant._meta.db_table
    condition = (
        f" AND source <> %s AND (operator_id = %s OR EXISTS (SELECT 1 FROM {table} p"
        f" WHERE p.chat_id = {Chat._meta.db_table}.id AND p.operator_id = %s AND p.left_at IS NULL))"
    )
    return _MessageInsert(
        chat_id=chat_id,
        sender=Message.Sender.OPERATOR,
        body=body,
        operator=operator,
        condition=condition,
        condition_params=[Chat.Source.SMS, operator.pk, operator.pk],
    )


def _send_operator_message_slowly(*, chat_id, body: str, operator) -> Message | None:
    from chat.selectors import chats_i_am_in

    chat = chats_i_am_in(operator).select_related("department", "operator").filter(pk=chat_id).first()
    if chat is None:
        return None
    return send_message(chat=chat, body=body, sender=Message.Sender.OPERATOR, operator=operator)


async def send_patron_message_from_socket(*, chat, body: str, per_minute: int | None) -> Message:
    """`send_message` of a patron's message for the widget's socket, stored from the event loop.

    On PostgreSQL the message's one statement runs on the loop (deskservice/loop_db.py), so a
    message under load does not wait for a database thread; elsewhere it takes the threads.
    """
    if not loop_db.available():
        return await database_sync_to_async(send_message)(
            chat=chat, body=body, sender=Message.Sender.PATRON, per_minute=per_minute
        )
    body = _clean_text(body, field="body", limit=settings.DESK_MAX_MESSAGE_LENGTH)
    message = await _patron_message_insert(chat=chat, body=body, per_minute=per_minute).store_on_loop()
    if message is None:
        await database_sync_to_async(_refuse_patron_message)(chat)
    return message


def _insert_patron_message(*, chat, body: str, per_minute: int | None) -> Message:
    message = _patron_message_insert(chat=chat, body=body, per_minute=per_minute).store()
    if message is None:
        _refuse_patron_message(chat)
    return message


def _patron_message_insert(*, chat, body: str, per_minute: int | None) -> "_MessageInsert":
    condition, params = "", []
    if per_minute is not None:
        # Counted in the statement from the stored messages, so the limit holds across every
        # process and socket without a Redis round trip per message (docs/performance.md).
        # Two messages racing at the limit may both pass: one over, never a flood.
        table, since, db = Message._meta.db_table, timezone.now() - timedelta(seconds=60), connections["default"]
        condition = (
            f" AND (SELECT COUNT(*) FROM (SELECT created_at FROM {table} WHERE chat_id = %s AND sender = %s"
            f" ORDER BY id DESC LIMIT %s) recent WHERE created_at > %s) < %s"
        )
        params = [
            Chat._meta.pk.get_db_prep_value(chat.pk, db),
            Message.Sender.PATRON,
            per_minute,
            Message._meta.get_field("created_at").get_db_prep_value(since, db),
            per_minute,
        ]
    return _MessageInsert(
        chat_id=chat.pk,
        chat=chat,
        sender=Message.Sender.PATRON,
        body=body,
        condition=condition,
        condition_params=params,
    )


def _refuse_patron_message(chat):
    """Why a patron's message was not stored: the chat ended, or the per-minute limit."""
    if Chat.objects.filter(pk=chat.pk, status=Chat.Status.ENDED).exists():
        raise ChatConflict(gettext_noop("This chat has ended; messages can no longer be sent."))
    raise TooManyMessages(gettext_noop("You are sending too many messages. Please wait a minute and try again."))


class _MessageInsert:
    """A message stored in one statement if its chat has not ended and `condition` holds.

    Messages are the desk's most frequent write. As one INSERT ... SELECT from the chat row
    they cost one round trip instead of four (BEGIN, SELECT ... FOR UPDATE, INSERT, COMMIT):
    bench/chat_load.py, docs/performance.md. On PostgreSQL, FOR SHARE still orders the message
    against End Chat and transfers, which update the row (the condition is checked again on
    the row they leave), while messages of one chat do not wait for each other. SQLite
    serialises every write anyway. `store()` runs it on Django's connection and publishes the
    message when the caller's transaction commits, `store_on_loop()` runs it on the event
    loop's (deskservice/loop_db.py) and publishes at once; both give the Message, or None if
    not stored. `chat`, if given, is set on the Message.
    """

    def __init__(self, *, chat_id, sender: str, body: str, chat=None, operator=None, condition="", condition_params=()):
        self.chat_id, self.chat, self.sender, self.body, self.operator = chat_id, chat, sender, body, operator
        self.created_at = timezone.now()
        # Django's connection object looked up once: each use of the `connection` proxy is a
        # look-up in asgiref's Local, which on the event loop cost a few % of its time (py-spy).
        db = connections["default"]
        fields = {f.name: f for f in Message._meta.concrete_fields}
        lock = " FOR SHARE" if db.vendor == "postgresql" else ""
        columns = [fields["chat"].column, fields["sender"].column, fields["body"].column, fields["created_at"].column]
        values = ["id", "%s", "%s", "%s"]
        if operator is not None:
            columns.append(fields["operator"].column)
            values.append("%s")
        self.sql = (
            f"INSERT INTO {Message._meta.db_table} ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM {Chat._meta.db_table} WHERE id = %s AND status <> %s{condition}{lock}"
            " RETURNING id"
        )
        self.params = [sender, body, fields["created_at"].get_db_prep_value(self.created_at, db)]
        if operator is not None:
            self.params.append(operator.pk)
        chat_pk = Chat._meta.pk.get_db_prep_value(chat_id, db)
        self.params += [chat_pk, Chat.Status.ENDED, *condition_params]

    def store(self) -> Message | None:
        with connection.cursor() as cursor:
            cursor.execute(self.sql, self.params)
            message = self._message(cursor.fetchone())
        if message is not None:
            realtime.publish(realtime.chat_group(self.chat_id), realtime.message_event(message))
        return message

    async def store_on_loop(self) -> Message | None:
        # Shielded: a socket that closes while its message is being stored must not leave the
        # message stored but never announced (a call on a database thread also ran to its end).
        return await asyncio.shield(self._store_and_publish())

    async def _store_and_publish(self) -> Message | None:
        message = self._message(await loop_db.fetchone(self.sql, self.params))
        if message is not None:
            # The statement committed on its own (autocommit): publish now.
            realtime.publish_from_loop(realtime.chat_group(self.chat_id), realtime.message_event(message))
        return message

    def _message(self, row) -> Message | None:
        if row is None:
            return None
        message = Message(
            id=row[0],
            chat_id=self.chat_id,
            sender=self.sender,
            body=self.body,
            created_at=self.created_at,
            operator=self.operator,
        )
        message._state.adding = False
        if self.chat is not None:
            message.chat = self.chat
        return message


def send_canned_message(*, chat, canned_id, operator) -> Message:
    """Send a canned message of the chat's department (or a global one), names filled in."""
    canned = (
        CannedMessage.objects.filter(pk=canned_id)
        .filter(Q(department__isnull=True) | Q(department_id=chat.department_id))
        .first()
    )
    if canned is None:
        raise ChatError(gettext_noop("That canned message does not exist for this department."), field="canned")
    return send_message(
        chat=chat,
        body=render_canned_message(canned, chat=chat, operator=operator),
        sender=Message.Sender.OPERATOR,
        operator=operator,
    )


def render_canned_message(canned, *, chat, operator) -> str:
    # Plain replacement, not str.format: a supervisor's text such as "{patron_name.__class__}"
    # must not reach into Python objects. One pass, so that a patron who calls themselves
    # "{operator_name}" is not filled in a second time.
    values = {
        "patron_name": chat.patron_name or "there",
        "operator_name": operator.display_name,
        "department": chat.department.name,
    }
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], canned.body)


def publish_typing(*, chat, sender: str, operator=None, skip_channel: str | None = None) -> None:
    """Typing indicators are not stored: they only matter while they are fresh."""
    if chat.status == Chat.Status.ENDED:
        return
    if sender == Message.Sender.OPERATOR:
        _require_in_chat(chat, operator)
        name = operator.display_name
    else:
        name = chat.patron_label
    realtime.publish(realtime.chat_group(chat.pk), realtime.typing_event(chat, sender, name), skip_channel=skip_channel)


def end_chat(*, chat, ended_by: str, operator=None) -> Chat:
    """End a waiting or active chat, by the patron, its operator, or the system.

    Ending twice is refused with a clear message. Publishes the new status to the chat and,
    for a chat still in the queue, removes it from the department's queue.
    """
    if ended_by == Chat.EndedBy.OPERATOR:
        _require_owner(chat, operator)
    with transaction.atomic():
        changes = {"status": Chat.Status.ENDED, "ended_at": timezone.now(), "ended_by": ended_by}
        # Two conditional updates tell, without a race, whether the chat left the queue.
        was_waiting = bool(Chat.objects.filter(pk=chat.pk, status=Chat.Status.WAITING).update(**changes))
        if not was_waiting and not Chat.objects.filter(pk=chat.pk, status=Chat.Status.ACTIVE).update(**changes):
            raise ChatConflict(gettext_noop("This chat has already ended."))
        chat.refresh_from_db()
        from chat.transfers import cancel_pending_transfers

        cancel_pending_transfers(chat)
        ChatEvent.objects.create(chat=chat, kind=ChatEvent.Kind.ENDED, actor=operator, detail={"by": ended_by})
        who = {"patron": chat.patron_label, "operator": operator.display_name if operator else ""}.get(ended_by)
        _system_message(
            chat,
            in_patron_language(chat, gettext_noop("%(name)s ended the chat."), name=who)
            if who
            else in_patron_language(chat, gettext_noop("The chat has ended.")),
        )
        realtime.publish(realtime.chat_group(chat.pk), realtime.status_event(chat))
        if was_waiting:
            realtime.publish(realtime.department_group(chat.department_id), realtime.queue_removed_event(chat, "left"))
            realtime.publish(
                realtime.waiting_group(chat.department_id), realtime.queue_changed_event(chat.department_id)
            )
    return chat


def close_chat(*, chat, operator) -> Chat:
    """Close Chat: the ended chat leaves the operator's dashboard.

    The manuals' order is End Chat, Save the Reference Analytics, then Close Chat; closing
    before the statistics are saved is refused so that no interaction goes unrecorded.
    """
    _require_owner(chat, operator)
    if chat.status != Chat.Status.ENDED:
        raise ChatConflict(gettext_noop("End the chat before closing it."))
    from analytics.models import Interaction

    if not Interaction.objects.filter(chat=chat).exists():
        raise ChatConflict(gettext_noop("Save the Reference Analytics for this chat before closing it."))
    if chat.closed_at:
        return chat
    with transaction.atomic():
        chat.closed_at = timezone.now()
        chat.save(update_fields=["closed_at"])
        ChatEvent.objects.create(chat=chat, kind=ChatEvent.Kind.CLOSED, actor=operator)
        audit.record(actor=operator, action=audit.Action.CLOSED_CHAT, target=chat)
        realtime.publish(realtime.operator_group(operator.id), realtime.chat_closed_event(chat))
    return chat


def close_chat_for_operator(*, chat, supervisor) -> Chat:
    """A supervisor closes an ended chat its operator left open (gone home, browser closed).

    Unlike Close Chat it does not wait for the Reference Analytics: the operator may never come
    back to save them. Audited, and the chat leaves the operator's dashboard.
    """
    if not supervisor.has_perm("chat.reassign_chat"):
        raise NotAllowed(gettext_noop("Only supervisors can close other operators' chats."))
    with transaction.atomic():
        locked = Chat.objects.select_for_update().get(pk=chat.pk)
        if locked.status != Chat.Status.ENDED:
            raise ChatConflict(gettext_noop("End the chat before closing it."))
        if locked.closed_at:
            return locked
        locked.closed_at = timezone.now()
        locked.save(update_fields=["closed_at"])
        ChatEvent.objects.create(
            chat=locked, kind=ChatEvent.Kind.CLOSED, actor=supervisor, detail={"for": locked.operator_id}
        )
        audit.record(actor=supervisor, action=audit.Action.CLOSED_CHAT, target=locked, for_operator=locked.operator_id)
        if locked.operator_id:
            realtime.publish(realtime.operator_group(locked.operator_id), realtime.chat_closed_event(locked))
    return locked


def request_transcript(*, chat, email: str, requested_by: str, operator=None) -> TranscriptEmail:
    """Queue the transcript email; a Celery task sends it once, retrying while SMTP fails.

    Refused with MailUnavailable (the request marked failed) when the broker cannot take the task.
    """
    email = _clean_email(email, required=True)
    if requested_by == Message.Sender.OPERATOR:
        _require_owner(chat, operator)
    with transaction.atomic():
        transcript = TranscriptEmail.objects.create(chat=chat, to_email=email, requested_by=requested_by)
        ChatEvent.objects.create(
            chat=chat, kind=ChatEvent.Kind.TRANSCRIPT_REQUESTED, actor=operator, detail={"by": requested_by}
        )
        transaction.on_commit(lambda: _enqueue_transcript(transcript))
    return transcript


def _enqueue_transcript(transcript) -> None:
    from chat.tasks import send_transcript

    try:
        send_transcript.delay(transcript.id)
    except OperationalError as error:
        # Nothing would ever pick the request up: show why in admin instead of a pending row forever.
        TranscriptEmail.objects.filter(pk=transcript.pk).update(
            status=TranscriptEmail.Status.FAILED, last_error=f"Not queued: {type(error).__name__}: {error}"[:1000]
        )
        raise MailUnavailable(
            gettext_noop("The email could not be queued just now. Please try again in a minute.")
        ) from error


def send_transcript_again(*, transcript, supervisor) -> TranscriptEmail:
    """Send again (admin): a failed transcript goes back to the outbox with a fresh set of attempts."""
    from chat.tasks import send_transcript

    if not supervisor.has_perm(roles.RUN_DESK):
        raise NotAllowed(gettext_noop("Only supervisors can send failed emails again."))
    try:
        return outbox.send_again(model=TranscriptEmail, task=send_transcript, pk=transcript.pk)
    except outbox.NotFailed as error:
        raise ChatConflict(str(error)) from None


# --- Rules --------------------------------------------------------------------------------


def post_system_message(*, chat, body: str) -> Message:
    """A note from the desk itself in the chat (joined, ended, a ticket was created...), broadcast on commit."""
    with transaction.atomic():
        return _system_message(chat, body)


def in_patron_language(chat, text: str, **values) -> str:
    """`text` (marked with gettext_noop) in the chat's language: what the desk says in a chat
    is stored once, as the patron read it, and the transcript shows the same words."""
    with translation.override(chat.language):
        return gettext(text) % values


def _system_message(chat, body: str) -> Message:
    message = Message.objects.create(chat=chat, sender=Message.Sender.SYSTEM, body=body)
    message.chat = chat
    realtime.publish(realtime.chat_group(chat.pk), realtime.message_event(message))
    return message


def _require_department_member(operator, department) -> None:
    if operator.is_superuser:
        return
    if not operator.departments.filter(pk=department.pk).exists():
        raise NotAllowed(gettext("You are not an operator of %(department)s.") % {"department": department.name})


def _require_owner(chat, operator) -> None:
    if operator is None or chat.operator_id != operator.id:
        raise NotAllowed(gettext_noop("This chat belongs to another operator."))


def _require_in_chat(chat, operator) -> None:
    """The owner, or an operator who stayed after transferring it: both may write in the chat."""
    if operator is None:
        raise NotAllowed(gettext_noop("This chat belongs to another operator."))
    if chat.operator_id == operator.id:
        return
    if not ChatParticipant.objects.filter(chat_id=chat.pk, operator=operator, left_at=None).exists():
        raise NotAllowed(gettext_noop("This chat belongs to another operator."))


def _clean_text(value, *, field: str, limit: int) -> str:
    if not isinstance(value, str):
        raise ChatError(f"The {field} must be text.", field=field)
    value = value.replace("\x00", "").strip()
    if not value:
        raise ChatError(f"The {field} cannot be empty.", field=field)
    if len(value) > limit:
        raise ChatError(f"The {field} is too long ({len(value)} characters; at most {limit}).", field=field)
    return value


def _optional_text(value, *, limit: int | None = None) -> str:
    # PostgreSQL refuses NUL in text columns: kept, it would turn a patron's typo into a 500.
    return (value or "").replace("\x00", "").strip()[:limit]


def _clean_email(value, *, required: bool) -> str:
    if value is None or value == "":
        if required:
            raise ChatError(gettext_noop("An email address is needed."), field="email")
        return ""
    if not isinstance(value, str):
        raise ChatError(gettext_noop("The email address must be text."), field="email")
    value = value.strip()
    try:
        validate_email(value)
    except ValidationError:
        raise ChatError(
            gettext("“%(address)s” is not a valid email address.") % {"address": value[:80]}, field="email"
        ) from None
    return value
