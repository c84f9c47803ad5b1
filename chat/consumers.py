"""Websocket consumers: the patron's widget socket and the operator's dashboard socket.

They authenticate, join groups, turn JSON frames into service calls, and forward events.
Database work goes through database_sync_to_async, or, for a chat message, runs on the loop
without blocking it (deskservice/loop_db.py).
Malformed frames get an {"type": "error"} frame and the socket stays open; so does a frame that
fails because PostgreSQL is out of reach for a moment (the error says to retry).
"""

import asyncio
import functools
import json
import logging
import time
import uuid

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import translation
from django.utils.translation import gettext_noop

from chat import abandoned, services
from chat.models import Chat, Message
from chat.selectors import chats_i_am_in, open_chats_of
from chat.transfers import expire_stale_transfers
from deskservice import layer_watch, realtime, roles
from deskservice import services as presence
from deskservice.compiled_sql import CompiledQuery
from deskservice.consumer_db import database_sync_to_async
from deskservice.jsonapi import is_encodable
from deskservice.languages import refusal, socket_language
from deskservice.middleware import MESSAGE as DATABASE_UNAVAILABLE
from deskservice.selectors import department_presence, desk_staff, is_operator

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
MAX_FRAME_BYTES = 32 * 1024


class DeskJsonConsumer(AsyncJsonWebsocketConsumer):
    """Shared frame handling: size limit, JSON errors, and event forwarding.

    Frames from the socket and events from the channel layer are handled by two loops of
    their own, each in order, instead of Channels' one loop for both: while a frame waits for
    the database, the events of the socket's other chats still leave (an operator's dashboard
    hears many chats), and no task is created per message (bench/chat_load.py,
    docs/performance.md). Events are held until the consumer calls `open_events()`, after
    the snapshot it sends on connect or on authentication, so that they never overtake it.
    """

    async def __call__(self, scope, receive, send):
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.channel_name = await self.channel_layer.new_channel()
        self.channel_receive = functools.partial(self.channel_layer.receive, self.channel_name)
        self.base_send = send
        self.events_opened = False
        self.held_events = []
        frames = asyncio.ensure_future(self._handle_frames(receive))
        events = asyncio.ensure_future(self._handle_events())
        try:
            done, _ = await asyncio.wait([frames, events], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (frames, events):
                task.cancel()
            await asyncio.gather(frames, events, return_exceptions=True)
        for task in done:
            task.result()  # a handler's error ends the socket, as it would in Channels' loop

    async def _handle_frames(self, receive):
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass

    async def _handle_events(self):
        # Always waiting in receive, also before the events are opened: a cancelled receive is
        # how a channel layer learns that the consumer has gone (channels_redis unsubscribes
        # its channel then); a socket closed before its snapshot must not leave one behind.
        while True:
            message = await self.channel_receive()
            if self.events_opened:
                await self.dispatch(message)
            else:
                self.held_events.append(message)

    async def open_events(self):
        """Forward the events held so far, in order, then let the events loop forward the rest."""
        while self.held_events:
            await self.dispatch(self.held_events.pop(0))
        self.events_opened = True  # no await since the list was found empty: nothing is left in it

    async def dispatch(self, message):
        # Channels closes stale database connections before every frame and every event, by a
        # hop through the process's one thread-sensitive sync thread: that single thread capped
        # a process at about 100 messages/s (py-spy, docs/performance.md). Our database calls
        # manage their own connections (deskservice/consumer_db.py) and forwarding needs none.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def websocket_connect(self, message):
        # Closed with 1012 if the channel layer loses events, so the client reconnects and catches up.
        layer_watch.register(self)
        await super().websocket_connect(message)

    async def websocket_disconnect(self, message):
        layer_watch.unregister(self)
        await super().websocket_disconnect(message)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if text_data is None or len(text_data) > MAX_FRAME_BYTES:
            await self.send_error(gettext_noop("Frames must be JSON text of at most 32 KB."))
            return
        try:
            content = json.loads(text_data)
        except (json.JSONDecodeError, RecursionError):  # "[[[[..." exhausts the parser's stack
            await self.send_error(gettext_noop("That frame is not valid JSON."))
            return
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            await self.send_error(gettext_noop('Each frame must be a JSON object with a "type".'))
            return
        if not is_encodable(content):
            await self.send_error(gettext_noop("That frame contains text that is not valid Unicode."))
            return
        try:
            await self.receive_json(content)
        except services.ChatError as error:
            await self.send_error(str(error), **_error_context(content))
        except (OperationalError, InterfaceError) as error:
            # As the HTTP side's 503: the frame did nothing (each call is one transaction), the
            # client may send it again, and the next call reconnects (deskservice/consumer_db.py).
            logger.error("websocket %s frame failed, database unavailable: %s", content["type"][:40], error)
            await self.send_error(DATABASE_UNAVAILABLE, retry=True, **_error_context(content))

    def reader_language(self) -> str:
        return socket_language(self.scope)

    async def send_error(self, message: str, **context):
        # Refusals are marked with gettext_noop where they are written and put into the reader's
        # language here, as the HTTP side does (deskservice.languages.refusal).
        with translation.override(self.reader_language()):
            text = refusal(message)
        await self.send_json({"type": "error", "error": text, **context})

    async def desk_event(self, message):
        if message.get("skip_channel") == self.channel_name:
            return
        if message.get("join"):
            await self.channel_layer.group_add(message["join"], self.channel_name)
        try:
            await self.forward(message["event"])
        except (OperationalError, InterfaceError) as error:
            # Forwarding only reads (a queue position); the next event or a reconnect's catch-up
            # brings the client up to date, so the socket stays.
            logger.error("event %s not forwarded, database unavailable: %s", message["event"].get("type"), error)

    async def forward(self, event: dict):
        await self.send_json(event)


def _same_origin(scope) -> bool:
    headers = dict(scope.get("headers", []))
    origin = headers.get(b"origin", b"").decode("latin1").lower()
    host = headers.get(b"host", b"").decode("latin1").lower()
    return bool(host) and origin.split("://", 1)[-1] == host


def _error_context(content: dict) -> dict:
    context = {"action": content.get("type")}
    if isinstance(content.get("chat"), str):
        context["chat"] = content["chat"]
    return context


class PatronConsumer(DeskJsonConsumer):
    """/ws/widget/v1/chats/<id>/: the first frame must be {"type": "auth", "token", "after"}.

    The token never travels in the URL (URLs end up in access logs and Referer headers).
    """

    chat = None
    heard_at = 0.0  # time.monotonic() of the last heartbeat recorded

    async def connect(self):
        await self.accept()
        self.auth_timeout = asyncio.get_running_loop().call_later(
            settings.DESK_WS_AUTH_TIMEOUT_SECONDS, lambda: asyncio.ensure_future(self._auth_expired())
        )

    async def _auth_expired(self):
        if self.chat is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)

    async def disconnect(self, code):
        self.auth_timeout.cancel()
        if self.chat is not None:
            await self.channel_layer.group_discard(realtime.chat_group(self.chat.pk), self.channel_name)
            await self.channel_layer.group_discard(realtime.waiting_group(self.chat.department_id), self.channel_name)

    async def receive_json(self, content, **kwargs):
        kind = content["type"]
        if self.chat is None:
            if kind != "auth":
                await self.send_error(gettext_noop("Authenticate first."))
                return
            await self.authenticate(content)
            return
        if kind == "message":
            # The same per-minute budget per chat as POST messages, counted by the insert itself:
            # without it an open socket could flood the operator and the database at will.
            await services.send_patron_message_from_socket(
                chat=self.chat, body=content.get("body"), per_minute=settings.DESK_RATE_LIMIT_MESSAGES_PER_MINUTE
            )
        elif kind == "heartbeat":
            await self.on_heartbeat()
        elif kind == "typing":
            await database_sync_to_async(services.publish_typing)(
                chat=self.chat, sender=Message.Sender.PATRON, skip_channel=self.channel_name
            )
        elif kind == "auth":
            await self.send_error(gettext_noop("Already authenticated."))
        else:
            await self.send_error(f"Unknown frame type “{kind[:40]}”.")

    def reader_language(self) -> str:
        # The patron's chosen language once known (the widget's switch), else their browser's.
        return self.chat.language if self.chat is not None else socket_language(self.scope)

    async def on_heartbeat(self):
        """The widget is still open: keeps a waiting chat from being ended as abandoned.

        Recorded at most twice a heartbeat period, so a client that floods heartbeats costs no
        more database writes than one that keeps time.
        """
        now = time.monotonic()
        if self.chat.status != Chat.Status.WAITING or now - self.heard_at < settings.DESK_PATRON_HEARTBEAT_SECONDS / 2:
            return
        self.heard_at = now
        await database_sync_to_async(abandoned.note_patron_present)(chat_id=self.chat.pk)

    async def authenticate(self, content):
        after = content.get("after")
        if after is not None and (isinstance(after, bool) or not isinstance(after, int)):
            await self.send_error(gettext_noop('"after" must be a message id or null.'))
            return
        chat = await database_sync_to_async(self._find_chat)(content.get("token"))
        if chat is None:
            await self.send_error(gettext_noop("No chat was found for that id and token."), action="auth")
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.chat = chat
        self.auth_timeout.cancel()
        # Join before reading the backlog: an event published in between arrives twice at
        # worst, and clients drop messages whose id they already have.
        await self.channel_layer.group_add(realtime.chat_group(chat.pk), self.channel_name)
        if chat.status == Chat.Status.WAITING:
            await self.channel_layer.group_add(realtime.waiting_group(chat.department_id), self.channel_name)
        snapshot = await database_sync_to_async(self._snapshot)(after or 0)
        for frame in snapshot:
            await self.send_json(frame)
        await self.open_events()

    def _find_chat(self, token):
        try:
            chat_id = uuid.UUID(str(self.scope["url_route"]["kwargs"]["chat_id"]))
        except ValueError:
            return None
        chat = Chat.objects.select_related("department", "operator").filter(pk=chat_id).first()
        if chat is None or not isinstance(token, str) or not chat.token_matches(token):
            return None
        return chat

    def _snapshot(self, after: int) -> list[dict]:
        self.chat.refresh_from_db()
        if self.chat.status == Chat.Status.WAITING:
            abandoned.note_patron_present(chat_id=self.chat.pk)
        self.heard_at = time.monotonic()
        authenticated = {
            "type": "authenticated",
            "chat": str(self.chat.pk),
            "heartbeat_seconds": settings.DESK_PATRON_HEARTBEAT_SECONDS,
        }
        frames = [authenticated, realtime.status_event(self.chat)]
        for message in self.chat.messages.select_related("operator", "attachment").filter(id__gt=after).order_by("id"):
            message.chat = self.chat
            frames.append(realtime.message_event(message))
        position = services.queue_position(self.chat)
        if position:
            frames.append(realtime.queue_position_event(position))
        from chat.screenshare.services import pending_request_frames

        frames += pending_request_frames(self.chat)
        return frames

    async def forward(self, event: dict):
        kind = event["type"]
        if kind == "queue.changed":
            position = await database_sync_to_async(self._position)()
            if position:
                await self.send_json(realtime.queue_position_event(position))
            return
        if kind == "typing" and event.get("sender") == Message.Sender.PATRON:
            return
        if kind == "status":
            # Known before the patron reads it: their next frame, handled beside this loop,
            # must already see the chat ended (a typing frame after the end reaches no one).
            self.chat.status = event["status"]
        await self.send_json(event)
        if kind == "status":
            await self._follow_status()

    async def _follow_status(self):
        """Leave the line once claimed or ended; join the new one after a transfer to a department."""
        left = self.chat.department_id
        await database_sync_to_async(self.chat.refresh_from_db)(fields=["status", "department"])
        if self.chat.status != Chat.Status.WAITING or self.chat.department_id != left:
            await self.channel_layer.group_discard(realtime.waiting_group(left), self.channel_name)
        if self.chat.status == Chat.Status.WAITING:
            await self.channel_layer.group_add(realtime.waiting_group(self.chat.department_id), self.channel_name)
            position = await database_sync_to_async(self._position)()
            if position:
                await self.send_json(realtime.queue_position_event(position))

    def _position(self):
        self.chat.refresh_from_db(fields=["status"])
        return services.queue_position(self.chat)


class DashboardConsumer(DeskJsonConsumer):
    """/ws/desk/: a signed-in operator's dashboard.

    On connect it joins the staff, operator, department and open-chat groups and sends a
    snapshot; the dashboard then asks for each chat's messages after the last id it saw.
    """

    user = None

    async def connect(self):
        user = self.scope.get("user")
        allowed = await database_sync_to_async(is_operator)(user) if user else False
        # Library sites may embed the widget, but only the desk's own pages open the dashboard.
        if not allowed or not _same_origin(self.scope):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.user = user
        groups = await database_sync_to_async(self._groups)()
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined = groups
        await self.accept()
        await database_sync_to_async(presence.connect_dashboard)(user=user, channel_name=self.channel_name)
        await self.send_json(await database_sync_to_async(self._snapshot)())
        await self.open_events()

    async def disconnect(self, code):
        if self.user is None:
            return
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)
        await database_sync_to_async(presence.disconnect_dashboard)(channel_name=self.channel_name)

    def _department_ids(self):
        from deskservice.models import Department

        if self.user.has_perm(roles.RUN_DESK):
            # Supervisors watch every department's queue.
            return list(Department.objects.values_list("id", flat=True))
        return list(self.user.departments.values_list("id", flat=True))

    def _open_chats(self):
        # Chats the operator owns and those they stayed in after a transfer (chat.participants).
        return open_chats_of(self.user)

    def _groups(self):
        groups = [realtime.staff_group(), realtime.operator_group(self.user.id)]
        groups += [realtime.department_group(d) for d in self._department_ids()]
        groups += [realtime.chat_group(c.pk) for c in self._open_chats()]
        return groups

    def _transfers_waiting_for_me(self):
        from chat.models import Transfer

        return Transfer.objects.filter(to_operator=self.user, status=Transfer.Status.PENDING).select_related(
            "chat__department", "chat__operator", "from_operator", "to_operator", "to_department"
        )

    def _snapshot(self):
        from chat.participants import with_participants
        from chat.selectors import annotate_has_interaction
        from deskservice.selectors import alert_preferences_of

        waiting = (
            Chat.objects.select_related("department", "operator")
            .filter(status=Chat.Status.WAITING, department_id__in=self._department_ids())
            .order_by("created_at", "id")
        )
        return {
            "type": "snapshot",
            "me": {"id": self.user.id, "name": self.user.display_name, "availability": self.user.availability},
            "queue": [realtime.chat_summary(c) for c in waiting],
            "chats": [
                realtime.chat_summary(c) for c in with_participants(annotate_has_interaction(self._open_chats()))
            ],
            "alert_preferences": alert_preferences_of(self.user),
            "departments": department_presence(),
            "transfers": [realtime.transfer_summary(t) for t in self._transfers_waiting_for_me()],
            "heartbeat_seconds": settings.DESK_HEARTBEAT_SECONDS,
        }

    async def receive_json(self, content, **kwargs):
        kind = content["type"]
        handler = {
            "heartbeat": self.on_heartbeat,
            "availability": self.on_availability,
            "message": self.on_message,
            "typing": self.on_typing,
            "sync": self.on_sync,
        }.get(kind)
        if handler is None:
            await self.send_error(f"Unknown frame type “{kind[:40]}”.")
            return
        await handler(content)

    async def on_heartbeat(self, content):
        departments = await database_sync_to_async(self._beat)()
        if departments is None:
            # Their role was taken away (or the account closed) since the socket opened.
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.send_json(realtime.presence_event(departments))

    @functools.cached_property
    def role_check(self) -> CompiledQuery:
        """Whether the operator still has a desk role: compiled at the first heartbeat, then reused."""
        return CompiledQuery(lambda: desk_staff().filter(pk=self.user.pk).values_list("pk")[:1])

    def _beat(self):
        """One database call per heartbeat: the role checked again, presence, stale transfers.

        Five queries (chat/tests/test_dashboard_queries.py): every open dashboard beats every
        DESK_HEARTBEAT_SECONDS, and fifty of them together at nine queries each stalled the
        desk's messages for a third of a second (bench/chat_load.py).
        """
        # From the database, not the handshake's user, whose permissions are cached for the
        # socket's life; one query, where loading the user and its permissions took three, and
        # compiled once (deskservice/compiled_sql.py).
        if not self.role_check.rows():
            presence.disconnect_dashboard(channel_name=self.channel_name)  # offline now, not at the close
            return None
        presence.heartbeat(user=self.user, channel_name=self.channel_name)
        # Heartbeats also expire unanswered transfers: no scheduler needed, and any process may do it.
        expire_stale_transfers()
        # The reply carries presence, so an operator whose server died drops off everyone's
        # Departments list within one heartbeat after the presence timeout.
        return department_presence()

    async def forward(self, event: dict):
        if event["type"] in ("chat.transferred", "chat.left"):
            # The chat is someone else's now, or the operator left it: stop receiving its
            # messages and typing. One who stayed after a transfer gets chat.participating
            # instead and keeps the group.
            await self.channel_layer.group_discard(realtime.chat_group(event["chat"]), self.channel_name)
        await self.send_json(event)

    async def on_availability(self, content):
        try:
            await database_sync_to_async(presence.set_availability)(
                user=self.user, availability=content.get("availability")
            )
        except ValueError:
            await self.send_error(gettext_noop("Status must be “online” or “away”."), action="availability")

    async def on_message(self, content):
        # One statement in the common case, run from the loop (docs/performance.md).
        try:
            chat_id = uuid.UUID(str(content.get("chat")))
        except ValueError:
            chat_id = None
        if chat_id is None or not await services.send_operator_message_from_socket(
            chat_id=chat_id, body=content.get("body"), operator=self.user
        ):
            await self.send_error(gettext_noop("That chat is not one of yours."), **_error_context(content))

    async def on_typing(self, content):
        chat = await self._own_chat(content)
        if chat:
            await database_sync_to_async(services.publish_typing)(
                chat=chat, sender=Message.Sender.OPERATOR, operator=self.user, skip_channel=self.channel_name
            )

    async def on_sync(self, content):
        """Messages of one of my chats after a given id: the catch-up after a reconnect."""
        chat = await self._own_chat(content)
        after = content.get("after") or 0
        if chat is None:
            return
        if isinstance(after, bool) or not isinstance(after, int):
            await self.send_error(gettext_noop('"after" must be a message id.'), action="sync")
            return
        for frame in await database_sync_to_async(self._messages_after)(chat, after):
            await self.send_json(frame)

    def _messages_after(self, chat, after):
        frames = []
        for message in chat.messages.select_related("operator", "attachment").filter(id__gt=after).order_by("id"):
            message.chat = chat
            frames.append(realtime.message_event(message))
        frames.append({"type": "synced", "chat": str(chat.pk)})
        return frames

    async def _own_chat(self, content):
        chat = await database_sync_to_async(self._load_own_chat)(content.get("chat"))
        if chat is None:
            await self.send_error(gettext_noop("That chat is not one of yours."), **_error_context(content))
        return chat

    def _load_own_chat(self, chat_id):
        """A chat this operator owns or stayed in: both may write, type and sync in it."""
        try:
            chat_uuid = uuid.UUID(str(chat_id))
        except ValueError:
            return None
        return chats_i_am_in(self.user).select_related("department", "operator").filter(pk=chat_uuid).first()
