"""PostgreSQL unreachable for a while: clear 503s, then the desk recovers by itself.

The server reaches PostgreSQL through a TCP proxy of the test's own (the shared PostgreSQL is
never stopped); cutting the proxy resets the server's open connection and refuses new ones,
as a network partition or a database failover does. Under ASGI each request has its own
database connection (CONN_MAX_AGE 0, as Django advises for ASGI), so nothing stale outlives it.
"""

import asyncio
import json
import urllib.error
import urllib.request

import pytest
from django.conf import settings
from django.db import connection

from chat.models import Chat
from tests.faults import TcpProxy
from tests.live import Server, child_environment
from tests.test_two_processes import session_cookie

pytestmark = [pytest.mark.integration]


def request(url, payload=None, cookie=None):
    headers = {"Content-Type": "application/json", "Origin": url.split("/api")[0].split("/desk")[0]}
    if cookie:
        headers["Cookie"] = cookie
    data = json.dumps(payload).encode() if payload is not None else None
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers), timeout=15) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


@pytest.fixture
def server_behind_db_proxy(transactional_db):
    db = settings.DATABASES["default"]
    proxy = TcpProxy([int(db["PORT"] or 5432)])
    env = child_environment(
        DATABASE_URL=f"postgres://{db['USER']}@127.0.0.1:{proxy.port}/{connection.settings_dict['NAME']}",
        DATABASE_CONNECT_TIMEOUT="2",
        CELERY_TASK_ALWAYS_EAGER="true",
    )
    server = Server(env, name="server-db-proxy")
    yield server, proxy
    server.stop()
    proxy.close()


def test_it_answers_503_while_the_database_is_away_and_recovers_by_itself(server_behind_db_proxy, alice, online):
    server, proxy = server_behind_db_proxy
    online(alice)
    cookie = session_cookie(alice)
    api = f"{server.url}/api/widget/v1"
    status, _, body = request(f"{api}/chats", {"department": "research", "question": "Before the outage"})
    assert status == 201
    assert request(f"{server.url}/desk/", cookie=cookie)[0] == 200

    proxy.cut()
    for url, payload in [
        (f"{api}/status", None),
        (f"{api}/chats", {"department": "research", "question": "During the outage"}),
        (f"{api}/chats/{json.loads(body)['id']}/messages", None),
        (f"{server.url}/healthz", None),
    ]:
        status, headers, text = request(url, payload)
        assert status == 503, (url, status, text)
        assert "error" in json.loads(text) or "database" in json.loads(text), text
        if "/healthz" not in url:
            assert json.loads(text)["error"] == (
                "The desk cannot reach its database right now. Please try again in a minute."
            )
            assert headers["Retry-After"] == "30"
    status, headers, text = request(f"{server.url}/desk/", cookie=cookie)
    assert status == 503 and "cannot reach its database" in text
    assert "Traceback" not in text

    proxy.restore()
    # The very next requests work: no stale connection survives the outage.
    status, _, text = request(f"{api}/status")
    assert status == 200 and json.loads(text)["departments"]
    assert request(f"{server.url}/desk/", cookie=cookie)[0] == 200
    status, _, _ = request(f"{api}/chats", {"department": "research", "question": "After the outage"})
    assert status == 201
    assert list(Chat.objects.order_by("created_at").values_list("question", flat=True)) == [
        "Before the outage",
        "After the outage",
    ]


def test_sockets_answer_frames_during_the_outage_with_a_retry_error_and_stay_usable(
    server_behind_db_proxy, alice, online
):
    server, proxy = server_behind_db_proxy
    online(alice)
    cookie = session_cookie(alice)
    status, _, body = request(f"{server.url}/api/widget/v1/chats", {"department": "research", "question": "Hours?"})
    assert status == 201
    started = json.loads(body)
    asyncio.run(_socket_scenario(server, proxy, started, cookie))
    # What was sent during the outage did nothing; what was sent after it is stored once.
    chat = Chat.objects.get(pk=started["id"])
    assert list(chat.messages.values_list("sender", "body")) == [("patron", "after the outage")]


async def _socket_scenario(server, proxy, started, cookie):
    import websockets

    ws, origin = server.url.replace("http", "ws"), server.url

    async def next_frame(socket, kind):
        async def loop():
            while True:
                frame = json.loads(await socket.recv())
                if frame["type"] == kind:
                    return frame

        return await asyncio.wait_for(loop(), 15)

    async with (
        websockets.connect(f"{ws}{started['websocket']}", origin=origin) as patron,
        websockets.connect(f"{ws}/ws/desk/", origin=origin, additional_headers={"Cookie": cookie}) as desk,
    ):
        await patron.send(json.dumps({"type": "auth", "token": started["token"], "after": None}))
        await next_frame(patron, "status")
        await next_frame(desk, "snapshot")

        proxy.cut()
        await patron.send(json.dumps({"type": "message", "body": "during the outage"}))
        error = await next_frame(patron, "error")
        assert error == {
            "type": "error",
            "error": "The desk cannot reach its database right now. Please try again in a minute.",
            "retry": True,
            "action": "message",
        }
        await desk.send(json.dumps({"type": "heartbeat"}))
        assert (await next_frame(desk, "error"))["retry"] is True

        proxy.restore()
        # The same sockets work again: the frames' next database calls reconnect.
        await patron.send(json.dumps({"type": "message", "body": "after the outage"}))
        assert (await next_frame(patron, "message"))["body"] == "after the outage"
        await desk.send(json.dumps({"type": "heartbeat"}))
        presence = await next_frame(desk, "presence")
        assert any(d["online"] for d in presence["departments"])
