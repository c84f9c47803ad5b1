"""A three-way chat over the real sockets and Redis channel layer: the patron, the new owner and
the operator who transferred the chat and stayed all hear every message; once the participant
leaves, their dashboard hears nothing more of the chat."""

import pytest
from channels.db import database_sync_to_async

from chat import participants, transfers
from chat.models import Message
from chat.tests.test_consumers import (
    TIMEOUT,
    dashboard_socket,
    disconnect,
    nothing_but_presence,
    patron_socket,
    receive,
)
from conftest import bring_online

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def hand_over(chat, sender, target, *, stay=True):
    transfer = transfers.request_transfer(chat=chat, from_operator=sender, to_operator=target, stay=stay)
    return transfers.accept_transfer(transfer_id=transfer.pk, operator=target)


async def message(communicator, body):
    """The next message frame with `body`, passing over the events around a transfer."""
    while True:
        frame = await communicator.receive_json_from(TIMEOUT)
        if frame["type"] == "message" and frame["body"] == body:
            return frame


async def until(communicator, kind):
    while True:
        frame = await communicator.receive_json_from(TIMEOUT)
        if frame["type"] == kind:
            return frame


async def settle(communicator, *, notes):
    """Frames sent to the chat before the socket left its group may still arrive after the event
    that made it leave (the two groups are not ordered): pass over those notes, and only those."""
    while not await communicator.receive_nothing(timeout=0.5):
        frame = await communicator.receive_json_from(TIMEOUT)
        expected = frame["type"] in ("presence", "status") or (frame["type"] == "message" and frame["body"] in notes)
        assert expected, f"unexpected {frame}"


@pytest.fixture
def three_way(active_chat, alice, bob):
    bring_online(bob)
    return active_chat


async def test_the_patron_and_both_operators_hear_every_message(three_way, alice, bob):
    chat = three_way
    patron, _ = await patron_socket(chat)
    alice_desk, _ = await dashboard_socket(alice)
    bob_desk, _ = await dashboard_socket(bob)

    await database_sync_to_async(hand_over)(chat, alice, bob)
    participating = await until(alice_desk, "chat.participating")
    assert participating["chat"]["operator"] == "Bob"
    assert (await until(bob_desk, "chat.assigned"))["chat"]["id"] == str(chat.pk)
    assert (await message(patron, "Alice is staying in the chat."))["sender"] == "system"

    await patron.send_json_to({"type": "message", "body": "Which map shows 1850?"})
    for desk in (alice_desk, bob_desk):
        frame = await message(desk, "Which map shows 1850?")
        assert (frame["sender"], frame["name"]) == ("patron", "Pat Patron")

    # One after the other: two sockets sending at once may be heard in either order.
    await alice_desk.send_json_to({"type": "message", "chat": str(chat.pk), "body": "Bob is our map expert."})
    for listener in (patron, alice_desk, bob_desk):
        assert (await message(listener, "Bob is our map expert."))["name"] == "Alice"
    await bob_desk.send_json_to({"type": "message", "chat": str(chat.pk), "body": "The 1850 county atlas."})
    for listener in (patron, alice_desk, bob_desk):
        assert (await message(listener, "The 1850 county atlas."))["name"] == "Bob"

    # The participant's typing reaches the patron under her own name.
    await alice_desk.send_json_to({"type": "typing", "chat": str(chat.pk)})
    assert await until(patron, "typing") == {
        "type": "typing",
        "chat": str(chat.pk),
        "sender": "operator",
        "name": "Alice",
    }
    await disconnect(patron, alice_desk, bob_desk)


async def test_after_leaving_the_participant_hears_nothing_more(three_way, alice, bob):
    chat = three_way
    await database_sync_to_async(hand_over)(chat, alice, bob)
    patron, _ = await patron_socket(chat)
    alice_desk, snapshot = await dashboard_socket(alice)
    bob_desk, _ = await dashboard_socket(bob)
    # A reload keeps the chat on the participant's dashboard, with who owns it and who is in it.
    [mine] = snapshot["chats"]
    assert (mine["id"], mine["operator_id"], mine["participants"]) == (
        str(chat.pk),
        bob.pk,
        [{"id": alice.pk, "name": "Alice"}],
    )

    # Her new socket joined the chat's group: she hears the patron live.
    await patron.send_json_to({"type": "message", "body": "Are you both still there?"})
    await message(alice_desk, "Are you both still there?")
    await message(bob_desk, "Are you both still there?")

    await database_sync_to_async(participants.leave_chat)(chat=chat, operator=alice)
    assert await until(alice_desk, "chat.left") == {"type": "chat.left", "chat": str(chat.pk)}
    assert (await message(patron, "Alice has left the chat."))["sender"] == "system"
    await settle(alice_desk, notes={"Alice has left the chat."})
    await message(bob_desk, "Alice has left the chat.")
    assert (await until(bob_desk, "chat.participants"))["participants"] == []

    # The chat goes on between the patron and Bob; Alice's dashboard hears none of it.
    await patron.send_json_to({"type": "message", "body": "Thanks Bob!"})
    await message(bob_desk, "Thanks Bob!")
    await bob_desk.send_json_to({"type": "message", "chat": str(chat.pk), "body": "You're welcome."})
    await message(patron, "You're welcome.")
    await patron.send_json_to({"type": "typing"})
    assert await until(bob_desk, "typing")
    assert await nothing_but_presence(alice_desk)

    # Nor may she write or catch up in it any more.
    await alice_desk.send_json_to({"type": "message", "chat": str(chat.pk), "body": "One more thing"})
    assert (await receive(alice_desk, "error"))["error"] == "That chat is not one of yours."
    await alice_desk.send_json_to({"type": "sync", "chat": str(chat.pk), "after": 0})
    assert (await receive(alice_desk, "error"))["action"] == "sync"
    assert not await database_sync_to_async(Message.objects.filter(body="One more thing").exists)()
    await disconnect(patron, alice_desk, bob_desk)

    # A reload no longer brings the chat back.
    again, snapshot = await dashboard_socket(alice)
    assert snapshot["chats"] == []
    await disconnect(again)


async def test_a_sender_who_does_not_stay_stops_hearing_the_chat(three_way, alice, bob):
    chat = three_way
    patron, _ = await patron_socket(chat)
    alice_desk, _ = await dashboard_socket(alice)
    await database_sync_to_async(hand_over)(chat, alice, bob, stay=False)
    assert (await until(alice_desk, "chat.transferred"))["to"] == "Bob"
    await message(patron, "You are being transferred to Bob.")
    await settle(alice_desk, notes={"You are being transferred to Bob."})
    await patron.send_json_to({"type": "message", "body": "Hello?"})
    await message(patron, "Hello?")
    assert await nothing_but_presence(alice_desk)
    await disconnect(patron, alice_desk)
