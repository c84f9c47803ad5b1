"""Things to break on purpose: a private Redis server, a TCP proxy that plays the load balancer
(or the network in front of PostgreSQL), and websocket clients that reconnect and catch up the
way the widget and the dashboard do.

Nothing here touches the shared Redis or PostgreSQL: the Redis is a process of the test's own,
and the proxy only cuts the test's own connections.
"""

import asyncio
import contextlib
import json
import shutil
import subprocess
import threading
import time

import websockets

from tests.live import ARTIFACTS, free_port


class RedisServer:
    """`redis-server` on a free port, with nothing saved, that a test may kill and restart."""

    def __init__(self, name="redis"):
        if not shutil.which("redis-server"):
            raise RuntimeError("The Redis fault tests need `redis-server` (apt-get install redis-server).")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.name = name
        self.popen = None
        self.start()

    def start(self):
        ARTIFACTS.mkdir(exist_ok=True)
        log = open(ARTIFACTS / f"{self.name}.log", "ab")
        self.popen = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                import socket

                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            time.sleep(0.1)
        raise RuntimeError("the private redis-server did not start")

    def kill(self):
        """SIGKILL: no goodbye to the clients, as when the host or container dies."""
        if self.popen and self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(10)

    def stop(self):
        self.kill()


class TcpProxy:
    """A TCP proxy in a thread of the test: round-robins new connections over `backends`.

    It plays the load balancer in front of two ASGI processes (a backend that refuses the
    connection is skipped, as a load balancer's health check would), or the network between
    the desk and PostgreSQL (`cut()` drops every connection and refuses new ones until `restore()`).
    """

    def __init__(self, backends: list[int]):
        self.backends = list(backends)
        self.port = free_port()
        self.cut_off = False
        self.stalled = False  # accept, then say nothing: a server that hangs mid-conversation
        self.held: list[asyncio.StreamWriter] = []
        self.next = 0
        self.routes: dict[int, int] = {}  # client's port -> backend port, to know who is where
        self.pipes: set[asyncio.Task] = set()
        self.writers: set[asyncio.StreamWriter] = set()
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        self.ready.wait(10)

    def _run(self):
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(asyncio.start_server(self._accept, "127.0.0.1", self.port))
        self.ready.set()
        self.loop.run_forever()

    async def _accept(self, reader, writer):
        if self.cut_off:
            writer.close()
            return
        if self.stalled:
            self.held.append(writer)
            return
        upstream = await self._connect_upstream()
        if upstream is None:
            writer.close()
            return
        up_reader, up_writer, backend = upstream
        self.routes[writer.get_extra_info("peername")[1]] = backend
        self.writers.update((writer, up_writer))
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.ensure_future(self._pipe(source, sink))
            self.pipes.add(task)
            task.add_done_callback(self.pipes.discard)

    async def _connect_upstream(self):
        for _ in range(len(self.backends)):
            port = self.backends[self.next % len(self.backends)]
            self.next += 1
            try:
                return *(await asyncio.open_connection("127.0.0.1", port)), port
            except OSError:
                continue
        return None

    async def _pipe(self, reader, writer):
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            self.writers.discard(writer)
            with contextlib.suppress(Exception):
                writer.close()

    def _call(self, function):
        done = threading.Event()

        def run():
            function()
            done.set()

        self.loop.call_soon_threadsafe(run)
        done.wait(5)

    def cut(self):
        """Refuse new connections and reset every open one, as a dead link or firewall would."""

        def cut():
            self.cut_off = True
            for writer in list(self.writers):
                with contextlib.suppress(Exception):
                    writer.transport.abort()
            self.writers.clear()

        self._call(cut)

    def stall(self):
        def stall():
            self.stalled = True

        self._call(stall)

    def restore(self):
        def restore():
            self.cut_off = False
            self.stalled = False
            for writer in self.held:
                writer.transport.abort()
            self.held.clear()

        self._call(restore)

    def close(self):
        self.cut()

        def shut():
            self.server.close()
            for task in list(self.pipes):
                task.cancel()

        self._call(shut)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


class ChatClient:
    """A websocket client that behaves like the widget or the dashboard after a drop.

    It reconnects by itself with a short backoff, asks for what came after the last message id
    it saw, and keeps every message once by id. `messages` is what its user would see.
    """

    def __init__(self, url: str, origin: str, *, patron_token=None, chat_id=None, cookie=None):
        self.url, self.origin = url, origin
        self.patron_token, self.chat_id, self.cookie = patron_token, chat_id, cookie
        self.messages: dict[int, dict] = {}
        self.duplicates: list[int] = []
        self.connections = 0
        self.drops = 0
        self.up = asyncio.Event()
        self.socket = None
        self.local_port = None
        self.task = None

    @property
    def last_id(self):
        return max(self.messages, default=None)

    def bodies(self) -> list[str]:
        """What the patron and the operator wrote, in order (the desk's own notices left out)."""
        return [self.messages[i]["body"] for i in sorted(self.messages) if self.messages[i]["sender"] != "system"]

    def start(self):
        self.task = asyncio.ensure_future(self._run())
        return self

    async def stop(self):
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self.task

    async def _run(self):
        delay = 0.2
        while True:
            try:
                headers = {"Cookie": self.cookie} if self.cookie else None
                async with websockets.connect(
                    self.url, origin=self.origin, additional_headers=headers, open_timeout=5
                ) as socket:
                    self.socket = socket
                    self.local_port = socket.local_address[1]
                    await self._hello(socket)
                    delay = 0.2
                    async for raw in socket:
                        self._frame(json.loads(raw))
            except (TimeoutError, OSError, websockets.WebSocketException):
                pass
            self.socket = None
            if self.up.is_set():
                self.drops += 1
            self.up.clear()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2)

    async def _hello(self, socket):
        self.connections += 1
        if self.patron_token:
            await socket.send(json.dumps({"type": "auth", "token": self.patron_token, "after": self.last_id}))
        # The dashboard asks after its snapshot (see _frame).

    def _frame(self, frame):
        kind = frame["type"]
        if kind in ("authenticated",):
            self.up.set()
        elif kind == "snapshot":
            self.up.set()
            asyncio.ensure_future(
                self.socket.send(json.dumps({"type": "sync", "chat": self.chat_id, "after": self.last_id}))
            )
        elif kind == "message" and frame.get("chat", self.chat_id) == self.chat_id:
            if frame["id"] in self.messages:
                self.duplicates.append(frame["id"])
            self.messages[frame["id"]] = frame

    async def send(self, frame: dict):
        await self.up.wait()
        await self.socket.send(json.dumps(frame))

    async def wait_for_body(self, body: str, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if body in self.bodies():
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"{body!r} never arrived; saw {self.bodies()}")
