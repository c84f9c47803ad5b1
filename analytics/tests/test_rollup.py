"""The reports read the daily and hourly rollups: they must always equal grouping the interactions."""

from datetime import date

import pytest
from django.core.management import call_command

from analytics import reports, services
from analytics.admin import InteractionAdmin
from analytics.models import DailyRollup, HourlyRollup, Interaction, MonthlyRollup
from analytics.reports import ReportFilter
from analytics.tests.conftest import local

YEAR = ReportFilter(start=date(2026, 1, 1), end=date(2026, 12, 31))


def normalised(combinations):
    return sorted(
        (tuple(row[key] for key in reports.DIMENSIONS) + (row["count"], row["minutes"]) for row in combinations),
        key=repr,
    )


def assert_rollups_equal_raw(report=YEAR):
    raw = reports.interactions(report)
    assert reports.rollup_hourly_counts(report) == reports.hourly_counts(raw)
    assert normalised(reports.rollup_combination_counts(report)) == normalised(reports.combination_counts(raw))


def test_the_rollups_equal_the_raw_figures_for_every_filter(fixed_interactions, departments, carmen, choices):
    assert_rollups_equal_raw()
    for report in [
        ReportFilter(start=date(2026, 3, 2), end=date(2026, 3, 15)),
        ReportFilter(start=date(2026, 3, 8), end=date(2026, 3, 8)),  # the day clocks go forward
        ReportFilter(start=date(2026, 2, 15), end=date(2026, 4, 10)),  # March from the monthly rollup
        ReportFilter(start=date(2026, 3, 1), end=date(2026, 3, 31)),  # one whole month
        ReportFilter(start=YEAR.start, end=YEAR.end, department=departments["ideas"]),
        ReportFilter(start=YEAR.start, end=YEAR.end, operator=carmen),
        ReportFilter(start=YEAR.start, end=YEAR.end, mode="in_person", location=choices["desk"]),
    ]:
        assert_rollups_equal_raw(report)
    # The Sunday 23:30 email in Los Angeles counts on Sunday, like the raw figures.
    sunday = ReportFilter(start=date(2026, 3, 8), end=date(2026, 3, 8))
    assert reports.interaction_figures(sunday)["totals"]["count"] == 1


def test_recording_adds_to_the_rollups(fixed_interactions, alice, departments, choices):
    services.record_interaction(
        operator=alice,
        mode="phone",
        location=choices["desk"],
        duration_minutes=6,
        department=departments["research"],
        happened_at=local("2026-03-02 10:50"),
    )
    assert_rollups_equal_raw()
    assert reports.interaction_figures(ReportFilter(start=date(2026, 3, 2), end=date(2026, 3, 2)))["totals"] == {
        "count": 3,
        "minutes": 21,
        "average_minutes": 7,
    }


def test_an_edit_moves_the_count_and_an_emptied_bucket_disappears(fixed_interactions, sam, choices, departments):
    email = fixed_interactions[3]  # the only one on 8 March
    email.happened_at = local("2026-03-10 12:00")
    email.mode = "phone"
    email.question_type = choices["research"]
    email.department = departments["research"]
    email.duration_minutes = 25
    services.save_interaction_edit(actor=sam, interaction=email)
    assert_rollups_equal_raw()
    assert not DailyRollup.objects.filter(day=date(2026, 3, 8)).exists()
    assert not HourlyRollup.objects.filter(day=date(2026, 3, 8)).exists()
    assert not MonthlyRollup.objects.filter(mode="email").exists()
    march_10 = reports.interaction_figures(ReportFilter(start=date(2026, 3, 10), end=date(2026, 3, 10)))
    assert march_10["totals"]["minutes"] == 25
    assert [(row["label"], row["count"]) for row in march_10["by_mode"]] == [("Phone", 1)]


def test_deleting_in_admin_takes_the_interactions_out(fixed_interactions, sam, rf):
    request = rf.post("/")
    request.user = sam
    admin = InteractionAdmin(Interaction, None)
    admin.delete_model(request, fixed_interactions[0])
    admin.delete_queryset(request, Interaction.objects.filter(mode="chat"))
    assert Interaction.objects.count() == 5
    assert_rollups_equal_raw()


def test_correcting_a_chat_interaction_counts_it_once(alice, departments, choices):
    from analytics.tests.conftest import make_chat

    chat = make_chat(departments["research"], created="2026-03-04 12:00", wait=10, duration=60, operator=alice)
    for minutes in (4, 9):
        services.record_chat_interaction(
            chat=chat, operator=alice, location=choices["virtual"], mode="chat", duration_minutes=minutes
        )
    assert_rollups_equal_raw()
    assert sum(DailyRollup.objects.values_list("count", flat=True)) == 1
    assert sum(DailyRollup.objects.values_list("minutes", flat=True)) == 9


def test_the_rebuild_command_repairs_the_rollups(fixed_interactions):
    Interaction.objects.filter(pk=fixed_interactions[0].pk).delete()  # behind the services' back
    DailyRollup.objects.update(count=99)
    MonthlyRollup.objects.update(count=99)
    call_command("rebuild_report_rollups", verbosity=0)
    assert_rollups_equal_raw()
    assert reports.interaction_figures(YEAR)["totals"]["count"] == 7


@pytest.mark.parametrize("extra", [0, 40])
def test_the_figures_cost_the_same_queries_however_many_interactions(
    fixed_interactions, alice, choices, extra, django_assert_num_queries
):
    for n in range(extra):
        services.record_interaction(
            operator=alice,
            mode="in_person",
            location=choices["desk"],
            duration_minutes=1 + n,
            happened_at=local(f"2026-03-{2 + n % 14:02d} {8 + n % 10:02d}:15"),
        )
    with django_assert_num_queries(6):  # two rollup reads and four name look-ups
        reports.interaction_figures(ReportFilter(start=date(2026, 3, 2), end=date(2026, 3, 15)))
