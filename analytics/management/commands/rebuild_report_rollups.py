"""Recompute the reports' daily and hourly rollups from the interactions."""

import time

from django.core.management.base import BaseCommand

from analytics import rollup


class Command(BaseCommand):
    help = (
        "Rebuild the pre-aggregates the reports page reads, from every interaction. The services keep "
        "them current; run this after loading interactions in bulk, changing TIME_ZONE or a restore."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        daily, hourly, monthly = rollup.rebuild()
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt {daily:,} daily, {hourly:,} hourly and {monthly:,} monthly rows "
                f"in {time.monotonic() - started:.1f} s."
            )
        )
