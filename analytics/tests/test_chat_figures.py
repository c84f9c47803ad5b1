"""Chat service figures against the fixed chats of conftest.py, in PostgreSQL and in the Python fallback."""

import pytest

from analytics.chat_figures import chat_service, percentile_cont
from analytics.reports import ReportFilter

from .conftest import END, START


@pytest.fixture(params=[True, False], ids=["postgresql percentile_cont", "python fallback"])
def in_database(request):
    return request.param


def test_it_measures_wait_and_duration_medians_and_90th_percentiles(fixed_chats, report_range, in_database):
    figures = chat_service(report_range, in_database=in_database)
    # Waits 30, 60, 90, 300 s: the median lies halfway between 60 and 90; the 90th percentile
    # at position 0.9 * 3 = 2.7, i.e. 90 + 0.7 * (300 - 90).
    assert figures["wait_median"] == pytest.approx(75)
    assert figures["wait_p90"] == pytest.approx(237)
    # Durations 120, 300, 600, 900 s.
    assert figures["duration_median"] == pytest.approx(450)
    assert figures["duration_p90"] == pytest.approx(810)


def test_it_counts_answered_missed_and_left_while_waiting(fixed_chats, report_range, in_database):
    figures = chat_service(report_range, in_database=in_database)
    assert figures["total"] == 7
    assert figures["answered"] == 4
    # Never claimed and ended: one patron gave up, one was ended by the desk; the waiting one is not missed yet.
    assert figures["missed"] == 2
    assert figures["left_while_waiting"] == 1


def test_it_counts_ratings_and_transfers_inside_the_range(fixed_chats, report_range, in_database):
    figures = chat_service(report_range, in_database=in_database)
    assert figures["rated"] == 3
    assert figures["average_rating"] == pytest.approx(4)
    assert figures["ratings"] == [
        {"stars": 1, "count": 0},
        {"stars": 2, "count": 0},
        {"stars": 3, "count": 1},
        {"stars": 4, "count": 1},
        {"stars": 5, "count": 1},
    ]
    assert figures["transfers"] == 2


def test_it_follows_the_mode_department_and_operator_filters(fixed_chats, departments, bob):
    assert chat_service(ReportFilter(start=START, end=END, mode="sms"))["total"] == 1
    assert chat_service(ReportFilter(start=START, end=END, mode="chat"))["total"] == 6
    assert chat_service(ReportFilter(start=START, end=END, mode="phone"))["total"] == 0
    assert chat_service(ReportFilter(start=START, end=END, department=departments["ideas"]))["total"] == 1
    by_bob = chat_service(ReportFilter(start=START, end=END, operator=bob))
    assert (by_bob["total"], by_bob["wait_median"], by_bob["transfers"]) == (2, 180, 1)


def test_it_has_no_timings_without_chats(db, report_range, in_database):
    figures = chat_service(report_range, in_database=in_database)
    assert figures["total"] == 0
    assert figures["wait_median"] is None
    assert figures["average_rating"] is None


def test_it_interpolates_percentiles_like_postgresql():
    assert percentile_cont([], 0.5) is None
    assert percentile_cont([7], 0.9) == 7
    assert percentile_cont([4, 1, 3, 2], 0.5) == 2.5
    assert percentile_cont([10, 20, 30, 40, 50], 0.9) == pytest.approx(46)
