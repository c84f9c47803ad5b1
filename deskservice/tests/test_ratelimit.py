"""Anonymous endpoints are limited per client and per department, answer 429 JSON with
Retry-After, keep one client from flooding the queue, and keep working when the cache is down."""

import json

import pytest

from chat.models import Chat
from conftest import bring_online
from deskservice import ratelimit
from tickets.models import Ticket

API = "/api/widget/v1"


def start(client, address, department="research"):
    return client.post(
        f"{API}/chats",
        json.dumps({"department": department, "question": "Where are the theses?"}),
        content_type="application/json",
        REMOTE_ADDR=address,
    )


def offline_ticket(client, address, department="research"):
    return client.post(
        f"{API}/tickets",
        json.dumps({"department": department, "question": "Call me back?", "email": "pat@example.org"}),
        content_type="application/json",
        REMOTE_ADDR=address,
    )


def assert_429(response, error):
    assert response.status_code == 429
    assert response.json() == {"error": error}
    assert 1 <= int(response["Retry-After"]) <= 60


@pytest.fixture
def desk(departments, alice, carmen, settings):
    bring_online(alice)
    bring_online(carmen)
    settings.DESK_MAX_WAITING_CHATS_PER_CLIENT = 100
    return departments


def test_a_client_over_its_limit_gets_429_with_retry_after(desk, settings, client):
    settings.DESK_RATE_LIMIT_CHATS_PER_MINUTE = 2
    assert [start(client, "10.0.0.1").status_code for _ in range(2)] == [201, 201]
    assert_429(start(client, "10.0.0.1"), ratelimit.TOO_MANY)
    assert start(client, "10.0.0.2").status_code == 201  # others are not punished
    assert Chat.objects.count() == 3


def test_a_department_is_limited_whatever_the_addresses(desk, settings, client):
    """A botnet spreading its chats over many addresses still cannot bury one department."""
    settings.DESK_RATE_LIMIT_DEPARTMENT_CHATS_PER_MINUTE = 3
    assert [start(client, f"10.0.1.{n}").status_code for n in range(3)] == [201, 201, 201]
    assert_429(start(client, "10.0.1.99"), ratelimit.DEPARTMENT_BUSY)
    # Another department's patrons still get through.
    assert start(client, "10.0.1.99", department="ideas").status_code == 201
    assert Chat.objects.filter(department=desk["research"]).count() == 3


def test_a_refused_client_does_not_use_up_its_departments_budget(desk, settings, client):
    settings.DESK_RATE_LIMIT_CHATS_PER_MINUTE = 1
    settings.DESK_RATE_LIMIT_DEPARTMENT_CHATS_PER_MINUTE = 2
    assert start(client, "10.0.2.1").status_code == 201
    for _ in range(5):
        assert start(client, "10.0.2.1").status_code == 429
    assert start(client, "10.0.2.2").status_code == 201


def test_one_client_cannot_flood_the_queue(desk, settings, client, alice):
    settings.DESK_MAX_WAITING_CHATS_PER_CLIENT = 2
    first, second = (start(client, "10.0.3.1").json() for _ in range(2))
    assert_429(start(client, "10.0.3.1"), ratelimit.QUEUE_FULL)
    assert Chat.objects.filter(status=Chat.Status.WAITING).count() == 2
    # Once one is answered, the patron may ask again.
    from chat import services

    services.claim_chat(chat_id=first["id"], operator=alice)
    assert start(client, "10.0.3.1").status_code == 201
    assert start(client, "10.0.3.2").status_code == 201


def test_the_offline_ticket_form_is_limited_per_client_and_department(desk, settings, client):
    from tickets.models import Queue

    Queue.objects.create(name="Research", slug="research", department=desk["research"], is_default=True)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DESK_RATE_LIMIT_CHATS_PER_MINUTE = 2
    settings.DESK_RATE_LIMIT_DEPARTMENT_CHATS_PER_MINUTE = 3
    assert [offline_ticket(client, "10.0.4.1").status_code for _ in range(2)] == [201, 201]
    assert_429(offline_ticket(client, "10.0.4.1"), ratelimit.TOO_MANY)
    assert offline_ticket(client, "10.0.4.2").status_code == 201
    assert_429(offline_ticket(client, "10.0.4.3"), ratelimit.DEPARTMENT_BUSY)
    assert Ticket.objects.count() == 3


def test_the_sms_hook_limits_per_sender_number(desk, settings, rf):
    """The hook the SMS webhook (issue 7) calls: the sender's number is the client."""
    settings.DESK_RATE_LIMIT_MESSAGES_PER_MINUTE = 2
    request = rf.post("/sms")
    department = desk["research"]
    assert ratelimit.refuse_anonymous(request, "sms", department=department, client_key="+15550001") is None
    assert ratelimit.refuse_anonymous(request, "sms", department=department, client_key="+15550001") is None
    refused = ratelimit.refuse_anonymous(request, "sms", department=department, client_key="+15550001")
    assert refused.status_code == 429 and refused["Retry-After"]
    assert ratelimit.refuse_anonymous(request, "sms", department=department, client_key="+15550002") is None


def test_patrons_still_get_through_when_the_cache_is_down(desk, monkeypatch, client):
    """A Redis outage must not take the widget down with it: the limits let requests through."""
    from django.core.cache.backends.redis import RedisCache

    monkeypatch.setattr(ratelimit, "cache", RedisCache("redis://127.0.0.1:1/0", {}))  # nothing listens there
    assert start(client, "10.0.5.1").status_code == 201
