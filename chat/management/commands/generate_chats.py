"""Fill the database with chats and their messages, for the page benchmark."""

import time

from django.core.management.base import BaseCommand, CommandError

from chat.sample_chats import generate_chats


class Command(BaseCommand):
    help = (
        "Generate sample chats with their messages over the last year: most ended and closed, "
        "some waiting in the queues and some active. Adds to what is there; use a database of its own."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=10_000, help="chats to create (default 10,000)")
        parser.add_argument("--waiting", type=int, default=20, help="of which waiting in a queue")
        parser.add_argument("--active", type=int, default=40, help="of which being answered")
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, count, waiting, active, days, seed, **options):
        if count < 1 or days < 1 or waiting < 0 or active < 0:
            raise CommandError("--count and --days must be positive, --waiting and --active not negative.")
        started = time.monotonic()
        try:
            done = generate_chats(count=count, waiting=waiting, active=active, days=days, seed=seed)
        except ValueError as error:
            raise CommandError(str(error))
        self.stdout.write(self.style.SUCCESS(f"Created {done:,} chats in {time.monotonic() - started:.1f} s."))
