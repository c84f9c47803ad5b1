"""Small fixed data for the report tests: figures in these tests are computed by hand from it.

The range is Monday 2 March to Sunday 15 March 2026, in the library's time zone
(America/Los_Angeles; daylight saving time starts on Sunday 8 March).
"""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from analytics import rollup
from analytics.models import Interaction, Location, QuestionType
from analytics.reports import ReportFilter
from chat.models import Chat, ChatEvent

START, END = date(2026, 3, 2), date(2026, 3, 15)


def local(text: str) -> datetime:
    return timezone.make_aware(datetime.strptime(text, "%Y-%m-%d %H:%M"))


@pytest.fixture
def report_range():
    return ReportFilter(start=START, end=END)


@pytest.fixture
def choices(db):
    return {
        "desk": Location.objects.create(name="Main desk", position=1),
        # get_or_create: the root conftest's `location` fixture makes the same one.
        "virtual": Location.objects.get_or_create(name="Virtual")[0],
        "directional": QuestionType.objects.create(name="Directional", position=0),
        "research": QuestionType.objects.create(name="Research", position=1),
        "technology": QuestionType.objects.create(name="Technology", position=2),
    }


@pytest.fixture
def fixed_interactions(departments, alice, bob, carmen, choices):
    """Six interactions inside the range and two just outside it."""
    research, access, ideas = departments["research"], departments["access"], departments["ideas"]
    rows = [
        ("2026-03-02 10:15", "in_person", "desk", 5, research, alice, "directional", 1),
        ("2026-03-02 10:40", "phone", "desk", 10, research, bob, "research", 3),
        ("2026-03-03 14:05", "chat", "virtual", 12, research, alice, "research", 4),
        # 23:30 on Sunday in Los Angeles is already Monday in UTC: it must count on Sunday.
        ("2026-03-08 23:30", "email", "virtual", 20, ideas, carmen, None, None),
        ("2026-03-09 09:00", "in_person", "desk", 3, access, bob, "directional", 1),
        ("2026-03-15 16:20", "chat", "virtual", 8, ideas, carmen, "technology", 2),
        # Outside the range, by a minute on each side.
        ("2026-03-01 23:59", "in_person", "desk", 7, research, alice, "directional", 1),
        ("2026-03-16 00:00", "in_person", "desk", 7, research, alice, "directional", 1),
    ]
    created = [
        Interaction.objects.create(
            happened_at=local(when),
            mode=mode,
            location=choices[location],
            duration_minutes=minutes,
            department=department,
            operator=operator,
            question_type=choices[question] if question else None,
            read_scale=level,
            notes="Pat Patron (pat@example.org) asked about this",
        )
        for when, mode, location, minutes, department, operator, question, level in rows
    ]
    for interaction in created:  # as the recording services do
        rollup.add(rollup.snapshot(interaction))
    return created


def make_chat(department, *, created: str, wait=None, duration=None, rating=None, source="web", **extra):
    created_at = local(created)
    claimed_at = created_at + timedelta(seconds=wait) if wait is not None else None
    ended_at = claimed_at + timedelta(seconds=duration) if duration is not None else None
    return Chat.objects.create(
        department=department,
        token_hash="0" * 64,
        question="A question",
        patron_name="Pat Patron",
        patron_email="pat@example.org",
        source=source,
        created_at=created_at,
        claimed_at=claimed_at,
        ended_at=ended_at,
        rating=rating,
        **extra,
    )


@pytest.fixture
def fixed_chats(departments, alice, bob):
    """Waits 30, 60, 90, 300 s; durations 300, 600, 900, 120 s; two missed chats; one still waiting."""
    research, ideas = departments["research"], departments["ideas"]
    ended = {"status": Chat.Status.ENDED, "ended_by": Chat.EndedBy.OPERATOR}
    answered = [
        make_chat(research, created="2026-03-02 10:00", wait=30, duration=300, rating=5, operator=alice, **ended),
        make_chat(research, created="2026-03-03 11:00", wait=60, duration=600, rating=3, operator=bob, **ended),
        make_chat(research, created="2026-03-04 12:00", wait=90, duration=900, operator=alice, **ended),
        make_chat(
            ideas, created="2026-03-05 13:00", wait=300, duration=120, rating=4, source="sms", operator=bob, **ended
        ),
    ]
    left = make_chat(research, created="2026-03-06 14:00", status=Chat.Status.ENDED, ended_by=Chat.EndedBy.PATRON)
    left.ended_at = left.created_at + timedelta(minutes=4)
    left.save()
    make_chat(research, created="2026-03-07 15:00", status=Chat.Status.ENDED, ended_by=Chat.EndedBy.SYSTEM)
    make_chat(research, created="2026-03-15 23:00")  # still waiting: not missed (yet)
    outside = make_chat(research, created="2026-03-20 10:00", wait=10, duration=60, rating=1, operator=alice, **ended)
    for chat in [answered[0], answered[1], outside]:
        ChatEvent.objects.create(chat=chat, kind="transferred")
    ChatEvent.objects.create(chat=answered[2], kind=ChatEvent.Kind.CLAIMED)
    return answered
