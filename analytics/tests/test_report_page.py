"""The reports page: who may see it, its filters, and a query count that does not grow with the data."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from analytics import rollup
from analytics.models import Interaction, Location, QuestionType

URL = reverse("analytics:reports")
RANGE = {"start": "2026-03-02", "end": "2026-03-15"}


@pytest.fixture
def librarian(lena):
    """The Librarian group (made by the roles migration), not lena herself, holds the permission."""
    assert not lena.user_permissions.exists()
    return lena


def test_it_sends_signed_out_visitors_to_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_refuses_an_operator_without_the_permission(client, alice):
    client.force_login(alice)
    response = client.get(URL)
    assert response.status_code == 403
    assert client.get(reverse("analytics:export_csv")).status_code == 403


def test_it_shows_the_report_to_a_superuser(client, sam, fixed_interactions, fixed_chats):
    client.force_login(sam)
    response = client.get(URL, RANGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Mar 2, 2026 – Mar 15, 2026 · 14 days" in page
    assert response.context["totals"]["count"] == 6
    assert response.context["chats"]["missed"] == 2
    for heading in ["By day", "By week", "By month", "Busiest hours", "Mode", "READ scale", "Chat service"]:
        assert heading in page
    assert 'id="report-charts"' in page
    assert "analytics/vendor/chart.umd.js" in page


def test_it_shows_the_report_to_a_librarian_through_their_group(client, librarian, fixed_interactions):
    client.force_login(librarian)
    assert client.get(URL, RANGE).status_code == 200


def test_it_defaults_to_the_last_30_days(client, sam, choices):
    today = timezone.localdate()
    Interaction.objects.create(mode="phone", location=choices["desk"], duration_minutes=4)
    Interaction.objects.create(
        mode="phone", location=choices["desk"], duration_minutes=4, happened_at=timezone.now() - timedelta(days=40)
    )
    rollup.rebuild()
    client.force_login(sam)
    response = client.get(URL)
    report = response.context["report"]
    assert (report.start, report.end) == (today - timedelta(days=29), today)
    assert response.context["totals"]["count"] == 1


def test_it_applies_the_filters(client, sam, fixed_interactions, departments):
    client.force_login(sam)
    response = client.get(URL, {**RANGE, "department": departments["research"].pk, "mode": "in_person"})
    assert response.context["totals"]["count"] == 1
    assert "Research &amp; Instruction · In person" in response.content.decode()


def test_it_explains_a_backwards_range(client, sam):
    client.force_login(sam)
    response = client.get(URL, {"start": "2026-03-15", "end": "2026-03-02"})
    assert response.status_code == 400
    assert "The start date must be on or before the end date." in response.content.decode()
    assert "totals" not in response.context


def test_it_explains_a_date_it_cannot_read(client, sam):
    client.force_login(sam)
    response = client.get(URL, {"start": "yesterday"})
    assert response.status_code == 400
    assert "From: Enter a valid date." in response.content.decode()


def add_interactions(count, *, operators, locations, question_types, departments):
    start = timezone.make_aware(timezone.datetime(2026, 3, 2, 9))
    Interaction.objects.bulk_create(
        Interaction(
            happened_at=start + timedelta(hours=5 * n),
            mode=["chat", "phone", "in_person", "email"][n % 4],
            location=locations[n % len(locations)],
            duration_minutes=1 + n % 30,
            department=departments[n % len(departments)],
            operator=operators[n % len(operators)],
            question_type=question_types[n % len(question_types)],
            read_scale=1 + n % 6,
        )
        for n in range(count)
    )
    rollup.rebuild()  # bulk_create bypasses the services, like generate_interactions


def count_queries(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, RANGE).status_code == 200
    return len(queries)


def test_it_runs_the_same_number_of_queries_however_many_rows(
    client, sam, alice, bob, carmen, departments, fixed_chats, django_assert_num_queries
):
    client.force_login(sam)
    departments = list(departments.values())
    locations = [Location.objects.create(name=f"Desk {n}") for n in range(2)]
    question_types = [QuestionType.objects.create(name=f"Type {n}") for n in range(2)]
    add_interactions(10, operators=[alice], locations=locations, question_types=question_types, departments=departments)
    small = count_queries(client)

    locations += [Location.objects.create(name=f"Desk {n}") for n in range(2, 8)]
    question_types += [QuestionType.objects.create(name=f"Type {n}") for n in range(2, 8)]
    add_interactions(
        60,
        operators=[alice, bob, carmen, sam],
        locations=locations,
        question_types=question_types,
        departments=departments,
    )
    with django_assert_num_queries(small):
        client.get(URL, RANGE)
