"""Closing a ticket offers the Reference Analytics form; a ticket's interaction is recorded once."""

import pytest
from django.urls import reverse
from django.utils import timezone

from analytics import reports
from analytics.models import Interaction
from analytics.reports import ReportFilter


@pytest.fixture
def phone_ticket(departments, alice, settings, tmp_path):
    """A phone question Alice typed in, waiting in Research & Instruction."""
    from tickets import services
    from tickets.models import Queue

    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    queue = Queue.objects.create(name="Research & Instruction", slug="research", department=departments["research"])
    return services.create_ticket(
        question="Where are the microfilm readers?",
        email="pat@example.org",
        name="Pat Patron",
        phone="617-555-0100",
        source="phone",
        queue=queue,
        operator=alice,
    )


@pytest.fixture
def as_alice(client, alice):
    client.force_login(alice)
    return client


def form_url(ticket):
    return reverse("analytics:ticket_interaction", kwargs={"number": ticket.number})


def test_submit_as_closed_offers_the_form_and_saving_twice_records_once(as_alice, phone_ticket, location, alice):
    reply = reverse("tickets:reply", kwargs={"number": phone_ticket.number})
    response = as_alice.post(reply, {"body": "Closing.", "version": 1, "close": "1"})
    assert response.status_code == 302 and response.url == form_url(phone_ticket)

    page = as_alice.get(response.url)
    html = page.content.decode()
    assert f"Reference Analytics for ticket #{phone_ticket.number}" in html
    assert ">Save</button>" in html and 'name="mode"' not in html  # the mode is always ticket
    assert page.context["form"]["location"].value() == location.pk

    saved = as_alice.post(form_url(phone_ticket), {"location": location.pk, "duration_minutes": 15})
    assert saved.status_code == 200 and "Saved." in saved.content.decode()
    again = as_alice.post(form_url(phone_ticket), {"location": location.pk, "duration_minutes": 25, "notes": "fixed"})
    assert again.status_code == 200

    interaction = Interaction.objects.get()
    assert (interaction.mode, interaction.ticket, interaction.operator) == ("ticket", phone_ticket, alice)
    assert interaction.department == phone_ticket.queue.department
    assert (interaction.duration_minutes, interaction.notes) == (25, "fixed")

    today = timezone.localdate()
    figures = reports.interaction_figures(ReportFilter(start=today, end=today, mode="ticket"))
    assert figures["totals"]["count"] == 1 and figures["totals"]["minutes"] == 25
    assert [row["label"] for row in figures["by_department"]] == [phone_ticket.queue.department.name]

    # Reopened and closed again: the same interaction is offered, still one row.
    status = reverse("tickets:status", kwargs={"number": phone_ticket.number})
    assert as_alice.post(status, {"status": "open", "version": 2}).status_code == 302
    closed_again = as_alice.post(status, {"status": "closed", "version": 3})
    assert closed_again.url == form_url(phone_ticket)
    assert as_alice.get(closed_again.url).context["form"]["duration_minutes"].value() == 25
    assert Interaction.objects.count() == 1


def test_the_closed_ticket_links_to_its_statistics(as_alice, phone_ticket, alice):
    from tickets import services as ticket_services

    ticket_page = reverse("tickets:detail", kwargs={"number": phone_ticket.number})
    assert "Reference Analytics for this ticket" not in as_alice.get(ticket_page).content.decode()
    ticket_services.change_ticket_status(ticket=phone_ticket, operator=alice, status="closed")
    assert "Reference Analytics for this ticket" in as_alice.get(ticket_page).content.decode()


def test_it_refuses_an_open_ticket_and_bad_input_without_a_500(as_alice, phone_ticket, location, alice):
    response = as_alice.post(form_url(phone_ticket), {"location": location.pk, "duration_minutes": 5})
    assert response.status_code == 400
    assert "Close the ticket before recording its statistics." in response.content.decode()
    assert not Interaction.objects.exists()
    from tickets import services as ticket_services

    ticket_services.change_ticket_status(ticket=phone_ticket, operator=alice, status="closed")
    response = as_alice.post(form_url(phone_ticket), {"location": "x", "duration_minutes": 0})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"location", "duration_minutes"}
    assert not Interaction.objects.exists()


def test_only_operators_reach_it(client, stranger, phone_ticket):
    assert client.get(form_url(phone_ticket)).status_code == 302  # to the login page
    client.force_login(stranger)
    assert client.get(form_url(phone_ticket)).status_code == 403


def test_an_unknown_ticket_is_a_404(as_alice):
    assert as_alice.get(reverse("analytics:ticket_interaction", kwargs={"number": 99})).status_code == 404
