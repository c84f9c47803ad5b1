"""Patrons and operators as real websocket clients, and the tally of what they sent and received.

One client drives both the desk (the widget API, /ws/widget/v1/ and /ws/desk/, docs/protocol.md)
and the baseline relay (bench/baseline_relay.py), which speaks the same message frames.
Every message body carries a tag; the side that did not send it looks the tag up to measure
the delivery latency (send to receipt, both clocks in this process) and to find losses and
duplicates.
"""

import asyncio
import json
import random
import secrets
import time
import uuid
from collections import Counter
from datetime import datetime
from urllib.parse import urlsplit

from websockets.asyncio.client import connect
from websockets.protocol import State

TO_OPERATOR = "patron->operator"
TO_PATRON = "operator->patron"


# --- Measuring ----------------------------------------------------------------------------


class Tally:
    """Sent tags waiting for their receipt, latencies, duplicates and errors."""

    def __init__(self):
        self.run = secrets.token_hex(3)
        self.seq = 0
        self.pending: dict[str, tuple[float, str, float]] = {}
        self.delivered: set[str] = set()
        self.latency = {TO_OPERATOR: [], TO_PATRON: []}
        # Send to the message's created_at (the server stored it): where the time goes.
        self.to_stored = {TO_OPERATOR: [], TO_PATRON: []}
        self.sent = Counter()
        self.duplicates = 0
        self.errors = Counter()
        self.frames = Counter()

    def new_body(self, direction: str) -> str:
        self.seq += 1
        tag = f"{self.run}-{self.seq}"
        self.pending[tag] = (time.perf_counter(), direction, time.time())
        self.sent[direction] += 1
        return f"load {tag} {'question' if direction == TO_OPERATOR else 'answer'} about the library's hours"

    def received(self, body: str, direction: str, created_at: str | None = None):
        parts = body.split(" ", 2)
        if len(parts) < 2 or parts[0] != "load" or not parts[1].startswith(self.run + "-"):
            return
        tag = parts[1]
        sent = self.pending.pop(tag, None)
        if sent is None:
            if tag in self.delivered:
                self.duplicates += 1
            return
        self.delivered.add(tag)
        self.latency[sent[1]].append(time.perf_counter() - sent[0])
        if created_at:
            stored = datetime.fromisoformat(created_at).timestamp()
            self.to_stored[sent[1]].append(stored - sent[2])

    def error(self, text: str):
        self.errors[text[:80]] += 1

    def reset(self):
        """Forget figures (not pending tags) before a measured phase."""
        self.latency = {TO_OPERATOR: [], TO_PATRON: []}
        self.to_stored = {TO_OPERATOR: [], TO_PATRON: []}
        self.sent = Counter()
        self.frames = Counter()


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


# --- HTTP -----------------------------------------------------------------------------------


async def http_json(base_url: str, method: str, path: str, payload=None, headers: dict | None = None):
    """One HTTP/1.1 request on its own connection; returns (status, decoded JSON or None)."""
    parts = urlsplit(base_url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    body = json.dumps(payload).encode() if payload is not None else b""
    head = [
        f"{method} {path} HTTP/1.1",
        f"Host: {parts.netloc}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        "Connection: close",
        *(f"{k}: {v}" for k, v in (headers or {}).items()),
    ]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
    await writer.drain()
    raw = await reader.read()
    writer.close()
    header, _, content = raw.partition(b"\r\n\r\n")
    status = int(header.split(b" ", 2)[1])
    try:
        return status, json.loads(content) if content else None
    except ValueError:
        return status, None


# --- Targets --------------------------------------------------------------------------------


class DeskTarget:
    """The desk: chats start over the widget API and are claimed with Claim Chat (HTTP)."""

    name = "desk"

    def __init__(self, base_url: str, cookies: list[str], department_slugs: list[str]):
        self.base_url = base_url
        self.ws_url = base_url.replace("http", "ws", 1)
        self.cookies = cookies
        self.departments = department_slugs
        # Django accepts any 32-character secret as the CSRF cookie when the header repeats it.
        self.csrf = secrets.token_hex(16)

    async def start_chat(self, number: int, department: int) -> dict:
        status, answer = await http_json(
            self.base_url,
            "POST",
            "/api/widget/v1/chats",
            {"department": self.departments[department], "question": f"Load question {number}", "name": f"P{number}"},
        )
        if status != 201:
            raise RuntimeError(f"start chat: {status} {answer}")
        return answer

    def patron_socket(self, chat: dict):
        return connect(self.ws_url + chat["websocket"], origin=self.base_url, open_timeout=60, max_size=2**20)

    def patron_auth(self, chat: dict) -> dict:
        return {"type": "auth", "token": chat["token"], "after": None}

    def operator_socket(self, number: int):
        return connect(
            self.ws_url + "/ws/desk/",
            origin=self.base_url,
            additional_headers={"Cookie": f"sessionid={self.cookies[number]}"},
            open_timeout=60,
            max_size=2**22,
        )

    def operator_auth(self, number: int):
        return None  # the session cookie authenticates the dashboard

    async def claim(self, operator, chat_id: str):
        status, answer = await http_json(
            self.base_url,
            "POST",
            f"/desk/api/chats/{chat_id}/claim",
            {},
            {
                "Cookie": f"sessionid={self.cookies[operator.number]}; csrftoken={self.csrf}",
                "X-CSRFToken": self.csrf,
                "Origin": self.base_url,
            },
        )
        return status, answer


class BaselineTarget:
    """The baseline relay: no HTTP; a patron names its chat, an operator joins it on its socket."""

    name = "baseline"

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.ws_url = base_url.replace("http", "ws", 1)

    async def start_chat(self, number: int, department: int) -> dict:
        chat_id = str(uuid.uuid4())
        return {"id": chat_id, "websocket": f"/ws/chat/{chat_id}"}

    def patron_socket(self, chat: dict):
        return connect(self.ws_url + chat["websocket"], origin=self.base_url, open_timeout=60, max_size=2**20)

    def patron_auth(self, chat: dict) -> dict:
        return {"type": "auth", "chat": chat["id"]}

    def operator_socket(self, number: int):
        return connect(self.ws_url + "/ws/operator/", origin=self.base_url, open_timeout=60, max_size=2**22)

    def operator_auth(self, number: int):
        return {"type": "auth", "operator": f"Op {number}"}

    async def claim(self, operator, chat_id: str):
        await operator.ws.send(json.dumps({"type": "join", "chat": chat_id}))
        return 200, {"id": chat_id}


# --- Clients --------------------------------------------------------------------------------


class PatronClient:
    def __init__(self, target, tally: Tally, chat: dict):
        self.target, self.tally, self.chat = target, tally, chat
        self.ws = None
        self.authenticated = asyncio.Event()
        self.active = asyncio.Event()
        self.seen_ids: set[int] = set()

    async def open(self):
        self.ws = await self.target.patron_socket(self.chat)
        await self.ws.send(json.dumps(self.target.patron_auth(self.chat)))
        self.reader = asyncio.create_task(self.read())
        await asyncio.wait_for(self.authenticated.wait(), 60)

    async def read(self):
        try:
            async for raw in self.ws:
                frame = json.loads(raw)
                kind = frame.get("type")
                self.tally.frames[f"patron {kind}"] += 1
                if kind == "message":
                    if frame["id"] in self.seen_ids:
                        self.tally.duplicates += 1
                        continue
                    self.seen_ids.add(frame["id"])
                    if frame["sender"] == "operator":
                        self.tally.received(frame["body"], TO_PATRON, frame.get("created_at"))
                elif kind == "authenticated":
                    self.authenticated.set()
                elif kind == "status" and frame.get("status") == "active":
                    self.active.set()
                elif kind == "error":
                    self.tally.error(f"patron: {frame.get('error')}")
        except Exception as error:  # a dropped socket is counted, not fatal
            self.tally.error(f"patron socket: {type(error).__name__}")

    async def send_message(self):
        await self.ws.send(json.dumps({"type": "message", "body": self.tally.new_body(TO_OPERATOR)}))

    @property
    def open_now(self) -> bool:
        return self.ws is not None and self.ws.state is State.OPEN


class OperatorClient:
    def __init__(self, target, tally: Tally, number: int, department: int):
        self.target, self.tally, self.number, self.department = target, tally, number, department
        self.ws = None
        self.ready = asyncio.Event()
        self.assigned: dict[str, asyncio.Event] = {}
        self.chats: list[str] = []
        self.seen_ids: set[int] = set()
        self.queue_removed: set[str] = set()
        self.heartbeat_seconds = 20

    async def open(self):
        self.ws = await self.target.operator_socket(self.number)
        auth = self.target.operator_auth(self.number)
        if auth:
            await self.ws.send(json.dumps(auth))
        self.reader = asyncio.create_task(self.read())
        await asyncio.wait_for(self.ready.wait(), 60)
        self.beat = asyncio.create_task(self.heartbeats())

    def expect(self, chat_id: str) -> asyncio.Event:
        return self.assigned.setdefault(chat_id, asyncio.Event())

    async def heartbeats(self):
        # Without them the operator drops offline after DESK_PRESENCE_TIMEOUT_SECONDS and chats are refused.
        while True:
            # As static/desk/socket.js: 75-100 % of the interval, drawn for each beat.
            await asyncio.sleep(self.heartbeat_seconds * random.uniform(0.75, 1.0))
            try:
                await self.ws.send(json.dumps({"type": "heartbeat"}))
            except Exception:
                return

    async def read(self):
        try:
            async for raw in self.ws:
                frame = json.loads(raw)
                kind = frame.get("type")
                self.tally.frames[f"operator {kind}"] += 1
                if kind == "message":
                    if frame["id"] in self.seen_ids:
                        self.tally.duplicates += 1
                        continue
                    self.seen_ids.add(frame["id"])
                    if frame["sender"] == "patron":
                        self.tally.received(frame["body"], TO_OPERATOR, frame.get("created_at"))
                elif kind == "snapshot":
                    self.heartbeat_seconds = frame.get("heartbeat_seconds", 20)
                    self.ready.set()
                elif kind == "chat.assigned":
                    self.expect(frame["chat"]["id"]).set()
                elif kind == "queue.removed":
                    self.queue_removed.add(frame["chat"])
                elif kind == "error":
                    self.tally.error(f"operator: {frame.get('error')}")
        except Exception as error:
            self.tally.error(f"operator socket: {type(error).__name__}")

    async def send_message(self, chat_id: str):
        body = self.tally.new_body(TO_PATRON)
        await self.ws.send(json.dumps({"type": "message", "chat": chat_id, "body": body}))

    @property
    def open_now(self) -> bool:
        return self.ws is not None and self.ws.state is State.OPEN

    async def close(self):
        if hasattr(self, "beat"):
            self.beat.cancel()
        if self.ws is not None:
            await self.ws.close()
