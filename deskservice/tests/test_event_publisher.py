"""Events queued together leave in one pipeline and arrive whole, once each, in their order."""

import asyncio

import pytest
from channels.layers import get_channel_layer

from deskservice import event_publisher, realtime

pytestmark = pytest.mark.asyncio

TIMEOUT = 5


async def listen(layer, *groups):
    channel = await layer.new_channel()
    for group in groups:
        await layer.group_add(group, channel)
    return channel


async def test_a_burst_of_events_reaches_each_group_in_the_order_it_was_queued():
    layer = get_channel_layer()
    first, second = realtime.chat_group("burst-a"), realtime.chat_group("burst-b")
    hears_first = await listen(layer, first)
    hears_both = await listen(layer, first, second)

    # More than one pipeline's worth, queued in one go as a busy minute's commits would be.
    count = event_publisher.MAX_BATCH + 100
    for number in range(count):
        group = first if number % 2 == 0 else second
        event_publisher.enqueue(group, {"type": realtime.LAYER_TYPE, "event": {"type": "message", "id": number}})

    async def ids(channel, expected):
        return [(await asyncio.wait_for(layer.receive(channel), TIMEOUT))["event"]["id"] for _ in range(expected)]

    assert await ids(hears_first, count // 2) == list(range(0, count, 2))
    assert await ids(hears_both, count) == list(range(count))
    for channel in (hears_first, hears_both):
        # Nothing twice; and the cancelled receive lets the layer drop the test's channels.
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(layer.receive(channel), 0.5)
