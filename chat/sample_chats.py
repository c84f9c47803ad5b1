"""Chats with their messages in bulk, for the page benchmark (bench/pages_bench.py).

Most chats are over and closed, as on a real desk; `waiting` of them wait in the queues and
`active` are being answered by the departments' operators, so the dashboard has a queue and
open chats to show. Written with PostgreSQL's COPY (analytics/bulk_copy.py).
"""

import os
import random
import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from analytics.bulk_copy import insert_rows
from analytics.sample_year import prepare_catalogue
from chat.models import Chat, ChatEvent, Message

LINES = [
    ("patron", "Hi, I need peer-reviewed articles on climate policy for a paper."),
    ("operator", "Happy to help! Have you tried the Academic Search Complete database?"),
    ("patron", "No, where do I find it?"),
    ("operator", "From the library home page choose Databases, then A-Z, then A."),
    ("patron", "Found it, thank you!"),
]


def _chat_rows(rng, department_id, operators, created_at, status) -> tuple[dict, list[dict], list[dict]]:
    chat_id = uuid.uuid4()
    chat = {
        "id": chat_id,
        "token_hash": os.urandom(32).hex(),
        "department_id": department_id,
        "source": Chat.Source.WEB.value,
        "status": status,
        "question": "Where can I find peer-reviewed articles on climate policy?",
        "patron_name": f"Patron {rng.randrange(10_000)}",
        "created_at": created_at,
        "operator_id": None,
        "claimed_at": None,
        "ended_at": None,
        "ended_by": "",
        "closed_at": None,
        "rating": None,
    }
    events = [{"chat_id": chat_id, "kind": ChatEvent.Kind.CREATED.value, "created_at": created_at}]
    messages = []
    if status == Chat.Status.WAITING:
        return chat, messages, events
    operator = rng.choice(operators)
    claimed_at = created_at + timedelta(seconds=rng.randrange(5, 120))
    chat.update(operator_id=operator, claimed_at=claimed_at)
    events.append({"chat_id": chat_id, "kind": ChatEvent.Kind.CLAIMED.value, "created_at": claimed_at})
    at = claimed_at
    for sender, body in LINES[: rng.randrange(2, len(LINES) + 1)]:
        at += timedelta(seconds=rng.randrange(10, 90))
        messages.append(
            {
                "chat_id": chat_id,
                "sender": sender,
                "operator_id": operator if sender == "operator" else None,
                "body": body,
                "created_at": at,
            }
        )
    if status == Chat.Status.ENDED:
        chat.update(ended_at=at, ended_by=Chat.EndedBy.OPERATOR.value, closed_at=at + timedelta(seconds=60))
        events.append({"chat_id": chat_id, "kind": ChatEvent.Kind.ENDED.value, "created_at": at})
    return chat, messages, events


def generate_chats(*, count: int, waiting: int, active: int, days: int, seed: int, batch_size: int = 10_000) -> int:
    """Insert `count` chats (the last `waiting` + `active` of them still open); returns how many."""
    if waiting + active > count:
        raise ValueError("--waiting plus --active cannot be more than --count.")
    rng = random.Random(seed)
    catalogue = prepare_catalogue(operators_per_department=6)
    now = timezone.now()
    done = 0
    while done < count:
        chats, messages, events = [], [], []
        for number in range(done, min(count, done + batch_size)):
            department = rng.choice(catalogue.departments)
            from_end = count - number
            if from_end <= waiting:
                status, created_at = Chat.Status.WAITING, now - timedelta(seconds=from_end * 5)
            elif from_end <= waiting + active:
                status, created_at = Chat.Status.ACTIVE, now - timedelta(seconds=rng.randrange(60, 1800))
            else:
                status, created_at = Chat.Status.ENDED, now - timedelta(seconds=rng.randrange(3600, days * 86400))
            chat, chat_messages, chat_events = _chat_rows(
                rng, department.pk, catalogue.operators[department.pk], created_at, status
            )
            chats.append(chat)
            messages += chat_messages
            events += chat_events
        with transaction.atomic():
            insert_rows(Chat, chats)
            insert_rows(Message, messages)
            insert_rows(ChatEvent, events)
        done += len(chats)
    return done
