"""Presence: an operator counts as online while a dashboard of theirs sends heartbeats."""

from datetime import timedelta

import pytest
from django.utils import timezone

from chat import services as chat_services
from conftest import bring_online
from deskservice import services
from deskservice.models import DashboardConnection, Department, User
from deskservice.selectors import department_is_online, department_presence, is_operator_online, online_operators


def go_quiet(user, seconds):
    """As if the user's dashboards had stopped sending heartbeats `seconds` ago."""
    DashboardConnection.objects.filter(user=user).update(last_heartbeat=timezone.now() - timedelta(seconds=seconds))


def research_presence():
    return next(d for d in department_presence() if d["slug"] == "research")


def test_it_counts_an_operator_online_within_the_timeout(departments, alice, settings):
    settings.DESK_PRESENCE_TIMEOUT_SECONDS = 60
    bring_online(alice)
    go_quiet(alice, 50)
    assert is_operator_online(alice)
    assert department_is_online(departments["research"])
    assert not department_is_online(departments["ideas"])


def test_it_counts_an_operator_offline_after_the_timeout(departments, alice, settings):
    settings.DESK_PRESENCE_TIMEOUT_SECONDS = 60
    bring_online(alice)
    go_quiet(alice, 61)
    assert not is_operator_online(alice)
    assert not department_is_online(departments["research"])
    assert research_presence()["online"] is False
    with pytest.raises(chat_services.NobodyOnline):
        chat_services.start_chat(department=departments["research"], question="Anyone there?")


def test_a_heartbeat_brings_the_operator_back(departments, alice):
    connection = bring_online(alice, "desk.alice.1")
    go_quiet(alice, 3600)
    services.heartbeat(user=alice, channel_name=connection.channel_name)
    assert is_operator_online(alice)


def test_a_heartbeat_brings_back_a_connection_cleared_while_it_was_quiet(departments, alice, bob):
    services.connect_dashboard(user=alice, channel_name="desk.alice.1")
    go_quiet(alice, 3600)  # her laptop slept
    services.connect_dashboard(user=bob, channel_name="desk.bob.1")  # clears rows that went quiet
    assert not is_operator_online(alice)

    services.heartbeat(user=alice, channel_name="desk.alice.1")  # it woke up; the socket is still open
    assert is_operator_online(alice)
    services.heartbeat(user=alice, channel_name="desk.alice.1")
    assert alice.connections.count() == 1


def test_one_live_tab_is_enough(departments, alice):
    bring_online(alice, "desk.alice.old")
    go_quiet(alice, 3600)
    bring_online(alice, "desk.alice.new")
    assert list(online_operators()) == [alice]


def test_a_deactivated_operator_is_not_online(departments, alice):
    bring_online(alice)
    User.objects.filter(pk=alice.pk).update(is_active=False)
    alice.refresh_from_db()
    assert not is_operator_online(alice)
    assert not department_is_online(departments["research"])


def test_away_is_online_but_not_available(client, departments, alice):
    bring_online(alice)
    services.set_availability(user=alice, availability=User.Availability.AWAY)
    assert is_operator_online(alice)
    assert research_presence() == {
        "id": departments["research"].id,
        "slug": "research",
        "name": "Research & Instruction",
        "online": True,
        "operators_online": 1,
        "operators_available": 0,
    }
    # Away operators still receive chats; the widget only tells the patron.
    chat, _ = chat_services.start_chat(department=departments["research"], question="Still taking questions?")
    assert chat.status == "waiting"


def test_the_widget_says_away_only_when_every_online_operator_is_away(client, departments, alice, bob):
    bring_online(alice)
    services.set_availability(user=alice, availability=User.Availability.AWAY)

    def research_status():
        departments = client.get("/api/widget/v1/status").json()["departments"]
        return next(d for d in departments if d["slug"] == "research")

    assert research_status() == {"slug": "research", "name": "Research & Instruction", "online": True, "away": True}
    bring_online(bob)
    assert research_status()["away"] is False
    go_quiet(bob, 3600)
    assert research_status()["away"] is True
    services.set_availability(user=alice, availability=User.Availability.ONLINE)
    assert research_status()["away"] is False


def test_it_refuses_an_unknown_availability(departments, alice):
    with pytest.raises(ValueError):
        services.set_availability(user=alice, availability="asleep")
    alice.refresh_from_db()
    assert alice.availability == User.Availability.ONLINE


def test_connecting_a_dashboard_clears_dead_connections(departments, alice, bob):
    bring_online(bob, "desk.bob.dead")
    go_quiet(bob, 3600)
    services.connect_dashboard(user=alice, channel_name="desk.alice.1")
    assert list(DashboardConnection.objects.values_list("channel_name", flat=True)) == ["desk.alice.1"]
    services.disconnect_dashboard(channel_name="desk.alice.1")
    assert not DashboardConnection.objects.exists()


def test_department_presence_takes_a_fixed_number_of_queries(
    departments, alice, bob, carmen, sam, django_assert_num_queries
):
    bring_online(alice)
    with django_assert_num_queries(2):
        department_presence()

    for number in range(10):
        department = Department.objects.create(name=f"Branch {number}", slug=f"branch-{number}", position=10 + number)
        user = User.objects.create_user(username=f"op{number}", first_name=f"Op {number}")
        user.departments.set([department, departments["research"]])
        bring_online(user)
    for user in (bob, carmen, sam):
        bring_online(user)

    with django_assert_num_queries(2):
        presence = department_presence()
    assert len(presence) == 13
    assert research_presence()["operators_online"] == 13  # alice, bob, sam and the ten
    assert next(d for d in presence if d["slug"] == "branch-3")["operators_online"] == 1


def test_inactive_departments_are_left_out(departments, alice):
    departments["access"].active = False
    departments["access"].save()
    assert [d["slug"] for d in department_presence()] == ["research", "ideas"]
