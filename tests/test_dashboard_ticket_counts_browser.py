"""The dashboard's ticket numbers follow the tickets live (issue 5): no reload needed."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from playwright.sync_api import expect

from tests.live import ARTIFACTS
from tickets.models import Queue
from tickets.services import create_ticket, take_ticket

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def elsewhere(service, **kwargs):
    """Runs a service as another process of the desk would: off the browser's thread, whose
    Playwright event loop would refuse the publish's async_to_sync."""

    def call():
        try:
            return service(**kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(call).result()


def test_it_counts_my_and_unassigned_tickets_as_they_change(live_stack, browser, alice):
    url = live_stack["url"]
    queue = Queue.objects.create(name="Research help", slug="research-help", is_default=True)
    queue.members.add(alice)
    create_ticket(question="Older question", email="old@example.org", source="widget")

    page = browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("pw-alice-2026")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{url}/desk/")
    tickets = page.get_by_role("region", name="Tickets")
    mine = tickets.get_by_role("link", name="Mine")
    unassigned = tickets.get_by_role("link", name="Unassigned in my queues")
    expect(mine).to_have_text("Mine 0")
    expect(unassigned).to_have_text("Unassigned in my queues 1")

    ticket = elsewhere(create_ticket, question="Can I renew a loan by email?", email="pat@example.org", source="widget")
    expect(unassigned).to_have_text("Unassigned in my queues 2")
    elsewhere(take_ticket, ticket=ticket, operator=alice)
    expect(mine).to_have_text("Mine 1")
    expect(unassigned).to_have_text("Unassigned in my queues 1")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-ticket-counts.png"))

    mine.click()
    page.wait_for_url(f"{url}/tickets/?view=mine")
    expect(page.get_by_role("link", name=f"#{ticket.number}").first).to_be_visible()
