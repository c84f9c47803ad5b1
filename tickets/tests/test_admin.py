"""The supervisor's side in Django admin: queues with members, external teams, tickets with their history."""

import pytest

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
