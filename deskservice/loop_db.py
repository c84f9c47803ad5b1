"""Single statements run on the event loop itself, over psycopg2's asynchronous connections.

A patron's message is the desk's most frequent write and is one statement
(chat.services._MessageInsert). Run on a database thread (deskservice/consumer_db.py) it
crossed threads twice, and the thread waited for the GIL each time it came back from
PostgreSQL while the loop was busy with other sockets: under load that wait, not the
statement, made the slowest deliveries (bench/chat_load.py, docs/performance.md). Here the
loop sends the statement and goes on with other sockets until PostgreSQL answers, as the
baseline relay does with asyncpg, using the driver the desk already has.

Each event loop keeps up to DESK_CONSUMER_LOOP_CONNECTIONS connections in autocommit, so every
statement is its own transaction (closed after each statement if DESK_CONSUMER_DB_PERSISTENT
is off, as the tests run). A connection that fails is closed and the error is raised as
Django's (OperationalError, IntegrityError, ...), so callers handle it as any other database
error; it also makes the database threads reconnect, and a thread's failure makes these
connections reconnect (after a failover every kept connection is dead).
Only PostgreSQL has such connections: `available()` says whether to use them.
"""

import asyncio
import collections
import re
import weakref

import psycopg2
import psycopg2.extensions
from django.conf import settings
from django.db import connections, utils

from deskservice import consumer_db

_POSTGRESQL = "django.db.backends.postgresql"
_PLACEHOLDER = re.compile(r"%s")
# Distinct statements prepared per connection at most: callers run a handful (chat.services).
MAX_PREPARED = 16
_pools: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Pool]" = weakref.WeakKeyDictionary()

# Django's exception for each of psycopg2's, most specific first, as django.db.utils maps them.
_DJANGO_ERRORS = [
    getattr(utils, name)
    for name in (
        "DataError",
        "OperationalError",
        "IntegrityError",
        "InternalError",
        "ProgrammingError",
        "NotSupportedError",
        "DatabaseError",
        "InterfaceError",
        "Error",
    )
]


def available() -> bool:
    return settings.DESK_CONSUMER_LOOP_CONNECTIONS > 0 and settings.DATABASES["default"]["ENGINE"] == _POSTGRESQL


async def fetchone(sql: str, params) -> tuple | None:
    """Run one statement in its own transaction and return its first row (None if none).

    A caller cancelled mid-statement closes the connection (its state is unknown) without
    knowing whether the statement committed: callers whose work must finish shield it.
    """
    loop = asyncio.get_running_loop()
    pool = _pools.get(loop)
    if pool is None:
        pool = _pools[loop] = _Pool(settings.DESK_CONSUMER_LOOP_CONNECTIONS)
    return await pool.fetchone(sql, params)


class _Pool:
    # Holds no reference to its loop, the key of _pools (nor an asyncio.Semaphore, which would
    # keep one): a loop that ends takes its pool and connections along.
    def __init__(self, size: int):
        self.size, self.busy = size, 0
        self.waiting: collections.deque[asyncio.Future] = collections.deque()
        self.idle: list[_LoopConnection] = []

    async def fetchone(self, sql: str, params):
        while self.busy >= self.size:
            waiter = asyncio.get_running_loop().create_future()
            self.waiting.append(waiter)
            await waiter
        self.busy += 1
        try:
            return await self._fetchone(sql, params)
        finally:
            self.busy -= 1
            while self.waiting:
                waiter = self.waiting.popleft()
                if not waiter.done():  # a caller cancelled while waiting has left
                    waiter.set_result(None)
                    break

    async def _fetchone(self, sql: str, params):
        connection = await self._take()
        try:
            cursor = connection.cursor()
            cursor.execute(*connection.statement(sql, params))
            await _ready(connection)
            row = cursor.fetchone() if cursor.description is not None else None
            connection.ran(sql)
        except psycopg2.Error as error:
            connection.close()
            if isinstance(error, (psycopg2.OperationalError, psycopg2.InterfaceError)):
                consumer_db.note_failure()
            raise _as_django_error(error) from error
        except BaseException:
            connection.close()  # interrupted mid-statement: its state is unknown
            raise
        if settings.DESK_CONSUMER_DB_PERSISTENT:
            connection.failures_seen = consumer_db.failures()
            self.idle.append(connection)
        else:
            connection.close()
        return row

    async def _take(self) -> "_LoopConnection":
        while self.idle:
            connection = self.idle.pop()
            if connection.failures_seen == consumer_db.failures() and not connection.closed:
                return connection
            connection.close()
        params = connections["default"].get_connection_params()
        params.pop("cursor_factory", None)
        try:
            connection = psycopg2.connect(**params, connection_factory=_LoopConnection, async_=True)
        except psycopg2.Error as error:
            consumer_db.note_failure()
            raise _as_django_error(error) from error
        try:
            await _ready(connection, connecting=True)
        except psycopg2.Error as error:
            connection.close()
            consumer_db.note_failure()
            raise _as_django_error(error) from error
        except BaseException:
            connection.close()
            raise
        return connection


class _LoopConnection(psycopg2.extensions.connection):
    """A connection that prepares each statement it runs, once (unless DESK_CONSUMER_LOOP_PREPARE
    is off, as it must be behind PgBouncer in transaction mode).

    PostgreSQL planned the message's INSERT ... SELECT afresh each time: 0.11 ms of its 0.2 ms
    (EXPLAIN ANALYZE in a warm session). A prepared statement is planned once per connection,
    as asyncpg does for the baseline relay. The PREPARE travels with the first EXECUTE, in one
    round trip.
    """

    failures_seen = 0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.prepared: dict[str, str] = {}  # SQL -> its statement's name on this connection
        self.preparing: str | None = None
        self.waiter: asyncio.Future | None = None
        self.watched_by = None  # weak reference to the loop watching the socket, if one is

    def watch(self, loop: asyncio.AbstractEventLoop) -> None:
        # The socket stays watched between statements: adding and removing the reader for each
        # one cost two epoll_ctl calls, a few % of the loop's time (py-spy).
        if self.watched_by is None:
            loop.add_reader(self.fileno(), self._readable)
            self.watched_by = weakref.ref(loop)  # weak: the pool is kept by the loop, not the loop by it

    def _readable(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)
        else:
            # Nothing was asked: the server is closing the connection (or sent a notice).
            # Stop watching, or a closed socket would wake the loop at every turn; the next
            # statement finds out what happened.
            self.unwatch()

    def unwatch(self) -> None:
        loop = self.watched_by() if self.watched_by is not None else None
        if loop is not None and not loop.is_closed():
            loop.remove_reader(self.fileno())
        self.watched_by = None

    def close(self) -> None:
        if not self.closed:
            self.unwatch()
        super().close()

    def statement(self, sql: str, params) -> tuple[str, list]:
        name = self.prepared.get(sql)
        arguments = f" ({', '.join(['%s'] * len(params))})" if params else ""
        if name is not None:
            return f"EXECUTE {name}{arguments}", params
        if not settings.DESK_CONSUMER_LOOP_PREPARE or len(self.prepared) >= MAX_PREPARED or _has_literal_percent(sql):
            return sql, params
        self.preparing = name = f"desk_loop_{len(self.prepared)}"
        numbers = iter(range(1, len(params) + 1))
        numbered = _PLACEHOLDER.sub(lambda _: f"${next(numbers)}", sql)
        return f"PREPARE {name} AS {numbered}; EXECUTE {name}{arguments}", params

    def ran(self, sql: str) -> None:
        if self.preparing is not None:
            self.prepared[sql], self.preparing = self.preparing, None


def _has_literal_percent(sql: str) -> bool:
    return "%" in _PLACEHOLDER.sub("", sql)


async def _ready(connection: "_LoopConnection", *, connecting: bool = False) -> None:
    """Wait until the connection's current operation (connect or statement) has finished."""
    loop = asyncio.get_running_loop()
    while True:
        state = connection.poll()
        if state == psycopg2.extensions.POLL_OK:
            return
        waiter = connection.waiter = loop.create_future()
        # While connecting, libpq may move to another socket (the next address of a host).
        fd, stop_watching = connection.fileno(), None
        if state == psycopg2.extensions.POLL_READ and not connecting:
            connection.watch(loop)
        elif state == psycopg2.extensions.POLL_READ:
            loop.add_reader(fd, _wake, waiter)
            stop_watching = loop.remove_reader
        elif state == psycopg2.extensions.POLL_WRITE:
            loop.add_writer(fd, _wake, waiter)
            stop_watching = loop.remove_writer
        else:
            raise psycopg2.OperationalError(f"unexpected poll state {state}")
        try:
            await waiter
        finally:
            connection.waiter = None
            if stop_watching is not None:
                stop_watching(fd)


def _wake(waiter: asyncio.Future) -> None:
    if not waiter.done():
        waiter.set_result(None)


def _as_django_error(error: psycopg2.Error) -> utils.Error:
    for django_error in _DJANGO_ERRORS:
        if isinstance(error, getattr(psycopg2, django_error.__name__)):
            wrapped = django_error(*error.args)
            wrapped.__cause__ = error
            return wrapped
    return utils.Error(*error.args)
