"""One of two ASGI processes killed behind a load balancer: its clients reconnect to the other.

The load balancer is a real TCP proxy (tests/faults.py) that round-robins new connections over
the two uvicorn processes and skips one that refuses. Nothing a chat needs lives in one
process's memory, so the survivor carries on where the dead one stopped.
"""

import asyncio
import signal

import pytest

from tests.faults import ChatClient, TcpProxy
from tests.live import Server, child_environment
from tests.test_redis_restart import post_message, wait_until
from tests.test_two_processes import _claim_as, http_json, session_cookie

pytestmark = [pytest.mark.integration]


@pytest.fixture
def balanced(transactional_db):
    env = child_environment(CELERY_TASK_ALWAYS_EAGER="true")
    servers = []
    try:
        servers.append(Server(env, name="server-lb-a"))
        servers.append(Server(env, name="server-lb-b"))
        proxy = TcpProxy([s.port for s in servers])
    except Exception:
        for server in servers:
            server.stop()
        raise
    yield proxy, {s.port: s for s in servers}
    proxy.close()
    for server in servers:
        server.stop()


def test_clients_of_a_killed_process_carry_on_through_the_other(balanced, alice, departments):
    proxy, servers = balanced
    asyncio.run(_scenario(proxy, servers, session_cookie(alice)))


async def _scenario(proxy, servers, cookie):
    url = f"http://127.0.0.1:{proxy.port}"
    ws = url.replace("http", "ws")
    operator = ChatClient(f"{ws}/ws/desk/", url, cookie=cookie).start()
    await asyncio.wait_for(operator.up.wait(), 15)
    started = await asyncio.to_thread(
        http_json, f"{url}/api/widget/v1/chats", {"department": "research", "question": "Can I renew online?"}
    )
    await asyncio.to_thread(_claim_as, url, cookie, started["id"])
    operator.chat_id = started["id"]
    patron = ChatClient(f"{ws}{started['websocket']}", url, patron_token=started["token"], chat_id=started["id"])
    patron.start()
    await asyncio.wait_for(patron.up.wait(), 15)
    await patron.send({"type": "message", "body": "one: before"})
    await operator.wait_for_body("one: before")

    # Kill the patron's process outright (no graceful close of its sockets).
    doomed_port = proxy.routes[patron.local_port]
    operator_on_doomed = proxy.routes[operator.local_port] == doomed_port
    servers[doomed_port].stop(signal.SIGKILL)

    await wait_until(lambda: patron.drops >= 1, timeout=15)
    if not operator_on_doomed:
        # While the patron reconnects, Alice answers: the patron must get it on catch-up.
        await operator.send({"type": "message", "chat": started["id"], "body": "two: while you were away"})
    else:
        await asyncio.to_thread(post_message, url, started["id"], started["token"], "two: while you were away")
    await asyncio.wait_for(patron.up.wait(), 20)
    await asyncio.wait_for(operator.up.wait(), 20)
    survivor = next(port for port in servers if port != doomed_port)
    assert proxy.routes[patron.local_port] == survivor

    await patron.send({"type": "message", "body": "three: on the other process"})
    # Alice answers what she has read: two independent sockets have no order between them until then.
    await operator.wait_for_body("three: on the other process")
    await operator.send({"type": "message", "chat": started["id"], "body": "four: Alice carries on"})
    for client in (patron, operator):
        await client.wait_for_body("four: Alice carries on")
        await client.wait_for_body("three: on the other process")
        assert client.bodies() == [
            "one: before",
            "two: while you were away",
            "three: on the other process",
            "four: Alice carries on",
        ]
    await patron.stop()
    await operator.stop()
