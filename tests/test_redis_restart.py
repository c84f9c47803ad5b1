"""Redis killed and restarted in the middle of a live chat.

The desk runs on a Redis of the test's own (never the shared one). The patron's and the
operator's sockets must be dropped when events may have been lost, reconnect by themselves once
Redis is back, and catch up from the last message id they saw: every message shown once, in order.
"""

import asyncio
import json
import time
import urllib.request
import uuid

import pytest

from tests.faults import ChatClient, RedisServer
from tests.live import Server, child_environment
from tests.test_two_processes import _claim_as, http_json, session_cookie

pytestmark = [pytest.mark.integration]


@pytest.fixture
def private_redis():
    redis = RedisServer()
    yield redis
    redis.stop()


def post_message(url, chat_id, token, body):
    request = urllib.request.Request(
        f"{url}/api/widget/v1/chats/{chat_id}/messages",
        data=json.dumps({"body": body}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}", "Origin": url},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


async def wait_until(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.05)


def test_clients_reconnect_and_catch_up_after_redis_restarts(transactional_db, private_redis, alice, departments):
    env = child_environment(
        REDIS_URL=private_redis.url,
        CELERY_TASK_ALWAYS_EAGER="true",
        CHANNEL_LAYER_PREFIX=f"redis-restart-{uuid.uuid4().hex}",
    )
    server = Server(env, name="server-redis-restart")
    try:
        asyncio.run(_scenario(server, private_redis, session_cookie(alice)))
    finally:
        server.stop()
    # The server lived through it: no crash, and it said why it dropped the sockets.
    assert "channel layer lost events" in server.output()


async def _scenario(server, redis, cookie):
    url, ws = server.url, server.url.replace("http", "ws")
    operator = ChatClient(f"{ws}/ws/desk/", url, cookie=cookie)
    operator.start()
    await asyncio.wait_for(operator.up.wait(), 15)  # Alice is online: her dashboard is connected.

    started = await asyncio.to_thread(
        http_json, f"{url}/api/widget/v1/chats", {"department": "research", "question": "Is the map room open?"}
    )
    await asyncio.to_thread(_claim_as, url, cookie, started["id"])
    operator.chat_id = started["id"]
    patron = ChatClient(f"{ws}{started['websocket']}", url, patron_token=started["token"], chat_id=started["id"])
    patron.start()
    await asyncio.wait_for(patron.up.wait(), 15)

    await patron.send({"type": "message", "body": "one: from the patron"})
    await operator.wait_for_body("one: from the patron")
    await operator.send({"type": "message", "chat": started["id"], "body": "two: from Alice"})
    for client in (patron, operator):
        await client.wait_for_body("two: from Alice")
        await client.wait_for_body("one: from the patron")

    redis.kill()
    # Both sockets are dropped by the server, so that neither trusts a stream that lost events.
    await wait_until(lambda: patron.drops >= 1 and operator.drops >= 1, timeout=20)
    # Meanwhile the patron posts over HTTP, as the widget does between reconnects: it is saved.
    status, saved = await asyncio.to_thread(post_message, url, started["id"], started["token"], "three: during")
    assert status == 201

    redis.start()
    await asyncio.wait_for(patron.up.wait(), 30)
    await asyncio.wait_for(operator.up.wait(), 30)
    await operator.wait_for_body("three: during")

    await patron.send({"type": "message", "body": "four: after the restart"})
    # Alice answers what she has read: two sockets give no order between them otherwise.
    await operator.wait_for_body("four: after the restart")
    await operator.send({"type": "message", "chat": started["id"], "body": "five: Alice after the restart"})
    expected = [
        "one: from the patron",
        "two: from Alice",
        "three: during",
        "four: after the restart",
        "five: Alice after the restart",
    ]
    for client in (patron, operator):
        await client.wait_for_body("five: Alice after the restart")
        await client.wait_for_body("four: after the restart")
        assert client.bodies() == expected  # each message once, in order
        assert client.connections >= 2
    await patron.stop()
    await operator.stop()


@pytest.mark.browser
def test_the_widget_and_dashboard_show_reconnecting_and_lose_nothing(transactional_db, private_redis, browser, alice):
    """The same fault seen by the people at the keyboard: the real widget and dashboard code."""
    from playwright.sync_api import expect

    from tests.test_live_chat_browser import shot, waiting_list

    env = child_environment(
        REDIS_URL=private_redis.url,
        CELERY_TASK_ALWAYS_EAGER="true",
        CHANNEL_LAYER_PREFIX=f"redis-ui-{uuid.uuid4().hex}",
    )
    server = Server(env, name="server-redis-restart-ui")
    try:
        url = server.url
        context = browser.new_context()
        context.add_cookies([{"name": "sessionid", "value": session_cookie(alice).split("=", 1)[1], "url": url}])
        desk = context.new_page()
        desk.goto(f"{url}/desk/")
        patron = browser.new_context().new_page()
        patron.goto(f"{url}/")
        patron.get_by_role("button", name="Ask a Librarian").click()
        widget = patron.frame_locator("iframe[title='Library chat']")
        widget.get_by_role("combobox", name="Department").select_option(label="Research & Instruction")
        widget.get_by_role("textbox", name="Your question").fill("Where are the bound periodicals?")
        widget.get_by_role("button", name="Start chat").click()
        waiting_list(desk).get_by_role("button", name="Claim Chat").click()
        expect(widget.get_by_text("You are chatting with Alice.")).to_be_visible(timeout=20_000)

        private_redis.kill()
        expect(desk.get_by_text("Reconnecting…")).to_be_visible(timeout=20_000)
        expect(widget.get_by_text("Reconnecting…")).to_be_visible(timeout=20_000)
        shot(desk, "redis-down-dashboard")
        # The patron writes while the sockets are down: the widget posts it over HTTP.
        widget.get_by_label("Type your message").fill("Sent while Redis was down")
        widget.get_by_role("button", name="Send", exact=True).click()
        expect(widget.get_by_text("Sent while Redis was down")).to_have_count(1, timeout=20_000)

        private_redis.start()
        expect(desk.get_by_text("Reconnecting…")).to_have_count(0, timeout=30_000)
        expect(widget.get_by_text("Reconnecting…")).to_be_hidden(timeout=30_000)
        expect(desk.get_by_text("Sent while Redis was down")).to_have_count(1, timeout=20_000)
        desk.get_by_label("Type your message").fill("Got it after the restart")
        desk.get_by_role("button", name="Send", exact=True).click()
        expect(widget.get_by_text("Got it after the restart")).to_have_count(1, timeout=20_000)
        expect(widget.get_by_text("Sent while Redis was down")).to_have_count(1)
        shot(patron, "redis-back-widget")
    finally:
        server.stop()
