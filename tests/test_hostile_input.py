"""Property-based tests: random and hostile input to the widget API (JSON, query strings,
uploads) and to both websockets (patron and dashboard) never gives a 500, never crashes a
consumer, and never changes data it should not touch."""

import asyncio
import io
import json
import urllib.parse

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chat.models import Chat, Message
from conftest import bring_online

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
            "accept": json_values,  # the screenshare answer
        },
    ).map(lambda d: json.dumps(d, ensure_ascii=False).encode("utf-8", "surrogatepass")),
    st.binary(max_size=300),  # invalid UTF-8 and not JSON at all
    # A multipart body with a hostile part header, file and ending (sent with a multipart type or not).
    st.builds(
        lambda name, data, end: (
            b'--x\r\nContent-Disposition: form-data; name="file"; filename="'
            + name
            + b'"\r\nContent-Type: image/png\r\n\r\n'
            + data
            + end
        ),
        st.binary(max_size=30),
        st.binary(max_size=200),
        st.sampled_from([b"\r\n--x--\r\n", b"", b"\r\n--x", b"--", b"\r\n--y--\r\n"]),
    ),
    # Deeply nested JSON under the size limit: it exhausts the parser's stack (once a 500).
    st.tuples(st.sampled_from([b"[", b'{"a":', b"[{}, "]), st.integers(500, 12_000)).map(lambda t: t[0] * t[1]),
    st.integers(60_000, 300_000).map(lambda n: b'{"question": "' + b"q" * n + b'"}'),  # over the size limit
)


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000100"
    "05fe02fea70000000049454e44ae426082"
)


def _query_part(value) -> str:
    raw = value if isinstance(value, bytes) else str(value).encode("utf-8", "surrogatepass")
    return urllib.parse.quote_from_bytes(raw, safe="")


# Query strings (?after=, ?q=, ?department=...): percent-encoded raw bytes, so invalid UTF-8 too.
query_values = st.one_of(
    hostile_text,
    st.binary(max_size=40),
    st.integers().map(str),
    st.sampled_from(["-1", "1e9", "0x10", "9" * 40, "1.5", "", " 7", "١٢", "NaN", "[]"]),
)
queries = st.dictionaries(
    st.sampled_from(["after", "q", "department", "lang", "after[]"]), query_values, max_size=3
).map(lambda d: "&".join(f"{_query_part(k)}={_query_part(v)}" for k, v in d.items()))

TRIED = {"http": 0, "websocket": 0}


@pytest.fixture
def desk(departments, alice, settings):
    """The patron's chat (claimed by alice, with a screenshare question waiting), another patron's
    chat that must stay untouched, a chat that End Chat may end, and a published FAQ answer."""
    from chat import services
    from chat.screenshare.services import request_screenshare
    from faq.services import create_entry

    settings.DESK_SCREENSHARE_URL = "https://meet.example.org/library-{chat}"
    bring_online(alice)
    chat, token = services.start_chat(department=departments["research"], question="A real question")
    chat = services.claim_chat(chat_id=chat.pk, operator=alice)
    other, _ = services.start_chat(department=departments["research"], question="Someone else's")
    services.send_message(chat=other, body="private", sender=Message.Sender.PATRON)
    ending, ending_token = services.start_chat(department=departments["research"], question="One to end")
    return {
        "chat": chat,
        "token": token,
        "other": other,
        "ending": ending,
        "ending_token": ending_token,
        "screenshare": request_screenshare(chat=chat, operator=alice),
        "faq": create_entry(actor=alice, question="Where can I print?", answer="Every floor.", published=True),
    }


def endpoints(desk) -> list[tuple[str, str, str]]:
    """(method, path, the token that opens it) of every patron endpoint that takes input."""
    api, chat, token = "/api/widget/v1", desk["chat"].pk, desk["token"]
    return [
        ("POST", f"{api}/chats", token),
        ("POST", f"{api}/tickets", token),
        ("POST", f"{api}/chats/{chat}/messages", token),
        ("GET", f"{api}/chats/{chat}/messages", token),  # ?after=
        ("POST", f"{api}/chats/{chat}/transcript", token),
        ("POST", f"{api}/chats/{chat}/rating", token),
        ("POST", f"{api}/chats/{chat}/attachments", token),  # multipart
        ("POST", f"{api}/chats/{chat}/screenshare/{desk['screenshare'].pk}", token),
        ("POST", f"{api}/chats/{desk['ending'].pk}/end", desk["ending_token"]),
        ("GET", f"{api}/faq", token),
        ("POST", f"{api}/faq/{desk['faq'].pk}/view", token),
        ("GET", f"{api}/status", token),
    ]


def untouchable(desk):
    """What no request about another chat may change: the other patron's chat and its files."""
    other = Chat.objects.get(pk=desk["other"].pk)
    return (
        other.status,
        other.operator_id,
        list(Message.objects.filter(chat=other).values_list("id", "body")),
        other.attachments.count(),
    )


def try_http(desk, method, url, body, content_type, token):
    before = untouchable(desk)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    response = Client(HTTP_ORIGIN=ORIGIN).generic(method, url, body, content_type=content_type, **headers)
    TRIED["http"] += 1
    assert response.status_code < 500, (url, response.content[:500])
    if response.status_code >= 400:
        payload = response.json()
        assert isinstance(payload["error"], str) and payload["error"]
    assert untouchable(desk) == before


@pytest.fixture
def hostile_settings(settings, tmp_path):
    # Hostile input must be judged by validation, not stopped early by the rate limiter.
    settings.DESK_RATE_LIMIT_CHATS_PER_MINUTE = 10**6
    settings.DESK_RATE_LIMIT_MESSAGES_PER_MINUTE = 10**6
    settings.DESK_RATE_LIMIT_DEPARTMENT_CHATS_PER_MINUTE = 10**6
    settings.DESK_RATE_LIMIT_UPLOADS_PER_MINUTE = 10**6
    settings.DESK_RATE_LIMIT_FAQ_PER_MINUTE = 10**6
    settings.DESK_MAX_WAITING_CHATS_PER_CLIENT = 10**6
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"


ENDPOINT_COUNT = 12


@settings(max_examples=160, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=bodies,
    which=st.integers(0, ENDPOINT_COUNT - 1),
    with_token=st.booleans(),
    content_type=st.sampled_from(["application/json", "text/plain", "multipart/form-data; boundary=x", ""]),
    query=queries,
)
def test_it_never_answers_hostile_http_input_with_a_500(
    desk, hostile_settings, body, which, with_token, content_type, query
):
    method, path, token = endpoints(desk)[which]
    url = f"{path}?{query}" if query else path
    try_http(desk, method, url, body if method == "POST" else b"", content_type, token if with_token else None)


file_contents = st.one_of(
    st.binary(max_size=1500),
    # A real type's first bytes and then anything: the content check must refuse, not crash.
    st.tuples(
        st.sampled_from([PNG, b"%PDF-1.4\n", b"PK\x03\x04", b"GIF89a", b"MZ", b"\xef\xbb\xbf"]), st.binary(max_size=300)
    ).map(lambda t: t[0] + t[1]),
    st.just(PNG),
    st.just(b""),
)
file_names = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=300) | st.sampled_from(
    ["../../etc/passwd", "a.png\x00.exe", "CON", ".htaccess", "x" * 2000, "résumé.pdf", "\r\nX-Bad: 1.png"]
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=file_names,
    data=file_contents,
    field=st.sampled_from(["file", "file", "files", "FILE", "fïle"]),
    extra=st.dictionaries(st.sampled_from(["body", "file_name", "chat"]), st.text(max_size=50), max_size=2),
    with_token=st.booleans(),
)
def test_it_never_answers_hostile_uploads_with_a_500(desk, hostile_settings, name, data, field, extra, with_token):
    handle = io.BytesIO(data)
    handle.name = name
    before = untouchable(desk)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {desk['token']}"} if with_token else {}
    response = Client(HTTP_ORIGIN=ORIGIN).post(
        f"/api/widget/v1/chats/{desk['chat'].pk}/attachments", {**extra, field: handle}, **headers
    )
    TRIED["http"] += 1
    assert response.status_code < 500, response.content[:500]
    assert response.status_code in (201, 400, 404, 413), response.content[:500]
    if response.status_code != 201:
        assert response.json()["error"]
    assert untouchable(desk) == before


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


def fresh_chats(departments, alice):
    """Hypothesis runs every example inside one test (one database set-up): start each clean."""
    from chat import services
    from deskservice.models import DashboardConnection

    Chat.objects.all().delete()
    DashboardConnection.objects.all().delete()
    bring_online(alice)
    chat, token = services.start_chat(department=departments["research"], question="Socket fuzzing")
    other, _ = services.start_chat(department=departments["research"], question="Bystander")
    return chat, token, other


async def try_patron_frames(chat, token, batch):
    from deskservice.asgi import application

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


@pytest.mark.django_db(transaction=True)
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(frames, min_size=1, max_size=8))
def test_it_keeps_the_patron_socket_alive_through_hostile_frames(departments, alice, batch):
    chat, token, other = fresh_chats(departments, alice)
    asyncio.run(try_patron_frames(chat, token, batch))
    assert Message.objects.filter(chat=other).count() == 0
    assert Chat.objects.get(pk=other.pk).status == Chat.Status.WAITING


# Dashboard frames name a chat: alice's own, bob's (which she must not touch), or anything else.
OWN, BOBS = "<alice's chat>", "<bob's chat>"
dashboard_frames = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"type": st.sampled_from(["heartbeat", "availability", "message", "typing", "sync", "bogus"]) | hostile_text},
        optional={
            "chat": st.sampled_from([OWN, OWN, BOBS]) | hostile_text | json_values,
            "body": hostile_text | json_values,
            "after": st.integers() | json_values,
            "availability": st.sampled_from(["online", "away"]) | hostile_text | json_values,
        },
    ),
    st.text(min_size=1, max_size=100),
    st.just("x" * 40_000),
    st.integers(500, 32_000).map(lambda n: "{" * n),
)


def _dashboard_frame(frame, ids) -> str:
    if isinstance(frame, str):
        return frame
    if isinstance(frame, dict) and isinstance(frame.get("chat"), str) and frame["chat"] in ids:
        frame = {**frame, "chat": ids[frame["chat"]]}
    return json.dumps(frame, ensure_ascii=False)


async def try_dashboard_frames(cookie, batch, ids):
    from deskservice.asgi import application

    communicator = WebsocketCommunicator(
        application,
        "/ws/desk/",
        headers=[(b"origin", ORIGIN.encode()), (b"host", b"127.0.0.1:8000"), (b"cookie", cookie.encode())],
    )
    connected, _ = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from(timeout=5))["type"] == "snapshot"
    for frame in batch:
        text = _dashboard_frame(frame, ids)
        if not text:
            continue  # the test client cannot send an empty frame
        await communicator.send_to(text_data=text)
        TRIED["websocket"] += 1
    # Still alive: a heartbeat is answered with the departments' presence.
    await communicator.send_json_to({"type": "heartbeat"})
    while (await communicator.receive_json_from(timeout=5))["type"] != "presence":
        pass
    await communicator.disconnect()


@pytest.fixture
def alice_cookie(alice):
    client = Client()
    client.force_login(alice)
    return f"sessionid={client.cookies['sessionid'].value}"


@pytest.mark.django_db(transaction=True)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(dashboard_frames, min_size=1, max_size=8))
def test_it_keeps_the_dashboard_socket_alive_through_hostile_frames(departments, alice, bob, alice_cookie, batch):
    from chat import services

    own, _, bobs = fresh_chats(departments, alice)
    bring_online(bob)
    services.claim_chat(chat_id=own.pk, operator=alice)
    services.claim_chat(chat_id=bobs.pk, operator=bob)
    before = list(Message.objects.filter(chat=bobs).values_list("id", "body"))
    asyncio.run(try_dashboard_frames(alice_cookie, batch, {OWN: str(own.pk), BOBS: str(bobs.pk)}))
    bobs = Chat.objects.get(pk=bobs.pk)
    assert (bobs.status, bobs.operator_id) == (Chat.Status.ACTIVE, bob.pk)
    assert list(Message.objects.filter(chat=bobs).values_list("id", "body")) == before


@pytest.mark.django_db(transaction=True)
def test_it_reports_how_many_inputs_were_tried(desk, hostile_settings, departments, alice):
    """The figure docs/reliability.md quotes (tests/conftest.py prints it at the end of the run and
    writes test-artifacts/hostile-input.txt). This test tries a fixed sample of its own, so it
    holds alone as well as after the property tests."""
    before = dict(TRIED)
    for method, path, token in endpoints(desk):
        try_http(
            desk, method, f"{path}?after=%FF&q=%00", b'{"body": "\\u0000", "accept": "yes"}', "application/json", token
        )
    chat, token, _ = fresh_chats(departments, alice)
    asyncio.run(try_patron_frames(chat, token, ["[" * 5000, '{"type": "message", "body": 7}']))
    assert TRIED == {"http": before["http"] + ENDPOINT_COUNT, "websocket": before["websocket"] + 2}
    assert report_line().startswith(f"hostile input: {TRIED['http']} HTTP requests and {TRIED['websocket']} websocket")


def report_line() -> str:
    return (
        f"hostile input: {TRIED['http']} HTTP requests and {TRIED['websocket']} websocket frames tried;"
        " none gave a 500, a crashed consumer, or a change to another chat"
    )
