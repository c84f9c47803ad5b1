"""Slow, silent and half-finished clients against the real server (uvicorn).

A patron on a train, a dead laptop, or someone holding sockets open on purpose: none of them may
keep the desk from serving everyone else, and sockets whose far end is gone are dropped.
The server pings websockets every second here (production: uvicorn's default 20 s, answered
within 20 s); a client that answers no ping is closed.
"""

import asyncio
import json
import os
import socket
import time

import pytest
import websockets

from tests.live import Server, child_environment
from tests.test_two_processes import http_json

pytestmark = [pytest.mark.integration]

PING = ["--ws-ping-interval", "1", "--ws-ping-timeout", "1"]


@pytest.fixture
def server(transactional_db):
    server = Server(child_environment(CELERY_TASK_ALWAYS_EAGER="true"), name="server-slow-clients", extra_args=PING)
    yield server
    server.stop()


def client_frame(payload: bytes, opcode=0x1) -> bytes:
    """A masked websocket frame, as a browser sends it."""
    mask = os.urandom(4)
    size = len(payload)
    header = bytes([0x80 | opcode]) + (
        bytes([0x80 | size]) if size < 126 else bytes([0x80 | 126]) + size.to_bytes(2, "big")
    )
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def raw_websocket(server, path) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.sendall(
        (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            f"Sec-WebSocket-Version: 13\r\nOrigin: {server.url}\r\n\r\n"
        ).encode()
    )
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += sock.recv(1024)
    assert answer.startswith(b"HTTP/1.1 101"), answer
    return sock


def closed_by_server(sock, within=15) -> bool:
    """Reads (and ignores pings) until the server closes the connection."""
    sock.settimeout(within)
    deadline = time.monotonic() + within
    try:
        while time.monotonic() < deadline:
            if not sock.recv(4096):
                return True
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    return False


def start_chat(server):
    return http_json(f"{server.url}/api/widget/v1/chats", {"department": "research", "question": "Still there?"})


def test_slow_and_half_finished_clients_do_not_starve_the_others(server, alice, online):
    online(alice)
    chat = start_chat(server)
    stalled = []
    try:
        for _ in range(100):  # slowloris: a request whose headers never end
            sock = socket.create_connection(("127.0.0.1", server.port))
            sock.sendall(b"POST /api/widget/v1/chats HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a")
            stalled.append(sock)
        for _ in range(30):  # a websocket frame announced as 1,000 bytes, of which 10 arrive
            sock = raw_websocket(server, chat["websocket"])
            sock.sendall(client_frame(b"x" * 1000)[:16])
            stalled.append(sock)

        # Everyone else is served as usual.
        assert start_chat(server)["status"] == "waiting"
        status = http_json(f"{server.url}/api/widget/v1/status")
        assert any(d["slug"] == "research" and d["online"] for d in status["departments"])
    finally:
        for sock in stalled:
            sock.close()


def test_a_patron_socket_that_answers_no_ping_is_dropped(server, alice, online):
    online(alice)
    chat = start_chat(server)
    sock = raw_websocket(server, chat["websocket"])
    sock.sendall(client_frame(json.dumps({"type": "auth", "token": chat["token"], "after": None}).encode()))
    assert closed_by_server(sock), "a client gone silent must not hold its socket forever"
    assert "Traceback" not in server.output()


def test_a_half_sent_frame_does_not_hold_the_socket_forever(server, alice, online):
    online(alice)
    chat = start_chat(server)
    sock = raw_websocket(server, chat["websocket"])
    sock.sendall(client_frame(json.dumps({"type": "auth", "token": chat["token"], "after": None}).encode()))
    sock.sendall(client_frame(b"y" * 5000)[:100])
    assert closed_by_server(sock)


def test_a_socket_that_answers_pings_but_never_authenticates_is_closed(server, alice, online):
    online(alice)
    chat = start_chat(server)

    async def idle():
        # The websockets client answers every ping: only the auth timeout can end this socket.
        async with websockets.connect(server.url.replace("http", "ws") + chat["websocket"], origin=server.url) as ws:
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 20)
            return closed.value.rcvd.code

    assert asyncio.run(idle()) == 4401
