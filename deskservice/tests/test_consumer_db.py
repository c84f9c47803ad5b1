"""The consumers' database threads after PostgreSQL dropped every connection (a failover).

Each thread keeps its connection between calls; when the database goes away they are all
dead, and only the call that meets the failure may fail: the next one on any thread must
reconnect instead of failing in its turn.
"""

import asyncio
import threading

import pytest
from django.db import OperationalError, connection

from deskservice.consumer_db import database_sync_to_async

pytestmark = pytest.mark.django_db(transaction=True)


def on_every_thread(settings, work):
    """Run `work` once on each of the pool's threads at the same time; return their results."""
    threads = settings.DESK_CONSUMER_DB_THREADS
    together = threading.Barrier(threads, timeout=10)

    def call():
        together.wait()  # every call holds its thread until all have one
        return work()

    async def calls():
        return await asyncio.gather(*(database_sync_to_async(call)() for _ in range(threads)), return_exceptions=True)

    return asyncio.run(calls())


def backend_pid():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_after_the_database_dropped_every_connection_only_the_first_call_fails(settings):
    settings.DESK_CONSUMER_DB_PERSISTENT = True
    try:
        pids = on_every_thread(settings, backend_pid)
        assert len(set(pids)) == settings.DESK_CONSUMER_DB_THREADS  # a kept connection per thread
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", [pids])

        with pytest.raises(OperationalError):
            asyncio.run(database_sync_to_async(backend_pid)())

        results = on_every_thread(settings, backend_pid)
        assert [r for r in results if isinstance(r, BaseException)] == []
        assert not set(results) & set(pids)  # every thread is on a new connection
    finally:
        # Leave no connection open on the test database, which is dropped at the end.
        settings.DESK_CONSUMER_DB_PERSISTENT = False
        on_every_thread(settings, lambda: None)
