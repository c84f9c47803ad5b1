"""Server time and query count of the dashboard, the ticket lists and the reports page, at volume.

Run on demand, against a database of its own filled by the generators:

    createdb -h 127.0.0.1 -U postgres deskservice_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/deskservice_bench
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py generate_chats --count 10000
    .venv/bin/python manage.py generate_tickets --count 100000
    .venv/bin/python manage.py generate_interactions --count 1000000
    psql -h 127.0.0.1 -U postgres deskservice_bench -c 'VACUUM ANALYZE'
    .venv/bin/python bench/pages_bench.py

Pages go through Django's whole request handling in this process (middleware, view,
template); the dashboard snapshot is what the dashboard socket sends on connect, built by
the consumer's own code. Figures are the median and slowest of --repeat runs after a warm-up.
"""

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deskservice.settings")

import django  # noqa: E402

warnings.filterwarnings("ignore", message="No directory at")
django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from analytics.models import Interaction  # noqa: E402
from chat.consumers import DashboardConsumer  # noqa: E402
from chat.models import Chat, Message  # noqa: E402
from deskservice.models import DashboardConnection, User  # noqa: E402
from deskservice.roles import STUDENT_ASSISTANT  # noqa: E402
from tickets.models import Ticket  # noqa: E402


def timed(run, repeat: int) -> dict:
    timings, queries = [], 0
    for attempt in range(repeat + 1):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            run()
            elapsed = time.perf_counter() - started
        if attempt:  # the first run warms caches and is not counted
            timings.append(elapsed)
        queries = len(captured)
    return {"median": statistics.median(timings), "max": max(timings), "queries": queries}


def get(client: Client, url: str):
    def run():
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        return b"".join(response.streaming_content) if response.streaming else response.content

    return run


OPEN = Q(chats__closed_at__isnull=True, chats__status="active")


def busiest_operator() -> User:
    """The operator with the most open chats, in a department with chats waiting: the fullest dashboard."""
    operator = (
        User.objects.annotate(open_chats=Count("chats", filter=OPEN))
        .filter(departments__isnull=False)
        .order_by("-open_chats")
        .first()
    )
    if operator is None:
        raise SystemExit("No operators: run the generators first (see the docstring).")
    DashboardConnection.objects.get_or_create(channel_name=f"bench.{operator.pk}", defaults={"user": operator})
    # The dashboard is for the desk's roles (deskservice/roles.py); older sample data had none.
    operator.groups.add(Group.objects.get(name=STUDENT_ASSISTANT))
    return operator


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Point DATABASE_URL at PostgreSQL: the figures are meant for production's database.")
    operator = busiest_operator()
    supervisor, _ = User.objects.get_or_create(
        username="bench-supervisor", defaults={"is_superuser": True, "is_staff": True}
    )
    staff, boss = Client(HTTP_HOST="127.0.0.1"), Client(HTTP_HOST="127.0.0.1")
    staff.force_login(operator)
    boss.force_login(supervisor)
    consumer = DashboardConsumer()
    consumer.user = operator
    snapshot = consumer._snapshot()
    email = Ticket.objects.order_by("-pk").values_list("patron_email", flat=True).first() or "x@example.edu"
    number = (Ticket.objects.order_by("pk").values_list("pk", flat=True).first() or 0) + Ticket.NUMBER_OFFSET

    print(
        f"{Chat.objects.count():,} chats ({Chat.objects.exclude(status='ended').count()} open), "
        f"{Message.objects.count():,} messages, {Ticket.objects.count():,} tickets, "
        f"{Interaction.objects.count():,} interactions; "
        f"PostgreSQL {connection.pg_version // 10000}, {os.cpu_count()} CPUs"
    )
    print(
        f"dashboard of {operator.username}: {len(snapshot['queue'])} waiting, {len(snapshot['chats'])} own chats, "
        f"{len(snapshot['departments'])} departments"
    )
    cases = [
        ("dashboard page /desk/", get(staff, "/desk/")),
        ("dashboard snapshot (socket connect)", consumer._snapshot),
        ("supervisor: every open chat", get(boss, "/desk/api/active-chats")),
        ("operators list", get(staff, "/desk/api/operators")),
        ("ticket counts (dashboard)", get(staff, "/tickets/counts")),
        ("tickets: mine", get(staff, "/tickets/")),
        ("tickets: unassigned in my queues", get(staff, "/tickets/?view=unassigned")),
        ("tickets: all open", get(staff, "/tickets/?view=all")),
        ("tickets: all, closed too, page 100", get(staff, "/tickets/?view=all&status=closed&page=100")),
        ("tickets: search a word", get(staff, "/tickets/?view=all&q=thesis+interlibrary")),
        ("tickets: search an email", get(staff, f"/tickets/?view=all&q={email}")),
        ("tickets: search a number", get(staff, f"/tickets/?view=all&q=%23{number}")),
        ("reports, default (last 30 days)", get(boss, "/analytics/reports/")),
    ]
    print(f"{'page':<40} {'median':>9} {'slowest':>9} {'queries':>8}")
    for name, run in cases:
        result = timed(run, args.repeat)
        print(f"{name:<40} {result['median'] * 1000:>7.1f}ms {result['max'] * 1000:>7.1f}ms {result['queries']:>8}")


if __name__ == "__main__":
    main()
