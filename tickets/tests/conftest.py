"""Fixtures of the ticket tests: queues as the manuals name them, ITS, and real message files."""

from pathlib import Path

import pytest

MAIL = Path(__file__).parent / "mail"
DESK = "desk@library.example.edu"


@pytest.fixture(autouse=True)
def _ticket_settings(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    settings.DEFAULT_FROM_EMAIL = f"Library Ask Desk <{DESK}>"
    settings.DESK_TICKET_EMAIL = DESK
    settings.DESK_INBOUND_EMAIL_SECRET = "s3cret-relay-token-for-tests"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def queues(departments):
    from tickets.models import Queue

    return {
        "access": Queue.objects.create(
            name="Access Services", slug="access-services", department=departments["access"], is_default=True
        ),
        "research": Queue.objects.create(
            name="Research & Instruction", slug="research", department=departments["research"]
        ),
        "ideas": Queue.objects.create(name="IDEAS", slug="ideas", department=departments["ideas"]),
    }


@pytest.fixture
def its(db):
    from tickets.models import ExternalTeam

    return ExternalTeam.objects.create(name="ITS", email="itshelp@its.example.edu", incident_pattern=r"INC\d{7}")


@pytest.fixture
def phone_ticket(queues, alice):
    """A phone question Alice typed in, waiting in Research & Instruction."""
    from tickets import services

    return services.create_ticket(
        question="Where are the microfilm readers, and can I print from them?",
        email="pat@example.org",
        name="Pat Patron",
        phone="617-555-0100",
        source="phone",
        queue=queues["research"],
        operator=alice,
    )


def load_mail(name: str, ticket=None, our_message_id: str = "<none@library.example.edu>") -> bytes:
    """A message file with the ticket's number, reply token and our Message-ID filled in."""
    raw = (MAIL / name).read_bytes()
    if ticket is not None:
        raw = raw.replace(b"{{TOKEN}}", ticket.reply_token.encode()).replace(b"{{NUMBER}}", str(ticket.number).encode())
    return raw.replace(b"{{OUR_MESSAGE_ID}}", our_message_id.encode())


@pytest.fixture
def mail():
    return load_mail
