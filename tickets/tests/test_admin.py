"""The supervisor's side in Django admin: queues with members, external teams, tickets with their history."""

import pytest

from deskservice.models import AuditEntry
from tickets import services
from tickets.models import ExternalTeam

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_sam(client, sam):
    client.force_login(sam)
    return client


def test_it_lists_and_opens_tickets_queues_and_teams(as_sam, phone_ticket, its, alice):
    services.add_internal_note(ticket=phone_ticket, operator=alice, body="Called back.")
    for path in [
        "/admin/tickets/ticket/",
        f"/admin/tickets/ticket/{phone_ticket.pk}/change/",
        "/admin/tickets/queue/",
        f"/admin/tickets/queue/{phone_ticket.queue.pk}/change/",
        "/admin/tickets/externalteam/",
        "/admin/tickets/outgoingemail/",
        "/admin/tickets/inboundemail/",
    ]:
        assert as_sam.get(path).status_code == 200, path
    page = as_sam.get(f"/admin/tickets/ticket/{phone_ticket.pk}/change/").content.decode()
    assert "Called back." in page and "Created" in page


def test_it_refuses_an_incident_pattern_that_is_not_a_regular_expression(as_sam):
    response = as_sam.post(
        "/admin/tickets/externalteam/add/",
        {"name": "Law Library", "email": "lawref@law.example.edu", "incident_pattern": "LAW(\\d{5}", "active": "on"},
    )
    assert response.status_code == 200 and "not a valid regular expression" in response.content.decode()
    assert not ExternalTeam.objects.exists()
    as_sam.post(
        "/admin/tickets/externalteam/add/",
        {"name": "Law Library", "email": "lawref@law.example.edu", "incident_pattern": r"LAW-\d{5}", "active": "on"},
    )
    assert ExternalTeam.objects.get().find_incident_number("Re: request LAW-00042 received") == "LAW-00042"


def test_it_refuses_operators_without_staff_rights(client, alice):
    client.force_login(alice)
    assert client.get("/admin/tickets/ticket/").status_code == 302


def test_it_shows_a_ticket_read_only_so_queue_assignee_status_and_patron_change_only_through_services(
    client, sue, bob, phone_ticket, queues
):
    client.force_login(sue)
    url = f"/admin/tickets/ticket/{phone_ticket.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    for field in ["queue", "assignee", "status", "patron_email", "patron_name", "patron_phone"]:
        assert f'name="{field}"'.encode() not in page.content, field
    assert f'href="/tickets/{phone_ticket.number}/"'.encode() in page.content
    assert client.get("/admin/tickets/ticket/add/").status_code == 403

    edited = client.post(
        url,
        {
            "queue": queues["ideas"].pk,
            "assignee": bob.pk,
            "status": "closed",
            "patron_email": "someone@else.example",
            "subject": "Changed",
        },
    )
    assert edited.status_code == 403
    phone_ticket.refresh_from_db()
    assert (phone_ticket.queue, phone_ticket.status, phone_ticket.patron_email) == (
        queues["research"],
        "open",
        "pat@example.org",
    )
    assert phone_ticket.assignee != bob and phone_ticket.subject != "Changed"

    # The reassign action is the way: it writes the history and the audit.
    client.post(
        "/admin/tickets/ticket/",
        {"action": "reassign_tickets", "_selected_action": [phone_ticket.pk], "operator": bob.pk, "apply": "Reassign"},
    )
    phone_ticket.refresh_from_db()
    assert phone_ticket.assignee == bob
    assert phone_ticket.changes.filter(field="assignee", new_value="Bob").exists()
    assert AuditEntry.objects.filter(action="changed_ticket_assignee", actor=sue).exists()
