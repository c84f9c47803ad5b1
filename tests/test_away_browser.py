"""Away status (issue 12): when every operator of a department is away, the widget says the
desk is online but the operator is temporarily away, and offers the email question form."""

import pytest
from playwright.sync_api import expect

from tests.live import ARTIFACTS
from tickets.models import Queue, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def test_the_patron_is_told_and_can_leave_a_question(live_stack, browser, alice):
    url = live_stack["url"]
    Queue.objects.create(name="Research help", slug="research-help", is_default=True)
    desk = browser.new_context().new_page()
    desk.goto(f"{url}/accounts/login/")
    desk.get_by_label("Username").fill("alice")
    desk.get_by_label("Password").fill("pw-alice-2026")
    desk.get_by_role("button", name="Sign in").click()
    desk.wait_for_url(f"{url}/desk/")
    departments = desk.get_by_role("region", name="Departments")
    expect(departments.get_by_role("listitem").filter(has_text="Research")).to_contain_text("Online")
    desk.get_by_role("group", name="My status").get_by_text("Away").click()
    expect(departments.get_by_role("listitem").filter(has_text="Research")).to_contain_text("1 away", timeout=15_000)

    patron = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    patron.goto(f"{url}/widget/?full=1&department=research")
    notice = patron.get_by_text("The desk is online but the operator is temporarily away.", exact=False)
    expect(notice).to_be_visible(timeout=15_000)
    expect(patron.get_by_role("button", name="Start chat")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    patron.screenshot(path=str(ARTIFACTS / "away-widget.png"))

    patron.get_by_role("button", name="Leave a question for email follow-up").click()
    expect(patron.get_by_role("button", name="Send question")).to_be_visible()
    patron.get_by_role("textbox", name="Your question").fill("Can someone email me about interlibrary loan?")
    patron.get_by_role("textbox", name="Email").fill("pat@example.org")
    patron.get_by_role("button", name="Send question").click()
    expect(patron.get_by_text("Question received")).to_be_visible()
    assert Ticket.objects.get().patron_email == "pat@example.org"

    # Back online: the notice goes when the widget next looks.
    desk.get_by_role("group", name="My status").get_by_text("Online").click()
    patron.get_by_role("button", name="Ask another question").click()
    expect(notice).to_be_hidden(timeout=40_000)
