"""GET /healthz: what a load balancer or a monitoring check sees."""

import pytest
import redis
from django.conf import settings as django_settings

from deskservice import health


def test_it_reports_every_part_healthy(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["database"] == {"ok": True, "vendor": "postgresql"}
    assert body["channel_layer"] == {"ok": True, "backend": "RedisPubSubChannelLayer"}
    assert body["celery_broker"] == {"ok": True, "mode": "broker"}


def test_it_answers_503_naming_an_unreachable_broker(client, db, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["ok"] is False
    assert body["celery_broker"]["ok"] is False
    assert "Connection refused" in body["celery_broker"]["error"]
    assert body["database"]["ok"] is True
    assert body["channel_layer"]["ok"] is True


def test_it_does_not_need_a_broker_in_eager_mode(client, db, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["celery_broker"] == {"ok": True, "mode": "eager"}


def test_it_answers_503_naming_an_unreachable_channel_layer(client, db, settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["channel_layer"]["ok"] is False
    assert body["channel_layer"]["error"]
    assert body["database"]["ok"] is True


@pytest.mark.asyncio
async def test_probing_it_leaves_no_redis_subscription_behind():
    # A load balancer probes every few seconds, for months, on one server process and event loop.
    subscriptions = redis.Redis.from_url(django_settings.REDIS_URL)
    for _ in range(5):
        assert (await health.CHECKS["channel_layer"]())["ok"] is True
    prefix = django_settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
    assert subscriptions.pubsub_channels(f"{prefix}healthz.*") == []
