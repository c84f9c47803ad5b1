"""The shift schedule: who is on duty now, who is next, and a shift that ended with chats open."""

from datetime import datetime, time

from django.utils import timezone

from deskservice.models import Shift
from deskservice.shifts import next_on_duty, on_duty_now, shift_ended_for


def at(day, hour, minute=0):
    return timezone.make_aware(datetime(2026, 11, day, hour, minute))


def test_it_finds_weekly_and_dated_shifts_on_duty(alice, bob, departments):
    # 2026-11-23 is a Monday.
    Shift.objects.create(
        operator=alice, department=departments["research"], weekday=0, starts_at=time(9), ends_at=time(13)
    )
    Shift.objects.create(
        operator=bob, department=departments["research"], date=at(23, 0).date(), starts_at=time(13), ends_at=time(17)
    )
    assert [s.operator for s in on_duty_now(at(23, 10))] == [alice]
    assert [s.operator for s in on_duty_now(at(23, 14))] == [bob]
    assert on_duty_now(at(24, 10)) == []


def test_it_names_the_next_person_on_duty(alice, bob, departments):
    Shift.objects.create(
        operator=alice, department=departments["research"], weekday=0, starts_at=time(9), ends_at=time(13)
    )
    Shift.objects.create(
        operator=bob, department=departments["research"], weekday=0, starts_at=time(13), ends_at=time(17)
    )
    shift, starts = next_on_duty(departments["research"], now=at(23, 12, 50), exclude_user=alice)
    assert shift.operator == bob and timezone.localtime(starts).hour == 13


def test_it_tells_an_operator_their_shift_has_ended(alice, departments):
    Shift.objects.create(
        operator=alice, department=departments["research"], weekday=0, starts_at=time(9), ends_at=time(13)
    )
    assert shift_ended_for(alice, now=at(23, 12)) is None
    assert shift_ended_for(alice, now=at(23, 13, 5)).ends_at == time(13)
