"""Database work of websocket consumers: a small pool of threads that keep their connections.

Channels' `database_sync_to_async` runs the sync code of every socket of a process on one
thread (asgiref's thread_sensitive default) and opens a new PostgreSQL connection for each
call while CONN_MAX_AGE is 0, which it must stay under ASGI (Django opens a connection per
HTTP request thread and would never reuse a persistent one). Under load each patron message
then waited behind every other socket's queries and paid for a new PostgreSQL backend:
bench/chat_load.py measured a delivery p50 of seconds at 200 messages/s
(docs/performance.md). Here `DESK_CONSUMER_DB_THREADS` threads per process share the work and
each keeps its own connection, closed after a database error so the next call reconnects.
A database error on one thread closes the others' connections too, before their next call:
after a failover or a network cut every kept connection is dead, and without this each
thread's first call afterwards failed in turn (a retry error for some patron or operator).

Frames of one socket are still handled one after another (the consumer awaits each call),
and each call is a whole transaction, so no connection state leaks from one call to the next.
"""

import functools
import threading
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import SyncToAsync
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection

_executor = None
# Database errors seen by any thread of the pool; a thread that saw fewer reconnects first.
# (Two threads failing at once may count one: the number still changes, which is what matters.)
_failures = 0
_thread = threading.local()


def _pool() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=settings.DESK_CONSUMER_DB_THREADS, thread_name_prefix="consumer-db")
    return _executor


def failures() -> int:
    return _failures


def note_failure() -> None:
    """A connection of this process failed: the others reconnect before their next call."""
    global _failures
    _failures += 1


def database_sync_to_async(func):
    @functools.wraps(func)
    def run(*args, **kwargs):
        if connection.errors_occurred or getattr(_thread, "failures_seen", 0) != _failures:
            connection.close()
        _thread.failures_seen = _failures
        try:
            return func(*args, **kwargs)
        except (OperationalError, InterfaceError):
            note_failure()
            raise
        finally:
            if connection.errors_occurred or connection.in_atomic_block or not settings.DESK_CONSUMER_DB_PERSISTENT:
                connection.close()

    return SyncToAsync(run, thread_sensitive=False, executor=_pool())
