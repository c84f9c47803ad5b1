"""View Ticket: a chat that became a ticket says which, to the dashboard (snapshot and
GET /desk/api/chats/{id}/ticket), so its header opens the ticket instead of offering Create Ticket."""

import pytest

from chat.consumers import DashboardConsumer
from tickets import services as ticket_services
from tickets.models import Queue

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(departments):
    return Queue.objects.create(name="Access Services", slug="access-services", department=departments["access"])


def snapshot_chats(user):
    consumer = DashboardConsumer()
    consumer.user = user
    return {chat["id"]: chat for chat in consumer._snapshot()["chats"]}


def ticket_of(client, user, chat):
    client.force_login(user)
    return client.get(f"/desk/api/chats/{getattr(chat, 'pk', chat)}/ticket")


def test_it_names_the_ticket_a_chat_became(client, active_chat, alice, queue, settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert ticket_of(client, alice, active_chat).json() == {"ticket": None}
    assert snapshot_chats(alice)[str(active_chat.pk)]["ticket"] is None

    ticket = ticket_services.create_ticket_from_chat(
        chat=active_chat, operator=alice, queue=queue, email="pat@example.org"
    )

    expected = {"number": ticket.number, "url": f"/tickets/{ticket.number}/"}
    assert ticket_of(client, alice, active_chat).json() == {"ticket": expected}
    assert snapshot_chats(alice)[str(active_chat.pk)]["ticket"] == expected


def test_it_does_not_tell_other_departments_about_the_chat(client, active_chat, carmen, stranger):
    refused = ticket_of(client, carmen, active_chat)
    assert refused.status_code == 404 and refused.json() == {"error": "That chat does not exist."}
    assert ticket_of(client, stranger, active_chat).status_code == 403
    assert ticket_of(client, carmen, "not-a-chat").status_code == 404
