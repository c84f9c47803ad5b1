"""Fill the database with a realistic year of interactions, for demos and the reports benchmark."""

import time

from django.core.management.base import BaseCommand, CommandError

from analytics import rollup
from analytics.sample_year import generate


class Command(BaseCommand):
    help = (
        "Generate sample reference interactions over the last year (with their chats), following an "
        "academic library's daily, weekly and term rhythm. Adds to what is there; use a database of its own."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=10_000, help="interactions to create (default 10,000)")
        parser.add_argument("--days", type=int, default=365, help="days back from today to spread them over")
        parser.add_argument("--seed", type=int, default=2026, help="random seed, for the same data every time")
        parser.add_argument("--batch-size", type=int, default=10_000)
        parser.add_argument("--operators-per-department", type=int, default=6)

    def handle(self, *args, count, days, seed, batch_size, operators_per_department, **options):
        if count < 1 or days < 1 or batch_size < 1:
            raise CommandError("--count, --days and --batch-size must be positive.")
        started = time.monotonic()

        def progress(done, chats):
            rate = done / max(time.monotonic() - started, 1e-6)
            self.stdout.write(f"  {done:,} interactions, {chats:,} chats ({rate:,.0f} interactions/s)")

        try:
            done, chats = generate(
                count=count,
                seed=seed,
                days=days,
                batch_size=batch_size,
                operators_per_department=operators_per_department,
                progress=progress if options["verbosity"] > 1 or count >= 100_000 else None,
            )
        except ValueError as error:
            raise CommandError(str(error))
        # Bulk COPY bypasses the services, so the reports' rollups are recomputed once at the end.
        rollup.rebuild()
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"Created {done:,} interactions and {chats:,} chats in {elapsed:.1f} s."))
