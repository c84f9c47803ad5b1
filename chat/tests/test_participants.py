"""Group chat after a transfer (issue 12): the sender stays in the chat with the patron and the
new operator until they leave; leaving never ends the chat, and only the owner ends, transfers
or closes it."""

import json

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from chat import participants, services, transfers
from chat.models import Chat, ChatEvent, ChatParticipant, Message
from chat.selectors import may_see_chat
from conftest import bring_online
from deskservice import realtime

pytestmark = pytest.mark.django_db


@pytest.fixture
def bob_online(bob):
    bring_online(bob)
    return bob


@pytest.fixture
def published(monkeypatch):
    """Every event sent after commit, as (group, event): what the sockets would receive."""
    sent = []
    monkeypatch.setattr(realtime, "_send", lambda group, message: sent.append((group, message["event"])))
    return sent


def transfer_and_stay(chat, sender, target, *, stay=True):
    transfer = transfers.request_transfer(chat=chat, from_operator=sender, to_operator=target, stay=stay)
    return transfers.accept_transfer(transfer_id=transfer.pk, operator=target)


def system_lines(chat):
    return list(Message.objects.filter(chat=chat, sender=Message.Sender.SYSTEM).values_list("body", flat=True))


def as_user(user):
    client = Client()
    client.force_login(user)
    return client


def post(client, url, payload=None):
    return client.post(url, json.dumps(payload or {}), content_type="application/json")


# --- Staying --------------------------------------------------------------------------------


def test_it_keeps_the_sender_in_the_chat_when_they_chose_to_stay(active_chat, alice, bob_online):
    chat = transfer_and_stay(active_chat, alice, bob_online)

    assert chat.operator == bob_online and chat.status == Chat.Status.ACTIVE
    stayed = ChatParticipant.objects.get()
    assert (stayed.operator, stayed.left_at) == (alice, None)
    assert system_lines(chat)[-2:] == ["You are being transferred to Bob.", "Alice is staying in the chat."]
    assert ChatEvent.objects.filter(chat=chat, kind=ChatEvent.Kind.PARTICIPANT_JOINED, actor=alice).count() == 1
    assert transfers.referred_by_for(chat) == "Alice"


def test_the_sender_who_stayed_writes_in_one_statement_and_the_one_who_left_cannot(
    active_chat, alice, bob_online, django_assert_num_queries
):
    transfer_and_stay(active_chat, alice, bob_online)
    with django_assert_num_queries(1):
        message = services.send_operator_message(chat_id=active_chat.pk, body="I found it too", operator=alice)
    assert (message.operator, Message.objects.get(pk=message.pk).body) == (alice, "I found it too")
    participants.leave_chat(chat=active_chat, operator=alice)
    assert services.send_operator_message(chat_id=active_chat.pk, body="Still here?", operator=alice) is None
    assert not Message.objects.filter(body="Still here?").exists()


def test_a_sender_who_does_not_stay_leaves_the_chat_to_the_new_operator(active_chat, alice, bob_online):
    chat = transfer_and_stay(active_chat, alice, bob_online, stay=False)
    assert not ChatParticipant.objects.exists()
    with pytest.raises(services.NotAllowed):
        services.send_message(chat=chat, body="Still here?", sender=Message.Sender.OPERATOR, operator=alice)


def test_it_tells_the_staying_sender_and_the_new_owner_who_is_in_the_chat(
    active_chat, alice, bob_online, published, django_capture_on_commit_callbacks
):
    transfer = transfers.request_transfer(chat=active_chat, from_operator=alice, to_operator=bob_online, stay=True)
    published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        transfers.accept_transfer(transfer_id=transfer.pk, operator=bob_online)

    to_alice = [event for group, event in published if group == realtime.operator_group(alice.pk)]
    to_bob = [event for group, event in published if group == realtime.operator_group(bob_online.pk)]
    kinds_for_alice = [event["type"] for event in to_alice]
    assert "chat.transferred" not in kinds_for_alice  # her dashboard keeps the chat and its group
    participating = next(event for event in to_alice if event["type"] == "chat.participating")
    assert participating["chat"]["operator"] == "Bob"
    assert participating["chat"]["participants"] == [{"id": alice.pk, "name": "Alice"}]
    assert [event["type"] for event in to_bob if event["type"].startswith("chat.")] == [
        "chat.assigned",
        "chat.participants",
    ]
    listed = next(event for event in to_bob if event["type"] == "chat.participants")
    assert (listed["operator_id"], listed["participants"]) == (bob_online.pk, [{"id": alice.pk, "name": "Alice"}])
    at_patron = [event.get("body") for group, event in published if group == realtime.chat_group(active_chat.pk)]
    assert "Alice is staying in the chat." in at_patron


def test_it_refuses_to_stay_in_a_chat_sent_back_to_a_queue(active_chat, alice, carmen, departments):
    bring_online(carmen)
    with pytest.raises(services.ChatError, match="only when you transfer it to an operator"):
        transfers.request_transfer(chat=active_chat, from_operator=alice, to_department=departments["ideas"], stay=True)


# --- Three-way conversation ------------------------------------------------------------------


def test_the_patron_and_both_operators_write_in_the_chat(active_chat, alice, bob_online):
    chat = transfer_and_stay(active_chat, alice, bob_online)
    services.send_message(chat=chat, body="Thanks, both of you", sender=Message.Sender.PATRON)
    services.send_message(chat=chat, body="Bob knows maps best.", sender=Message.Sender.OPERATOR, operator=alice)
    services.send_message(chat=chat, body="Which county?", sender=Message.Sender.OPERATOR, operator=bob_online)
    services.publish_typing(chat=chat, sender=Message.Sender.OPERATOR, operator=alice)

    lines = Message.objects.filter(chat=chat).exclude(sender=Message.Sender.SYSTEM).select_related("operator")
    assert [(realtime.message_sender_name(m), m.body) for m in lines] == [
        ("Pat Patron", "Thanks, both of you"),
        ("Alice", "Bob knows maps best."),
        ("Bob", "Which county?"),
    ]


def test_an_operator_who_was_never_in_the_chat_still_cannot_write(active_chat, alice, bob_online, lena):
    chat = transfer_and_stay(active_chat, alice, bob_online)
    with pytest.raises(services.NotAllowed):
        services.send_message(chat=chat, body="Hi", sender=Message.Sender.OPERATOR, operator=lena)
    with pytest.raises(services.NotAllowed):
        services.publish_typing(chat=chat, sender=Message.Sender.OPERATOR, operator=lena)


def test_only_the_owner_ends_transfers_closes_or_emails_the_transcript(active_chat, alice, bob_online, lena):
    chat = transfer_and_stay(active_chat, alice, bob_online)
    bring_online(lena)
    with pytest.raises(services.NotAllowed):
        services.end_chat(chat=chat, ended_by=Chat.EndedBy.OPERATOR, operator=alice)
    with pytest.raises(services.NotAllowed):
        transfers.request_transfer(chat=chat, from_operator=alice, to_operator=lena)
    with pytest.raises(services.NotAllowed):
        services.request_transcript(chat=chat, email="pat@example.org", requested_by="operator", operator=alice)
    services.end_chat(chat=chat, ended_by=Chat.EndedBy.OPERATOR, operator=bob_online)
    with pytest.raises(services.NotAllowed):
        services.close_chat(chat=Chat.objects.get(pk=chat.pk), operator=alice)
    assert Chat.objects.get(pk=chat.pk).ended_by == Chat.EndedBy.OPERATOR


# --- Leaving --------------------------------------------------------------------------------


def test_leaving_never_ends_the_chat(active_chat, alice, bob_online, published, django_capture_on_commit_callbacks):
    chat = transfer_and_stay(active_chat, alice, bob_online)
    published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        participants.leave_chat(chat=chat, operator=alice)

    chat.refresh_from_db()
    assert (chat.status, chat.operator, chat.ended_at) == (Chat.Status.ACTIVE, bob_online, None)
    assert system_lines(chat)[-1] == "Alice has left the chat."
    assert ChatParticipant.objects.get().left_at is not None
    assert ChatEvent.objects.filter(chat=chat, kind=ChatEvent.Kind.PARTICIPANT_LEFT, actor=alice).exists()
    assert (realtime.operator_group(alice.pk), {"type": "chat.left", "chat": str(chat.pk)}) in published
    to_bob = [event for group, event in published if group == realtime.operator_group(bob_online.pk)]
    assert to_bob[-1]["type"] == "chat.participants" and to_bob[-1]["participants"] == []
    # The chat goes on with the patron and its owner; the leaver can no longer write in it.
    services.send_message(chat=chat, body="Still with you", sender=Message.Sender.OPERATOR, operator=bob_online)
    with pytest.raises(services.NotAllowed):
        services.send_message(chat=chat, body="One more thing", sender=Message.Sender.OPERATOR, operator=alice)


def test_leaving_twice_is_a_clear_error(active_chat, alice, bob_online):
    chat = transfer_and_stay(active_chat, alice, bob_online)
    participants.leave_chat(chat=chat, operator=alice)
    with pytest.raises(services.ChatConflict, match="You have already left this chat."):
        participants.leave_chat(chat=chat, operator=alice)
    assert system_lines(chat).count("Alice has left the chat.") == 1


def test_the_owner_and_strangers_cannot_leave(active_chat, alice, bob_online, carmen):
    chat = transfer_and_stay(active_chat, alice, bob_online)
    with pytest.raises(services.ChatConflict, match="This chat is yours: transfer it or end it"):
        participants.leave_chat(chat=chat, operator=bob_online)
    with pytest.raises(services.NotAllowed, match="You are not in this chat."):
        participants.leave_chat(chat=chat, operator=carmen)
    assert Chat.objects.get(pk=chat.pk).status == Chat.Status.ACTIVE


def test_leaving_an_ended_chat_tells_nobody(active_chat, alice, bob_online):
    chat = transfer_and_stay(active_chat, alice, bob_online)
    services.end_chat(chat=chat, ended_by=Chat.EndedBy.PATRON)
    before = system_lines(chat)
    participants.leave_chat(chat=chat, operator=alice)
    assert system_lines(chat) == before
    assert ChatParticipant.objects.get().left_at is not None


def test_a_participant_who_gets_the_chat_back_owns_it_and_is_no_longer_a_participant(active_chat, alice, bob_online):
    chat = transfer_and_stay(active_chat, alice, bob_online)
    chat = transfer_and_stay(chat, bob_online, alice, stay=False)
    assert chat.operator == alice
    assert not ChatParticipant.objects.filter(left_at=None).exists()
    with pytest.raises(services.ChatConflict, match="This chat is yours"):
        participants.leave_chat(chat=chat, operator=alice)


def test_a_participant_who_claims_the_chat_from_a_queue_cannot_leave_it(active_chat, alice, bob_online, departments):
    chat = transfer_and_stay(active_chat, alice, bob_online)
    transfers.request_transfer(chat=chat, from_operator=bob_online, to_department=departments["research"])
    chat = services.claim_chat(chat_id=chat.pk, operator=alice)
    with pytest.raises(services.ChatConflict, match="This chat is yours"):
        participants.leave_chat(chat=chat, operator=alice)
    assert "Alice has left the chat." not in system_lines(chat)


def test_the_database_keeps_one_active_participation_per_operator(active_chat, alice, bob_online):
    chat = transfer_and_stay(active_chat, alice, bob_online)
    with pytest.raises(IntegrityError), transaction.atomic():
        ChatParticipant.objects.create(chat=chat, operator=alice)
    participants.leave_chat(chat=chat, operator=alice)
    # Once left, a later transfer may bring the same operator back in.
    ChatParticipant.objects.create(chat=chat, operator=alice)
    assert ChatParticipant.objects.filter(chat=chat, operator=alice).count() == 2


# --- Who may see the chat ---------------------------------------------------------------------


def test_a_participant_from_another_department_sees_the_chat_until_they_leave(active_chat, alice, carmen):
    bring_online(carmen)
    chat = transfer_and_stay(active_chat, alice, carmen, stay=False)  # Carmen (IDEAS) owns it now
    chat = transfer_and_stay(chat, carmen, alice)  # back to Alice; Carmen stays
    assert may_see_chat(carmen, chat)
    assert as_user(carmen).get(f"/desk/api/chats/{chat.pk}/patron").status_code == 200
    participants.leave_chat(chat=chat, operator=carmen)
    assert not may_see_chat(carmen, chat)
    assert as_user(carmen).get(f"/desk/api/chats/{chat.pk}/patron").status_code == 404


# --- Desk API ---------------------------------------------------------------------------------


def test_the_transfer_api_takes_the_choice_to_stay(active_chat, alice, bob_online):
    client = as_user(alice)
    url = f"/desk/api/chats/{active_chat.pk}/transfer"
    refused = post(client, url, {"operator": bob_online.pk, "stay": "yes"})
    assert (refused.status_code, refused.json()) == (400, {"error": "stay must be true or false.", "field": "stay"})
    assert post(client, url, {"department": "research", "stay": True}).json()["field"] == "stay"

    answer = post(client, url, {"operator": bob_online.pk, "stay": True})
    assert answer.status_code == 201
    accepted = post(as_user(bob_online), f"/desk/api/transfers/{answer.json()['transfer']}/accept")
    assert accepted.status_code == 200
    assert ChatParticipant.objects.filter(chat=active_chat, operator=alice, left_at=None).exists()


def test_leave_chat_over_http(active_chat, alice, bob_online, carmen):
    chat = transfer_and_stay(active_chat, alice, bob_online)
    url = f"/desk/api/chats/{chat.pk}/leave"
    assert post(as_user(carmen), url).json() == {"error": "You are not in this chat."}
    owner = post(as_user(bob_online), url)
    assert (owner.status_code, owner.json()["error"]) == (
        409,
        "This chat is yours: transfer it or end it rather than leave it.",
    )
    assert post(as_user(alice), url).json() == {"id": str(chat.pk), "left": True}
    again = post(as_user(alice), url)
    assert (again.status_code, again.json()) == (409, {"error": "You have already left this chat."})
    assert post(as_user(alice), "/desk/api/chats/not-a-chat/leave").status_code == 404


def test_the_participant_may_send_canned_messages_but_not_end_or_close(active_chat, alice, bob_online):
    from chat.models import CannedMessage

    canned = CannedMessage.objects.create(title="Hello", body="Hi {patron_name}, {operator_name} here.")
    chat = transfer_and_stay(active_chat, alice, bob_online)
    client = as_user(alice)
    assert post(client, f"/desk/api/chats/{chat.pk}/canned", {"canned": canned.pk}).status_code == 201
    assert Message.objects.filter(chat=chat, operator=alice).last().body == "Hi Pat Patron, Alice here."
    for action in ("end", "close", "transfer", "transcript", "ban"):
        response = post(client, f"/desk/api/chats/{chat.pk}/{action}", {"operator": bob_online.pk, "duration": "1h"})
        assert response.status_code == 403, (action, response.content)
    assert Chat.objects.get(pk=chat.pk).status == Chat.Status.ACTIVE
