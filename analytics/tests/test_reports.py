"""Report aggregations against figures computed by hand from the fixed data in conftest.py."""

from datetime import date

import pytest

from analytics import reports
from analytics.reports import ReportFilter

from .conftest import END, START


def by_label(rows):
    return {row["label"]: (row["count"], row["minutes"]) for row in rows}


@pytest.fixture
def figures(fixed_interactions, report_range):
    return reports.interaction_figures(report_range)


def figures_for(**filters):
    return reports.interaction_figures(ReportFilter(start=START, end=END, **filters))


def test_it_totals_only_the_interactions_inside_the_range(figures):
    totals = figures["totals"]
    assert totals["count"] == 6
    assert totals["minutes"] == 5 + 10 + 12 + 20 + 3 + 8
    assert totals["average_minutes"] == pytest.approx(58 / 6)


def test_it_counts_by_day_in_the_library_time_zone_with_empty_days(figures):
    days = figures["by_day"]
    assert [d["start"] for d in days] == [date(2026, 3, n) for n in range(2, 16)]
    counts = {d["start"].day: d["count"] for d in days}
    assert counts == {2: 2, 3: 1, 4: 0, 5: 0, 6: 0, 7: 0, 8: 1, 9: 1, 10: 0, 11: 0, 12: 0, 13: 0, 14: 0, 15: 1}
    assert days[0]["label"] == "Mon Mar 2"


def test_it_counts_by_week_starting_on_monday(figures):
    weeks = figures["by_week"]
    assert [(w["label"], w["count"]) for w in weeks] == [("Week of Mar 2", 4), ("Week of Mar 9", 2)]


def test_it_counts_by_month(figures):
    assert [(m["label"], m["count"]) for m in figures["by_month"]] == [("March 2026", 6)]


def test_it_counts_months_across_a_year_end(fixed_interactions):
    report = ReportFilter(start=date(2025, 11, 20), end=date(2026, 3, 3))
    months = reports.interaction_figures(report)["by_month"]
    assert [(m["label"], m["count"]) for m in months] == [
        ("November 2025", 0),
        ("December 2025", 0),
        ("January 2026", 0),
        ("February 2026", 0),
        ("March 2026", 4),  # the 1st, the two on the 2nd and the one on the 3rd
    ]


def test_it_maps_hour_of_day_by_weekday(figures):
    heatmap = figures["heatmap"]
    assert heatmap["busiest"] == 2
    assert [row["hour"] for row in heatmap["rows"]] == list(range(9, 24))
    cells = {
        (row["hour"], cell["weekday"]): cell["count"]
        for row in heatmap["rows"]
        for cell in row["cells"]
        if cell["count"]
    }
    assert cells == {(10, "Monday"): 2, (14, "Tuesday"): 1, (23, "Sunday"): 1, (9, "Monday"): 1, (16, "Sunday"): 1}
    ten = next(row for row in heatmap["rows"] if row["hour"] == 10)
    assert ten["label"] == "10 am"
    assert ten["cells"][0]["level"] == 1.0
    assert ten["cells"][1]["level"] == 0


def test_it_breaks_down_by_mode(figures):
    rows = figures["by_mode"]
    assert by_label(rows) == {"In person": (2, 8), "Chat": (2, 20), "Phone": (1, 10), "Email": (1, 20)}
    assert sum(row["share"] for row in rows) == pytest.approx(1)
    phone = next(row for row in rows if row["label"] == "Phone")
    assert phone["share"] == pytest.approx(1 / 6)
    assert phone["average_minutes"] == 10


def test_it_breaks_down_by_location(figures):
    assert by_label(figures["by_location"]) == {"Main desk": (3, 18), "Virtual": (3, 40)}


def test_it_breaks_down_by_department(figures):
    assert by_label(figures["by_department"]) == {
        "Research & Instruction": (3, 27),
        "IDEAS": (2, 28),
        "Access Services": (1, 3),
    }


def test_it_breaks_down_by_operator_with_their_names(figures):
    assert by_label(figures["by_operator"]) == {"Alice": (2, 17), "Bob": (2, 13), "Carmen": (2, 28)}


def test_it_breaks_down_by_question_type_with_the_unrecorded_ones(figures):
    assert by_label(figures["by_question_type"]) == {
        "Directional": (2, 8),
        "Research": (2, 22),
        "Technology": (1, 8),
        "Not recorded": (1, 20),
    }


def test_it_lists_every_read_scale_level_in_order(figures):
    rows = figures["by_read_scale"]
    assert [(row["key"], row["count"]) for row in rows] == [(1, 2), (2, 1), (3, 1), (4, 1), (5, 0), (6, 0), (None, 1)]
    assert rows[0]["label"].startswith("1 · Directional")


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"mode": "chat"}, 2),
        ({"mode": "sms"}, 0),
    ],
)
def test_it_filters_by_mode(fixed_interactions, filters, expected):
    assert figures_for(**filters)["totals"]["count"] == expected


def test_it_filters_by_department_operator_and_location(fixed_interactions, departments, carmen, choices):
    def count(**filters):
        return figures_for(**filters)["totals"]["count"]

    assert count(department=departments["research"]) == 3
    assert count(operator=carmen) == 2
    assert count(location=choices["virtual"]) == 3
    assert count(department=departments["ideas"], mode="chat") == 1


def test_it_reports_nothing_for_an_empty_range(fixed_interactions):
    report = ReportFilter(start=date(2025, 1, 6), end=date(2025, 1, 12))
    figures = reports.interaction_figures(report)
    assert figures["totals"] == {"count": 0, "minutes": 0, "average_minutes": None}
    assert figures["heatmap"]["rows"] == []
    assert figures["by_mode"] == []
    assert [row["count"] for row in figures["by_read_scale"]] == [0] * 6


def test_it_needs_two_aggregate_queries_and_four_name_look_ups(
    fixed_interactions, report_range, django_assert_num_queries
):
    with django_assert_num_queries(6):
        reports.interaction_figures(report_range)
