"""The dashboard's live ticket counts: ticket_counts_for and the tickets.counts event on the real channel layer."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from deskservice import realtime
from tickets import services
from tickets.models import Queue
from tickets.selectors import ticket_counts_for


@pytest.mark.django_db
def test_it_counts_my_open_tickets_and_the_unassigned_ones_in_my_queues(departments, alice, bob, carmen, its):
    research = Queue.objects.create(name="Research & Instruction", slug="research", department=departments["research"])
    maps = Queue.objects.create(name="Maps", slug="maps")
    maps.members.add(carmen)
    for _ in range(2):
        services.create_ticket(question="Q", email="p@example.org", source="phone", queue=research)
    services.create_ticket(question="Q", email="p@example.org", source="phone", queue=research, assignee=alice)
    services.create_ticket(question="Q", email="p@example.org", source="phone", queue=maps)
    closed = services.create_ticket(question="Q", email="p@example.org", source="phone", queue=research, assignee=alice)
    services.change_ticket_status(ticket=closed, operator=alice, status="closed")
    referred = services.create_ticket(question="Q", email="p@example.org", source="phone", queue=research)
    services.transfer_ticket(ticket=referred, operator=alice, queue=research, team=its)

    assert ticket_counts_for(alice) == {"mine": 1, "unassigned": 2}  # Research is her department's queue.
    assert ticket_counts_for(bob.pk) == {"mine": 0, "unassigned": 2}
    assert ticket_counts_for(carmen) == {"mine": 0, "unassigned": 1}  # A member of Maps.


@pytest.mark.django_db
def test_it_counts_in_one_query(departments, alice, django_assert_num_queries):
    with django_assert_num_queries(1):
        ticket_counts_for(alice)


async def receive(layer, channel, timeout=5):
    return (await asyncio.wait_for(layer.receive(channel), timeout))["event"]


async def nothing_for(layer, channel):
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(layer.receive(channel), 0.7)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_it_sends_each_affected_operator_their_counts_after_commit(departments, alice, bob, carmen):
    research = await database_sync_to_async(Queue.objects.create)(
        name="Research & Instruction", slug="research", department=departments["research"]
    )
    layer = get_channel_layer()
    channels = {}
    for person in (alice, bob, carmen):
        channels[person.username] = await layer.new_channel()
        await layer.group_add(realtime.operator_group(person.id), channels[person.username])
    try:
        ticket = await database_sync_to_async(services.create_ticket)(
            question="Q", email="p@example.org", source="phone", queue=research
        )
        for name in ("alice", "bob"):
            assert await receive(layer, channels[name]) == {"type": "tickets.counts", "mine": 0, "unassigned": 1}
        await nothing_for(layer, channels["carmen"])

        await database_sync_to_async(services.take_ticket)(ticket=ticket, operator=alice, expected_version=1)
        assert await receive(layer, channels["alice"]) == {"type": "tickets.counts", "mine": 1, "unassigned": 0}
        assert await receive(layer, channels["bob"]) == {"type": "tickets.counts", "mine": 0, "unassigned": 0}
        # One event per operator per change, even when the change touched several fields.
        await nothing_for(layer, channels["alice"])

        # A note changes no count: nobody hears anything.
        await database_sync_to_async(services.add_internal_note)(ticket=ticket, operator=bob, body="fyi")
        await nothing_for(layer, channels["bob"])
    finally:
        for person in (alice, bob, carmen):
            await layer.group_discard(realtime.operator_group(person.id), channels[person.username])
