"""Fill the database with tickets and their conversations, for the page benchmark."""

import time

from django.core.management.base import BaseCommand, CommandError

from tickets.sample_tickets import generate_tickets


class Command(BaseCommand):
    help = (
        "Generate sample tickets over the last year across every queue, with their messages and history. "
        "Adds to what is there; use a database of its own."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=100_000, help="tickets to create (default 100,000)")
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, count, days, seed, **options):
        if count < 1 or days < 1:
            raise CommandError("--count and --days must be positive.")
        started = time.monotonic()
        done = generate_tickets(count=count, days=days, seed=seed)
        self.stdout.write(self.style.SUCCESS(f"Created {done:,} tickets in {time.monotonic() - started:.1f} s."))
