"""Request Screenshare: asked by the chat's operator, answered in the widget; the link only after Yes."""

import json

import pytest

from chat import services
from chat.models import Chat, Message
from chat.screenshare.models import MeetingRoom, ScreenshareRequest
from chat.screenshare.services import meeting_url_for
from conftest import bring_online

API = "/api/widget/v1"
DESK = "http://127.0.0.1:8000"


@pytest.fixture
def active_chat(alice, departments):
    bring_online(alice)
    chat, token = services.start_chat(department=departments["research"], question="My screen shows an error")
    services.claim_chat(chat_id=chat.pk, operator=alice)
    return Chat.objects.get(pk=chat.pk), token


@pytest.fixture
def library_room(db):
    return MeetingRoom.objects.create(url="https://meet.jit.si/library-{chat}")


def ask(client, user, chat):
    client.force_login(user)
    return client.post(f"/desk/api/chats/{chat.pk}/screenshare")


def answer(client, chat, token, request_id, accept):
    return client.post(
        f"{API}/chats/{chat.pk}/screenshare/{request_id}",
        json.dumps({"accept": accept}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Origin": DESK},
    )


@pytest.mark.django_db
def test_the_link_reaches_the_patron_only_after_yes(
    client, active_chat, alice, library_room, django_capture_on_commit_callbacks
):
    chat, token = active_chat
    response = ask(client, alice, chat)
    assert response.status_code == 201, response.content
    request = ScreenshareRequest.objects.get()
    assert request.meeting_url.startswith("https://meet.jit.si/library-")
    assert "{chat}" not in request.meeting_url
    # Asked, not answered: the link is nowhere the patron can see it.
    assert not Message.objects.filter(chat=chat, body__contains=request.meeting_url).exists()

    response = answer(client, chat, token, request.id, True)
    assert response.status_code == 200
    assert response.json() == {"id": request.id, "status": "accepted", "url": request.meeting_url}
    assert Message.objects.filter(chat=chat, body__contains=request.meeting_url).exists()
    assert answer(client, chat, token, request.id, True).status_code == 409


@pytest.mark.django_db
def test_no_keeps_the_link_back(client, active_chat, alice, library_room):
    chat, token = active_chat
    ask(client, alice, chat)
    request = ScreenshareRequest.objects.get()
    response = answer(client, chat, token, request.id, False)
    assert response.json() == {"id": request.id, "status": "declined"}
    assert not Message.objects.filter(chat=chat, body__contains="meet.jit.si").exists()


@pytest.mark.django_db
def test_the_operators_own_room_comes_before_the_librarys(alice, bob, library_room, settings):
    MeetingRoom.objects.create(operator=alice, url="https://zoom.us/j/5551234567")
    assert meeting_url_for(alice) == "https://zoom.us/j/5551234567"
    assert meeting_url_for(bob).startswith("https://meet.jit.si/library-")
    library_room.delete()
    settings.DESK_SCREENSHARE_URL = "https://meet.example.org/{chat}"
    assert meeting_url_for(bob).startswith("https://meet.example.org/")


@pytest.mark.django_db
def test_without_any_meeting_link_the_operator_is_told(client, active_chat, alice, settings):
    settings.DESK_SCREENSHARE_URL = ""
    response = ask(client, alice, active_chat[0])
    assert response.status_code == 400
    assert "No meeting link" in response.json()["error"]


@pytest.mark.django_db
def test_only_the_chats_operator_asks_and_one_question_at_a_time(client, active_chat, alice, bob, library_room):
    chat, _ = active_chat
    assert ask(client, bob, chat).status_code == 403
    assert ask(client, alice, chat).status_code == 201
    assert ask(client, alice, chat).status_code == 409
    assert ScreenshareRequest.objects.count() == 1


@pytest.mark.django_db
def test_a_patron_token_answers_only_its_own_chats_question(client, active_chat, alice, library_room, departments):
    chat, _ = active_chat
    ask(client, alice, chat)
    request = ScreenshareRequest.objects.get()
    other, other_token = services.start_chat(department=departments["research"], question="Someone else")
    assert answer(client, chat, other_token, request.id, True).status_code == 404
    assert answer(client, other, other_token, request.id, True).status_code == 400
    assert ScreenshareRequest.objects.get().status == "asked"


@pytest.mark.django_db
def test_a_bad_answer_is_a_clear_error(client, active_chat, alice, library_room):
    chat, token = active_chat
    ask(client, alice, chat)
    response = answer(client, chat, token, ScreenshareRequest.objects.get().id, "yes")
    assert response.status_code == 400
    assert response.json()["field"] == "accept"
