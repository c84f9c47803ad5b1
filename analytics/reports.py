"""The interaction figures of the reports page.

Every figure is a sum over two sets of groups: interactions by hour of the library's clock,
and by every breakdown at once. The page reads both from the daily and hourly rollups
(analytics/rollup.py), which the services keep equal to grouping the interactions
themselves, so it costs the same number of queries, and reads a few hundred rows a day,
however many interactions there are. Eleven GROUP BY queries over the raw rows took 6.4 s for
a year out of a million interactions, two took 1.7 s, the rollups far less (docs/performance.md).
The raw groupings stay here: the tests check the rollups against them.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Sum
from django.db.models.functions import TruncHour
from django.utils import timezone
from django.utils.dates import WEEKDAYS as WEEKDAY_NAMES
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop, pgettext

from analytics.models import DailyRollup, HourlyRollup, Interaction, Location, MonthlyRollup, QuestionType, ReadScale
from deskservice.models import Department, User

# The page's words are translated as it is drawn (the reader's language); WEEKDAYS stays English
# for the CSV export, a data file whose words never change with who downloads it.
NOT_RECORDED = gettext_noop("Not recorded")
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


@dataclass(frozen=True)
class ReportFilter:
    """A date range (both days included, in the library's time zone) and optional filters."""

    start: date
    end: date
    department: Department | None = None
    mode: str = ""
    operator: User | None = None
    location: Location | None = None

    @property
    def since(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def until(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def interactions(report: ReportFilter):
    qs = Interaction.objects.filter(happened_at__gte=report.since, happened_at__lt=report.until)
    if report.department:
        qs = qs.filter(department=report.department)
    if report.mode:
        qs = qs.filter(mode=report.mode)
    if report.operator:
        qs = qs.filter(operator=report.operator)
    if report.location:
        qs = qs.filter(location=report.location)
    return qs.order_by()


DIMENSIONS = ["mode", "location_id", "department_id", "operator_id", "question_type_id", "read_scale"]


@dataclass(frozen=True)
class HourCount:
    """Interactions in one hour of the library's clock."""

    hour: datetime
    count: int
    minutes: int


def hourly_counts(qs) -> list[HourCount]:
    """One query, at most 24 rows a day: every figure over time is a sum of these.

    COUNT(*) rather than COUNT(id), and no ORDER BY: the id is not in the covering index, and
    PostgreSQL overestimates the number of hours and would sort a year of rows on disk to
    order them, where hashing them is three times faster (docs/performance.md).
    """
    rows = (
        qs.annotate(hour=TruncHour("happened_at"))
        .values("hour")
        .annotate(count=Count("*"), minutes=Sum("duration_minutes"))
    )
    hours = [HourCount(timezone.localtime(row["hour"]), row["count"], row["minutes"] or 0) for row in rows]
    return sorted(hours, key=lambda h: h.hour)


def combination_counts(qs) -> list[dict]:
    """One query grouped by every breakdown at once.

    Departments follow operators and locations follow modes, so a year of a busy desk makes a
    few thousand combinations: far fewer rows than interactions, and each breakdown is a sum
    over them rather than another pass over the table.
    """
    return list(qs.values(*DIMENSIONS).annotate(count=Count("*"), minutes=Sum("duration_minutes")).order_by())


def _rollup(model, report: ReportFilter, *, start=None, end=None):
    qs = model.objects.filter(day__gte=start or report.start, day__lte=end or report.end)
    if report.department:
        qs = qs.filter(department_id=report.department.pk)
    if report.mode:
        qs = qs.filter(mode=report.mode)
    if report.operator:
        qs = qs.filter(operator_id=report.operator.pk)
    if report.location:
        qs = qs.filter(location_id=report.location.pk)
    return qs.order_by()


def rollup_hourly_counts(report: ReportFilter) -> list[HourCount]:
    """`hourly_counts` of the report's interactions, read from the hourly rollup."""
    rows = _rollup(HourlyRollup, report).values("day", "hour").annotate(c=Sum("count"), m=Sum("minutes"))
    hours = [
        HourCount(timezone.make_aware(datetime.combine(row["day"], time(row["hour"]))), row["c"], row["m"] or 0)
        for row in rows
    ]
    return sorted(hours, key=lambda h: h.hour)


def rollup_combination_counts(report: ReportFilter) -> list[dict]:
    """`combination_counts` of the report's interactions, read from the daily rollup (0 keys back to None)."""

    def grouped(qs):
        return qs.values(*DIMENSIONS).annotate(c=Sum("count"), m=Sum("minutes")).order_by()

    first_full = (
        report.start if report.start.day == 1 else (report.start.replace(day=1) + timedelta(days=32)).replace(day=1)
    )
    after = report.end + timedelta(days=1)
    end_full = after if after.day == 1 else after.replace(day=1)
    if first_full < end_full:
        # Whole months from the monthly rollup, the days before and after them from the daily
        # one: a year reads about a tenth of the rows, still in one query (UNION ALL).
        qs = grouped(_rollup(MonthlyRollup, report, start=first_full, end=end_full - timedelta(days=1)))
        qs = qs.union(grouped(_rollup(DailyRollup, report).exclude(day__gte=first_full, day__lt=end_full)), all=True)
    else:
        qs = grouped(_rollup(DailyRollup, report))
    sums = {}
    for row in qs:
        key = tuple(row[name] for name in DIMENSIONS)
        count, minutes = sums.get(key, (0, 0))
        sums[key] = (count + row["c"], minutes + (row["m"] or 0))
    return [
        {
            "mode": key[0],
            **{name: value or None for name, value in zip(DIMENSIONS[1:], key[1:], strict=True)},
            "count": count,
            "minutes": minutes,
        }
        for key, (count, minutes) in sums.items()
    ]


def totals(hours: list[HourCount]) -> dict:
    count = sum(h.count for h in hours)
    minutes = sum(h.minutes for h in hours)
    return {"count": count, "minutes": minutes, "average_minutes": minutes / count if count else None}


def _sum_by(hours: list[HourCount], key) -> dict:
    sums = defaultdict(int)
    for h in hours:
        sums[key(h.hour)] += h.count
    return sums


def by_day(hours: list[HourCount], report: ReportFilter) -> list[dict]:
    counts = _sum_by(hours, lambda hour: hour.date())
    return [
        {
            "start": day,
            "label": date_format(day, pgettext("date format of a day in the reports (Django date format)", "D M j")),
            "count": counts.get(day, 0),
        }
        for day in (report.start + timedelta(days=n) for n in range(report.days))
    ]


def by_week(hours: list[HourCount], report: ReportFilter) -> list[dict]:
    """Weeks start on Monday; the first and last may be partly outside the range."""
    counts = _sum_by(hours, lambda hour: hour.date() - timedelta(days=hour.weekday()))
    monday = report.start - timedelta(days=report.start.weekday())
    weeks = []
    while monday <= report.end:
        label = gettext("Week of %(day)s") % {
            "day": date_format(monday, pgettext("date format of a week's Monday (Django date format)", "M j"))
        }
        weeks.append({"start": monday, "label": label, "count": counts.get(monday, 0)})
        monday += timedelta(days=7)
    return weeks


def by_month(hours: list[HourCount], report: ReportFilter) -> list[dict]:
    counts = _sum_by(hours, lambda hour: hour.date().replace(day=1))
    month = report.start.replace(day=1)
    months = []
    while month <= report.end:
        months.append({"start": month, "label": date_format(month, "YEAR_MONTH_FORMAT"), "count": counts.get(month, 0)})
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def heatmap(hours: list[HourCount]) -> dict:
    """Interactions by hour of day (rows) and weekday (columns), in the library's time zone.

    Hours with no interaction on any day at the start and end of the day are left out.
    """
    counts = _sum_by(hours, lambda hour: (hour.hour, hour.weekday()))
    busiest = max(counts.values(), default=0)
    used = sorted(hour for hour, _ in counts)
    shown = range(used[0], used[-1] + 1) if used else range(0)
    peak = max(counts, key=counts.get) if counts else None
    weekdays = [str(WEEKDAY_NAMES[index]) for index in range(7)]
    return {
        "weekdays": weekdays,
        "busiest": busiest,
        "peak": {"weekday": weekdays[peak[1]], "hour": _hour_label(peak[0]), "count": busiest} if peak else None,
        "by_weekday": [
            {"label": day, "count": sum(n for (_, weekday), n in counts.items() if weekday == index)}
            for index, day in enumerate(weekdays)
        ],
        "by_hour": [
            {"label": _hour_label(hour), "count": sum(n for (h, _), n in counts.items() if h == hour)} for hour in shown
        ],
        "rows": [
            {
                "hour": hour,
                "label": _hour_label(hour),
                "cells": [
                    {
                        "weekday": weekdays[weekday],
                        "count": counts.get((hour, weekday), 0),
                        "level": round(counts.get((hour, weekday), 0) / busiest, 3) if busiest else 0,
                    }
                    for weekday in range(7)
                ],
            }
            for hour in shown
        ],
    }


def _hour_label(hour: int) -> str:
    shown = hour % 12 or 12
    if hour < 12:
        return pgettext("hour of the day", "%(hour)s am") % {"hour": shown}
    return pgettext("hour of the day", "%(hour)s pm") % {"hour": shown}


def _grouped(combinations: list[dict], column: str) -> list[dict]:
    sums = {}
    for row in combinations:
        group = sums.setdefault(row[column], {"key": row[column], "count": 0, "minutes": 0})
        group["count"] += row["count"]
        group["minutes"] += row["minutes"] or 0
    return sorted(sums.values(), key=lambda group: -group["count"])


def _with_shares(rows: list[dict]) -> list[dict]:
    total = sum(row["count"] for row in rows)
    for row in rows:
        row["share"] = row["count"] / total if total else 0
        row["average_minutes"] = row["minutes"] / row["count"] if row["count"] else None
    return rows


def _labelled(rows: list[dict], labels: dict) -> list[dict]:
    for row in rows:
        row["label"] = str(labels.get(row["key"], gettext(NOT_RECORDED)))
    return _with_shares(rows)


def by_mode(combinations) -> list[dict]:
    return _labelled(_grouped(combinations, "mode"), dict(Interaction.Mode.choices))


def by_read_scale(combinations) -> list[dict]:
    """All six levels in order, even those nobody chose, then the interactions without one."""
    found = {row["key"]: row for row in _grouped(combinations, "read_scale")}
    rows = [found.get(level) or {"key": level, "count": 0, "minutes": 0} for level in ReadScale.values]
    if None in found:
        rows.append(found[None])
    return _labelled(rows, dict(ReadScale.choices))


def _by_foreign_key(combinations, column: str, model, label=str) -> list[dict]:
    rows = _grouped(combinations, column)
    ids = [row["key"] for row in rows if row["key"] is not None]
    # Names are looked up after grouping: joining first would join every interaction.
    return _labelled(rows, {obj.pk: label(obj) for obj in model.objects.filter(pk__in=ids)})


def by_location(combinations) -> list[dict]:
    return _by_foreign_key(combinations, "location_id", Location)


def by_department(combinations) -> list[dict]:
    return _by_foreign_key(combinations, "department_id", Department)


def by_question_type(combinations) -> list[dict]:
    return _by_foreign_key(combinations, "question_type_id", QuestionType)


def by_operator(combinations) -> list[dict]:
    return _by_foreign_key(
        combinations, "operator_id", User, label=lambda user: user.get_full_name() or user.get_username()
    )


def interaction_figures(report: ReportFilter) -> dict:
    """Every interaction figure of the reports page, in two rollup queries and four name look-ups."""
    hours, combinations = rollup_hourly_counts(report), rollup_combination_counts(report)
    return {
        "totals": totals(hours),
        "by_day": by_day(hours, report),
        "by_week": by_week(hours, report),
        "by_month": by_month(hours, report),
        "heatmap": heatmap(hours),
        "by_mode": by_mode(combinations),
        "by_location": by_location(combinations),
        "by_department": by_department(combinations),
        "by_operator": by_operator(combinations),
        "by_question_type": by_question_type(combinations),
        "by_read_scale": by_read_scale(combinations),
    }
