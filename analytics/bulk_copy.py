"""Insert many rows fast: PostgreSQL's COPY, or bulk_create on other databases.

Rows are dicts of column attnames (`location_id`, not `location`); columns left out get the
field's default. Building model instances costs more than the insert itself at a million
rows, so COPY is fed plain text. Used by the sample data generator only.
"""

import io

from django.db import connection

NULL = r"\N"


def _text(value) -> str:
    if value is None:
        return NULL
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _columns(model):
    return [f for f in model._meta.concrete_fields if not (f.primary_key and f.get_default() is None)]


def insert_rows(model, rows: list[dict]) -> None:
    if not rows:
        return
    fields = _columns(model)
    defaults = {f.attname: f.get_default() for f in fields if f.attname not in rows[0]}
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**defaults, **row) for row in rows])
        return
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_text(row[f.attname] if f.attname in row else defaults[f.attname]) for f in fields))
        buffer.write("\n")
    buffer.seek(0)
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({names}) FROM STDIN"
    with connection.cursor() as cursor:
        raw = cursor.cursor
        if hasattr(raw, "copy_expert"):  # psycopg2
            raw.copy_expert(sql, buffer)
        else:  # psycopg 3
            with raw.copy(sql) as copy:
                copy.write(buffer.getvalue())
