"""Chat messages stored from the event loop (deskservice/loop_db.py), through the real sockets.

What a patron and an operator would notice: after a database failover one message asks to be
sent again and the rest go through; a message already sent is not lost when its socket dies
while it waits; and a process never holds more connections than it was given. The same
messages also go through with the statements unprepared (PgBouncer) and on the database
threads instead of the loop (DESK_CONSUMER_LOOP_CONNECTIONS=0, the path SQLite takes).
"""

import asyncio

import psycopg2
import pytest
from channels.db import database_sync_to_async
from django.db import connection

from chat import services
from chat.models import Chat, Message
from chat.tests.test_consumers import dashboard_socket, disconnect, patron_socket, receive, start_chat
from deskservice import consumer_db
from deskservice.middleware import MESSAGE as DATABASE_UNAVAILABLE

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def backends() -> set[int]:
    return set(_on_fresh_connection("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"))


def drop_connections_opened_since(before: set[int]):
    """What a failover does to the desk's kept connections (the test's own stay)."""
    _on_fresh_connection("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", [list(backends() - before)])


def _on_fresh_connection(sql, params=()) -> list:
    fresh = psycopg2.connect(**connection.get_connection_params())
    fresh.autocommit = True
    try:
        with fresh.cursor() as cursor:
            cursor.execute(sql, params)
            return [row[0] for row in cursor.fetchall()]
    finally:
        fresh.close()


def lock_chats(chats):
    """Another transaction holds the chats' rows, as End Chat does while it writes."""
    holder = psycopg2.connect(**connection.get_connection_params())
    with holder.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {Chat._meta.db_table} WHERE id = ANY(%s::uuid[]) FOR UPDATE", [[str(c.pk) for c in chats]]
        )
    return holder


def backends_waiting_for_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


async def test_after_a_failover_a_patron_sends_one_message_again_and_the_rest_go_through(settings, active_chat, alice):
    settings.DESK_CONSUMER_DB_PERSISTENT = True  # as in production: connections are kept
    before = await database_sync_to_async(backends)()
    try:
        desk, _ = await dashboard_socket(alice)
        patron, _ = await patron_socket(active_chat)
        await patron.send_json_to({"type": "message", "body": "Is the library open late tonight?"})
        assert (await receive(desk, "message"))["body"] == "Is the library open late tonight?"
        assert (await patron.receive_json_from(3))["type"] == "message"  # the patron's own copy

        await database_sync_to_async(drop_connections_opened_since)(before)

        await patron.send_json_to({"type": "message", "body": "Hello?"})
        refused = await patron.receive_json_from(3)
        assert refused == {
            "type": "error",
            "error": DATABASE_UNAVAILABLE,
            "retry": True,
            "action": "message",
        }
        await patron.send_json_to({"type": "message", "body": "Hello?"})
        assert (await receive(desk, "message"))["body"] == "Hello?"
        # The dashboard's own calls (on the database threads) reconnect without failing first.
        await desk.send_json_to({"type": "sync", "chat": str(active_chat.pk), "after": 0})
        frames = [await desk.receive_json_from(3)]
        while frames[-1]["type"] == "message":
            frames.append(await desk.receive_json_from(3))
        assert frames[-1] == {"type": "synced", "chat": str(active_chat.pk)}
        assert [f["body"] for f in frames[-3:-1]] == ["Is the library open late tonight?", "Hello?"]
        assert await database_sync_to_async(Message.objects.filter(body="Hello?").count)() == 1
        await disconnect(patron, desk)
    finally:
        # Leave no kept connection open on the test database, which is dropped at the end, and
        # have the database threads know theirs are gone.
        settings.DESK_CONSUMER_DB_PERSISTENT = False
        await database_sync_to_async(drop_connections_opened_since)(before)
        consumer_db.note_failure()


async def test_a_message_whose_socket_died_while_it_waited_still_reaches_the_operator(active_chat, alice):
    desk, _ = await dashboard_socket(alice)
    patron, _ = await patron_socket(active_chat)
    holder = await database_sync_to_async(lock_chats)([active_chat])
    try:
        await patron.send_json_to({"type": "message", "body": "Sorry, my battery is dying"})
        await asyncio.sleep(0.3)  # the message is waiting for the chat's row
        patron.future.cancel()  # the socket's handler is gone, as when its server connection drops
        await asyncio.sleep(0.1)
    finally:
        holder.rollback()
        holder.close()
    assert (await receive(desk, "message"))["body"] == "Sorry, my battery is dying"
    assert await database_sync_to_async(Message.objects.filter(body="Sorry, my battery is dying").count)() == 1
    await disconnect(desk)


async def test_messages_waiting_on_busy_chats_hold_no_more_connections_than_configured(
    settings, active_chat, departments, alice
):
    settings.DESK_CONSUMER_LOOP_CONNECTIONS = 2

    def two_more_chats():
        chats = [start_chat(departments["research"], f"Question {n}") for n in (1, 2)]
        for chat in chats:
            services.claim_chat(chat_id=chat.pk, operator=alice)
        return chats

    chats = [active_chat, *await database_sync_to_async(two_more_chats)()]
    desk, _ = await dashboard_socket(alice)
    patrons = [(await patron_socket(chat))[0] for chat in chats]
    holder = await database_sync_to_async(lock_chats)(chats)
    try:
        for n, patron in enumerate(patrons):
            await patron.send_json_to({"type": "message", "body": f"Still waiting ({n})"})
        await asyncio.sleep(0.5)
        assert await database_sync_to_async(backends_waiting_for_a_lock)() == 2
    finally:
        holder.rollback()
        holder.close()
    heard = {(await receive(desk, "message"))["body"] for _ in patrons}
    assert heard == {"Still waiting (0)", "Still waiting (1)", "Still waiting (2)"}
    await disconnect(desk, *patrons)


@pytest.mark.parametrize(
    "loop_connections, prepare",
    [(4, True), (4, False), (0, True)],
    ids=["prepared", "behind-pgbouncer", "on-the-threads-as-on-sqlite"],
)
async def test_a_kept_connection_keeps_storing_messages_and_counting_the_patrons_limit(
    settings, active_chat, alice, loop_connections, prepare
):
    # Prepared: each message after the first runs the statement prepared for the first.
    settings.DESK_CONSUMER_LOOP_CONNECTIONS = loop_connections
    settings.DESK_CONSUMER_LOOP_PREPARE = prepare
    settings.DESK_CONSUMER_DB_PERSISTENT = True
    settings.DESK_RATE_LIMIT_MESSAGES_PER_MINUTE = 3
    before = await database_sync_to_async(backends)()
    try:
        desk, _ = await dashboard_socket(alice)
        patron, _ = await patron_socket(active_chat)
        for n in range(3):
            await patron.send_json_to({"type": "message", "body": f"Line {n}"})
            assert (await receive(desk, "message"))["body"] == f"Line {n}"
            assert (await patron.receive_json_from(3))["body"] == f"Line {n}"
        await desk.send_json_to({"type": "message", "chat": str(active_chat.pk), "body": "Take your time."})
        await desk.send_json_to({"type": "message", "chat": str(active_chat.pk), "body": "I am here."})
        assert [(await receive(desk, "message"))["body"] for _ in range(2)] == ["Take your time.", "I am here."]
        await patron.send_json_to({"type": "message", "body": "Line 3"})
        frames = [await patron.receive_json_from(3) for _ in range(3)]
        assert [f.get("body") for f in frames[:2]] == ["Take your time.", "I am here."]
        assert frames[2]["type"] == "error" and "too many messages" in frames[2]["error"]
        stored = await database_sync_to_async(list)(
            Message.objects.filter(chat=active_chat, body__in=["Line 0", "Line 1", "Line 2", "Line 3"]).values_list(
                "body", flat=True
            )
        )
        assert stored == ["Line 0", "Line 1", "Line 2"]
        await disconnect(patron, desk)
    finally:
        settings.DESK_CONSUMER_DB_PERSISTENT = False
        await database_sync_to_async(drop_connections_opened_since)(before)
        consumer_db.note_failure()
