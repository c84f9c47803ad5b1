"""The daily and hourly pre-aggregates behind the reports page.

A year of a busy desk is a million interactions, and grouping them on every page view took
1.7 s. The reports read these two tables instead: rows per day and per combination of the
breakdowns, a few hundred a day, so a year is read in well under a second and the cost does
not grow with the number of interactions (docs/performance.md).

They are kept current by the services that save and delete interactions, in the same
transaction: `add` and `remove` increment and decrement a bucket with one upsert each, which
row-locks the bucket, so two operators saving at once cannot lose each other's count.
`rebuild` recomputes both tables from the interactions (bulk loads, repairs).
"""

from django.db import connection, transaction
from django.db.models import Count, Sum, Value
from django.db.models.functions import Coalesce, ExtractHour, TruncDate, TruncMonth
from django.utils import timezone

from analytics.models import DailyRollup, HourlyRollup, Interaction, MonthlyRollup

NONE = 0  # the key of "not recorded" (a NULL would never conflict in the unique key)

FILTER_KEYS = ["mode", "location_id", "department_id", "operator_id"]
DAILY_KEYS = ["day", *FILTER_KEYS, "question_type_id", "read_scale"]
HOURLY_KEYS = ["day", "hour", *FILTER_KEYS]


def snapshot(interaction: Interaction) -> dict:
    """The values of an interaction that the rollups count, taken before it changes."""
    local = timezone.localtime(interaction.happened_at)
    return {
        "day": local.date(),
        "hour": local.hour,
        "mode": interaction.mode,
        "location_id": interaction.location_id or NONE,
        "department_id": interaction.department_id or NONE,
        "operator_id": interaction.operator_id or NONE,
        "question_type_id": interaction.question_type_id or NONE,
        "read_scale": interaction.read_scale or NONE,
        "minutes": interaction.duration_minutes,
    }


def _upsert(model, keys: list[str], values: dict, sign: int) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(key) for key in keys)
    placeholders = ", ".join(["%s"] * (len(keys) + 2))
    where = " AND ".join(f"{connection.ops.quote_name(key)} = %s" for key in keys)
    params = [values[key] for key in keys]
    with connection.cursor() as cursor:
        # PostgreSQL and SQLite (3.24+) both speak ON CONFLICT.
        cursor.execute(
            f"INSERT INTO {table} ({columns}, count, minutes) VALUES ({placeholders}) "
            f"ON CONFLICT ({columns}) DO UPDATE SET count = {table}.count + excluded.count, "
            f"minutes = {table}.minutes + excluded.minutes",
            [*params, sign, sign * values["minutes"]],
        )
        if sign < 0:
            # An empty bucket would show as a zero row in the breakdowns.
            cursor.execute(f"DELETE FROM {table} WHERE {where} AND count <= 0", params)


def _monthly(values: dict) -> dict:
    return values | {"day": values["day"].replace(day=1)}


def add(values: dict) -> None:
    """Count an interaction (a `snapshot`) in the rollups. Call inside the saving transaction."""
    _upsert(DailyRollup, DAILY_KEYS, values, +1)
    _upsert(MonthlyRollup, DAILY_KEYS, _monthly(values), +1)
    _upsert(HourlyRollup, HOURLY_KEYS, values, +1)


def remove(values: dict) -> None:
    """Take back an interaction counted by `add` (before an edit or a delete)."""
    _upsert(DailyRollup, DAILY_KEYS, values, -1)
    _upsert(MonthlyRollup, DAILY_KEYS, _monthly(values), -1)
    _upsert(HourlyRollup, HOURLY_KEYS, values, -1)


def _monthly_from_daily():
    rows = (
        DailyRollup.objects.order_by()
        .annotate(month=TruncMonth("day"))
        .values("month", *DAILY_KEYS[1:])
        .annotate(n=Sum("count"), total=Sum("minutes"))
    )
    for row in rows.iterator(chunk_size=10_000):
        yield {key: row[key] for key in DAILY_KEYS[1:]} | {
            "day": row["month"],
            "count": row["n"],
            "minutes": row["total"],
        }


def _grouped(keys: list[str]):
    tz = timezone.get_current_timezone()
    annotations = {
        "day": TruncDate("happened_at", tzinfo=tz),
        "hour": ExtractHour("happened_at", tzinfo=tz),
        "k_location_id": Coalesce("location_id", Value(NONE)),
        "k_department_id": Coalesce("department_id", Value(NONE)),
        "k_operator_id": Coalesce("operator_id", Value(NONE)),
        "k_question_type_id": Coalesce("question_type_id", Value(NONE)),
        "k_read_scale": Coalesce("read_scale", Value(NONE)),
    }
    names = [key if key in ("day", "hour", "mode") else f"k_{key}" for key in keys]
    used = {name: annotations[name] for name in names if name in annotations}
    rows = (
        Interaction.objects.order_by()
        .annotate(**used)
        .values(*names)
        .annotate(n=Count("*"), total=Sum("duration_minutes"))
    )
    for row in rows.iterator(chunk_size=10_000):
        bucket = {key: row[name] for key, name in zip(keys, names, strict=True)}
        yield bucket | {"count": row["n"], "minutes": row["total"]}


def rebuild(batch_size: int = 10_000) -> tuple[int, int, int]:
    """Recompute the rollups from the interactions; returns the number of daily, hourly and monthly rows."""
    counts = []
    with transaction.atomic():
        for model, rows in (
            (DailyRollup, lambda: _grouped(DAILY_KEYS)),
            (HourlyRollup, lambda: _grouped(HOURLY_KEYS)),
            (MonthlyRollup, _monthly_from_daily),
        ):
            if connection.vendor == "postgresql":
                # Holds the services' upserts until the new figures are in (reads go on).
                with connection.cursor() as cursor:
                    cursor.execute(f"LOCK TABLE {connection.ops.quote_name(model._meta.db_table)} IN EXCLUSIVE MODE")
            model.objects.all().delete()
            batch, total = [], 0
            for row in rows():
                batch.append(model(**row))
                if len(batch) >= batch_size:
                    model.objects.bulk_create(batch)
                    total, batch = total + len(batch), []
            model.objects.bulk_create(batch)
            counts.append(total + len(batch))
    return counts[0], counts[1], counts[2]
