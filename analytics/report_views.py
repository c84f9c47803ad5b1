"""The reports page and its CSV export, for supervisors and librarians (permission analytics.view_reports)."""

from datetime import timedelta
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.handlers.asgi import ASGIRequest
from django.db.models import Q
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from analytics import reports
from analytics.chat_figures import chat_service
from analytics.export import csv_chunks, csv_chunks_async
from analytics.forms import ReportFilterForm
from analytics.models import Interaction
from analytics.reports import ReportFilter
from deskservice import audit
from deskservice.models import Department, User

REPORT_PERMISSION = "analytics.view_reports"
DEFAULT_DAYS = 30


def report_reader_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.has_perm(REPORT_PERMISSION):
            raise PermissionDenied(gettext("Reference Analytics reports are for supervisors and librarians."))
        return view(request, *args, **kwargs)

    return wrapper


def default_range(today=None) -> tuple:
    today = today or timezone.localdate()
    return today - timedelta(days=DEFAULT_DAYS - 1), today


def _filter_form(request) -> ReportFilterForm:
    data = request.GET.copy()
    start, end = default_range()
    data["start"] = data.get("start") or start.isoformat()
    data["end"] = data.get("end") or end.isoformat()
    operators = (
        User.objects.filter(Q(departments__isnull=False) | Q(is_superuser=True))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
    return ReportFilterForm(data, departments=Department.objects.all(), operators=operators)


def _report_filter(form) -> ReportFilter:
    return ReportFilter(**{name: value for name, value in form.cleaned_data.items() if value not in (None, "")})


def _quick_ranges(request) -> list[dict]:
    today = timezone.localdate()
    ranges = [
        (gettext("Last 7 days"), today - timedelta(days=6)),
        (gettext("Last 30 days"), today - timedelta(days=29)),
        (gettext("Last 12 months"), today - timedelta(days=364)),
        (gettext("This year"), today.replace(month=1, day=1)),
    ]
    links = []
    for label, start in ranges:
        query = request.GET.copy()
        query["start"], query["end"] = start.isoformat(), today.isoformat()
        links.append({"label": label, "query": query.urlencode()})
    return links


def _chart(chart_id, kind, rows, *, label_key="label", value_key="count", **options) -> dict:
    return {
        "id": chart_id,
        "type": kind,
        "labels": [row[label_key] for row in rows],
        "values": [row[value_key] for row in rows],
        **options,
    }


def _figures(report: ReportFilter) -> dict:
    figures = {**reports.interaction_figures(report), "chats": chat_service(report)}
    figures["charts"] = [
        _chart("chart-by-day", "line", figures["by_day"]),
        _chart("chart-by-week", "bar", figures["by_week"]),
        _chart("chart-by-month", "bar", figures["by_month"]),
        _chart("chart-by-weekday", "bar", figures["heatmap"]["by_weekday"]),
        _chart("chart-by-hour", "bar", figures["heatmap"]["by_hour"]),
        _chart("chart-by-mode", "doughnut", figures["by_mode"]),
        _chart("chart-by-location", "bar", figures["by_location"], horizontal=True),
        _chart("chart-by-department", "bar", figures["by_department"], horizontal=True),
        _chart("chart-by-operator", "bar", figures["by_operator"], horizontal=True),
        _chart("chart-by-question-type", "bar", figures["by_question_type"], horizontal=True),
        _chart("chart-by-read-scale", "bar", figures["by_read_scale"], label_key="key", scale=True),
        _chart("chart-ratings", "bar", figures["chats"]["ratings"], label_key="stars", ratings=True),
    ]
    return figures


@require_GET
@report_reader_required
def report_page(request):
    form = _filter_form(request)
    context = {"form": form, "quick_ranges": _quick_ranges(request)}
    if not form.is_valid():
        return render(request, "analytics/reports.html", context, status=400)
    report = _report_filter(form)
    context.update(
        report=report,
        mode_label=str(dict(Interaction.Mode.choices).get(report.mode, "")),
        export_query=request.GET.urlencode(),
        **_figures(report),
    )
    return render(request, "analytics/reports.html", context)


@require_GET
@report_reader_required
def export_csv(request):
    form = _filter_form(request)
    if not form.is_valid():
        return render(request, "analytics/reports.html", {"form": form}, status=400)
    report = _report_filter(form)
    audit.record(
        actor=request.user,
        action=audit.Action.EXPORTED,
        object_type="interactions",
        filters={key: value for key, value in request.GET.items()},
    )
    qs = reports.interactions(report)
    chunks = csv_chunks_async(qs) if isinstance(request, ASGIRequest) else csv_chunks(qs)
    response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    filename = f"interactions-{report.start:%Y%m%d}-{report.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
