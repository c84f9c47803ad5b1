"""Tickets with their conversation and history in bulk, for the page benchmark (bench/pages_bench.py).

Spread over the last year across every queue: most closed, some pending, the rest open;
about half assigned to an operator of the queue's department. Written with PostgreSQL's COPY.
"""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from analytics.bulk_copy import insert_rows
from analytics.sample_year import prepare_catalogue
from tickets.models import Queue, Ticket, TicketChange, TicketMessage, new_reply_token

SUBJECTS = ["Interlibrary loan request", "Renewing a laptop", "Citation help", "Access to a database", "Fines"]
STATUSES = [(Ticket.Status.CLOSED, 70), (Ticket.Status.PENDING, 12), (Ticket.Status.OPEN, 18)]
SOURCES = [Ticket.Source.EMAIL, Ticket.Source.CHAT, Ticket.Source.PHONE, Ticket.Source.WIDGET, Ticket.Source.WALK_IN]


def _queues(catalogue) -> list[Queue]:
    for department in catalogue.departments:
        Queue.objects.get_or_create(slug=department.slug, defaults={"name": department.name, "department": department})
    if not Queue.objects.filter(is_default=True).exists():
        Queue.objects.filter(pk=Queue.objects.order_by("pk").values("pk")[:1]).update(is_default=True)
    return list(Queue.objects.all())


def _ticket_row(rng, queue, operators, now, days) -> dict:
    status = rng.choices([s for s, _ in STATUSES], weights=[w for _, w in STATUSES])[0]
    created_at = now - timedelta(seconds=rng.randrange(600, days * 86400))
    updated_at = min(now, created_at + timedelta(seconds=rng.randrange(60, 7 * 86400)))
    number = rng.randrange(1_000_000)
    return {
        "queue_id": queue.pk,
        "assignee_id": rng.choice(operators) if operators and rng.random() < 0.5 else None,
        "status": status.value,
        "source": rng.choice(SOURCES).value,
        "subject": rng.choice(SUBJECTS),
        "question": "I could not find the book I need for my thesis; can the library get it from another library?",
        "patron_name": f"Patron {number}",
        "patron_email": f"patron{number}@example.edu",
        "patron_phone": "",
        "chat_id": None,
        "external_team_id": None,
        "incident_number": "",
        "source_message_id": "",
        "reply_token": new_reply_token(),
        "version": 1,
        "created_at": created_at,
        "updated_at": updated_at,
        "closed_at": updated_at if status == Ticket.Status.CLOSED else None,
    }


def _conversation(rng, ticket_id: int, row: dict) -> tuple[list[dict], list[dict]]:
    messages = [
        {
            "ticket_id": ticket_id,
            "kind": TicketMessage.Kind.PATRON.value,
            "author_id": None,
            "from_name": row["patron_name"],
            "from_email": row["patron_email"],
            "to_email": "",
            "body": row["question"],
            "quoted": "",
            "message_id": "",
            "automatic": False,
            "created_at": row["created_at"],
        }
    ]
    if row["assignee_id"] and rng.random() < 0.8:
        messages.append(
            {**messages[0], "kind": TicketMessage.Kind.REPLY.value, "author_id": row["assignee_id"], "from_name": ""}
            | {"from_email": "", "to_email": row["patron_email"], "body": "We have requested it for you."}
            | {"created_at": row["updated_at"]}
        )
    changes = [
        {
            "ticket_id": ticket_id,
            "actor_id": None,
            "field": TicketChange.Field.CREATED.value,
            "old_value": "",
            "new_value": "",
            "created_at": row["created_at"],
        }
    ]
    return messages, changes


def generate_tickets(*, count: int, days: int, seed: int, batch_size: int = 10_000) -> int:
    """Insert `count` tickets with one or two messages and their Created change; returns how many."""
    rng = random.Random(seed)
    catalogue = prepare_catalogue(operators_per_department=6)
    queues = _queues(catalogue)
    now = timezone.now()
    done = 0
    while done < count:
        rows = []
        for _ in range(min(batch_size, count - done)):
            queue = rng.choice(queues)
            rows.append(_ticket_row(rng, queue, catalogue.operators.get(queue.department_id, []), now, days))
        with transaction.atomic():
            insert_rows(Ticket, rows)
            ids = dict(
                Ticket.objects.filter(reply_token__in=[r["reply_token"] for r in rows]).values_list("reply_token", "id")
            )
            messages, changes = [], []
            for row in rows:
                row_messages, row_changes = _conversation(rng, ids[row["reply_token"]], row)
                messages += row_messages
                changes += row_changes
            insert_rows(TicketMessage, messages)
            insert_rows(TicketChange, changes)
        done += len(rows)
    return done
