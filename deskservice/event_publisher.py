"""Sends a process's events to the channel layer from its event loop, many per round trip.

channels_redis's pub/sub layer sends each `group_send` as its own PUBLISH and holds a lock
per Redis connection until the answer is read, so a process sent one event per round trip
however many were waiting: under load the events queued behind each other and every one
paid for redis-py's reading of its answer (py-spy, docs/performance.md). Here one publisher
per event loop takes every event queued since its last send and sends them in one pipeline,
in the order they were queued (the order in which their transactions committed), so events
of one group never overtake each other.

With another channel layer (the in-memory one of the embedded default) the events are sent
one after another with `group_send`, in the same order.
"""

import asyncio
import logging
import weakref

from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

# Events per pipeline: a bound on one round trip's size after a burst.
MAX_BATCH = 500

_publishers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Publisher]" = weakref.WeakKeyDictionary()


def enqueue(group: str, message: dict) -> None:
    """Queue `message` for `group`; must be called on the event loop that will send it."""
    loop = asyncio.get_running_loop()
    publisher = _publishers.get(loop)
    if publisher is None:
        publisher = _publishers[loop] = _Publisher()
    publisher.add(group, message)


class _Publisher:
    # Holds no reference to its loop, the key of _publishers: a loop that ends takes it along.
    def __init__(self):
        self.queued: list[tuple[str, dict]] = []
        self.sending = False

    def add(self, group: str, message: dict) -> None:
        self.queued.append((group, message))
        if not self.sending:
            self.sending = True
            asyncio.get_running_loop().create_task(self._send_queued())

    async def _send_queued(self) -> None:
        try:
            while self.queued:
                batch, self.queued = self.queued[:MAX_BATCH], self.queued[MAX_BATCH:]
                try:
                    await _send(batch)
                except Exception:
                    # The state is saved; clients catch up from the database when they reconnect.
                    kinds = sorted({message["event"].get("type") for _, message in batch})
                    logger.exception("could not publish %d events (%s)", len(batch), ", ".join(kinds))
        finally:
            self.sending = False  # no await since the queue was found empty: nothing waits unsent


async def _send(batch: list[tuple[str, dict]]) -> None:
    layer = get_channel_layer()
    loop_layer = _redis_pubsub_loop_layer(layer)
    if loop_layer is None:
        for group, message in batch:
            await layer.group_send(group, message)
        return
    by_shard = {}
    for group, message in batch:
        channel = loop_layer._get_group_channel_name(group)
        by_shard.setdefault(loop_layer._get_shard(channel), []).append((channel, layer.serialize(message)))
    for shard, items in by_shard.items():
        # The shard's own lock and connection, as its publish() uses them (channels_redis 4.3,
        # pinned in requirements.txt): subscriptions on the same connection stay consistent.
        async with shard._lock:
            shard._ensure_redis()
            pipeline = shard._redis.pipeline(transaction=False)
            for channel, data in items:
                pipeline.publish(channel, data)
            await pipeline.execute()


def _redis_pubsub_loop_layer(layer):
    """channels_redis's pub/sub layer for this loop, or None for any other channel layer."""
    try:
        from channels_redis.pubsub import RedisPubSubChannelLayer
    except ImportError:
        return None
    if not isinstance(layer, RedisPubSubChannelLayer):
        return None
    return layer._get_layer()
