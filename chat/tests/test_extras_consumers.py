"""Screenshare questions and attachments over the patron's socket, live and after a reconnect."""

import pytest
from channels.db import database_sync_to_async

from chat import services
from chat.attachments.services import attach_file
from chat.screenshare.models import MeetingRoom
from chat.screenshare.services import answer_screenshare, request_screenshare
from chat.tests.test_consumers import TIMEOUT, patron_socket
from conftest import bring_online

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@pytest.fixture
def active_chat(alice, departments, settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path
    bring_online(alice)
    MeetingRoom.objects.create(url="https://meet.jit.si/library-{chat}")
    chat, token = services.start_chat(department=departments["research"], question="Can you see my screen?")
    services.claim_chat(chat_id=chat.pk, operator=alice)
    chat.refresh_from_db()
    chat.token = token
    return chat


async def next_of(communicator, kind):
    while True:
        frame = await communicator.receive_json_from(TIMEOUT)
        if frame["type"] == kind:
            return frame


async def test_the_patron_hears_the_question_live_and_again_after_a_reconnect(active_chat, alice):
    socket, _ = await patron_socket(active_chat)
    request = await database_sync_to_async(request_screenshare)(chat=active_chat, operator=alice)
    frame = await next_of(socket, "screenshare.requested")
    assert frame == {
        "type": "screenshare.requested",
        "chat": str(active_chat.pk),
        "id": request.id,
        "operator": "Alice",
    }
    await socket.disconnect()

    again, frames = await patron_socket(active_chat)
    assert [f for f in frames if f["type"].startswith("screenshare")] == [frame]
    await database_sync_to_async(answer_screenshare)(chat=active_chat, request_id=request.id, accept=True)
    answered = await next_of(again, "screenshare.answered")
    assert answered["accepted"] is True and answered["url"].startswith("https://meet.jit.si/library-")
    await again.disconnect()

    # Answered: a later reconnect asks nothing.
    last, frames = await patron_socket(active_chat)
    assert not [f for f in frames if f["type"] == "screenshare.requested"]
    await last.disconnect()


async def test_a_file_arrives_live_and_in_the_catch_up_with_its_details(active_chat):
    socket, _ = await patron_socket(active_chat)
    attachment = await database_sync_to_async(attach_file)(chat=active_chat, filename="notes.txt", data=b"hello")
    live = await next_of(socket, "message")
    while "attachment" not in live:
        live = await next_of(socket, "message")
    details = {"id": attachment.id, "name": "notes.txt", "size": 5, "type": "text/plain"}
    assert live["attachment"] == details
    await socket.disconnect()
    again, frames = await patron_socket(active_chat)
    assert [f["attachment"] for f in frames if "attachment" in f] == [details]
    await again.disconnect()
