"""FAQ answers in a real browser: the widget suggests them while the patron types, and the
operator inserts one from the chat pane (real uvicorn server, as a patron and operator would)."""

import re

import pytest
from playwright.sync_api import expect

from faq import services
from faq.models import FaqEntry
from tests.a11y import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.integration]

ANSWER = "Sign in to My Account and choose Renew. <b>Not bold</b> See https://library.example.edu/renew"


def test_the_widget_suggests_faq_answers_and_the_patron_can_still_start_the_chat(live_stack, browser, alice, sam):
    url = live_stack["url"]
    renew = services.create_entry(actor=sam, question="How do I renew my books?", answer=ANSWER, topics="loans")
    services.create_entry(actor=sam, question="Where can I print?", answer="Every floor has printers.")
    services.create_entry(actor=sam, question="Draft about renewals", answer="Not yet.", published=False)

    context = browser.new_context(viewport={"width": 1280, "height": 860})
    patron = context.new_page()
    patron.goto(f"{url}/")
    patron.get_by_role("button", name="Ask a Librarian").click()
    widget = patron.frame_locator("iframe[title='Library chat']")
    widget.get_by_role("textbox", name="Your question").press_sequentially("can I renew my bo", delay=20)

    suggestions = widget.get_by_role("region", name="These answers may help")
    expect(suggestions.get_by_role("button", name="How do I renew my books?")).to_be_visible(timeout=30_000)
    expect(suggestions.get_by_role("button")).to_have_count(1)  # no printing, no draft
    suggestions.get_by_role("button", name="How do I renew my books?").click()

    # The answer is text: the tags show as typed, and only the web address became a link.
    expect(suggestions.get_by_text("<b>Not bold</b>", exact=False)).to_be_visible(timeout=30_000)
    expect(suggestions.locator("b")).to_have_count(0)
    expect(suggestions.get_by_role("link", name="https://library.example.edu/renew")).to_be_visible()
    page_link = suggestions.get_by_role("link", name="Open this answer on its own page")
    expect(page_link).to_have_attribute("href", f"{url}/faq/{renew.slug}/")
    assert_accessible(patron.frame(url=re.compile(r"/widget/")), "widget FAQ suggestions")
    # The widget shows the answer once the view is counted.
    assert FaqEntry.objects.get(pk=renew.pk).view_count == 1

    # Still not answered: the form is still there with the question as typed (nobody is online
    # here, so it leaves the question for an email reply).
    expect(widget.get_by_role("textbox", name="Your question")).to_have_value("can I renew my bo")
    expect(widget.get_by_role("button", name=re.compile("Start chat|Send question"))).to_be_enabled()
    context.close()


def test_the_new_staff_and_public_pages_pass_axe(live_stack, browser, alice, sam):
    from tickets.models import Queue
    from tickets.services import change_ticket_status, create_ticket

    url = live_stack["url"]
    entry = services.create_entry(actor=sam, question="Where can I print?", answer="Every floor: https://lib.example/p")
    queue = Queue.objects.create(name="Research help", slug="research-help", is_default=True)
    queue.members.add(alice)
    ticket = create_ticket(question="Renewing an interlibrary loan", email="pat@example.org", source="widget")
    change_ticket_status(ticket=ticket, operator=sam, status="closed")

    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill("pw-sam-2026")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{url}/desk/")
    for path, where in [
        (f"/analytics/tickets/{ticket.number}/interaction", "a closed ticket's Reference Analytics form"),
        ("/faq/new/", "Make FAQ"),
        (f"/faq/{entry.slug}/", "an FAQ answer's public page"),
    ]:
        page.goto(f"{url}{path}")
        expect(page.locator("h1")).to_be_visible(timeout=30_000)
        assert_accessible(page.main_frame, where)
    page.goto(f"{url}/faq/new/")
    page.get_by_label("Question").fill("Can I scan to email?")
    page.get_by_label("Answer").fill("Yes, at every copier.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved", timeout=30_000)
    assert FaqEntry.objects.filter(question="Can I scan to email?", created_by=sam).exists()
    context.close()
