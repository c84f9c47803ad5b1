"""Hostile text everywhere a patron or a canned message can put it, in a real browser.

The patron's name and question, message bodies both ways and a canned message carry markup and
script. In the widget, the dashboard, the admin, the ticket made from the chat and the emailed
transcript, none of it may run (no dialog opens, no element is created from it), it is shown
literally, only http(s) addresses become links, and the pages run without one CSP violation.
"""

import re

import pytest
from playwright.sync_api import expect

from chat.models import CannedMessage, Chat
from tests.test_live_chat_browser import shot, sign_in, waiting_list

pytestmark = [pytest.mark.browser, pytest.mark.integration]

NAME = "<img src=x onerror=alert('name')>"
QUESTION = "<script>alert('question')</script> Where is the atlas?"
PATRON_SAYS = '<svg onload=alert("patron")></svg> see javascript:alert(1)'
OPERATOR_SAYS = 'Try https://example.org/search?q="><script>alert(2)</script> or <a href="javascript:alert(3)">this</a>'
CANNED = "<b onmouseover=alert(4)>Welcome</b> {patron_name}!"


class Watch:
    """Everything a page does that it should not: dialogs, script errors, CSP violations."""

    def __init__(self):
        self.problems = []

    def attach(self, page, label):
        def dialog(d):
            self.problems.append(f"{label}: dialog {d.message!r}")
            d.dismiss()

        page.on("dialog", dialog)
        page.on("pageerror", lambda error: self.problems.append(f"{label}: script error {error}"))
        page.on(
            "console",
            lambda message: (
                self.problems.append(f"{label}: {message.text}")
                if "Content Security Policy" in message.text or "Refused to" in message.text
                else None
            ),
        )
        return page


def no_injected_elements(page_or_frame):
    for selector in ("img[src='x']", "svg[onload]", "b[onmouseover]", "a[href^='javascript']", "script:not([src])"):
        expect(page_or_frame.locator(selector)).to_have_count(0)


def test_hostile_text_is_shown_literally_and_never_runs(live_stack, browser, alice, sam):
    url, mailbox = live_stack["url"], live_stack["mailbox"]
    watch = Watch()
    CannedMessage.objects.create(title="Hostile welcome", body=CANNED)
    alice_page = watch.attach(sign_in(browser, url, "alice"), "dashboard")

    patron = watch.attach(browser.new_context().new_page(), "widget")
    patron.goto(f"{url}/")
    patron.get_by_role("button", name="Ask a Librarian").click()
    widget = patron.frame_locator("iframe[title='Library chat']")
    widget.get_by_role("combobox", name="Department").select_option(label="Research & Instruction")
    widget.get_by_role("textbox", name="Your question").fill(QUESTION)
    widget.get_by_role("textbox", name="Name (optional)").fill(NAME)
    widget.get_by_role("textbox", name="Email (optional)").fill("pat@example.org")
    widget.get_by_role("button", name="Start chat").click()

    queued = waiting_list(alice_page).get_by_role("listitem").filter(has_text="Where is the atlas?")
    expect(queued).to_contain_text(QUESTION)
    queued.get_by_role("button", name="Claim Chat").click()
    alice_page.get_by_role("button", name="Canned Messages").click()
    alice_page.get_by_role("menuitem", name=re.compile("Hostile welcome")).click()
    expect(widget.get_by_text(f"<b onmouseover=alert(4)>Welcome</b> {NAME}!")).to_be_visible()

    widget.get_by_label("Type your message").fill(PATRON_SAYS)
    widget.get_by_role("button", name="Send", exact=True).click()
    expect(alice_page.get_by_text(PATRON_SAYS)).to_be_visible()
    alice_page.get_by_label("Type your message").fill(OPERATOR_SAYS)
    alice_page.get_by_role("button", name="Send", exact=True).click()
    # The http(s) address is a link (its text, not markup, ends at the quote); the rest is text.
    link = widget.get_by_role("link", name="https://example.org/search?q=")
    expect(link).to_have_attribute("href", "https://example.org/search?q=")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(widget.get_by_role("link", name="this")).to_have_count(0)
    expect(widget.get_by_text(re.compile(re.escape('<a href="javascript:alert(3)">this</a>')))).to_be_visible()
    expect(alice_page.get_by_text(re.compile(re.escape(NAME))).first).to_be_visible()
    shot(patron, "xss-widget")
    shot(alice_page, "xss-dashboard")
    no_injected_elements(alice_page)
    no_injected_elements(widget)

    # The emailed transcript: its HTML part opened in a browser runs nothing either.
    alice_page.get_by_role("button", name="Email Transcript").click()
    alice_page.get_by_role("button", name="Send transcript").click()
    mail = mailbox.wait_for(1)[0]
    html = mail.get_body(("html",)).get_content()
    reader = watch.attach(browser.new_context().new_page(), "transcript email")
    reader.set_content(html)
    expect(reader.get_by_text(re.compile(re.escape(PATRON_SAYS)))).to_be_visible()
    no_injected_elements(reader)

    # The supervisor reads the chat in the admin.
    chat = Chat.objects.get()
    sam_page = watch.attach(sign_in(browser, url, "sam"), "admin")
    sam_page.goto(f"{url}/admin/chat/chat/{chat.pk}/change/")
    expect(sam_page.get_by_text(re.compile(re.escape(QUESTION))).first).to_be_visible()
    sam_page.goto(f"{url}/admin/chat/chat/")
    expect(sam_page.get_by_text(NAME).first).to_be_visible()
    no_injected_elements(sam_page)

    # Create Ticket from the chat: the ticket page shows the transcript as text.
    from tickets import services as tickets
    from tickets.models import Queue

    queue = Queue.objects.create(name="Research", slug="research", department=chat.department, is_default=True)
    ticket = tickets.create_ticket_from_chat(chat=chat, operator=alice, queue=queue, email="pat@example.org")
    alice_page.goto(f"{url}/tickets/{ticket.number}/")
    # The transcript may sit folded away; the text is there, as text.
    expect(alice_page.get_by_text(re.compile(re.escape(PATRON_SAYS))).first).to_be_attached()
    no_injected_elements(alice_page)
    shot(alice_page, "xss-ticket")

    assert watch.problems == []
