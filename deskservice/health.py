"""GET /healthz: the state of the database, the channel layer and the Celery broker."""

import asyncio
import contextlib
import logging

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from django.http import JsonResponse

logger = logging.getLogger(__name__)


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"ok": True, "vendor": connection.vendor}


async def _channel_round_trip():
    layer = get_channel_layer()
    channel = await layer.new_channel("healthz.")
    try:
        await layer.send(channel, {"type": "healthz.ping"})
        await asyncio.wait_for(layer.receive(channel), timeout=2)
    finally:
        await _release(layer, channel)


async def _release(layer, channel):
    # The pub/sub layer unsubscribes a channel only when a receive() on it is cancelled, as
    # Channels does when a consumer exits; without this every probe leaves a Redis subscription.
    waiting = asyncio.ensure_future(layer.receive(channel))
    await asyncio.sleep(0)
    waiting.cancel()
    with contextlib.suppress(asyncio.CancelledError, TimeoutError):
        await asyncio.wait_for(waiting, timeout=1)


async def _check_channel_layer():
    # Send to and receive from a fresh channel: proves the layer (Redis) really relays.
    await _channel_round_trip()
    return {"ok": True, "backend": settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1]}


def _check_broker():
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "eager"}
    from deskservice.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return {"ok": True, "mode": "broker"}


CHECKS = {
    "database": sync_to_async(_check_database),
    "channel_layer": _check_channel_layer,
    "celery_broker": sync_to_async(_check_broker, thread_sensitive=False),
}


async def healthz(request):
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = await check()
        except Exception as error:  # A health check reports every failure rather than raising.
            logger.warning("health check %s failed: %s", name, error)
            results[name] = {"ok": False, "error": f"{type(error).__name__}: {error}"[:300]}
    healthy = all(r["ok"] for r in results.values())
    return JsonResponse({"ok": healthy, **results}, status=200 if healthy else 503)
