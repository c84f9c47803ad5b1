"""The chat services: the desk's rules for starting, claiming, messaging, ending and closing chats."""

import asyncio
import json
import threading
from datetime import timedelta

import pytest
import redis
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection, transaction

from analytics.models import Interaction
from chat import services
from chat.models import CannedMessage, Chat, ChatEvent, Message, TranscriptEmail, hash_token
from conftest import bring_online
from deskservice import realtime

QUESTION = "Do you have The Left Hand of Darkness?"


def start(department, **extra):
    values = {"question": QUESTION, "name": "Pat Patron", "email": "pat@example.org", **extra}
    chat, token = services.start_chat(department=department, **values)
    chat.token = token
    return chat


def interaction_for(chat, location):
    return Interaction.objects.create(
        chat=chat,
        happened_at=chat.created_at,
        mode=Interaction.Mode.CHAT,
        location=location,
        duration_minutes=5,
        department=chat.department,
        operator=chat.operator,
    )


class Listener:
    """A channel on the real Redis layer subscribed to some groups, as a consumer would be."""

    def __init__(self, *groups):
        self.groups = groups
        self.layer = get_channel_layer()

    async def __aenter__(self):
        self.channel = await self.layer.new_channel("test.")
        for group in self.groups:
            await self.layer.group_add(group, self.channel)
        return self

    async def __aexit__(self, *exc):
        for group in self.groups:
            await self.layer.group_discard(group, self.channel)

    async def next_event(self, timeout=2):
        message = await asyncio.wait_for(self.layer.receive(self.channel), timeout)
        return message["event"]

    async def events(self, count):
        return [await self.next_event() for _ in range(count)]

    async def nothing(self, timeout=0.3):
        try:
            message = await asyncio.wait_for(self.layer.receive(self.channel), timeout)
        except TimeoutError:
            return True
        raise AssertionError(f"unexpected event {message}")


# --- start_chat ---------------------------------------------------------------------------


def test_it_starts_a_waiting_chat(departments, alice):
    bring_online(alice)
    chat = start(departments["research"])
    assert chat.status == Chat.Status.WAITING
    assert chat.question == QUESTION
    assert chat.patron_name == "Pat Patron"
    assert chat.events.get().kind == ChatEvent.Kind.CREATED


def test_it_refuses_when_nobody_is_online(departments):
    with pytest.raises(services.NobodyOnline) as error:
        start(departments["research"])
    assert str(error.value) == (
        "Nobody in Research & Instruction is online right now. Leave your question and we will reply by email."
    )
    assert error.value.status_code == 409
    assert not Chat.objects.exists()


def test_it_refuses_when_only_another_department_is_online(departments, carmen):
    bring_online(carmen)
    with pytest.raises(services.NobodyOnline):
        start(departments["research"])


def test_it_refuses_an_inactive_department(departments, alice):
    bring_online(alice)
    research = departments["research"]
    research.active = False
    research.save()
    with pytest.raises(services.ChatError) as error:
        start(research)
    assert str(error.value) == "That department does not take chats."
    assert error.value.field == "department"


@pytest.mark.parametrize("question", ["", "   \n ", "\x00\x00", None, 42])
def test_it_refuses_an_empty_or_non_text_question(departments, alice, question):
    bring_online(alice)
    with pytest.raises(services.ChatError) as error:
        start(departments["research"], question=question)
    assert error.value.field == "question"
    assert not Chat.objects.exists()


def test_it_refuses_a_question_over_4000_characters(departments, alice):
    bring_online(alice)
    with pytest.raises(services.ChatError) as error:
        start(departments["research"], question="x" * 4001)
    assert str(error.value) == "The question is too long (4001 characters; at most 4000)."
    assert start(departments["research"], question="x" * 4000).question == "x" * 4000


def test_it_refuses_a_bad_email(departments, alice):
    bring_online(alice)
    with pytest.raises(services.ChatError) as error:
        start(departments["research"], email="pat@")
    assert str(error.value) == "“pat@” is not a valid email address."
    assert error.value.field == "email"


def test_it_stores_the_token_hashed(departments, alice):
    bring_online(alice)
    chat = start(departments["research"])
    stored = Chat.objects.get(pk=chat.pk)
    assert len(chat.token) >= 40
    assert stored.token_hash == hash_token(chat.token)
    assert chat.token not in stored.token_hash
    assert stored.token_matches(chat.token)
    assert not stored.token_matches(chat.token[:-1])
    assert not stored.token_matches("")


def test_it_strips_nul_characters_from_what_the_patron_typed(departments, alice):
    # PostgreSQL refuses NUL in text: stored as typed it would be a 500 for the patron.
    bring_online(alice)
    chat = start(departments["research"], question="Where\x00 is it?", name="Pat\x00", page_url="https://x\x00.org/")
    chat.refresh_from_db()
    assert (chat.question, chat.patron_name, chat.page_url) == ("Where is it?", "Pat", "https://x.org/")


# --- queue_position -----------------------------------------------------------------------


def test_it_counts_the_queue_position_per_department(departments, alice, carmen):
    bring_online(alice)
    bring_online(carmen)
    first = start(departments["research"])
    other = start(departments["ideas"])
    second = start(departments["research"])
    assert [services.queue_position(c) for c in (first, other, second)] == [1, 1, 2]

    services.claim_chat(chat_id=first.pk, operator=alice)
    first.refresh_from_db()
    assert services.queue_position(first) is None
    assert services.queue_position(second) == 1
    assert services.queue_position(other) == 1


def test_it_orders_chats_that_arrived_at_the_same_instant(departments, alice):
    bring_online(alice)
    first, second = start(departments["research"]), start(departments["research"])
    Chat.objects.filter(pk__in=[first.pk, second.pk]).update(created_at=first.created_at)
    positions = sorted(services.queue_position(Chat.objects.get(pk=c.pk)) for c in (first, second))
    assert positions == [1, 2]


# --- claim_chat ---------------------------------------------------------------------------


def test_it_gives_the_chat_to_the_operator_who_claims_it(waiting_chat, alice):
    chat = services.claim_chat(chat_id=waiting_chat.pk, operator=alice)
    assert chat.status == Chat.Status.ACTIVE
    assert chat.operator == alice
    assert chat.claimed_at is not None
    assert chat.messages.get().body == "Alice has joined the chat."
    assert chat.events.filter(kind=ChatEvent.Kind.CLAIMED, actor=alice).exists()


def test_it_tells_the_second_operator_who_claimed_it(active_chat, bob):
    with pytest.raises(services.ChatConflict) as error:
        services.claim_chat(chat_id=active_chat.pk, operator=bob)
    assert str(error.value) == "Alice has already claimed this chat."
    assert error.value.status_code == 409
    assert Chat.objects.get(pk=active_chat.pk).operator_id == active_chat.operator_id


def test_it_tells_the_owner_they_already_have_it(active_chat, alice):
    with pytest.raises(services.ChatConflict, match="You have already claimed this chat."):
        services.claim_chat(chat_id=active_chat.pk, operator=alice)


def test_it_refuses_a_claim_after_the_patron_left(waiting_chat, alice):
    services.end_chat(chat=waiting_chat, ended_by=Chat.EndedBy.PATRON)
    with pytest.raises(services.ChatConflict, match="The patron left before the chat was claimed."):
        services.claim_chat(chat_id=waiting_chat.pk, operator=alice)


def test_it_names_the_owner_when_a_chat_was_answered_and_ended(active_chat, alice, bob):
    services.end_chat(chat=active_chat, ended_by=Chat.EndedBy.OPERATOR, operator=alice)
    with pytest.raises(services.ChatConflict) as error:
        services.claim_chat(chat_id=active_chat.pk, operator=bob)
    assert str(error.value) == "Alice has already claimed this chat."


def test_it_refuses_an_operator_of_another_department(waiting_chat, carmen):
    with pytest.raises(services.NotAllowed) as error:
        services.claim_chat(chat_id=waiting_chat.pk, operator=carmen)
    assert str(error.value) == "You are not an operator of Research & Instruction."
    assert error.value.status_code == 403
    assert Chat.objects.get(pk=waiting_chat.pk).status == Chat.Status.WAITING


def test_it_lets_a_superuser_claim_any_chat(waiting_chat, sam, departments):
    sam.departments.clear()
    chat = services.claim_chat(chat_id=waiting_chat.pk, operator=sam)
    assert chat.operator == sam


def test_it_publishes_the_claim_after_commit(waiting_chat, alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.claim_chat(chat_id=waiting_chat.pk, operator=alice)
    # joined message, queue.removed, chat.assigned, status, queue.changed: what each event
    # carries is checked on the real channel layer below.
    assert len(callbacks) == 5


def test_it_publishes_nothing_when_a_claim_is_refused(active_chat, bob, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(services.ChatConflict):
        services.claim_chat(chat_id=active_chat.pk, operator=bob)
    assert callbacks == []


def test_it_publishes_one_event_per_change_and_none_for_a_refusal(
    departments, alice, django_capture_on_commit_callbacks
):
    bring_online(alice)
    with django_capture_on_commit_callbacks() as started:
        chat = start(departments["research"])
    with django_capture_on_commit_callbacks() as written:
        services.send_message(chat=chat, body="Anyone there?", sender=Message.Sender.PATRON)
    with django_capture_on_commit_callbacks() as left:
        services.end_chat(chat=chat, ended_by=Chat.EndedBy.PATRON)
    with django_capture_on_commit_callbacks() as refused, pytest.raises(services.ChatConflict):
        services.send_message(chat=chat, body="Wait", sender=Message.Sender.PATRON)
    # queue.added; the message; "ended the chat", status, queue.removed and queue.changed; nothing.
    assert [len(started), len(written), len(left), len(refused)] == [1, 1, 4, 0]


# --- send_message -------------------------------------------------------------------------


def test_it_lets_the_patron_write_while_waiting_and_active(waiting_chat, alice):
    services.send_message(chat=waiting_chat, body="Hello?", sender=Message.Sender.PATRON)
    chat = services.claim_chat(chat_id=waiting_chat.pk, operator=alice)
    services.send_message(chat=chat, body="Still there?", sender=Message.Sender.PATRON)
    bodies = list(chat.messages.values_list("sender", "body"))
    assert bodies == [
        ("patron", "Hello?"),
        ("system", "Alice has joined the chat."),
        ("patron", "Still there?"),
    ]


def test_it_lets_only_the_owner_write_as_operator(active_chat, alice, bob, sam):
    message = services.send_message(chat=active_chat, body="Hi Pat!", sender=Message.Sender.OPERATOR, operator=alice)
    assert message.operator == alice
    for other in (bob, sam, None):
        with pytest.raises(services.NotAllowed, match="This chat belongs to another operator."):
            services.send_message(chat=active_chat, body="Me too", sender=Message.Sender.OPERATOR, operator=other)
    assert not Message.objects.filter(body="Me too").exists()


def test_it_refuses_an_operator_message_in_an_unclaimed_chat(waiting_chat, alice):
    with pytest.raises(services.NotAllowed):
        services.send_message(chat=waiting_chat, body="Hi", sender=Message.Sender.OPERATOR, operator=alice)


def test_it_refuses_messages_after_the_chat_ended(active_chat, alice):
    services.end_chat(chat=active_chat, ended_by=Chat.EndedBy.PATRON)
    for sender, operator in [(Message.Sender.PATRON, None), (Message.Sender.OPERATOR, alice)]:
        with pytest.raises(services.ChatConflict) as error:
            services.send_message(chat=active_chat, body="One more thing", sender=sender, operator=operator)
        assert str(error.value) == "This chat has ended; messages can no longer be sent."


def test_it_reads_the_chats_state_from_the_database_not_the_callers_copy(active_chat, alice):
    # A view or consumer may hold a chat loaded before End Chat: its stale status must not let a message in.
    stale = Chat.objects.get(pk=active_chat.pk)
    services.end_chat(chat=active_chat, ended_by=Chat.EndedBy.PATRON)
    with pytest.raises(services.ChatConflict):
        services.send_message(chat=stale, body="Hello?", sender=Message.Sender.PATRON)
    assert not Message.objects.filter(body="Hello?").exists()


def test_a_patron_message_is_stored_in_one_statement(waiting_chat, django_assert_num_queries):
    # The desk's most frequent write (docs/performance.md): no BEGIN, SELECT ... FOR UPDATE, COMMIT.
    with django_assert_num_queries(1):
        message = services.send_message(chat=waiting_chat, body="Where are the maps?", sender=Message.Sender.PATRON)
    stored = Message.objects.get(pk=message.pk)
    assert (stored.chat_id, stored.sender, stored.body) == (waiting_chat.pk, "patron", "Where are the maps?")
    assert stored.created_at == message.created_at


def test_a_patron_may_send_so_many_messages_a_minute_in_a_chat(waiting_chat, departments, alice):
    def patron_says(chat, body):
        return services.send_message(chat=chat, body=body, sender=Message.Sender.PATRON, per_minute=3)

    first = patron_says(waiting_chat, "one")
    patron_says(waiting_chat, "two")
    other = start(departments["research"])
    services.send_message(chat=other, body="another chat's budget", sender=Message.Sender.PATRON, per_minute=3)
    patron_says(waiting_chat, "three")
    with pytest.raises(services.TooManyMessages) as error:
        patron_says(waiting_chat, "four")
    assert str(error.value) == "You are sending too many messages. Please wait a minute and try again."
    assert error.value.status_code == 429
    assert not Message.objects.filter(body="four").exists()

    # The budget is the last sixty seconds: once the first message is older, one more goes in.
    Message.objects.filter(pk=first.pk).update(created_at=first.created_at - timedelta(seconds=61))
    patron_says(waiting_chat, "four")
    # The operator's answers and the desk's notices are not the patron's budget.
    services.claim_chat(chat_id=waiting_chat.pk, operator=alice)
    services.send_message(chat=waiting_chat, body="Hello!", sender=Message.Sender.OPERATOR, operator=alice)
    with pytest.raises(services.TooManyMessages):
        patron_says(waiting_chat, "five")


def test_the_message_limit_is_counted_in_the_same_one_statement(waiting_chat, django_assert_num_queries):
    with django_assert_num_queries(1):
        services.send_message(chat=waiting_chat, body="Hi", sender=Message.Sender.PATRON, per_minute=60)


def test_over_the_limit_an_ended_chat_still_says_it_has_ended(active_chat):
    services.send_message(chat=active_chat, body="Bye", sender=Message.Sender.PATRON, per_minute=1)
    services.end_chat(chat=active_chat, ended_by=Chat.EndedBy.PATRON)
    with pytest.raises(services.ChatConflict, match="This chat has ended"):
        services.send_message(chat=active_chat, body="Wait", sender=Message.Sender.PATRON, per_minute=1)


def test_an_operators_message_in_their_chat_is_one_statement(active_chat, alice, django_assert_num_queries):
    with django_assert_num_queries(1):
        message = services.send_operator_message(chat_id=active_chat.pk, body="Hi Pat!", operator=alice)
    stored = Message.objects.get(pk=message.pk)
    assert (stored.chat_id, stored.sender, stored.operator, stored.body) == (
        active_chat.pk,
        "operator",
        alice,
        "Hi Pat!",
    )
    assert realtime.message_event(message)["name"] == "Alice"


def test_an_operators_message_elsewhere_is_refused_with_the_reason(active_chat, departments, alice, bob):
    assert services.send_operator_message(chat_id=active_chat.pk, body="Me too", operator=bob) is None
    waiting = start(departments["research"])
    assert services.send_operator_message(chat_id=waiting.pk, body="Me too", operator=alice) is None
    services.end_chat(chat=active_chat, ended_by=Chat.EndedBy.PATRON)
    with pytest.raises(services.ChatConflict, match="This chat has ended"):
        services.send_operator_message(chat_id=active_chat.pk, body="Me too", operator=alice)
    with pytest.raises(services.ChatError) as error:
        services.send_operator_message(chat_id=active_chat.pk, body="  ", operator=alice)
    assert error.value.field == "body"
    assert not Message.objects.filter(body="Me too").exists()


@pytest.mark.parametrize("body", ["", "  ", "\x00", None, ["hi"]])
def test_it_refuses_empty_messages(waiting_chat, body):
    with pytest.raises(services.ChatError) as error:
        services.send_message(chat=waiting_chat, body=body, sender=Message.Sender.PATRON)
    assert error.value.field == "body"


def test_it_refuses_a_message_over_4000_characters(waiting_chat):
    with pytest.raises(services.ChatError, match="at most 4000"):
        services.send_message(chat=waiting_chat, body="a" * 4001, sender=Message.Sender.PATRON)
    services.send_message(chat=waiting_chat, body="a" * 4000, sender=Message.Sender.PATRON)


def test_it_drops_nul_characters_from_messages(waiting_chat):
    message = services.send_message(chat=waiting_chat, body="call\x00 number", sender=Message.Sender.PATRON)
    message.refresh_from_db()
    assert message.body == "call number"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("writer", ["patron", "operator"])
def test_a_message_sent_while_end_chat_commits_waits_and_is_refused(departments, alice, writer):
    """Real connections: a message arrives while the operator's End Chat is being written."""
    bring_online(alice)
    chat = services.claim_chat(chat_id=start(departments["research"]).pk, operator=alice)
    ended, release = threading.Event(), threading.Event()
    outcome = {}

    def end_slowly():
        try:
            with transaction.atomic():
                services.end_chat(chat=Chat.objects.get(pk=chat.pk), ended_by=Chat.EndedBy.OPERATOR, operator=alice)
                ended.set()
                release.wait(5)
        finally:
            connection.close()

    def patron_writes():
        try:
            if writer == "patron":
                services.send_message(chat=chat, body="One more thing", sender=Message.Sender.PATRON, per_minute=60)
            else:
                services.send_operator_message(chat_id=chat.pk, body="One more thing", operator=alice)
            outcome["result"] = "stored"
        except services.ChatConflict as error:
            outcome["result"] = str(error)
        finally:
            connection.close()

    ender = threading.Thread(target=end_slowly)
    ender.start()
    assert ended.wait(5)
    writer = threading.Thread(target=patron_writes)
    writer.start()
    writer.join(0.3)
    assert writer.is_alive(), "the message must wait for End Chat to commit"
    release.set()
    ender.join(5)
    writer.join(5)
    assert outcome["result"] == "This chat has ended; messages can no longer be sent."
    bodies = list(Message.objects.filter(chat_id=chat.pk).values_list("body", flat=True))
    assert bodies == ["Alice has joined the chat.", "Alice ended the chat."]


# --- canned messages ----------------------------------------------------------------------


@pytest.fixture
def canned(departments):
    return {
        "global": CannedMessage.objects.create(title="Hello", body="Hi {patron_name}, I'm {operator_name}."),
        "research": CannedMessage.objects.create(
            title="Databases", body="{department} recommends Academic Search.", department=departments["research"]
        ),
        "ideas": CannedMessage.objects.create(
            title="3D printer", body="The 3D printer is in IDEAS.", department=departments["ideas"]
        ),
    }


def test_it_sends_a_canned_message_with_names_filled_in(active_chat, alice, canned):
    first = services.send_canned_message(chat=active_chat, canned_id=canned["global"].pk, operator=alice)
    second = services.send_canned_message(chat=active_chat, canned_id=canned["research"].pk, operator=alice)
    assert first.body == "Hi Pat Patron, I'm Alice."
    assert second.body == "Research & Instruction recommends Academic Search."
    assert first.sender == Message.Sender.OPERATOR and first.operator == alice


def test_it_refuses_another_departments_canned_message(active_chat, alice, canned):
    with pytest.raises(services.ChatError) as error:
        services.send_canned_message(chat=active_chat, canned_id=canned["ideas"].pk, operator=alice)
    assert str(error.value) == "That canned message does not exist for this department."
    assert error.value.field == "canned"
    with pytest.raises(services.ChatError):
        services.send_canned_message(chat=active_chat, canned_id=10**12, operator=alice)


def test_it_refuses_a_canned_message_from_someone_who_does_not_own_the_chat(active_chat, bob, canned):
    with pytest.raises(services.NotAllowed):
        services.send_canned_message(chat=active_chat, canned_id=canned["global"].pk, operator=bob)


def test_it_keeps_format_tricks_literal_in_canned_messages(active_chat, alice):
    canned = CannedMessage.objects.create(title="Trick", body="{patron_name.__class__} {0} {operator_name!r} {")
    message = services.send_canned_message(chat=active_chat, canned_id=canned.pk, operator=alice)
    assert message.body == "{patron_name.__class__} {0} {operator_name!r} {"


def test_it_fills_placeholders_once_so_a_patrons_name_stays_as_typed(departments, alice, canned):
    bring_online(alice)
    chat = start(departments["research"], name="{operator_name} of {department}")
    chat = services.claim_chat(chat_id=chat.pk, operator=alice)
    message = services.send_canned_message(chat=chat, canned_id=canned["global"].pk, operator=alice)
    assert message.body == "Hi {operator_name} of {department}, I'm Alice."


def test_it_says_there_when_the_patron_gave_no_name(departments, alice, canned):
    bring_online(alice)
    chat = start(departments["research"], name="")
    chat = services.claim_chat(chat_id=chat.pk, operator=alice)
    message = services.send_canned_message(chat=chat, canned_id=canned["global"].pk, operator=alice)
    assert message.body == "Hi there, I'm Alice."


# --- end_chat and close_chat ----------------------------------------------------------------


def test_the_patron_can_end_a_waiting_chat(waiting_chat):
    chat = services.end_chat(chat=waiting_chat, ended_by=Chat.EndedBy.PATRON)
    assert chat.status == Chat.Status.ENDED
    assert chat.ended_by == Chat.EndedBy.PATRON
    assert chat.messages.last().body == "Pat Patron ended the chat."
    assert services.queue_position(chat) is None


def test_the_operator_can_end_their_chat(active_chat, alice):
    chat = services.end_chat(chat=active_chat, ended_by=Chat.EndedBy.OPERATOR, operator=alice)
    assert (chat.status, chat.ended_by) == (Chat.Status.ENDED, Chat.EndedBy.OPERATOR)
    assert chat.messages.last().body == "Alice ended the chat."
    assert chat.events.filter(kind=ChatEvent.Kind.ENDED, actor=alice).exists()


def test_another_operator_cannot_end_the_chat(active_chat, bob):
    with pytest.raises(services.NotAllowed):
        services.end_chat(chat=active_chat, ended_by=Chat.EndedBy.OPERATOR, operator=bob)
    assert Chat.objects.get(pk=active_chat.pk).status == Chat.Status.ACTIVE


def test_ending_twice_is_a_conflict(active_chat, alice):
    services.end_chat(chat=active_chat, ended_by=Chat.EndedBy.PATRON)
    with pytest.raises(services.ChatConflict) as error:
        services.end_chat(chat=active_chat, ended_by=Chat.EndedBy.OPERATOR, operator=alice)
    assert str(error.value) == "This chat has already ended."
    assert Chat.objects.get(pk=active_chat.pk).ended_by == Chat.EndedBy.PATRON
    assert active_chat.events.filter(kind=ChatEvent.Kind.ENDED).count() == 1


def test_close_is_refused_before_end_chat(active_chat, alice, location):
    with pytest.raises(services.ChatConflict, match="End the chat before closing it."):
        services.close_chat(chat=active_chat, operator=alice)


def test_close_is_refused_before_the_analytics_are_saved(active_chat, alice, location):
    chat = services.end_chat(chat=active_chat, ended_by=Chat.EndedBy.OPERATOR, operator=alice)
    with pytest.raises(services.ChatConflict) as error:
        services.close_chat(chat=chat, operator=alice)
    assert str(error.value) == "Save the Reference Analytics for this chat before closing it."
    assert Chat.objects.get(pk=chat.pk).closed_at is None

    interaction_for(chat, location)
    closed = services.close_chat(chat=chat, operator=alice)
    assert closed.closed_at is not None
    assert chat.events.filter(kind=ChatEvent.Kind.CLOSED).count() == 1
    # Pressing Close Chat again (a second tab) changes nothing.
    services.close_chat(chat=Chat.objects.get(pk=chat.pk), operator=alice)
    assert chat.events.filter(kind=ChatEvent.Kind.CLOSED).count() == 1


def test_only_the_owner_closes_the_chat(active_chat, alice, bob, location):
    chat = services.end_chat(chat=active_chat, ended_by=Chat.EndedBy.OPERATOR, operator=alice)
    interaction_for(chat, location)
    with pytest.raises(services.NotAllowed):
        services.close_chat(chat=chat, operator=bob)


# --- rate_chat ----------------------------------------------------------------------------


def test_the_patron_rates_an_ended_chat(active_chat):
    services.end_chat(chat=active_chat, ended_by=Chat.EndedBy.PATRON)
    services.rate_chat(chat=active_chat, rating=4, comment="  Very helpful  ")
    services.rate_chat(chat=active_chat, rating=5, comment="Even better on reflection")
    chat = Chat.objects.get(pk=active_chat.pk)
    assert (chat.rating, chat.rating_comment) == (5, "Even better on reflection")
    assert chat.events.filter(kind=ChatEvent.Kind.RATED).count() == 2


def test_rating_before_the_end_is_refused(active_chat):
    with pytest.raises(services.ChatConflict, match="You can rate the chat once it has ended."):
        services.rate_chat(chat=active_chat, rating=5)


@pytest.mark.parametrize("rating", [0, 6, -1, "5", True, 4.5, None])
def test_it_refuses_ratings_that_are_not_1_to_5(active_chat, rating):
    services.end_chat(chat=active_chat, ended_by=Chat.EndedBy.PATRON)
    with pytest.raises(services.ChatError) as error:
        services.rate_chat(chat=active_chat, rating=rating)
    assert str(error.value) == "Choose a rating from 1 to 5."
    assert error.value.field == "rating"
    assert Chat.objects.get(pk=active_chat.pk).rating is None


def test_it_refuses_an_overlong_rating_comment_and_drops_nul(active_chat):
    services.end_chat(chat=active_chat, ended_by=Chat.EndedBy.PATRON)
    with pytest.raises(services.ChatError) as error:
        services.rate_chat(chat=active_chat, rating=3, comment="a" * 4001)
    assert error.value.field == "comment"
    services.rate_chat(chat=active_chat, rating=3, comment="good\x00")
    assert Chat.objects.get(pk=active_chat.pk).rating_comment == "good"


# --- request_transcript -------------------------------------------------------------------


@pytest.fixture
def broker():
    """The Celery broker's Redis, emptied of the tasks a test enqueued."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete("celery")
    yield client
    client.delete("celery")


def queued_tasks(broker):
    return [json.loads(raw) for raw in broker.lrange("celery", 0, -1)]


def test_it_queues_the_transcript_once_committed(active_chat, broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        transcript = services.request_transcript(chat=active_chat, email="pat@example.org", requested_by="patron")
    assert transcript.status == TranscriptEmail.Status.PENDING
    assert transcript.attempts == 0
    assert active_chat.events.filter(kind=ChatEvent.Kind.TRANSCRIPT_REQUESTED).exists()
    tasks = queued_tasks(broker)
    assert [(t["headers"]["task"], t["headers"]["argsrepr"]) for t in tasks] == [
        ("chat.tasks.send_transcript", f"({transcript.id},)")
    ]


def test_it_refuses_a_transcript_to_a_bad_address(active_chat, broker):
    for email in ["", None, "not an address"]:
        with pytest.raises(services.ChatError) as error:
            services.request_transcript(chat=active_chat, email=email, requested_by="patron")
        assert error.value.field == "email"
    assert not TranscriptEmail.objects.exists()


def test_only_the_owner_requests_a_transcript_as_operator(active_chat, alice, bob, broker):
    with pytest.raises(services.NotAllowed):
        services.request_transcript(chat=active_chat, email="pat@example.org", requested_by="operator", operator=bob)
    transcript = services.request_transcript(
        chat=active_chat, email="pat@example.org", requested_by="operator", operator=alice
    )
    assert transcript.requested_by == "operator"


# --- What reaches the real channel layer ---------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_it_publishes_queue_added_to_the_department_only(departments, alice, carmen):
    await database_sync_to_async(bring_online)(alice)
    research, ideas = departments["research"].id, departments["ideas"].id
    async with (
        Listener(realtime.department_group(research)) as mine,
        Listener(realtime.department_group(ideas)) as other,
    ):
        chat = await database_sync_to_async(start)(departments["research"])
        event = await mine.next_event()
        assert event["type"] == "queue.added"
        assert event["chat"]["id"] == str(chat.pk)
        assert event["chat"]["question"] == QUESTION
        assert event["chat"]["department"] == {"id": research, "name": "Research & Instruction"}
        assert await other.nothing()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_it_publishes_the_claim_to_the_queue_the_operator_and_the_patron(departments, alice):
    await database_sync_to_async(bring_online)(alice)
    chat = await database_sync_to_async(start)(departments["research"])
    research = departments["research"].id
    async with (
        Listener(realtime.department_group(research)) as queue,
        Listener(realtime.operator_group(alice.id)) as dashboard,
        Listener(realtime.chat_group(chat.pk)) as patron,
        Listener(realtime.waiting_group(research)) as waiting,
    ):
        await database_sync_to_async(services.claim_chat)(chat_id=chat.pk, operator=alice)
        removed = await queue.next_event()
        assert removed == {"type": "queue.removed", "chat": str(chat.pk), "reason": "claimed", "operator": "Alice"}
        assigned = await dashboard.next_event()
        assert assigned["type"] == "chat.assigned" and assigned["chat"]["operator"] == "Alice"
        joined, status = await patron.events(2)
        assert (joined["type"], joined["sender"], joined["body"]) == ("message", "system", "Alice has joined the chat.")
        assert status == {
            "type": "status",
            "chat": str(chat.pk),
            "status": "active",
            "operator": "Alice",
            "ended_by": None,
        }
        assert await waiting.next_event() == {"type": "queue.changed", "department": research}


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_it_publishes_a_message_with_its_id_and_sender_name(departments, alice):
    await database_sync_to_async(bring_online)(alice)
    chat = await database_sync_to_async(start)(departments["research"])
    chat = await database_sync_to_async(services.claim_chat)(chat_id=chat.pk, operator=alice)
    async with Listener(realtime.chat_group(chat.pk)) as patron:
        message = await database_sync_to_async(services.send_message)(
            chat=chat, body="It is on the 3rd floor.", sender=Message.Sender.OPERATOR, operator=alice
        )
        event = await patron.next_event()
        assert event["id"] == message.id
        assert (event["sender"], event["name"], event["body"]) == ("operator", "Alice", "It is on the 3rd floor.")


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_it_publishes_nothing_when_the_transaction_rolls_back(departments, alice):
    await database_sync_to_async(bring_online)(alice)
    research = departments["research"]

    def start_then_fail():
        with transaction.atomic():
            start(research)
            raise RuntimeError("the request failed after the chat was created")

    async with Listener(realtime.department_group(research.id)) as queue:
        with pytest.raises(RuntimeError):
            await database_sync_to_async(start_then_fail)()
        assert await queue.nothing(timeout=0.5)
    assert not await database_sync_to_async(Chat.objects.exists)()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_it_removes_a_chat_the_patron_left_from_the_queue(departments, alice):
    await database_sync_to_async(bring_online)(alice)
    chat = await database_sync_to_async(start)(departments["research"])
    async with Listener(realtime.department_group(departments["research"].id)) as queue:
        await database_sync_to_async(services.end_chat)(chat=chat, ended_by=Chat.EndedBy.PATRON)
        assert await queue.next_event() == {
            "type": "queue.removed",
            "chat": str(chat.pk),
            "reason": "left",
            "operator": None,
        }


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_it_tells_the_operators_dashboards_when_a_chat_is_closed(departments, alice, location):
    await database_sync_to_async(bring_online)(alice)

    def ended_chat_with_statistics():
        chat = start(departments["research"])
        chat = services.claim_chat(chat_id=chat.pk, operator=alice)
        chat = services.end_chat(chat=chat, ended_by=Chat.EndedBy.OPERATOR, operator=alice)
        interaction_for(chat, location)
        return chat

    chat = await database_sync_to_async(ended_chat_with_statistics)()
    async with Listener(realtime.operator_group(alice.id)) as dashboard:
        await database_sync_to_async(services.close_chat)(chat=chat, operator=alice)
        assert await dashboard.next_event() == {"type": "chat.closed", "chat": str(chat.pk)}
