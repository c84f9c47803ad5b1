"""The baseline relay: the least a persisted chat can do on this machine. Not part of the desk.

A minimal asyncio websocket server (the `websockets` library, uvloop when installed) that
stores each message with one INSERT into PostgreSQL (asyncpg) and fans it out through Redis
pub/sub, with no Django, no auth beyond a first frame, and no rules. `--processes 2` runs two
processes sharing one port (SO_REUSEPORT), like the desk's two uvicorn workers.
bench/chat_load.py --target baseline starts it and drives it with the same clients as the desk.

Frames: a patron connects to /ws/chat/<id> and sends {"type": "auth", "chat": id}; an operator
connects to /ws/operator/, sends {"type": "auth", "operator": name}, and {"type": "join", "chat": id}
for each chat it takes. Both send {"type": "message", "body", "chat"?}; every socket of the chat
receives {"type": "message", "chat", "id", "sender", "name", "body", "created_at"}.
Needs bench/requirements.txt (asyncpg).

    python bench/baseline_relay.py --port 8100 --processes 2
"""

import argparse
import asyncio
import json
import multiprocessing
import os
import signal
from http import HTTPStatus

import asyncpg
import redis.asyncio as aioredis
from websockets.asyncio.server import serve

SCHEMA = """
CREATE TABLE IF NOT EXISTS baseline_message (
    id bigserial PRIMARY KEY,
    chat uuid NOT NULL,
    sender text NOT NULL,
    body text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
)
"""
INSERT = "INSERT INTO baseline_message (chat, sender, body) VALUES ($1, $2, $3) RETURNING id, created_at"


class Relay:
    def __init__(self, pool, redis, prefix: str):
        self.pool, self.redis, self.prefix = pool, redis, prefix
        self.pubsub = redis.pubsub()
        self.members: dict[str, set] = {}

    def channel(self, chat_id: str) -> str:
        return f"{self.prefix}:chat:{chat_id}"

    def join(self, chat_id: str, socket):
        self.members.setdefault(chat_id, set()).add(socket)

    def leave(self, chat_id: str, socket):
        members = self.members.get(chat_id, set())
        members.discard(socket)
        if not members:
            self.members.pop(chat_id, None)

    async def fan_out(self):
        # One pattern subscription per process, made before any socket is served: subscribing
        # per chat while the same connection is being read lost messages in redis-py's asyncio
        # pub/sub. Each process hears every chat and keeps what its own sockets need.
        async for message in self.pubsub.listen():
            if message["type"] != "pmessage":
                continue
            chat_id = message["channel"].decode().rsplit(":", 1)[1]
            data = message["data"].decode()
            for socket in list(self.members.get(chat_id, ())):
                try:
                    await socket.send(data)
                except Exception:
                    pass

    async def store_and_publish(self, chat_id: str, sender: str, name: str, body: str):
        row = await self.pool.fetchrow(INSERT, chat_id, sender, body)
        event = {
            "type": "message",
            "chat": chat_id,
            "id": row["id"],
            "sender": sender,
            "name": name,
            "body": body,
            "created_at": row["created_at"].isoformat(),
        }
        await self.redis.publish(self.channel(chat_id), json.dumps(event))

    async def handle(self, socket):
        path = socket.request.path
        try:
            first = json.loads(await asyncio.wait_for(socket.recv(), 5))
        except Exception:
            await socket.close(4401)
            return
        joined: list[str] = []
        try:
            if path.startswith("/ws/chat/") and first.get("type") == "auth":
                chat_id = first["chat"]
                self.join(chat_id, socket)
                joined.append(chat_id)
                await socket.send(json.dumps({"type": "authenticated", "chat": chat_id}))
                async for raw in socket:
                    frame = json.loads(raw)
                    if frame.get("type") == "message":
                        await self.store_and_publish(chat_id, "patron", "Patron", frame["body"])
            elif path == "/ws/operator/" and first.get("type") == "auth":
                name = str(first.get("operator", "Operator"))
                await socket.send(json.dumps({"type": "snapshot", "heartbeat_seconds": 20}))
                async for raw in socket:
                    frame = json.loads(raw)
                    kind = frame.get("type")
                    if kind == "message" and frame.get("chat") in joined:
                        await self.store_and_publish(frame["chat"], "operator", name, frame["body"])
                    elif kind == "join":
                        self.join(frame["chat"], socket)
                        joined.append(frame["chat"])
                        await socket.send(json.dumps({"type": "chat.assigned", "chat": {"id": frame["chat"]}}))
            else:
                await socket.close(4404)
        finally:
            for chat_id in joined:
                self.leave(chat_id, socket)


def health(connection, request):
    if request.path == "/healthz":
        return connection.respond(HTTPStatus.OK, "ok\n")
    return None


async def serve_forever(port: int, database_url: str, redis_url: str, prefix: str):
    pool = await asyncpg.create_pool(database_url, min_size=2, max_size=10)
    redis = aioredis.from_url(redis_url)
    relay = Relay(pool, redis, prefix)
    await relay.pubsub.psubscribe(relay.channel("*"))
    fan_out = asyncio.create_task(relay.fan_out())
    stop = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, lambda: stop.done() or stop.set_result(None))
    async with serve(relay.handle, "127.0.0.1", port, reuse_port=True, process_request=health, max_size=2**20):
        await stop
    fan_out.cancel()
    await pool.close()


def run_process(port, database_url, redis_url, prefix):
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(serve_forever(port, database_url, redis_url, prefix))


async def create_schema(database_url: str):
    connection = await asyncpg.connect(database_url)
    await connection.execute(SCHEMA)
    await connection.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1/postgres")
    )
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--prefix", default=os.environ.get("CHANNEL_LAYER_PREFIX", "baseline"))
    args = parser.parse_args()
    asyncio.run(create_schema(args.database_url))
    processes = [
        multiprocessing.Process(target=run_process, args=(args.port, args.database_url, args.redis_url, args.prefix))
        for _ in range(args.processes)
    ]
    for process in processes:
        process.start()
    signal.signal(signal.SIGTERM, lambda *_: [p.terminate() for p in processes])
    for process in processes:
        process.join()


if __name__ == "__main__":
    main()
