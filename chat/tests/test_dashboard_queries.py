"""The dashboard's snapshot and lists cost the same number of queries with 3 chats or 30.

Their server time at 10,000 chats is measured by bench/pages_bench.py (docs/performance.md);
here the query counts are asserted at two data sizes, so that a query per row cannot creep in.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chat import services
from chat.consumers import DashboardConsumer
from chat.models import Chat
from chat.transfers import request_transfer
from conftest import bring_online
from deskservice.models import DashboardConnection, User

pytestmark = pytest.mark.django_db


def add_work(departments, alice, bob, count):
    """`count` waiting chats, `count` of alice's active chats, `count` ended and closed ones,
    and transfers offered to alice; bob is online to send them."""
    research = departments["research"]
    for number in range(count):
        services.start_chat(department=research, question=f"Waiting question {number}")
        mine, _ = services.start_chat(department=research, question=f"Alice's question {number}", name=f"P{number}")
        services.claim_chat(chat_id=mine.pk, operator=alice)
        old, _ = services.start_chat(department=research, question=f"Old question {number}")
        services.claim_chat(chat_id=old.pk, operator=alice)
        services.end_chat(chat=Chat.objects.get(pk=old.pk), ended_by="patron")
        Chat.objects.filter(pk=old.pk).update(closed_at=old.created_at)
        offered, _ = services.start_chat(department=research, question=f"Bob's question {number}")
        offered = services.claim_chat(chat_id=offered.pk, operator=bob)
        request_transfer(chat=offered, from_operator=bob, to_operator=alice, note="Can you take this?")


def queries(run) -> int:
    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured)


@pytest.fixture
def online_pair(departments, alice, bob):
    bring_online(alice, "test.alice")
    bring_online(bob, "test.bob")
    return alice, bob


def snapshot_of(user):
    consumer = DashboardConsumer()
    consumer.user = user
    return consumer._snapshot()


def test_it_builds_the_snapshot_in_a_fixed_number_of_queries(departments, online_pair, django_assert_num_queries):
    alice, bob = online_pair
    add_work(departments, alice, bob, 3)
    snapshot_of(alice)  # the first call also loads her role's permissions, once per connection
    few = queries(lambda: snapshot_of(alice))

    add_work(departments, alice, bob, 27)
    with django_assert_num_queries(few):
        snapshot = snapshot_of(alice)
    assert len(snapshot["queue"]) == 30
    assert len(snapshot["chats"]) == 30  # her active chats; the closed ones have left the dashboard
    assert len(snapshot["transfers"]) == 30


def test_it_lists_every_open_chat_for_a_supervisor_in_a_fixed_number_of_queries(
    client, departments, online_pair, sam, django_assert_num_queries
):
    alice, bob = online_pair
    client.force_login(sam)
    add_work(departments, alice, bob, 3)
    client.get("/desk/api/active-chats")  # the session and permissions, once
    few = queries(lambda: client.get("/desk/api/active-chats"))

    add_work(departments, alice, bob, 27)
    with django_assert_num_queries(few):
        response = client.get("/desk/api/active-chats")
    assert len(response.json()["chats"]) == 30 * 3  # waiting, alice's and the offered ones


def test_it_lists_operators_in_a_fixed_number_of_queries(client, departments, alice, django_assert_num_queries):
    client.force_login(alice)
    bring_online(alice)

    def add_operators(start, count):
        for number in range(start, start + count):
            user = User.objects.create_user(username=f"op{number}", first_name=f"Operator {number}")
            user.departments.add(departments["research" if number % 2 else "ideas"])
            if number % 3 == 0:
                bring_online(user)

    add_operators(0, 3)
    client.get("/desk/api/operators")
    few = queries(lambda: client.get("/desk/api/operators"))

    add_operators(3, 30)
    with django_assert_num_queries(few):
        response = client.get("/desk/api/operators")
    assert len(response.json()["operators"]) == 33


def test_it_serves_the_dashboard_page_in_a_fixed_number_of_queries(
    client, departments, online_pair, django_assert_num_queries
):
    alice, bob = online_pair
    client.force_login(alice)
    add_work(departments, alice, bob, 3)
    client.get("/desk/")
    few = queries(lambda: client.get("/desk/"))

    add_work(departments, alice, bob, 27)
    with django_assert_num_queries(few):
        response = client.get("/desk/")
    assert response.status_code == 200


def test_chats_i_stayed_in_cost_the_snapshot_no_query_per_chat(departments, online_pair, django_assert_num_queries):
    """Chats alice transferred to bob and stayed in (three-way) are listed with their participants."""
    from chat.transfers import accept_transfer

    alice, bob = online_pair

    def stay_in(count):
        for number in range(count):
            chat, _ = services.start_chat(department=departments["research"], question=f"Three-way {number}")
            chat = services.claim_chat(chat_id=chat.pk, operator=alice)
            transfer = request_transfer(chat=chat, from_operator=alice, to_operator=bob, stay=True)
            accept_transfer(transfer_id=transfer.pk, operator=bob)

    stay_in(2)
    snapshot_of(alice)
    few = queries(lambda: snapshot_of(alice))
    stay_in(10)
    with django_assert_num_queries(few):
        snapshot = snapshot_of(alice)
    assert len(snapshot["chats"]) == 12
    assert {c["operator"] for c in snapshot["chats"]} == {"Bob"}
    assert all(c["participants"] == [{"id": alice.pk, "name": "Alice"}] for c in snapshot["chats"])


def test_a_dashboard_heartbeat_costs_a_fixed_number_of_queries(departments, online_pair, django_assert_num_queries):
    alice, bob = online_pair
    add_work(departments, alice, bob, 3)
    consumer = DashboardConsumer()
    consumer.user, consumer.channel_name = alice, "test.alice"
    # The role, this dashboard's presence, due transfers, and the departments' presence (two).
    with django_assert_num_queries(5):
        departments_now = consumer._beat()
    assert {d["slug"]: d["operators_online"] for d in departments_now}["research"] == 2


def test_each_heartbeat_reads_the_role_and_presence_afresh(settings, departments, online_pair):
    """The heartbeat's reads are compiled once (deskservice/compiled_sql.py); what they read is
    the database's state and clock at each beat, and a changed timeout takes effect."""
    alice, bob = online_pair
    consumer = DashboardConsumer()
    consumer.user, consumer.channel_name = alice, "test.alice"

    def online_in_research():
        return {d["slug"]: d["operators_online"] for d in consumer._beat()}["research"]

    assert online_in_research() == 2
    silent_since = timezone.now() - timedelta(seconds=settings.DESK_PRESENCE_TIMEOUT_SECONDS + 1)
    DashboardConnection.objects.filter(channel_name="test.bob").update(last_heartbeat=silent_since)
    assert online_in_research() == 1  # bob's dashboard went silent
    settings.DESK_PRESENCE_TIMEOUT_SECONDS += 3600
    assert online_in_research() == 2  # within the longer timeout he counts again
    alice.groups.clear()  # her role is taken away
    assert consumer._beat() is None
