"""Operators pressing Claim at the same moment, in real threads on real PostgreSQL connections.

Exactly one claim of a chat wins; every other gets a ChatConflict naming the winner.
"""

import random
import threading
from collections import Counter

import pytest
from django.db import connection

from chat import services
from chat.models import Chat, ChatEvent
from conftest import bring_online
from deskservice.models import User

pytestmark = pytest.mark.django_db(transaction=True)


def new_chat(department):
    chat, _ = services.start_chat(department=department, question="Can I renew a book online?")
    return chat


def race(operators, chat_ids):
    """Each operator's thread waits at the barrier, then claims every chat (in its own order)."""
    barrier = threading.Barrier(len(operators))
    outcomes = []
    lock = threading.Lock()

    def press_claim(operator):
        try:
            order = list(chat_ids)
            random.shuffle(order)
            barrier.wait(timeout=10)
            for chat_id in order:
                try:
                    services.claim_chat(chat_id=chat_id, operator=operator)
                    result = "won"
                except services.ChatConflict as error:
                    result = str(error)
                with lock:
                    outcomes.append((chat_id, operator.display_name, result))
        finally:
            # Each thread has its own connection; leaving it open blocks the test database's teardown.
            connection.close()

    threads = [threading.Thread(target=press_claim, args=(operator,)) for operator in operators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def assert_one_owner_each(outcomes, chat_ids, operators):
    winners = {chat_id: name for chat_id, name, result in outcomes if result == "won"}
    wins = Counter(chat_id for chat_id, _, result in outcomes if result == "won")
    assert set(wins) == set(chat_ids)
    assert set(wins.values()) == {1}
    for chat_id, _, result in outcomes:
        if result != "won":
            assert result == f"{winners[chat_id]} has already claimed this chat."
    assert len(outcomes) == len(chat_ids) * len(operators)
    for chat in Chat.objects.filter(pk__in=chat_ids).select_related("operator"):
        assert chat.status == Chat.Status.ACTIVE
        assert chat.operator.display_name == winners[chat.pk]
        assert chat.events.filter(kind=ChatEvent.Kind.CLAIMED).count() == 1
        assert chat.messages.count() == 1  # one "... has joined the chat."


def test_it_lets_one_of_two_operators_win_every_time(departments, alice, bob):
    bring_online(alice)
    winners = Counter()
    for _ in range(15):
        chat = new_chat(departments["research"])
        outcomes = race([alice, bob], [chat.pk])
        assert_one_owner_each(outcomes, [chat.pk], [alice, bob])
        winners.update(name for _, name, result in outcomes if result == "won")
    assert sum(winners.values()) == 15


def test_it_gives_twenty_chats_to_eight_operators_one_owner_each(departments):
    research = departments["research"]
    operators = []
    for number in range(8):
        user = User.objects.create_user(username=f"operator{number}", first_name=f"Operator {number}")
        user.departments.add(research)
        operators.append(user)
    bring_online(operators[0])
    chat_ids = [new_chat(research).pk for _ in range(20)]

    outcomes = race(operators, chat_ids)

    assert_one_owner_each(outcomes, chat_ids, operators)
    assert not Chat.objects.filter(status=Chat.Status.WAITING).exists()


def test_it_gives_each_chat_one_owner_when_fifty_operators_press_claim_at_once(departments):
    """Fifty operators, each pressing Claim on every waiting chat in its own order.

    bench/chat_load.py --claim-storm does the full storm (200 chats, 10,000 presses) over HTTP
    against two server processes; 60 chats keep this one to about 3,000 presses in the suite.
    """
    research = departments["research"]
    operators = []
    for number in range(50):
        user = User.objects.create_user(username=f"storm{number}", first_name=f"Storm {number}")
        user.departments.add(research)
        operators.append(user)
    bring_online(operators[0])
    chat_ids = [new_chat(research).pk for _ in range(60)]

    outcomes = race(operators, chat_ids)

    assert_one_owner_each(outcomes, chat_ids, operators)
    assert Chat.objects.filter(status=Chat.Status.ACTIVE).count() == 60
