"""Property-based tests: random and hostile input to the widget API and websocket never gives a
500, never crashes a consumer, and never changes data it should not touch."""

import asyncio
import json

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chat.models import Chat, Message
from conftest import bring_online
from tests.live import ARTIFACTS

ORIGIN = "http://127.0.0.1:8000"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=20,
)
hostile_text = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=50),  # control characters
    st.sampled_from(["<script>alert(1)</script>", "\x00", "' OR 1=1 --", "{patron_name.__class__}", "\ud800"]),
    st.just("x" * 5000),
)
bodies = st.one_of(
    json_values.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries(
        {},
        optional={
            "department": hostile_text | json_values,
            "question": hostile_text | json_values,
            "email": hostile_text | json_values,
            "name": hostile_text | json_values,
            "body": hostile_text | json_values,
            "rating": json_values,
            "comment": hostile_text,
        },
    ).map(lambda d: json.dumps(d, ensure_ascii=False).encode("utf-8", "surrogatepass")),
    st.binary(max_size=300),  # invalid UTF-8 and not JSON at all
    # Deeply nested JSON under the size limit: it exhausts the parser's stack (once a 500).
    st.tuples(st.sampled_from([b"[", b'{"a":', b"[{}, "]), st.integers(500, 12_000)).map(lambda t: t[0] * t[1]),
    st.integers(60_000, 300_000).map(lambda n: b'{"question": "' + b"q" * n + b'"}'),  # over the size limit
)

TRIED = {"http": 0, "websocket": 0}


@pytest.fixture
def desk(departments, alice):
    bring_online(alice)
    from chat import services

    chat, token = services.start_chat(department=departments["research"], question="A real question")
    other, other_token = services.start_chat(department=departments["research"], question="Someone else's")
    services.send_message(chat=other, body="private", sender=Message.Sender.PATRON)
    return {"chat": chat, "token": token, "other": other}


def _paths(chat_id):
    return [
        "/api/widget/v1/chats",
        "/api/widget/v1/tickets",
        f"/api/widget/v1/chats/{chat_id}/messages",
        f"/api/widget/v1/chats/{chat_id}/transcript",
        f"/api/widget/v1/chats/{chat_id}/rating",
        f"/api/widget/v1/chats/{chat_id}/end",
    ]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=bodies,
    which=st.integers(0, 5),
    with_token=st.booleans(),
    content_type=st.sampled_from(["application/json", "text/plain", "multipart/form-data; boundary=x", ""]),
)
def test_it_never_answers_hostile_http_input_with_a_500(
    desk, settings_fixture_guard, body, which, with_token, content_type
):
    client = Client(HTTP_ORIGIN=ORIGIN)
    other_before = list(Message.objects.filter(chat=desk["other"]).values_list("id", "body"))
    headers = {"HTTP_AUTHORIZATION": f"Bearer {desk['token']}"} if with_token else {}
    response = client.generic("POST", _paths(desk["chat"].pk)[which], body, content_type=content_type, **headers)
    TRIED["http"] += 1
    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        payload = response.json()
        assert isinstance(payload["error"], str) and payload["error"]
    # Nothing reached the other patron's chat.
    assert list(Message.objects.filter(chat=desk["other"]).values_list("id", "body")) == other_before


@pytest.fixture
def settings_fixture_guard(settings):
    # Hostile input must be judged by validation, not stopped early by the rate limiter.
    settings.DESK_RATE_LIMIT_CHATS_PER_MINUTE = 10**6
    settings.DESK_RATE_LIMIT_MESSAGES_PER_MINUTE = 10**6
    settings.DESK_RATE_LIMIT_DEPARTMENT_CHATS_PER_MINUTE = 10**6
    settings.DESK_MAX_WAITING_CHATS_PER_CLIENT = 10**6


frames = st.one_of(
    json_values.map(json.dumps),
    st.fixed_dictionaries(
        {"type": st.sampled_from(["auth", "message", "typing", "bogus"]) | hostile_text},
        optional={"token": hostile_text | json_values, "after": json_values, "body": hostile_text | json_values},
    ).map(json.dumps),
    st.text(min_size=1, max_size=100),  # the test client cannot send an empty frame
    st.just("x" * 40_000),
    st.integers(500, 32_000).map(lambda n: "[" * n),  # nested deep enough to exhaust the parser's stack
)


@pytest.mark.django_db(transaction=True)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(frames, min_size=1, max_size=8))
def test_it_keeps_the_patron_socket_alive_through_hostile_frames(departments, alice, batch):
    from chat import services
    from deskservice.asgi import application
    from deskservice.models import DashboardConnection

    # Hypothesis runs every example inside one test (one database set-up): start each clean.
    Chat.objects.all().delete()
    DashboardConnection.objects.all().delete()
    bring_online(alice)
    chat, token = services.start_chat(department=departments["research"], question="Socket fuzzing")
    other, _ = services.start_chat(department=departments["research"], question="Bystander")

    async def scenario():
        communicator = WebsocketCommunicator(
            application,
            f"/ws/widget/v1/chats/{chat.pk}/",
            headers=[(b"origin", ORIGIN.encode()), (b"host", b"127.0.0.1:8000")],
        )
        connected, _ = await communicator.connect()
        assert connected
        await communicator.send_json_to({"type": "auth", "token": token, "after": None})
        while (await communicator.receive_json_from(timeout=5))["type"] != "status":
            pass
        for frame in batch:
            await communicator.send_to(text_data=frame)
            TRIED["websocket"] += 1
        # The consumer is still alive and still answers a well-formed frame.
        await communicator.send_json_to({"type": "message", "body": "still here"})
        while True:
            event = await communicator.receive_json_from(timeout=5)
            if event["type"] == "message" and event["body"] == "still here":
                break
        await communicator.disconnect()

    asyncio.run(scenario())
    assert Message.objects.filter(chat=other).count() == 0
    assert Chat.objects.get(pk=other.pk).status == Chat.Status.WAITING


def test_it_reports_how_many_inputs_were_tried():
    """Writes the figure to test-artifacts/hostile-input.txt; tests/conftest.py prints it at the end."""
    assert TRIED["http"] and TRIED["websocket"], "run the whole module: the property tests count the inputs"
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "hostile-input.txt").write_text(report_line() + "\n")


def report_line() -> str:
    return (
        f"hostile input: {TRIED['http']} HTTP requests and {TRIED['websocket']} websocket frames tried;"
        " none gave a 500, a crashed consumer, or a change to another chat"
    )
