"""`python manage.py ingest_email < message.eml`: what an MTA pipes each message of the desk address to.

Exit codes follow sysexits.h, which MTAs understand: 0 done (including duplicates and
automatic mail deliberately ignored), 65 (EX_DATAERR) the message was refused and the MTA
should bounce it, 75 (EX_TEMPFAIL) the database is unreachable and the MTA should retry.
"""

import sys

from django.core.management.base import BaseCommand
from django.db import OperationalError

from tickets.ingest import ingest_email, max_message_bytes
from tickets.models import InboundEmail

EX_DATAERR = 65
EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Read one RFC 822 message on stdin: thread it into its ticket, or open a new ticket."
    stealth_options = ("stdin",)

    def handle(self, *args, **options):
        stream = options.get("stdin") or sys.stdin.buffer
        raw = stream.read(max_message_bytes() + 1)
        try:
            result = ingest_email(raw)
        except OperationalError as error:
            self.stderr.write(f"The desk's database is unreachable; try again later ({error}).")
            sys.exit(EX_TEMPFAIL)
        number = f" #{result.ticket.number}" if result.ticket else ""
        line = f"{result.outcome}{number}: {result.detail}"
        if result.outcome == InboundEmail.Outcome.REJECTED:
            self.stderr.write(line)
            sys.exit(EX_DATAERR)
        self.stdout.write(line)
