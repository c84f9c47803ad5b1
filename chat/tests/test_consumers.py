"""The patron's and the operator's websockets, through the real ASGI stack and Redis channel layer.

The application is deskservice.asgi.application, so the origin check and session auth run as
in production.
"""

import asyncio
import json
from datetime import timedelta

import psycopg2
import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from redis import Redis

from chat import services
from chat.models import Chat, Message
from chat.transfers import request_transfer
from conftest import bring_online
from deskservice.asgi import application
from deskservice.models import DashboardConnection

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

DESK_ORIGIN = b"http://127.0.0.1:8000"
HOST = (b"host", b"127.0.0.1:8000")
TIMEOUT = 3


# --- Sockets ------------------------------------------------------------------------------


async def open_socket(path, *, origin=DESK_ORIGIN, cookie=None):
    headers = [(b"origin", origin), HOST] if origin else [HOST]
    if cookie:
        headers.append((b"cookie", cookie))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, detail = await communicator.connect(timeout=TIMEOUT)
    return communicator, connected, detail


async def patron_socket(chat, *, after=None):
    """A patron socket that has authenticated; returns it and the frames of its snapshot."""
    communicator, connected, _ = await open_socket(f"/ws/widget/v1/chats/{chat.pk}/")
    assert connected
    await communicator.send_json_to({"type": "auth", "token": chat.token, "after": after})
    frames = [await communicator.receive_json_from(TIMEOUT)]
    assert frames[0] == {
        "type": "authenticated",
        "chat": str(chat.pk),
        "heartbeat_seconds": django_settings.DESK_PATRON_HEARTBEAT_SECONDS,
    }
    while not await communicator.receive_nothing(timeout=0.2):
        frames.append(await communicator.receive_json_from(TIMEOUT))
    return communicator, frames[1:]


def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def dashboard_socket(user):
    cookie = await database_sync_to_async(session_cookie)(user)
    communicator, connected, detail = await open_socket("/ws/desk/", cookie=cookie)
    assert connected, detail
    snapshot = await receive(communicator, "snapshot")
    await drain(communicator)
    return communicator, snapshot


async def receive(communicator, kind):
    """The next frame of type `kind`, passing over presence updates (any dashboard connecting sends one)."""
    while True:
        frame = await communicator.receive_json_from(TIMEOUT)
        if frame["type"] == kind:
            return frame
        assert frame["type"] == "presence", f"expected {kind}, got {frame}"


async def drain(communicator):
    while not await communicator.receive_nothing(timeout=0.3):
        frame = await communicator.receive_json_from(TIMEOUT)
        assert frame["type"] == "presence", frame


async def nothing_but_presence(communicator, timeout=0.5):
    while not await communicator.receive_nothing(timeout=timeout):
        frame = await communicator.receive_json_from(TIMEOUT)
        assert frame["type"] == "presence", f"unexpected {frame}"
    return True


async def disconnect(*communicators):
    for communicator in communicators:
        await communicator.disconnect()


def start_chat(department, question="Is the library open on Sunday?"):
    chat, token = services.start_chat(department=department, question=question, name="Pat Patron")
    chat.token = token
    return chat


# --- Patron authentication ------------------------------------------------------------------


async def test_the_patron_authenticates_and_gets_the_snapshot(waiting_chat):
    communicator, frames = await patron_socket(waiting_chat)
    assert frames == [
        {"type": "status", "chat": str(waiting_chat.pk), "status": "waiting", "operator": None, "ended_by": None},
        {"type": "queue", "position": 1},
    ]
    await disconnect(communicator)


async def test_a_wrong_token_gets_an_error_and_close_4401(waiting_chat, departments):
    other = await database_sync_to_async(start_chat)(departments["research"])
    for token in ["wrong", other.token, None, 42]:
        communicator, connected, _ = await open_socket(f"/ws/widget/v1/chats/{waiting_chat.pk}/")
        assert connected
        await communicator.send_json_to({"type": "auth", "token": token})
        assert await communicator.receive_json_from(TIMEOUT) == {
            "type": "error",
            "error": "No chat was found for that id and token.",
            "action": "auth",
        }
        assert await communicator.receive_output(TIMEOUT) == {"type": "websocket.close", "code": 4401}
        await disconnect(communicator)


async def test_a_malformed_chat_id_gets_close_4401(waiting_chat):
    communicator, connected, _ = await open_socket("/ws/widget/v1/chats/not-a-uuid/")
    assert connected
    await communicator.send_json_to({"type": "auth", "token": waiting_chat.token})
    assert (await communicator.receive_json_from(TIMEOUT))["type"] == "error"
    assert await communicator.receive_output(TIMEOUT) == {"type": "websocket.close", "code": 4401}
    await disconnect(communicator)


async def test_it_closes_a_socket_that_does_not_authenticate_in_time(waiting_chat, settings):
    settings.DESK_WS_AUTH_TIMEOUT_SECONDS = 0.3
    communicator, connected, _ = await open_socket(f"/ws/widget/v1/chats/{waiting_chat.pk}/")
    assert connected
    assert await communicator.receive_output(TIMEOUT) == {"type": "websocket.close", "code": 4401}
    await disconnect(communicator)


async def test_it_keeps_a_socket_that_authenticated_in_time(waiting_chat, settings):
    settings.DESK_WS_AUTH_TIMEOUT_SECONDS = 0.3
    communicator, _ = await patron_socket(waiting_chat)
    assert await communicator.receive_nothing(timeout=0.6)
    await disconnect(communicator)


async def test_sockets_closed_before_they_authenticated_leave_no_channel_behind(waiting_chat):
    """Each socket has a channel of its own in Redis; one that never authenticated (a wrong
    token, a client that gave up) must not leave its subscription open when it closes."""
    redis = Redis.from_url(django_settings.REDIS_URL)  # the suite always runs on Redis (conftest.py)

    def channels():
        return set(redis.pubsub_channels("*specific.*"))

    try:
        before = await database_sync_to_async(channels)()
        for token in ["not the token", None]:
            communicator, connected, _ = await open_socket(f"/ws/widget/v1/chats/{waiting_chat.pk}/")
            assert connected
            if token:
                await communicator.send_json_to({"type": "auth", "token": token, "after": None})
                assert (await communicator.receive_json_from(TIMEOUT))["type"] == "error"
            await disconnect(communicator)
        assert await database_sync_to_async(channels)() - before == set()
    finally:
        redis.close()


async def test_frames_before_auth_are_refused(waiting_chat):
    communicator, connected, _ = await open_socket(f"/ws/widget/v1/chats/{waiting_chat.pk}/")
    await communicator.send_json_to({"type": "message", "body": "Hello?"})
    assert await communicator.receive_json_from(TIMEOUT) == {"type": "error", "error": "Authenticate first."}
    await disconnect(communicator)
    assert not await database_sync_to_async(Message.objects.filter(body="Hello?").exists)()


async def test_the_patron_catches_up_after_a_given_message(active_chat, alice):
    def three_messages():
        return [
            services.send_message(chat=active_chat, body=body, sender=sender, operator=operator)
            for body, sender, operator in [
                ("Hi", "patron", None),
                ("Hello Pat, how can I help?", "operator", alice),
                ("I need a book", "patron", None),
            ]
        ]

    first, second, third = await database_sync_to_async(three_messages)()
    communicator, frames = await patron_socket(active_chat, after=first.id)
    assert frames[0]["status"] == "active" and frames[0]["operator"] == "Alice"
    assert [(f["id"], f["name"], f["body"]) for f in frames[1:]] == [
        (second.id, "Alice", "Hello Pat, how can I help?"),
        (third.id, "Pat Patron", "I need a book"),
    ]
    await disconnect(communicator)

    communicator, frames = await patron_socket(active_chat, after=None)
    assert [f["body"] for f in frames[1:]] == [
        "Alice has joined the chat.",
        "Hi",
        "Hello Pat, how can I help?",
        "I need a book",
    ]
    await disconnect(communicator)


async def test_it_refuses_an_after_that_is_not_a_message_id(waiting_chat):
    communicator, connected, _ = await open_socket(f"/ws/widget/v1/chats/{waiting_chat.pk}/")
    await communicator.send_json_to({"type": "auth", "token": waiting_chat.token, "after": "12"})
    assert await communicator.receive_json_from(TIMEOUT) == {
        "type": "error",
        "error": '"after" must be a message id or null.',
    }
    await disconnect(communicator)


# --- Live conversation ----------------------------------------------------------------------


async def test_messages_and_typing_flow_both_ways(active_chat, alice):
    patron, _ = await patron_socket(active_chat)
    desk, snapshot = await dashboard_socket(alice)
    assert [c["id"] for c in snapshot["chats"]] == [str(active_chat.pk)]

    await patron.send_json_to({"type": "message", "body": "Do you have The Dispossessed?"})
    at_desk = await receive(desk, "message")
    assert (at_desk["sender"], at_desk["name"], at_desk["body"]) == (
        "patron",
        "Pat Patron",
        "Do you have The Dispossessed?",
    )
    echoed = await patron.receive_json_from(TIMEOUT)
    assert echoed["id"] == at_desk["id"]

    await desk.send_json_to({"type": "message", "chat": str(active_chat.pk), "body": "Yes, 2 copies."})
    at_patron = await patron.receive_json_from(TIMEOUT)
    assert (at_patron["sender"], at_patron["name"], at_patron["body"]) == ("operator", "Alice", "Yes, 2 copies.")
    assert (await receive(desk, "message"))["id"] == at_patron["id"]

    await patron.send_json_to({"type": "typing"})
    assert await receive(desk, "typing") == {
        "type": "typing",
        "chat": str(active_chat.pk),
        "sender": "patron",
        "name": "Pat Patron",
    }
    assert await patron.receive_nothing(timeout=0.3)

    await desk.send_json_to({"type": "typing", "chat": str(active_chat.pk)})
    assert await patron.receive_json_from(TIMEOUT) == {
        "type": "typing",
        "chat": str(active_chat.pk),
        "sender": "operator",
        "name": "Alice",
    }
    assert await nothing_but_presence(desk, timeout=0.3)

    bodies = await database_sync_to_async(lambda: list(active_chat.messages.values_list("body", flat=True)))()
    assert bodies == ["Alice has joined the chat.", "Do you have The Dispossessed?", "Yes, 2 copies."]
    await disconnect(patron, desk)


async def test_an_operator_cannot_write_in_someone_elses_chat(active_chat, bob):
    patron, _ = await patron_socket(active_chat)
    desk, _ = await dashboard_socket(bob)
    await desk.send_json_to({"type": "message", "chat": str(active_chat.pk), "body": "Hijack"})
    assert await receive(desk, "error") == {
        "type": "error",
        "error": "That chat is not one of yours.",
        "action": "message",
        "chat": str(active_chat.pk),
    }
    await desk.send_json_to({"type": "sync", "chat": str(active_chat.pk), "after": 0})
    assert (await receive(desk, "error"))["action"] == "sync"
    assert await patron.receive_nothing(timeout=0.3)
    await disconnect(patron, desk)


async def test_the_dashboard_syncs_a_chat_after_a_message_id(active_chat, alice):
    first = await database_sync_to_async(services.send_message)(chat=active_chat, body="one", sender="patron")
    await database_sync_to_async(services.send_message)(chat=active_chat, body="two", sender="patron")
    desk, _ = await dashboard_socket(alice)
    await desk.send_json_to({"type": "sync", "chat": str(active_chat.pk), "after": first.id})
    assert (await receive(desk, "message"))["body"] == "two"
    assert await receive(desk, "synced") == {"type": "synced", "chat": str(active_chat.pk)}
    await disconnect(desk)


async def test_the_patron_is_told_when_the_operator_ends_the_chat(active_chat, alice):
    patron, _ = await patron_socket(active_chat)
    await database_sync_to_async(services.end_chat)(chat=active_chat, ended_by="operator", operator=alice)
    ended = await patron.receive_json_from(TIMEOUT)
    assert ended["body"] == "Alice ended the chat."
    assert await patron.receive_json_from(TIMEOUT) == {
        "type": "status",
        "chat": str(active_chat.pk),
        "status": "ended",
        "operator": "Alice",
        "ended_by": "operator",
    }

    await patron.send_json_to({"type": "message", "body": "Wait, one more question"})
    assert await patron.receive_json_from(TIMEOUT) == {
        "type": "error",
        "error": "This chat has ended; messages can no longer be sent.",
        "action": "message",
    }
    # Typing after the end is silently ignored; the socket still answers.
    await patron.send_json_to({"type": "typing"})
    await patron.send_json_to({"type": "auth", "token": active_chat.token})
    assert (await patron.receive_json_from(TIMEOUT))["error"] == "Already authenticated."
    await disconnect(patron)


async def test_the_patrons_typing_after_the_end_does_not_reach_the_operator(active_chat, alice):
    patron, _ = await patron_socket(active_chat)
    desk, _ = await dashboard_socket(alice)
    await database_sync_to_async(services.end_chat)(chat=active_chat, ended_by="operator", operator=alice)
    assert (await patron.receive_json_from(TIMEOUT))["body"] == "Alice ended the chat."
    assert (await patron.receive_json_from(TIMEOUT))["status"] == "ended"
    assert (await receive(desk, "message"))["body"] == "Alice ended the chat."
    assert (await receive(desk, "status"))["status"] == "ended"

    await patron.send_json_to({"type": "typing"})
    assert await nothing_but_presence(desk, timeout=0.5)
    await disconnect(patron, desk)


async def test_a_patron_socket_cannot_flood_the_chat(waiting_chat, settings):
    settings.DESK_RATE_LIMIT_MESSAGES_PER_MINUTE = 3
    patron, _ = await patron_socket(waiting_chat)
    for number in range(3):
        await patron.send_json_to({"type": "message", "body": f"Hello {number}"})
        assert (await patron.receive_json_from(TIMEOUT))["body"] == f"Hello {number}"
    await patron.send_json_to({"type": "message", "body": "Hello 3"})
    assert await patron.receive_json_from(TIMEOUT) == {
        "type": "error",
        "error": "You are sending too many messages. Please wait a minute and try again.",
        "action": "message",
    }
    count = await database_sync_to_async(waiting_chat.messages.count)()
    assert count == 3
    await disconnect(patron)


async def test_a_message_waiting_on_a_busy_chat_does_not_hold_back_the_operators_other_chats(active_chat, alice):
    """An operator's dashboard hears many chats: one frame stuck in the database (here a chat
    row held by another transaction) must not keep the others' messages off the screen."""
    second = await database_sync_to_async(start_chat)(active_chat.department, "Do you have scanners?")
    await database_sync_to_async(services.claim_chat)(chat_id=second.pk, operator=alice)
    desk, _ = await dashboard_socket(alice)
    other_patron, _ = await patron_socket(second)
    holder = psycopg2.connect(**connection.get_connection_params())
    try:
        await database_sync_to_async(holder.cursor().execute)(
            f"SELECT 1 FROM {Chat._meta.db_table} WHERE id = %s FOR UPDATE", [str(active_chat.pk)]
        )
        await desk.send_json_to({"type": "message", "chat": str(active_chat.pk), "body": "One moment, please."})
        await asyncio.sleep(0.3)  # the operator's message is now waiting for the row
        await other_patron.send_json_to({"type": "message", "body": "Are you still there?"})
        heard = await receive(desk, "message")
        assert (heard["chat"], heard["body"]) == (str(second.pk), "Are you still there?")
        assert not await database_sync_to_async(Message.objects.filter(body="One moment, please.").exists)()
    finally:
        holder.rollback()
        holder.close()
    sent = await receive(desk, "message")
    assert (sent["chat"], sent["body"]) == (str(active_chat.pk), "One moment, please.")
    await disconnect(other_patron, desk)


# --- Queue positions and fan-out ------------------------------------------------------------


async def test_the_queue_position_moves_up_when_a_chat_ahead_is_claimed(waiting_chat, departments, alice):
    second = await database_sync_to_async(start_chat)(departments["research"], "Second in line")
    first_patron, frames = await patron_socket(waiting_chat)
    assert frames[-1] == {"type": "queue", "position": 1}
    second_patron, frames = await patron_socket(second)
    assert frames[-1] == {"type": "queue", "position": 2}

    await database_sync_to_async(services.claim_chat)(chat_id=waiting_chat.pk, operator=alice)

    assert await second_patron.receive_json_from(TIMEOUT) == {"type": "queue", "position": 1}
    first_frames = [await first_patron.receive_json_from(TIMEOUT) for _ in range(2)]
    assert [f["type"] for f in first_frames] == ["message", "status"]
    assert first_frames[1]["status"] == "active"
    # The claimed patron has left the line: no more queue frames for them.
    assert await first_patron.receive_nothing(timeout=0.3)

    await database_sync_to_async(services.end_chat)(chat=second, ended_by="patron")
    await second_patron.receive_json_from(TIMEOUT)  # "Pat Patron ended the chat."
    assert (await second_patron.receive_json_from(TIMEOUT))["status"] == "ended"
    assert await first_patron.receive_nothing(timeout=0.3)
    await disconnect(first_patron, second_patron)


async def test_a_patron_transferred_to_another_department_is_told_their_place_there(
    active_chat, departments, alice, carmen
):
    def chat_waiting_in_ideas_for_an_hour():
        bring_online(carmen)
        chat = start_chat(departments["ideas"], "Can I book the 3D printer?")
        Chat.objects.filter(pk=chat.pk).update(created_at=active_chat.created_at - timedelta(hours=1))
        return chat

    ahead = await database_sync_to_async(chat_waiting_in_ideas_for_an_hour)()
    patron, _ = await patron_socket(active_chat)

    await database_sync_to_async(request_transfer)(
        chat=active_chat, from_operator=alice, to_department=departments["ideas"]
    )
    moved = await patron.receive_json_from(TIMEOUT)
    assert moved["body"] == "You are being transferred to IDEAS. Someone will be with you shortly."
    status = await patron.receive_json_from(TIMEOUT)
    assert (status["status"], status["operator"]) == ("waiting", None)
    frames = [await patron.receive_json_from(TIMEOUT)]
    while not await patron.receive_nothing(timeout=0.3):
        frames.append(await patron.receive_json_from(TIMEOUT))
    # The queue.changed published with the transfer may or may not beat the socket into IDEAS's line.
    assert {json.dumps(f) for f in frames} == {json.dumps({"type": "queue", "position": 2})}

    await database_sync_to_async(services.claim_chat)(chat_id=ahead.pk, operator=carmen)
    assert await patron.receive_json_from(TIMEOUT) == {"type": "queue", "position": 1}
    await disconnect(patron)


async def test_new_chats_reach_only_the_departments_dashboards(departments, alice, bob, carmen):
    alice_desk, _ = await dashboard_socket(alice)
    bob_desk, _ = await dashboard_socket(bob)
    carmen_desk, _ = await dashboard_socket(carmen)

    chat = await database_sync_to_async(start_chat)(departments["research"])

    for desk in (alice_desk, bob_desk):
        added = await receive(desk, "queue.added")
        assert added["chat"]["id"] == str(chat.pk)
        assert added["chat"]["question"] == "Is the library open on Sunday?"
    assert await carmen_desk.receive_nothing(timeout=0.3)

    await database_sync_to_async(services.claim_chat)(chat_id=chat.pk, operator=alice)
    assert await receive(bob_desk, "queue.removed") == {
        "type": "queue.removed",
        "chat": str(chat.pk),
        "reason": "claimed",
        "operator": "Alice",
    }
    assert (await receive(alice_desk, "queue.removed"))["chat"] == str(chat.pk)
    assigned = await receive(alice_desk, "chat.assigned")
    assert assigned["chat"]["id"] == str(chat.pk)
    assert await nothing_but_presence(bob_desk)
    assert await carmen_desk.receive_nothing(timeout=0.3)

    # Alice's dashboard joined the chat: the patron's next message reaches her, not Bob.
    await database_sync_to_async(services.send_message)(chat=chat, body="Thanks!", sender="patron")
    while (frame := await alice_desk.receive_json_from(TIMEOUT)).get("body") != "Thanks!":
        # The joined message and the status may or may not beat her joining the chat's group.
        assert frame["type"] in {"presence", "message", "status"}, frame
    assert await nothing_but_presence(bob_desk)
    await disconnect(alice_desk, bob_desk, carmen_desk)


async def test_the_dashboard_snapshot_lists_the_queue_and_my_chats(waiting_chat, departments, alice, carmen):
    mine = await database_sync_to_async(start_chat)(departments["research"], "Mine")
    await database_sync_to_async(services.claim_chat)(chat_id=mine.pk, operator=alice)
    desk, snapshot = await dashboard_socket(alice)
    assert snapshot["me"] == {"id": alice.id, "name": "Alice", "availability": "online"}
    assert [c["id"] for c in snapshot["queue"]] == [str(waiting_chat.pk)]
    assert [c["id"] for c in snapshot["chats"]] == [str(mine.pk)]
    other, snapshot = await dashboard_socket(carmen)
    assert snapshot["queue"] == [] and snapshot["chats"] == []
    await disconnect(desk, other)


# --- Bad frames -------------------------------------------------------------------------------


async def test_bad_frames_get_an_error_and_the_socket_keeps_working(waiting_chat):
    patron, _ = await patron_socket(waiting_chat)
    cases = [
        ("{not json", "That frame is not valid JSON."),
        ("[1, 2]", 'Each frame must be a JSON object with a "type".'),
        ('{"body": "no type"}', 'Each frame must be a JSON object with a "type".'),
        ('{"type": 5}', 'Each frame must be a JSON object with a "type".'),
        ('{"type": "dance"}', "Unknown frame type “dance”."),
        ('{"type": "message", "body": ""}', "The body cannot be empty."),
        ('{"type": "message", "body": 7}', "The body must be text."),
        ('{"type": "message", "body": "' + "x" * 40_000 + '"}', "Frames must be JSON text of at most 32 KB."),
    ]
    for text, error in cases:
        await patron.send_to(text_data=text)
        assert (await patron.receive_json_from(TIMEOUT))["error"] == error
    await patron.send_to(bytes_data=b'{"type": "message", "body": "binary"}')
    assert (await patron.receive_json_from(TIMEOUT))["error"] == "Frames must be JSON text of at most 32 KB."

    await patron.send_json_to({"type": "message", "body": "Still here"})
    assert (await patron.receive_json_from(TIMEOUT))["body"] == "Still here"
    await disconnect(patron)


async def test_text_that_is_not_valid_unicode_gets_an_error_and_the_socket_keeps_working(active_chat, alice):
    # "\\ud800" is valid JSON, but decodes to a lone surrogate that PostgreSQL cannot store.
    patron, _ = await patron_socket(active_chat)
    desk, _ = await dashboard_socket(alice)
    # json.dumps writes the lone surrogates as the escapes a hostile client would send.
    await patron.send_to(text_data=json.dumps({"type": "message", "body": "Hi \ud800"}))
    await desk.send_to(text_data=json.dumps({"type": "message", "chat": str(active_chat.pk), "body": "\udfff"}))
    error = "That frame contains text that is not valid Unicode."
    assert await patron.receive_json_from(TIMEOUT) == {"type": "error", "error": error}
    assert await receive(desk, "error") == {"type": "error", "error": error}

    await patron.send_json_to({"type": "message", "body": "Still here"})
    assert (await patron.receive_json_from(TIMEOUT))["body"] == "Still here"
    assert (await receive(desk, "message"))["body"] == "Still here"
    await disconnect(patron, desk)


async def test_the_dashboard_answers_bad_frames_and_keeps_working(alice, departments):
    desk, _ = await dashboard_socket(alice)
    for text in ["nope", "42", '{"type": "reboot"}', '{"type": "availability", "availability": "asleep"}']:
        await desk.send_to(text_data=text)
        assert (await receive(desk, "error"))["error"]
    await desk.send_json_to({"type": "heartbeat"})
    presence = await desk.receive_json_from(TIMEOUT)
    assert presence["type"] == "presence"
    research = next(d for d in presence["departments"] if d["slug"] == "research")
    assert research["online"] is True
    await disconnect(desk)


# --- Who may open which socket ----------------------------------------------------------------


async def test_the_dashboard_refuses_the_signed_out(departments):
    communicator, connected, code = await open_socket("/ws/desk/")
    assert (connected, code) == (False, 4403)
    await disconnect(communicator)


async def test_the_dashboard_refuses_staff_who_are_not_operators(stranger):
    cookie = await database_sync_to_async(session_cookie)(stranger)
    communicator, connected, code = await open_socket("/ws/desk/", cookie=cookie)
    assert (connected, code) == (False, 4403)
    await disconnect(communicator)


async def test_the_dashboard_refuses_a_foreign_origin_even_with_a_session(alice, settings):
    settings.WIDGET_ALLOWED_ORIGINS = ["https://www.library.example.edu"]
    cookie = await database_sync_to_async(session_cookie)(alice)
    for origin in [b"https://evil.example", b"https://www.library.example.edu", None]:
        communicator, connected, _ = await open_socket("/ws/desk/", origin=origin, cookie=cookie)
        assert not connected
        await disconnect(communicator)
    online = await database_sync_to_async(lambda: alice.connections.exists())()
    assert not online


async def test_a_patron_socket_from_a_disallowed_origin_is_denied(waiting_chat):
    for origin in [b"https://evil.example", b"http://127.0.0.1:99999", None]:
        communicator, connected, _ = await open_socket(f"/ws/widget/v1/chats/{waiting_chat.pk}/", origin=origin)
        assert not connected
        await disconnect(communicator)


async def test_a_patron_socket_from_an_allowed_library_site_works(waiting_chat, settings):
    settings.WIDGET_ALLOWED_ORIGINS = ["https://www.library.example.edu"]
    communicator, connected, _ = await open_socket(
        f"/ws/widget/v1/chats/{waiting_chat.pk}/", origin=b"https://www.library.example.edu"
    )
    assert connected
    await communicator.send_json_to({"type": "auth", "token": waiting_chat.token})
    assert (await communicator.receive_json_from(TIMEOUT))["type"] == "authenticated"
    await disconnect(communicator)


async def test_a_waiting_patrons_socket_and_heartbeats_say_the_patron_is_still_there(waiting_chat, settings):
    def seen_at():
        return Chat.objects.values_list("patron_seen_at", flat=True).get(pk=waiting_chat.pk)

    await database_sync_to_async(Chat.objects.filter(pk=waiting_chat.pk).update)(patron_seen_at=None)
    communicator, _ = await patron_socket(waiting_chat)
    on_connect = await database_sync_to_async(seen_at)()
    assert on_connect is not None
    # Heard from within half a period: not written again, however often a client sends them.
    await communicator.send_json_to({"type": "heartbeat"})
    assert await communicator.receive_nothing(timeout=0.3)
    assert await database_sync_to_async(seen_at)() == on_connect
    settings.DESK_PATRON_HEARTBEAT_SECONDS = 0.2
    await communicator.send_json_to({"type": "heartbeat"})
    assert await communicator.receive_nothing(timeout=0.3)
    assert await database_sync_to_async(seen_at)() > on_connect
    await disconnect(communicator)


async def test_a_heartbeat_after_the_claim_changes_nothing(active_chat, settings):
    settings.DESK_PATRON_HEARTBEAT_SECONDS = 0.2
    communicator, _ = await patron_socket(active_chat)
    assert await communicator.receive_nothing(timeout=0.2)
    await communicator.send_json_to({"type": "heartbeat"})
    assert await communicator.receive_nothing(timeout=0.3)
    seen_at = Chat.objects.values_list("patron_seen_at", flat=True)
    assert await database_sync_to_async(seen_at.get)(pk=active_chat.pk) is None
    await disconnect(communicator)


async def test_a_heartbeat_brings_back_a_dashboard_whose_connection_was_cleared(alice, departments):
    # Another dashboard's connect clears rows that went quiet (this laptop slept past the timeout).
    desk, _ = await dashboard_socket(alice)
    await database_sync_to_async(lambda: DashboardConnection.objects.filter(user=alice).delete())()
    await desk.send_json_to({"type": "heartbeat"})
    presence = await receive(desk, "presence")
    assert next(d for d in presence["departments"] if d["slug"] == "research")["online"] is True
    assert await database_sync_to_async(lambda: alice.connections.count())() == 1
    chat = await database_sync_to_async(start_chat)(departments["research"])
    assert chat.status == Chat.Status.WAITING
    await disconnect(desk)


async def test_refusals_reach_each_reader_in_their_language(waiting_chat, alice, departments):
    await database_sync_to_async(Chat.objects.filter(pk=waiting_chat.pk).update)(language="es")
    patron, _ = await patron_socket(waiting_chat)
    await patron.send_json_to({"type": "auth", "token": waiting_chat.token, "after": None})
    assert (await patron.receive_json_from(TIMEOUT))["error"] == "Ya está autenticado."
    cookie = await database_sync_to_async(session_cookie)(alice)
    headers = [(b"origin", DESK_ORIGIN), HOST, (b"cookie", cookie), (b"accept-language", b"es-MX,es;q=0.9")]
    desk = WebsocketCommunicator(application, "/ws/desk/", headers=headers)
    assert (await desk.connect(timeout=TIMEOUT))[0]
    await receive(desk, "snapshot")
    await desk.send_json_to({"type": "message", "chat": str(waiting_chat.pk), "body": "Hola"})
    assert (await receive(desk, "error"))["error"] == "Ese chat no es uno de los suyos."
    await disconnect(patron, desk)


async def test_an_operator_whose_role_is_taken_away_is_closed_out_at_the_next_heartbeat(alice, departments):
    desk, _ = await dashboard_socket(alice)
    await database_sync_to_async(lambda: alice.groups.clear())()
    await desk.send_json_to({"type": "heartbeat"})
    # The desk's news that she went offline may reach her socket just before it closes.
    while (output := await desk.receive_output(TIMEOUT))["type"] == "websocket.send":
        assert json.loads(output["text"])["type"] == "presence"
    assert output == {"type": "websocket.close", "code": 4403}
    assert await database_sync_to_async(lambda: alice.connections.count())() == 0


async def test_closing_the_dashboard_takes_the_operator_offline(alice, departments):
    desk, _ = await dashboard_socket(alice)
    assert await database_sync_to_async(lambda: alice.connections.count())() == 1
    await disconnect(desk)
    assert await database_sync_to_async(lambda: alice.connections.count())() == 0
    with pytest.raises(services.NobodyOnline):
        await database_sync_to_async(start_chat)(departments["research"])
    assert not await database_sync_to_async(Chat.objects.exists)()
