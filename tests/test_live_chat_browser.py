"""The live chat loop in a real browser, as the manuals describe it (DESIGN.md workflows 1-7).

A patron on the demo library page and two operators (Alice and Bob, Research & Instruction)
in their own browser contexts, against a real uvicorn server, Celery worker and SMTP server.
"""

import re

import pytest
from playwright.sync_api import expect

from analytics.models import Interaction, Location
from chat.models import CannedMessage, Chat, TranscriptEmail
from tests.desk_steps import sign_in
from tests.live import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.integration]

QUESTION = "Can I get the full text of an article from the Journal of Documentation?"


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def waiting_list(page):
    return page.get_by_role("region", name="Patron Chats")


def test_it_plays_the_live_chat_loop_from_widget_to_close_chat(live_stack, browser, alice, bob, sam):
    url, mailbox = live_stack["url"], live_stack["mailbox"]
    # No "Virtual" location, so nothing pre-fills it and the form must insist on one.
    location = Location.objects.create(name="Reference desk")
    CannedMessage.objects.create(
        department=alice.departments.get(),
        title="Research & Instruction welcome",
        body="Hi {patron_name}, this is {operator_name} from {department}.",
    )
    CannedMessage.objects.create(title="Goodbye", body="Thanks for chatting with the library!")

    # 1. Operators sign in; the dashboard shows the sections of the manual and who is online.
    alice_page = sign_in(browser, url, "alice")
    bob_page = sign_in(browser, url, "bob")
    for page in (alice_page, bob_page):
        expect(page.get_by_role("heading", name="Patron Chats")).to_be_visible()
        expect(page.get_by_role("heading", name="Internal Chat")).to_be_visible()
        expect(page.get_by_role("heading", name="Departments")).to_be_visible()
    departments = alice_page.get_by_role("region", name="Departments")
    expect(departments.get_by_role("listitem").filter(has_text="Research & Instruction")).to_contain_text("Online")
    expect(departments.get_by_role("listitem").filter(has_text="IDEAS")).to_contain_text("Offline")
    shot(alice_page, "01-dashboard-empty")

    # 2. A patron on the library's page opens the widget and asks a question.
    patron_context = browser.new_context(viewport={"width": 1280, "height": 860})
    patron = patron_context.new_page()
    patron.goto(f"{url}/")
    patron.get_by_role("button", name="Ask a Librarian").click()
    widget = patron.frame_locator("iframe[title='Library chat']")
    widget.get_by_role("combobox", name="Department").select_option(label="Research & Instruction")
    widget.get_by_role("textbox", name="Your question").fill(QUESTION)
    widget.get_by_role("textbox", name="Name (optional)").fill("Pat")
    widget.get_by_role("textbox", name="Email (optional)").fill("pat@example.org")
    widget.get_by_role("button", name="Start chat").click()
    expect(widget.get_by_text(re.compile(r"number 1 in line"))).to_be_visible()
    shot(patron, "02-widget-waiting")

    # 3. Every online operator of the department sees it at once, with an announcement.
    for page in (alice_page, bob_page):
        expect(waiting_list(page).get_by_role("listitem").filter(has_text=QUESTION[:30])).to_be_visible()
        expect(page.get_by_text("New chat waiting in Research & Instruction")).to_be_attached()
    shot(bob_page, "03-dashboard-chat-waiting")

    # 4. Claim Chat: it leaves Bob's list at once; the patron is told who is answering.
    waiting_list(alice_page).get_by_role("listitem").filter(has_text=QUESTION[:30]).get_by_role(
        "button", name="Claim Chat"
    ).click()
    expect(bob_page.get_by_role("button", name="Claim Chat")).to_have_count(0)
    expect(widget.get_by_text(re.compile("chatting with Alice"))).to_be_visible()
    chat = Chat.objects.get()
    assert chat.operator == alice and chat.status == Chat.Status.ACTIVE

    # Create Ticket (the manual's alternative when nobody can take a transfer) opens the ticket form.
    expect(alice_page.get_by_role("link", name="Create Ticket")).to_have_attribute(
        "href", f"/tickets/new/?chat={chat.pk}"
    )

    # 5. The welcome from Canned Messages, with the patron's and operator's names filled in.
    alice_page.get_by_role("button", name="Canned Messages").click()
    alice_page.get_by_role("menuitem", name=re.compile("Research & Instruction welcome")).click()
    welcome = "Hi Pat, this is Alice from Research & Instruction."
    expect(widget.get_by_text(welcome)).to_be_visible()

    # 6. Messages both ways, live, with a typing indicator.
    patron_box = widget.get_by_label("Type your message")
    patron_box.press_sequentially("It's for my thesis")
    expect(alice_page.get_by_text("Pat is typing")).to_be_visible()
    patron_box.fill("It's for my thesis on archives. <b>not bold</b>")
    widget.get_by_role("button", name="Send", exact=True).click()
    expect(alice_page.get_by_text("It's for my thesis on archives. <b>not bold</b>")).to_be_visible()
    operator_box = alice_page.get_by_label("Type your message")
    operator_box.fill("Here it is: https://doi.org/10.1108/JD-01-2020-0001")
    alice_page.get_by_role("button", name="Send", exact=True).click()
    link = widget.get_by_role("link", name="https://doi.org/10.1108/JD-01-2020-0001")
    expect(link).to_have_attribute("target", "_blank")
    shot(patron, "04-widget-chatting")
    shot(alice_page, "04-dashboard-chatting")

    # 7. Email Transcript from the dashboard: a real Celery worker sends it to the real SMTP server.
    alice_page.get_by_role("button", name="Email Transcript").click()
    expect(alice_page.get_by_label("Transcript email")).to_have_value("pat@example.org")
    alice_page.get_by_role("button", name="Send transcript").click()
    mails = mailbox.wait_for(1)
    assert mails[0]["To"] == "pat@example.org"
    body = mails[0].get_body(("plain",)).get_content()
    assert "Here it is: https://doi.org/10.1108/JD-01-2020-0001" in body and welcome in body

    # 8. The patron ends the chat, rates it; the operator records the statistics and closes it.
    widget.get_by_role("button", name="End chat").click()
    expect(widget.get_by_text("The chat has ended.")).to_be_visible()
    widget.get_by_label("5").check()
    widget.get_by_role("button", name="Submit rating").click()
    expect(widget.get_by_text("Thanks for your feedback!")).to_be_visible()
    shot(patron, "05-widget-ended")

    expect(alice_page.get_by_role("heading", name="Reference Analytics")).to_be_visible()
    expect(alice_page.get_by_label(re.compile("^Mode"))).to_have_value("chat")
    expect(alice_page.get_by_label(re.compile("^Duration"))).not_to_have_value("")
    expect(alice_page.get_by_role("button", name="Close Chat")).to_be_disabled()
    alice_page.get_by_role("button", name="Save").click()
    expect(alice_page.get_by_text(re.compile("Location.*required|This field is required"))).to_be_visible()
    alice_page.get_by_label(re.compile("^Location")).select_option(label="Reference desk")
    alice_page.get_by_label(re.compile("^Referred by")).fill("Circulation desk")
    alice_page.get_by_role("button", name="Save").click()
    expect(alice_page.get_by_text(re.compile("^Saved"))).to_be_visible()
    shot(alice_page, "05-dashboard-analytics")
    alice_page.get_by_role("button", name="Close Chat").click()
    expect(alice_page.get_by_role("button", name="Close Chat")).to_have_count(0)

    chat.refresh_from_db()
    assert chat.status == Chat.Status.ENDED and chat.closed_at is not None and chat.rating == 5
    interaction = Interaction.objects.get(chat=chat)
    assert (interaction.mode, interaction.location, interaction.referred_by) == ("chat", location, "Circulation desk")
    assert interaction.operator == alice and interaction.department == chat.department
    assert TranscriptEmail.objects.get(chat=chat).status == TranscriptEmail.Status.SENT

    # The supervisor finds the recorded interaction and the rated chat in the reports.
    sam_page = sign_in(browser, url, "sam")
    sam_page.goto(f"{url}/analytics/reports/")
    by_location = sam_page.get_by_role("table", name="Interactions by location")
    expect(by_location.get_by_role("row").filter(has_text="Reference desk")).to_contain_text("1")
    figures = sam_page.get_by_role("table", name="Chat service figures")
    expect(figures.get_by_role("row", name=re.compile("^Rated"))).to_contain_text("1")
    shot(sam_page, "06-reports")
