"""Real-time events of the tickets app, sent through deskservice.realtime's groups.

The dashboard shows two live counts (my open tickets, unassigned in my queues). They differ
per operator, so each affected operator's group gets its own numbers after the change commits.
"""

from django.db import transaction

from deskservice import realtime

TICKET_COUNTS = "tickets.counts"


def ticket_counts_event(counts: dict) -> dict:
    """`{"type": "tickets.counts", "mine": n, "unassigned": n}` for one operator."""
    return {"type": TICKET_COUNTS, "mine": counts["mine"], "unassigned": counts["unassigned"]}


def publish_ticket_counts(user_ids) -> None:
    """After the transaction commits, send fresh counts to each operator in `user_ids`.

    Counting after commit (not when the change is made) means two changes committing in
    either order both end with the right numbers on the dashboard.
    """
    user_ids = {uid for uid in user_ids if uid}
    if not user_ids:
        return
    # One service call may change several things; each operator gets one event per commit.
    connection = transaction.get_connection()
    pending = connection.__dict__.setdefault("_desk_ticket_counts", set())
    pending.update(user_ids)
    transaction.on_commit(lambda: _send_counts(connection))


def _send_counts(connection) -> None:
    from tickets.selectors import ticket_counts_for

    pending = connection.__dict__.get("_desk_ticket_counts", set())
    while pending:
        user_id = pending.pop()
        realtime.publish(realtime.operator_group(user_id), ticket_counts_event(ticket_counts_for(user_id)))
