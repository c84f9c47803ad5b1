"""The widget's public HTTP API, /api/widget/v1/, as a library web page calls it."""

import json
import uuid

import pytest

from chat import services
from chat.models import Chat, Message, TranscriptEmail
from conftest import bring_online

API = "/api/widget/v1"
DESK = "http://127.0.0.1:8000"


def post(client, path, payload=None, *, token=None, origin=DESK, raw=None):
    headers = {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if origin:
        headers["Origin"] = origin
    body = raw if raw is not None else json.dumps(payload if payload is not None else {})
    return client.post(f"{API}/{path}", body, content_type="application/json", headers=headers)


def get(client, path, *, token=None, origin=DESK):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if origin:
        headers["Origin"] = origin
    return client.get(f"{API}/{path}", headers=headers)


def start_payload(**extra):
    return {"department": "research", "question": "Where are the theses?", "name": "Pat", **extra}


def assert_error(response, status, field=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert isinstance(body["error"], str) and body["error"].endswith((".", "?", "!"))
    assert body.get("field") == field
    return body["error"]


# --- status -------------------------------------------------------------------------------


def test_it_lists_departments_with_who_is_online(client, departments, alice):
    bring_online(alice)
    response = get(client, "status")
    assert response.status_code == 200
    assert response.json()["departments"] == [
        {"slug": "research", "name": "Research & Instruction", "online": True, "away": False},
        {"slug": "access-services", "name": "Access Services", "online": False, "away": False},
        {"slug": "ideas", "name": "IDEAS", "online": False, "away": False},
    ]


# --- start a chat -------------------------------------------------------------------------


def test_it_starts_a_chat(client, departments, alice):
    bring_online(alice)
    response = post(client, "chats", start_payload(email="pat@example.org", page_url="https://lib.example.edu/"))
    assert response.status_code == 201
    body = response.json()
    chat = Chat.objects.get(pk=body["id"])
    assert body == {
        "id": str(chat.pk),
        "token": body["token"],
        "websocket": f"/ws/widget/v1/chats/{chat.pk}/",
        "status": "waiting",
        "position": 1,
    }
    assert chat.token_matches(body["token"])
    assert (chat.patron_name, chat.patron_email, chat.page_url) == (
        "Pat",
        "pat@example.org",
        "https://lib.example.edu/",
    )


def test_it_answers_409_when_nobody_is_online(client, departments):
    response = post(client, "chats", start_payload())
    error = assert_error(response, 409)
    assert error.startswith("Nobody in Research & Instruction is online right now.")
    assert not Chat.objects.exists()


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"question": "Hi"}, "department"),
        (start_payload(department="nowhere"), "department"),
        (start_payload(department=7), "department"),
        (start_payload(question=""), "question"),
        (start_payload(question=42), "question"),
        (start_payload(question=None), "question"),
        (start_payload(question="q" * 4001), "question"),
        (start_payload(email="pat"), "email"),
        (start_payload(email=["pat@example.org"]), "email"),
        (start_payload(name={"first": "Pat"}), "name"),
        (start_payload(name="n" * 101), "name"),
    ],
)
def test_it_refuses_bad_chat_requests_with_the_field(client, departments, alice, payload, field):
    bring_online(alice)
    assert_error(post(client, "chats", payload), 400, field)
    assert not Chat.objects.exists()


@pytest.mark.parametrize(
    "raw",
    ["{not json", "[1, 2]", '"a string"', "null", "42", b"\xff\xfe{}"],
)
def test_it_refuses_a_body_that_is_not_a_json_object(client, departments, alice, raw):
    bring_online(alice)
    assert_error(post(client, "chats", raw=raw), 400)


def test_it_refuses_text_that_is_not_valid_unicode(client, departments, alice):
    # json.dumps escapes the lone surrogate as "\\ud800", which Python decodes but PostgreSQL cannot store.
    bring_online(alice)
    for payload in [start_payload(question="Hi \ud800"), start_payload(name="Pat \udfff"), {"\ud800": 1}]:
        error = assert_error(post(client, "chats", payload), 400)
        assert error == "The request body contains text that is not valid Unicode."
    assert not Chat.objects.exists()
    chat, token = services.start_chat(department=departments["research"], question="Hours?")
    assert_error(post(client, f"chats/{chat.pk}/messages", {"body": "\ud83d"}, token=token), 400)
    assert not chat.messages.exists()


def test_it_refuses_an_oversized_body_with_413(client, departments, alice):
    bring_online(alice)
    assert_error(post(client, "chats", start_payload(question="q" * 70_000)), 413)
    # Beyond Django's own upload limit too: still the desk's JSON error, not an HTML page.
    assert_error(post(client, "chats", start_payload(question="q" * 3_000_000)), 413)


def test_it_refuses_a_nul_in_the_name_without_crashing(client, departments, alice):
    bring_online(alice)
    response = post(client, "chats", start_payload(name="Pat\u0000"))
    assert response.status_code == 201
    assert Chat.objects.get().patron_name == "Pat"


def test_it_refuses_a_disallowed_origin(client, departments, alice):
    bring_online(alice)
    for origin in ["https://evil.example", "http://127.0.0.1:8001", "null", "http://127.0.0.1:99999"]:
        error = assert_error(post(client, "chats", start_payload(), origin=origin), 403)
        assert error == "This site is not allowed to use the chat widget."
    assert not Chat.objects.exists()


def test_it_accepts_an_allowed_library_site(client, departments, alice, settings):
    settings.WIDGET_ALLOWED_ORIGINS = ["https://library.example.edu"]
    bring_online(alice)
    assert post(client, "chats", start_payload(), origin="https://library.example.edu").status_code == 201
    assert post(client, "chats", start_payload(), origin="HTTPS://Library.Example.edu:443").status_code == 201


def test_it_rate_limits_new_chats_per_address(client, departments, alice, settings):
    settings.DESK_RATE_LIMIT_CHATS_PER_MINUTE = 2
    bring_online(alice)
    assert post(client, "chats", start_payload()).status_code == 201
    assert post(client, "chats", start_payload()).status_code == 201
    error = assert_error(post(client, "chats", start_payload()), 429)
    assert error == "You are sending too many requests. Please wait a minute and try again."
    assert Chat.objects.count() == 2
    other = client.post(
        f"{API}/chats", json.dumps(start_payload()), content_type="application/json", REMOTE_ADDR="10.0.0.2"
    )
    assert other.status_code == 201


def test_it_refuses_other_methods(client, departments):
    assert client.get(f"{API}/chats").status_code == 405
    assert client.post(f"{API}/status").status_code == 405


# --- Reaching a chat with its token -----------------------------------------------------------


def test_wrong_missing_or_foreign_tokens_look_like_no_chat(client, waiting_chat, alice):
    other_chat, other_token = services.start_chat(department=waiting_chat.department, question="Another one")
    missing = f"chats/{uuid.uuid4()}/messages"
    cases = [
        get(client, f"chats/{waiting_chat.pk}/messages", token="wrong-token"),
        get(client, f"chats/{waiting_chat.pk}/messages", token=other_token),
        get(client, f"chats/{waiting_chat.pk}/messages"),
        get(client, missing, token=waiting_chat.token),
        get(client, "chats/not-a-uuid/messages", token=waiting_chat.token),
        post(client, f"chats/{waiting_chat.pk}/messages", {"body": "hi"}, token=other_token),
        post(client, f"chats/{waiting_chat.pk}/end", token="wrong"),
        post(client, f"chats/{waiting_chat.pk}/rating", {"rating": 5}, token=""),
        post(client, f"chats/{waiting_chat.pk}/transcript", {"email": "x@example.org"}, token=other_token),
    ]
    errors = {assert_error(response, 404) for response in cases}
    assert errors == {"No chat was found for that id and token."}
    # The token is only accepted as a bearer token.
    response = client.get(f"{API}/chats/{waiting_chat.pk}/messages", {"token": waiting_chat.token})
    assert response.status_code == 404
    assert Chat.objects.get(pk=waiting_chat.pk).status == Chat.Status.WAITING
    assert not Message.objects.filter(body="hi").exists()


# --- Messages -----------------------------------------------------------------------------


def test_the_patron_sends_a_message(client, waiting_chat):
    response = post(client, f"chats/{waiting_chat.pk}/messages", {"body": "Hello?"}, token=waiting_chat.token)
    assert response.status_code == 201
    body = response.json()
    message = Message.objects.get(pk=body["id"])
    assert body == {
        "type": "message",
        "chat": str(waiting_chat.pk),
        "id": message.id,
        "sender": "patron",
        "name": "Pat Patron",
        "body": "Hello?",
        "created_at": body["created_at"],
    }


@pytest.mark.parametrize("payload", [{"body": ""}, {"body": 12}, {}, {"body": "b" * 4001}])
def test_it_refuses_bad_messages(client, waiting_chat, payload):
    assert_error(post(client, f"chats/{waiting_chat.pk}/messages", payload, token=waiting_chat.token), 400, "body")


def test_it_refuses_a_message_after_the_end(client, active_chat):
    services.end_chat(chat=active_chat, ended_by=Chat.EndedBy.PATRON)
    response = post(client, f"chats/{active_chat.pk}/messages", {"body": "Wait!"}, token=active_chat.token)
    assert assert_error(response, 409) == "This chat has ended; messages can no longer be sent."


def test_it_rate_limits_messages(client, waiting_chat, settings):
    settings.DESK_RATE_LIMIT_MESSAGES_PER_MINUTE = 3
    path = f"chats/{waiting_chat.pk}/messages"
    statuses = [post(client, path, {"body": f"m{n}"}, token=waiting_chat.token).status_code for n in range(4)]
    assert statuses == [201, 201, 201, 429]


def test_it_returns_the_messages_after_a_given_id(client, active_chat, alice):
    first = services.send_message(chat=active_chat, body="Hi", sender=Message.Sender.PATRON)
    second = services.send_message(chat=active_chat, body="Hello Pat", sender="operator", operator=alice)
    third = services.send_message(chat=active_chat, body="Thanks", sender=Message.Sender.PATRON)

    everything = get(client, f"chats/{active_chat.pk}/messages", token=active_chat.token).json()
    assert everything["status"] == "active"
    assert everything["operator"] == "Alice"
    assert everything["position"] is None
    assert [m["body"] for m in everything["messages"]] == ["Alice has joined the chat.", "Hi", "Hello Pat", "Thanks"]

    later = get(client, f"chats/{active_chat.pk}/messages?after={first.id}", token=active_chat.token).json()
    assert [(m["id"], m["name"]) for m in later["messages"]] == [(second.id, "Alice"), (third.id, "Pat Patron")]
    none = get(client, f"chats/{active_chat.pk}/messages?after={third.id}", token=active_chat.token).json()
    assert none["messages"] == []
    huge = get(client, f"chats/{active_chat.pk}/messages?after={10**30}", token=active_chat.token)
    assert huge.status_code == 200 and huge.json()["messages"] == []


def test_it_says_the_queue_position_while_waiting(client, waiting_chat):
    body = get(client, f"chats/{waiting_chat.pk}/messages", token=waiting_chat.token).json()
    assert (body["status"], body["operator"], body["position"]) == ("waiting", None, 1)


@pytest.mark.parametrize("after", ["abc", "1.5", "1e3"])
def test_it_refuses_an_after_that_is_not_a_message_id(client, waiting_chat, after):
    response = get(client, f"chats/{waiting_chat.pk}/messages?after={after}", token=waiting_chat.token)
    assert_error(response, 400, "after")


# --- End, rating, transcript --------------------------------------------------------------


def test_the_patron_ends_the_chat_once(client, active_chat):
    response = post(client, f"chats/{active_chat.pk}/end", token=active_chat.token)
    assert response.status_code == 200
    assert response.json() == {"status": "ended"}
    assert Chat.objects.get(pk=active_chat.pk).ended_by == Chat.EndedBy.PATRON
    again = post(client, f"chats/{active_chat.pk}/end", token=active_chat.token)
    assert assert_error(again, 409) == "This chat has already ended."


def test_the_patron_rates_the_chat_after_the_end(client, active_chat):
    path = f"chats/{active_chat.pk}/rating"
    assert assert_error(post(client, path, {"rating": 5}, token=active_chat.token), 409) == (
        "You can rate the chat once it has ended."
    )
    post(client, f"chats/{active_chat.pk}/end", token=active_chat.token)
    response = post(client, path, {"rating": 5, "comment": "Thank you!"}, token=active_chat.token)
    assert response.status_code == 200
    assert response.json() == {"rating": 5}
    chat = Chat.objects.get(pk=active_chat.pk)
    assert (chat.rating, chat.rating_comment) == (5, "Thank you!")


@pytest.mark.parametrize("rating", ["5", True, 0, 6, 2.5, None, [5]])
def test_it_refuses_ratings_of_the_wrong_kind(client, active_chat, rating):
    post(client, f"chats/{active_chat.pk}/end", token=active_chat.token)
    response = post(client, f"chats/{active_chat.pk}/rating", {"rating": rating}, token=active_chat.token)
    assert assert_error(response, 400, "rating") == "Choose a rating from 1 to 5."


def test_it_refuses_a_comment_that_is_not_text(client, active_chat):
    post(client, f"chats/{active_chat.pk}/end", token=active_chat.token)
    response = post(client, f"chats/{active_chat.pk}/rating", {"rating": 4, "comment": 4}, token=active_chat.token)
    assert_error(response, 400, "comment")


def test_the_patron_asks_for_the_transcript(client, active_chat):
    path = f"chats/{active_chat.pk}/transcript"
    response = post(client, path, token=active_chat.token)
    assert response.status_code == 202
    assert response.json() == {"queued": True}
    response = post(client, path, {"email": "other@example.org"}, token=active_chat.token)
    assert response.status_code == 202
    assert list(TranscriptEmail.objects.values_list("to_email", "requested_by", "status")) == [
        ("pat@example.org", "patron", "pending"),
        ("other@example.org", "patron", "pending"),
    ]


def test_it_rate_limits_transcripts_so_the_desk_is_no_mail_relay(client, active_chat, settings):
    settings.DESK_RATE_LIMIT_CHATS_PER_MINUTE = 2
    path = f"chats/{active_chat.pk}/transcript"
    statuses = [
        post(client, path, {"email": f"someone{n}@example.org"}, token=active_chat.token).status_code for n in range(3)
    ]
    assert statuses == [202, 202, 429]
    assert TranscriptEmail.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_it_says_so_when_the_transcript_cannot_be_queued(client, active_chat, broker_down):
    response = post(client, f"chats/{active_chat.pk}/transcript", token=active_chat.token)
    error = assert_error(response, 503)
    assert error == "The email could not be queued just now. Please try again in a minute."
    # Not left pending forever: nothing would ever pick it up.
    transcript = TranscriptEmail.objects.get()
    assert transcript.status == TranscriptEmail.Status.FAILED
    assert transcript.last_error.startswith("Not queued: OperationalError")


def test_it_refuses_a_transcript_without_a_valid_address(client, departments, alice):
    bring_online(alice)
    chat, token = services.start_chat(department=departments["research"], question="Hours?")
    assert assert_error(post(client, f"chats/{chat.pk}/transcript", token=token), 400, "email") == (
        "An email address is needed."
    )
    assert_error(post(client, f"chats/{chat.pk}/transcript", {"email": "nope"}, token=token), 400, "email")
    assert not TranscriptEmail.objects.exists()
