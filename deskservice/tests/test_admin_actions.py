"""The admin's actions on chats and tickets go through the services (issue 8)."""

import pytest

from chat import services as chat_services
from chat.models import Chat
from conftest import bring_online
from deskservice.models import AuditEntry
from tickets.models import Queue, Ticket
from tickets.services import create_ticket

pytestmark = pytest.mark.django_db


def test_a_supervisor_reassigns_and_closes_chats_from_the_admin(client, sue, alice, bob, departments):
    bring_online(alice)
    bring_online(bob)
    chat, _ = chat_services.start_chat(department=departments["research"], question="Maps?")
    chat_services.claim_chat(chat_id=chat.pk, operator=alice)
    client.force_login(sue)
    page = client.post("/admin/chat/chat/", {"action": "reassign_chats", "_selected_action": [chat.pk]})
    assert page.status_code == 200 and b"Reassign these chats" in page.content
    done = client.post(
        "/admin/chat/chat/",
        {"action": "reassign_chats", "_selected_action": [chat.pk], "operator": bob.pk, "apply": "Reassign"},
        follow=True,
    )
    assert b"Done for 1 of 1" in done.content
    assert Chat.objects.get(pk=chat.pk).operator == bob

    # Close refuses a live chat with the service's reason, and closes it once ended.
    refused = client.post("/admin/chat/chat/", {"action": "close_chats", "_selected_action": [chat.pk]}, follow=True)
    assert b"End the chat before closing it." in refused.content
    chat_services.end_chat(chat=Chat.objects.get(pk=chat.pk), ended_by="patron")
    client.post("/admin/chat/chat/", {"action": "close_chats", "_selected_action": [chat.pk]})
    assert Chat.objects.get(pk=chat.pk).closed_at is not None
    assert AuditEntry.objects.filter(action="closed_chat", actor=sue).exists()
    assert AuditEntry.objects.filter(action="reassigned_chat", actor=sue).exists()


def test_a_supervisor_reassigns_and_closes_tickets_from_the_admin(client, sue, alice, bob, departments):
    queue = Queue.objects.create(name="Research help", slug="research-help", is_default=True)
    ticket = create_ticket(question="ILL?", email="p@example.org", source="phone", queue=queue, assignee=alice)
    client.force_login(sue)
    client.post(
        "/admin/tickets/ticket/",
        {"action": "reassign_tickets", "_selected_action": [ticket.pk], "operator": bob.pk, "apply": "Reassign"},
    )
    assert Ticket.objects.get(pk=ticket.pk).assignee == bob
    client.post("/admin/tickets/ticket/", {"action": "close_tickets", "_selected_action": [ticket.pk]})
    assert Ticket.objects.get(pk=ticket.pk).status == "closed"
    assert AuditEntry.objects.filter(action="changed_ticket_assignee", actor=sue).exists()


def test_the_admin_export_keeps_text_from_starting_a_spreadsheet_formula(client, sue, alice):
    queue = Queue.objects.create(name="Research help", slug="research-help", is_default=True)
    ticket = create_ticket(
        question='=HYPERLINK("https://evil.example")', email="p@example.org", source="phone", queue=queue
    )
    client.force_login(sue)
    response = client.post("/admin/tickets/ticket/", {"action": "export_to_csv", "_selected_action": [ticket.pk]})
    body = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK" in body and ",=HYPERLINK" not in body
