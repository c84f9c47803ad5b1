"""Querysets compiled to SQL once and then run as they are, for reads made on every heartbeat.

Every open dashboard beats every DESK_HEARTBEAT_SECONDS, and each beat read the operator's
role and the departments' presence through the ORM: 3 ms of CPU per beat, nearly all of it
Django building the same SQL again (the statements cost PostgreSQL a tenth of that). Under
load that CPU, taken on a database thread under the GIL, delayed the chat messages its process
was handling (bench/chat_load.py, docs/performance.md). The querysets given here take the
time from the database (Now()), so their SQL and parameters stay the same from one run to the
next, and are compiled again only when `key` (the settings they read) changes.
"""

from collections.abc import Callable, Hashable

from django.db import connection
from django.db.models import QuerySet


class CompiledQuery:
    def __init__(self, queryset: Callable[[], QuerySet], key: Callable[[], Hashable] = lambda: None):
        self.queryset, self.key = queryset, key
        self.compiled: tuple | None = None  # (key, sql, params), replaced whole: threads share it

    def rows(self) -> list[tuple]:
        key = (connection.vendor, self.key())
        compiled = self.compiled
        if compiled is None or compiled[0] != key:
            compiled = self.compiled = (key, *self.queryset().query.sql_with_params())
        with connection.cursor() as cursor:
            cursor.execute(compiled[1], compiled[2])
            return cursor.fetchall()
