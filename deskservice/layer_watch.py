"""Closes this process's websockets when its channel layer may have lost events.

When Redis restarts (or the pub/sub connection drops), every event published meanwhile is
gone, yet the browsers' websockets to this process stay open: without a reconnect they would
never ask for what they missed. A probe goes round the layer every DESK_LAYER_PROBE_SECONDS;
when one does not come back, every socket of the process is closed with 1012 (service
restart), and the widget and dashboard reconnect and catch up from the last id they saw.

The probe interval is shorter than the second channels_redis waits before it reconnects its
pub/sub connection after an error, so any outage long enough to lose events loses a probe. The
timeout is generous: a busy process that answers late must not make every client reconnect.
"""

import asyncio
import contextlib
import logging

from channels.layers import get_channel_layer
from django.conf import settings

logger = logging.getLogger(__name__)

CLOSE_SERVICE_RESTART = 1012

_consumers: set = set()
_watch: asyncio.Task | None = None


def register(consumer) -> None:
    """Watch over `consumer`'s socket from now until `unregister`."""
    _consumers.add(consumer)
    _ensure_watch()


def unregister(consumer) -> None:
    _consumers.discard(consumer)


def _ensure_watch() -> None:
    global _watch
    if settings.CHANNEL_LAYERS["default"]["BACKEND"].startswith("channels.layers.InMemory"):
        return  # One process, no Redis: nothing can be lost between processes.
    loop = asyncio.get_running_loop()
    if _watch is None or _watch.done() or _watch.get_loop() is not loop:
        _watch = loop.create_task(_watch_loop())


async def _watch_loop() -> None:
    probe = LayerProbe(get_channel_layer())
    healthy = True
    try:
        while True:
            await asyncio.sleep(settings.DESK_LAYER_PROBE_SECONDS)
            ok = await probe.round_trip(timeout=settings.DESK_LAYER_PROBE_TIMEOUT_SECONDS)
            if not ok and healthy:
                logger.warning("channel layer lost events: closing %s sockets so they catch up", len(_consumers))
                await close_all()
            elif ok and not healthy:
                logger.info("channel layer delivers again")
            healthy = ok
    finally:
        await probe.close()


async def close_all() -> None:
    for consumer in list(_consumers):
        _consumers.discard(consumer)
        with contextlib.suppress(Exception):
            await consumer.close(code=CLOSE_SERVICE_RESTART)


class LayerProbe:
    """Sends numbered probes to a channel of its own and checks that each one comes back."""

    def __init__(self, layer):
        self.layer = layer
        self.channel = None
        self.sent = 0
        self.received: asyncio.Queue = asyncio.Queue()
        self.listener: asyncio.Task | None = None

    async def round_trip(self, *, timeout: float) -> bool:
        try:
            await self._listen()
            self.sent += 1
            await self.layer.send(self.channel, {"type": "layer.probe", "n": self.sent})
            async with asyncio.timeout(timeout):
                while (await self.received.get()) != self.sent:
                    pass
            return True
        except Exception as error:  # Redis down, subscription gone, or the probe lost.
            logger.debug("layer probe failed: %r", error)
            await self._stop_listening()
            return False

    async def _listen(self):
        if self.listener is not None and not self.listener.done():
            return
        self.channel = await self.layer.new_channel("layer-probe.")
        self.listener = asyncio.ensure_future(self._receive())

    async def _receive(self):
        while True:
            message = await self.layer.receive(self.channel)
            self.received.put_nowait(message.get("n"))

    async def _stop_listening(self):
        if self.listener is not None:
            # Cancelling receive() is what unsubscribes the channel in the pub/sub layer.
            self.listener.cancel()
            with contextlib.suppress(BaseException):
                await self.listener
        self.listener = None
        self.received = asyncio.Queue()

    async def close(self):
        await self._stop_listening()
