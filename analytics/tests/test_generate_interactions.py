"""generate_interactions: a year with the rhythm of a real desk, and chats behind the chat interactions."""

from collections import Counter
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from analytics.models import Interaction, QuestionType
from analytics.sample_year import WEEKDAY_HOURS, WEEKEND_HOURS, term_factor
from chat.models import Chat


@pytest.fixture
def generated(db):
    call_command("generate_interactions", count=3000, days=56, seed=7, verbosity=0)
    return list(Interaction.objects.select_related("chat"))


def test_it_creates_the_interactions_asked_for_with_their_chats(generated):
    assert len(generated) == 3000
    for interaction in generated:
        if interaction.mode in ("chat", "sms"):
            assert interaction.chat is not None
            assert interaction.chat.created_at == interaction.happened_at
            assert interaction.chat.claimed_at > interaction.chat.created_at
            assert interaction.chat.source == ("sms" if interaction.mode == "sms" else "web")
        else:
            assert interaction.chat is None
    assert Chat.objects.filter(claimed_at__isnull=True, status="ended").exists(), "some chats are missed"
    assert QuestionType.objects.filter(name="Research").exists()


def test_it_keeps_to_opening_hours_and_the_weekly_rhythm(generated):
    local = [timezone.localtime(i.happened_at) for i in generated]
    for moment in local:
        hours = WEEKEND_HOURS if moment.weekday() >= 5 else WEEKDAY_HOURS
        assert moment.hour in hours
    weekdays = Counter(moment.weekday() for moment in local)
    assert weekdays[1] > 2 * weekdays[5], "a Tuesday is far busier than a Saturday"
    assert all(moment.date() <= timezone.localdate() for moment in local)


def test_it_gives_departments_their_own_mix(generated):
    modes = Counter((i.department.slug, i.mode) for i in Interaction.objects.select_related("department"))
    assert modes[("ideas", "in_person")] > modes[("ideas", "chat")]
    assert modes[("research", "chat")] > modes[("research", "phone")]
    assert not modes[("ideas", "sms")]


def test_it_follows_the_academic_year():
    assert term_factor(date(2026, 12, 25)) < term_factor(date(2026, 7, 15)) < term_factor(date(2026, 10, 6))
    assert term_factor(date(2026, 12, 8)) > term_factor(date(2026, 10, 6))


def test_it_gives_the_same_year_for_the_same_seed(db):
    call_command("generate_interactions", count=50, days=14, seed=3, verbosity=0)
    first = list(Interaction.objects.order_by("pk").values_list("mode", "duration_minutes", "read_scale"))
    Interaction.objects.all().delete()
    call_command("generate_interactions", count=50, days=14, seed=3, verbosity=0)
    assert list(Interaction.objects.order_by("pk").values_list("mode", "duration_minutes", "read_scale")) == first


def test_it_refuses_a_count_of_zero(db):
    with pytest.raises(CommandError, match="must be positive"):
        call_command("generate_interactions", count=0, verbosity=0)
