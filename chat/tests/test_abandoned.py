"""Chats left waiting by a patron who closed the tab are ended as left, so the queue empties and
the reports count them as missed (issue 8, issue 6)."""

import threading
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from analytics.chat_figures import chat_service
from analytics.reports import ReportFilter
from chat import services
from chat.abandoned import end_abandoned_chat, end_abandoned_chats, note_patron_present
from chat.models import Chat, ChatEvent, Message
from chat.tests.test_services import Listener
from conftest import bring_online
from deskservice import realtime


def quiet_for(chat, minutes):
    """Move the chat and everything that happened in it `minutes` into the past."""
    shift = timedelta(minutes=minutes)
    created_at = Chat.objects.get(pk=chat.pk).created_at - shift
    Chat.objects.filter(pk=chat.pk).update(created_at=created_at)
    for model in (Message, ChatEvent):
        for row in model.objects.filter(chat=chat):
            model.objects.filter(pk=row.pk).update(created_at=row.created_at - shift)
    return Chat.objects.get(pk=chat.pk)


def start(department, question="Is the library open on Sunday?"):
    chat, _ = services.start_chat(department=department, question=question, name="Pat", email="pat@example.org")
    return chat


@pytest.mark.django_db
def test_it_ends_a_chat_left_quiet_in_the_queue_as_left_by_the_patron(waiting_chat, departments):
    quiet_for(waiting_chat, 31)
    assert end_abandoned_chats() == 1
    chat = Chat.objects.get(pk=waiting_chat.pk)
    assert (chat.status, chat.ended_by, chat.claimed_at) == ("ended", "patron", None)
    assert chat.events.filter(kind="ended", detail={"by": "patron"}).exists()
    # The report counts it as missed, the patron having left while waiting.
    today = timezone.localdate()
    figures = chat_service(ReportFilter(start=today - timedelta(days=1), end=today + timedelta(days=1)))
    assert (figures["missed"], figures["left_while_waiting"]) == (1, 1)
    # Nothing left to do on the next run.
    assert end_abandoned_chats() == 0


@pytest.mark.django_db
def test_a_widget_still_open_keeps_a_long_wait_in_the_queue(waiting_chat):
    # The patron has waited 40 minutes in silence, but their widget's heartbeats keep coming.
    chat = quiet_for(waiting_chat, 40)
    assert note_patron_present(chat_id=chat.pk, now=timezone.now() - timedelta(minutes=1))
    assert end_abandoned_chats() == 0
    assert Chat.objects.get(pk=chat.pk).status == "waiting"
    # Then the tab is closed: nothing is heard for longer than DESK_ABANDONED_WAIT_MINUTES.
    Chat.objects.filter(pk=chat.pk).update(patron_seen_at=timezone.now() - timedelta(minutes=16))
    assert end_abandoned_chats() == 1
    assert Chat.objects.get(pk=chat.pk).ended_by == "patron"
    # A chat that no longer waits is not marked present.
    assert not note_patron_present(chat_id=chat.pk)


@pytest.mark.django_db
def test_it_keeps_chats_with_a_recent_sign_of_life(departments, alice, bob, carmen):
    bring_online(alice)
    bring_online(carmen)
    research = departments["research"]
    fresh = start(research, "Fresh question")
    wrote = quiet_for(start(research, "Patron wrote lately"), 31)
    services.send_message(chat=wrote, body="Still here!", sender=Message.Sender.PATRON)
    claimed = quiet_for(services.claim_chat(chat_id=start(research, "Being answered").pk, operator=alice), 31)
    # Answered for a long time, then transferred back into a queue a moment ago.
    transferred = services.claim_chat(chat_id=start(research, "Transferred").pk, operator=bob)
    transferred = quiet_for(transferred, 45)
    from chat.transfers import request_transfer

    request_transfer(chat=transferred, from_operator=bob, to_department=departments["ideas"])
    assert Chat.objects.get(pk=transferred.pk).status == "waiting"

    assert end_abandoned_chats() == 0
    for chat in (fresh, wrote, transferred):
        assert Chat.objects.get(pk=chat.pk).status == "waiting"
    assert Chat.objects.get(pk=claimed.pk).status == "active"


@pytest.mark.django_db
def test_it_leaves_sms_chats_alone_and_can_be_turned_off(departments, alice, settings):
    from chat.sms.base import InboundText
    from chat.sms.services import receive_text

    settings.DESK_SMS_PROVIDER = "log"
    bring_online(alice)
    sms = receive_text(provider="log", text=InboundText(provider_id="SM1", phone="+16175550100", body="Hours?"))
    quiet_for(sms, 120)
    web = quiet_for(start(departments["research"]), 120)
    settings.DESK_ABANDONED_WAIT_MINUTES = 0
    assert end_abandoned_chats() == 0
    settings.DESK_ABANDONED_WAIT_MINUTES = 150
    assert end_abandoned_chats() == 0
    settings.DESK_ABANDONED_WAIT_MINUTES = 90
    assert end_abandoned_chats() == 1
    assert Chat.objects.get(pk=web.pk).status == "ended"
    assert Chat.objects.get(pk=sms.pk).status == "waiting"


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_operators_queue_and_the_patrons_tab_hear_of_it(departments, alice):
    await database_sync_to_async(bring_online)(alice)
    research = departments["research"]
    chat = await database_sync_to_async(start)(research)
    await database_sync_to_async(quiet_for)(chat, 31)
    async with (
        Listener(realtime.department_group(research.id)) as queue,
        Listener(realtime.chat_group(chat.pk)) as tab,
    ):
        assert await database_sync_to_async(end_abandoned_chats)() == 1
        assert await queue.next_event() == {
            "type": "queue.removed",
            "chat": str(chat.pk),
            "reason": "left",
            "operator": None,
        }
        events = [await tab.next_event() for _ in range(2)]
        assert [e["type"] for e in events] == ["message", "status"]
        assert events[1]["status"] == "ended"


@pytest.mark.django_db(transaction=True)
def test_a_claim_at_the_same_instant_wins_or_loses_cleanly(departments, alice):
    bring_online(alice)
    chat = quiet_for(start(departments["research"]), 31)
    quiet_since = timezone.now() - timedelta(minutes=settings.DESK_ABANDONED_WAIT_MINUTES)
    claimed, release, swept = threading.Event(), threading.Event(), []

    def claim():
        try:
            with transaction.atomic():
                services.claim_chat(chat_id=chat.pk, operator=alice)
                claimed.set()
                release.wait(10)
        finally:
            connection.close()

    def sweep():
        try:
            swept.append(end_abandoned_chat(chat_id=chat.pk, quiet_since=quiet_since))
        finally:
            connection.close()

    claimer = threading.Thread(target=claim)
    claimer.start()
    assert claimed.wait(10)
    sweeper = threading.Thread(target=sweep)
    sweeper.start()
    # The sweep waits on the claim's row lock (no sleeps: ask PostgreSQL).
    while sweeper.is_alive():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                break
    release.set()
    claimer.join(10)
    sweeper.join(10)
    assert swept == [False]
    chat.refresh_from_db()
    assert (chat.status, chat.operator_id) == ("active", alice.pk)


def test_beat_runs_the_sweep_every_five_minutes():
    from deskservice.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["end-abandoned-waiting-chats"]
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
    assert str(entry["schedule"].minute) == str(set(range(0, 60, 5)))
