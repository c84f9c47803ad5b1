"""Transfers between operators and departments (the manuals' "Transfer" procedure)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from chat import services, transfers
from chat.models import Chat, ChatEvent, Message, Transfer
from conftest import bring_online


@pytest.fixture
def bob_online(bob):
    bring_online(bob)
    return bob


def test_it_offers_the_chat_to_an_online_operator_who_accepts(active_chat, alice, bob_online):
    transfer = transfers.request_transfer(
        chat=active_chat, from_operator=alice, to_operator=bob_online, note="Needs a GIS specialist"
    )
    assert transfer.status == Transfer.Status.PENDING
    active_chat.refresh_from_db()
    assert active_chat.operator == alice  # Still Alice's until Bob accepts.

    chat = transfers.accept_transfer(transfer_id=transfer.pk, operator=bob_online)

    assert chat.operator == bob_online and chat.status == Chat.Status.ACTIVE
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.ACCEPTED and transfer.answered_at
    told = Message.objects.filter(chat=chat, sender=Message.Sender.SYSTEM).last()
    assert told.body == "You are being transferred to Bob."
    assert ChatEvent.objects.filter(chat=chat, kind=ChatEvent.Kind.TRANSFERRED).count() == 1
    assert transfers.referred_by_for(chat) == "Alice"


def test_it_announces_the_department_when_the_library_prefers_it(active_chat, alice, bob_online, settings):
    settings.DESK_TRANSFER_ANNOUNCE = "department"
    transfer = transfers.request_transfer(chat=active_chat, from_operator=alice, to_operator=bob_online)
    transfers.accept_transfer(transfer_id=transfer.pk, operator=bob_online)
    told = Message.objects.filter(chat=active_chat, sender=Message.Sender.SYSTEM).last()
    assert told.body == "You are being transferred to Research & Instruction."


def test_it_keeps_the_chat_with_the_sender_when_declined(active_chat, alice, bob_online):
    transfer = transfers.request_transfer(chat=active_chat, from_operator=alice, to_operator=bob_online)
    transfers.decline_transfer(transfer_id=transfer.pk, operator=bob_online)
    active_chat.refresh_from_db()
    assert active_chat.operator == alice
    assert Transfer.objects.get().status == Transfer.Status.DECLINED
    with pytest.raises(services.ChatConflict, match="no longer waiting"):
        transfers.accept_transfer(transfer_id=transfer.pk, operator=bob_online)


def test_it_refuses_an_offline_operator(active_chat, alice, bob):
    with pytest.raises(services.ChatConflict, match="Bob is not online"):
        transfers.request_transfer(chat=active_chat, from_operator=alice, to_operator=bob)
    assert not Transfer.objects.exists()


def test_it_refuses_an_offline_department(active_chat, alice, departments):
    with pytest.raises(services.ChatConflict, match="Nobody in IDEAS is online"):
        transfers.request_transfer(chat=active_chat, from_operator=alice, to_department=departments["ideas"])


def test_it_lets_only_the_target_answer(active_chat, alice, bob_online, carmen):
    transfer = transfers.request_transfer(chat=active_chat, from_operator=alice, to_operator=bob_online)
    with pytest.raises(services.NotAllowed):
        transfers.accept_transfer(transfer_id=transfer.pk, operator=carmen)
    with pytest.raises(services.NotAllowed):
        transfers.request_transfer(chat=active_chat, from_operator=bob_online, to_operator=alice)


def test_it_moves_the_chat_into_an_online_departments_queue(active_chat, alice, carmen, departments):
    bring_online(carmen)
    transfers.request_transfer(chat=active_chat, from_operator=alice, to_department=departments["ideas"])
    active_chat.refresh_from_db()
    assert active_chat.status == Chat.Status.WAITING and active_chat.operator is None
    assert active_chat.department == departments["ideas"]
    assert services.queue_position(active_chat) == 1
    claimed = services.claim_chat(chat_id=active_chat.pk, operator=carmen)
    assert claimed.operator == carmen
    assert transfers.referred_by_for(claimed) == "Alice"


def test_it_cancels_a_pending_transfer_when_the_patron_ends_the_chat(active_chat, alice, bob_online):
    transfer = transfers.request_transfer(chat=active_chat, from_operator=alice, to_operator=bob_online)
    services.end_chat(chat=active_chat, ended_by=Chat.EndedBy.PATRON)
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.CANCELLED
    with pytest.raises(services.ChatConflict, match="no longer waiting"):
        transfers.accept_transfer(transfer_id=transfer.pk, operator=bob_online)


def test_it_expires_unanswered_transfers(active_chat, alice, bob_online, settings):
    transfer = transfers.request_transfer(chat=active_chat, from_operator=alice, to_operator=bob_online)
    assert transfers.expire_stale_transfers() == 0
    Transfer.objects.filter(pk=transfer.pk).update(
        created_at=timezone.now() - timedelta(seconds=settings.DESK_TRANSFER_TIMEOUT_SECONDS + 1)
    )
    assert transfers.expire_stale_transfers() == 1
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.EXPIRED
    active_chat.refresh_from_db()
    assert active_chat.operator == alice


def test_it_publishes_the_request_to_the_target_and_the_answer_to_the_sender(
    active_chat, alice, bob_online, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        transfer = transfers.request_transfer(chat=active_chat, from_operator=alice, to_operator=bob_online)
    assert len(callbacks) == 2
    with django_capture_on_commit_callbacks() as callbacks:
        transfers.accept_transfer(transfer_id=transfer.pk, operator=bob_online)
    # answered x2 (both sides), system message, chat.transferred, chat.assigned, status
    assert len(callbacks) == 6


@pytest.mark.django_db(transaction=True)
def test_it_lets_exactly_one_of_two_simultaneous_transfers_wait(departments, alice, bob, carmen):
    for user in (alice, bob, carmen):
        bring_online(user)
    carmen.departments.add(departments["research"])
    chat, _ = services.start_chat(department=departments["research"], question="Two transfers at once?")
    services.claim_chat(chat_id=chat.pk, operator=alice)
    barrier = threading.Barrier(2)
    outcomes = []

    def offer(target):
        try:
            barrier.wait()
            transfers.request_transfer(chat=Chat.objects.get(pk=chat.pk), from_operator=alice, to_operator=target)
            outcomes.append("ok")
        except services.ChatConflict as error:
            outcomes.append(str(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=offer, args=(t,)) for t in (bob, carmen)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["A transfer of this chat is already waiting for an answer.", "ok"]
    assert Transfer.objects.filter(status=Transfer.Status.PENDING).count() == 1


def test_it_lets_a_supervisor_reassign_and_refuses_an_operator(active_chat, alice, bob_online, sam):
    with pytest.raises(services.NotAllowed):
        transfers.reassign_chat(chat=active_chat, supervisor=alice, to_operator=bob_online)
    chat = transfers.reassign_chat(chat=active_chat, supervisor=sam, to_operator=bob_online)
    assert chat.operator == bob_online
    assert ChatEvent.objects.filter(chat=chat, kind=ChatEvent.Kind.REASSIGNED, actor=sam).exists()


def test_it_lists_operators_online_without_needing_a_chat(client, alice, bob_online, carmen):
    client.force_login(alice)
    response = client.get("/desk/api/operators")
    assert response.status_code == 200
    rows = {row["name"]: row for row in response.json()["operators"]}
    assert "Alice" not in rows
    assert rows["Bob"]["online"] is True and rows["Bob"]["unavailable_reason"] == ""
    assert rows["Carmen"]["online"] is False and rows["Carmen"]["unavailable_reason"] == "Offline"


def test_it_refuses_the_operators_list_to_non_operators(client, stranger):
    client.force_login(stranger)
    assert client.get("/desk/api/operators").status_code == 403


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_it_gives_a_reloaded_dashboard_the_transfers_waiting_for_it(departments, alice, bob):
    from asgiref.sync import sync_to_async
    from channels.testing import WebsocketCommunicator

    from deskservice.asgi import application

    def prepare():
        bring_online(alice)
        bring_online(bob)
        chat, _ = services.start_chat(department=departments["research"], question="Reload me")
        services.claim_chat(chat_id=chat.pk, operator=alice)
        transfers.request_transfer(chat=Chat.objects.get(pk=chat.pk), from_operator=alice, to_operator=bob, note="GIS")
        from django.test import Client

        client = Client()
        client.force_login(bob)
        return client.cookies["sessionid"].value

    session = await sync_to_async(prepare)()
    communicator = WebsocketCommunicator(
        application,
        "/ws/desk/",
        headers=[
            (b"origin", b"http://127.0.0.1:8000"),
            (b"host", b"127.0.0.1:8000"),
            (b"cookie", f"sessionid={session}".encode()),
        ],
    )
    connected, _ = await communicator.connect()
    assert connected
    snapshot = await communicator.receive_json_from(timeout=5)
    assert snapshot["type"] == "snapshot"
    assert [(t["from"], t["note"], t["status"]) for t in snapshot["transfers"]] == [("Alice", "GIS", "pending")]
    await communicator.disconnect()
