"""Two real ASGI server processes sharing PostgreSQL and Redis: a patron on one, operators on the other.

What must hold across processes (presence, the queue alert, claim, messages) lives in the
database or travels through the Redis channel layer, never in one process's memory.
"""

import asyncio
import json
import urllib.request

import pytest
import websockets
from django.test import Client

from tests.live import Server, child_environment

pytestmark = [pytest.mark.integration]


@pytest.fixture
def two_servers(transactional_db):
    env = child_environment(CELERY_TASK_ALWAYS_EAGER="true")
    first = Server(env, name="server-a")
    try:
        second = Server(env, name="server-b")
    except Exception:
        first.stop()
        raise
    yield first, second
    first.stop()
    second.stop()


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


async def receive_until(socket, predicate, timeout=10):
    async def loop():
        while True:
            frame = json.loads(await socket.recv())
            if predicate(frame):
                return frame

    return await asyncio.wait_for(loop(), timeout)


def http_json(url, payload=None, headers=None):
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_it_relays_presence_alerts_claims_and_messages_between_processes(two_servers, alice, bob):
    patron_server, operator_server = two_servers
    cookies = {user.username: session_cookie(user) for user in (alice, bob)}

    async def scenario():
        ws = operator_server.url.replace("http", "ws")

        def dashboard(name):
            return websockets.connect(
                f"{ws}/ws/desk/", origin=operator_server.url, additional_headers={"Cookie": cookies[name]}
            )

        async with dashboard("alice") as alice_ws, dashboard("bob") as bob_ws:
            for socket in (alice_ws, bob_ws):
                await receive_until(socket, lambda f: f["type"] == "snapshot")

            # Presence written by the operator process is what the patron process reads.
            status = await asyncio.to_thread(http_json, f"{patron_server.url}/api/widget/v1/status")
            research = next(d for d in status["departments"] if d["slug"] == "research")
            assert research["online"] is True

            started = await asyncio.to_thread(
                http_json,
                f"{patron_server.url}/api/widget/v1/chats",
                {"department": "research", "question": "Where are the microfilm readers?", "name": "Pat"},
            )
            for socket in (alice_ws, bob_ws):
                added = await receive_until(socket, lambda f: f["type"] == "queue.added")
                assert added["chat"]["id"] == started["id"]

            patron_ws = await websockets.connect(
                f"{patron_server.url.replace('http', 'ws')}{started['websocket']}", origin=patron_server.url
            )
            async with patron_ws:
                await patron_ws.send(json.dumps({"type": "auth", "token": started["token"], "after": None}))
                queued = await receive_until(patron_ws, lambda f: f["type"] == "queue")
                assert queued["position"] == 1

                claimed = await asyncio.to_thread(_claim_as, operator_server.url, cookies["alice"], started["id"])
                assert claimed["status"] == "active"
                removed = await receive_until(bob_ws, lambda f: f["type"] == "queue.removed")
                assert removed["operator"] == "Alice"
                status_frame = await receive_until(patron_ws, lambda f: f["type"] == "status")
                assert status_frame["status"] == "active" and status_frame["operator"] == "Alice"

                await patron_ws.send(json.dumps({"type": "message", "body": "Hello from process A"}))
                seen = await receive_until(alice_ws, lambda f: f["type"] == "message" and f["sender"] == "patron")
                assert seen["body"] == "Hello from process A"

                await alice_ws.send(json.dumps({"type": "message", "chat": started["id"], "body": "Hi from B"}))
                reply = await receive_until(patron_ws, lambda f: f["type"] == "message" and f["sender"] == "operator")
                assert reply["body"] == "Hi from B" and reply["name"] == "Alice"

    asyncio.run(scenario())


def _claim_as(base_url, cookie, chat_id):
    """POST Claim Chat with the session and CSRF token, as the dashboard's fetch does."""
    opener = urllib.request.build_opener()
    opener.addheaders = [("Cookie", cookie)]
    with opener.open(f"{base_url}/desk/", timeout=10) as response:
        page = response.read().decode()
        csrf_cookie = next(
            (
                h.split(";", 1)[0].split("=", 1)[1]
                for h in response.headers.get_all("Set-Cookie") or []
                if h.startswith("csrftoken=")
            ),
            None,
        )
    assert csrf_cookie, "the dashboard page sets a CSRF cookie"
    assert "Patron Chats" in page
    request = urllib.request.Request(
        f"{base_url}/desk/api/chats/{chat_id}/claim",
        data=b"{}",
        headers={
            "Cookie": f"{cookie}; csrftoken={csrf_cookie}",
            "X-CSRFToken": csrf_cookie,
            "Content-Type": "application/json",
            "Origin": base_url,
            "Referer": f"{base_url}/desk/",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())
