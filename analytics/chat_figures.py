"""Chat service figures: how long patrons waited, how long chats lasted, missed chats, transfers, ratings.

On PostgreSQL the medians and 90th percentiles come from `percentile_cont` in the same query
as the counts, both percentiles of a measure from one sort. SQLite has no percentile function:
there the timings are read and the same interpolation is done in Python, which is fine for
the small desks that run on SQLite.
"""

import math

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import Aggregate, Avg, Count, F, FloatField, Func, Q

from analytics.reports import ReportFilter
from chat.models import Chat, ChatEvent

# Written as a string: the transfers work adds this kind to ChatEvent.Kind.
TRANSFERRED = "transferred"
RATINGS = range(1, 6)


class PercentilesCont(Aggregate):
    """PostgreSQL's continuous percentiles (linear interpolation), several from one sort of the values."""

    function = "PERCENTILE_CONT"
    name = "PercentilesCont"
    template = "%(function)s(ARRAY[%(fractions)s]::double precision[]) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = ArrayField(FloatField())

    def __init__(self, expression, *, fractions: tuple[float, ...], **extra):
        if not all(0 <= fraction <= 1 for fraction in fractions):
            raise ValueError("A percentile is a fraction between 0 and 1.")
        super().__init__(expression, fractions=", ".join(repr(float(f)) for f in fractions), **extra)


def _seconds_between(start: str, end: str):
    return Func(
        F(end) - F(start), template="EXTRACT(EPOCH FROM %(expressions)s)::double precision", output_field=FloatField()
    )


def percentile_cont(values: list[float], fraction: float) -> float | None:
    """The same interpolation as PostgreSQL's percentile_cont, for databases without it."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    lower, upper = math.floor(position), math.ceil(position)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def chats(report: ReportFilter):
    """Chats that arrived in the range. Mode chat or SMS picks the chat source; other modes have no chats."""
    qs = Chat.objects.filter(created_at__gte=report.since, created_at__lt=report.until)
    if report.department:
        qs = qs.filter(department=report.department)
    if report.operator:
        qs = qs.filter(operator=report.operator)
    if report.mode == "chat":
        qs = qs.filter(source=Chat.Source.WEB)
    elif report.mode == "sms":
        qs = qs.filter(source=Chat.Source.SMS)
    elif report.mode:
        qs = qs.none()
    return qs.order_by()


def _counts():
    missed = Q(status=Chat.Status.ENDED, claimed_at__isnull=True)
    return {
        "total": Count("pk"),
        "answered": Count("pk", filter=Q(claimed_at__isnull=False)),
        "missed": Count("pk", filter=missed),
        "left_while_waiting": Count("pk", filter=missed & Q(ended_by=Chat.EndedBy.PATRON)),
        "rated": Count("rating"),
        "average_rating": Avg("rating"),
        **{f"rating_{stars}": Count("pk", filter=Q(rating=stars)) for stars in RATINGS},
    }


def _timings_in_database():
    return {
        "wait": PercentilesCont(_seconds_between("created_at", "claimed_at"), fractions=(0.5, 0.9)),
        "duration": PercentilesCont(_seconds_between("claimed_at", "ended_at"), fractions=(0.5, 0.9)),
    }


def _split_percentiles(figures: dict) -> dict:
    for name in ("wait", "duration"):
        median, p90 = figures.pop(name) or (None, None)
        figures[f"{name}_median"], figures[f"{name}_p90"] = median, p90
    return figures


def _timings_in_python(qs) -> dict:
    waits, durations = [], []
    for created_at, claimed_at, ended_at in qs.filter(claimed_at__isnull=False).values_list(
        "created_at", "claimed_at", "ended_at"
    ):
        waits.append((claimed_at - created_at).total_seconds())
        if ended_at:
            durations.append((ended_at - claimed_at).total_seconds())
    return {
        "wait_median": percentile_cont(waits, 0.5),
        "wait_p90": percentile_cont(waits, 0.9),
        "duration_median": percentile_cont(durations, 0.5),
        "duration_p90": percentile_cont(durations, 0.9),
    }


def chat_service(report: ReportFilter, *, in_database: bool | None = None) -> dict:
    """Every chat figure of the report in two queries on PostgreSQL (three elsewhere)."""
    if in_database is None:
        in_database = connection.vendor == "postgresql"
    qs = chats(report)
    if in_database:
        figures = _split_percentiles(qs.aggregate(**_counts(), **_timings_in_database()))
    else:
        figures = {**qs.aggregate(**_counts()), **_timings_in_python(qs)}
    figures["transfers"] = ChatEvent.objects.filter(kind=TRANSFERRED, chat__in=qs).count()
    figures["ratings"] = [{"stars": stars, "count": figures.pop(f"rating_{stars}")} for stars in RATINGS]
    return figures
