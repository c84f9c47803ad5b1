"""Server time and query count of the Reference Analytics reports, on a large PostgreSQL database.

Run on demand, against a database of its own filled by generate_interactions:

    createdb -h 127.0.0.1 -U postgres deskservice_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/deskservice_bench
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py generate_interactions --count 1000000
    .venv/bin/python bench/reports_bench.py

Each page goes through Django's whole request handling in this process (middleware, view,
template), so "server time" is what a web process spends on it, minus the network. Figures
are the median and the slowest of --repeat runs after one warm-up run.
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

# WhiteNoise warns when collectstatic has not run; static files play no part here.
warnings.filterwarnings("ignore", message="No directory at")

django.setup()

from datetime import timedelta  # noqa: E402

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from analytics.models import Interaction  # noqa: E402
from deskservice.models import Department, User  # noqa: E402


def cases() -> list[tuple[str, str, dict]]:
    today = timezone.localdate()
    year = {"start": (today - timedelta(days=364)).isoformat(), "end": today.isoformat()}
    department = Department.objects.order_by("pk").first()
    operator = User.objects.filter(departments=department).order_by("pk").first()
    page, export = reverse("analytics:reports"), reverse("analytics:export_csv")
    return [
        ("reports, default (last 30 days)", page, {}),
        ("reports, last 12 months", page, year),
        ("reports, 12 months, one department", page, {**year, "department": department.pk}),
        ("reports, 12 months, one operator", page, {**year, "operator": operator.pk}),
        ("reports, 12 months, mode chat", page, {**year, "mode": "chat"}),
        ("CSV export, last 30 days", export, {}),
    ]


def measure(client: Client, url: str, params: dict, repeat: int) -> dict:
    timings, queries, size = [], 0, 0
    for run in range(repeat + 1):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url, params)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        if run:  # the first run warms caches and is not counted
            timings.append(elapsed)
        queries, size = len(captured), len(body)
    return {"median": statistics.median(timings), "max": max(timings), "queries": queries, "bytes": size}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Point DATABASE_URL at PostgreSQL: the figures are meant for production's database.")
    rows = Interaction.objects.count()
    if rows < 100_000:
        raise SystemExit(f"Only {rows:,} interactions: run `manage.py generate_interactions --count 1000000` first.")
    supervisor, _ = User.objects.get_or_create(username="bench-supervisor", defaults={"is_superuser": True})
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(supervisor)

    print(f"{rows:,} interactions, PostgreSQL {connection.pg_version // 10000}, {os.cpu_count()} CPUs")
    print(f"{'page':<38} {'median':>9} {'slowest':>9} {'queries':>8} {'size':>9}")
    for name, url, params in cases():
        result = measure(client, url, params, args.repeat)
        print(
            f"{name:<38} {result['median'] * 1000:>7.0f}ms {result['max'] * 1000:>7.0f}ms"
            f" {result['queries']:>8} {result['bytes'] / 1024:>7.0f}kB"
        )


if __name__ == "__main__":
    main()
