"""Transfers and internal chat in real browsers, as the manuals describe them.

Three browser contexts against a real uvicorn server and Celery worker: a patron in the
widget on the demo library page, Alice (Research & Instruction) and Carmen (IDEAS). Alice
asks IDEAS in internal chat whether she may transfer, transfers the chat to Carmen with an
internal note, Carmen accepts; then Carmen offers it back and Alice declines.
"""

import re

import pytest
from playwright.sync_api import expect

from chat.models import Chat, ChatEvent, Message, Transfer
from tests.desk_steps import sign_in as desk_sign_in
from tests.live import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.integration]

QUESTION = "Where are the 3D printers, and can I book one for Friday?"
NOTE = "Patron wants to book the 3D printer for a class project."


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"transfer-{name}.png"), full_page=True)


def sign_in(browser, url, username):
    return desk_sign_in(browser, url, username, width=1400, height=900, unlock_sound=True)


def announcement(page):
    return page.locator("[data-announcer]")


def my_chats(page):
    return page.get_by_role("list", name="My chats")


def test_a_chat_is_transferred_after_asking_in_internal_chat(live_stack, browser, alice, carmen):
    url = live_stack["url"]
    alice_page = sign_in(browser, url, "alice")
    carmen_page = sign_in(browser, url, "carmen")

    # A patron asks Research & Instruction a question that belongs to IDEAS.
    patron = browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
    patron.goto(f"{url}/")
    patron.get_by_role("button", name="Ask a Librarian").click()
    widget = patron.frame_locator("iframe[title='Library chat']")
    widget.get_by_role("combobox", name="Department").select_option(label="Research & Instruction")
    widget.get_by_role("textbox", name="Your question").fill(QUESTION)
    widget.get_by_role("textbox", name="Name (optional)").fill("Pat")
    widget.get_by_role("button", name="Start chat").click()
    alice_page.get_by_role("button", name="Claim Chat").click()
    expect(widget.get_by_text(re.compile("chatting with Alice"))).to_be_visible()
    chat = Chat.objects.get()

    # 1. Alice sees IDEAS online under Departments and opens an internal chat with it.
    departments = alice_page.get_by_role("region", name="Departments")
    expect(departments.get_by_role("listitem").filter(has_text="IDEAS")).to_contain_text("Online")
    expect(departments.get_by_role("button", name="Access Services")).to_have_count(0)
    expect(departments.get_by_role("listitem").filter(has_text="Access Services")).to_contain_text("Offline")
    departments.get_by_role("button", name="IDEAS").click()
    internal_panel = alice_page.get_by_role("region", name="IDEAS")
    internal_panel.get_by_label("Type an internal message").fill("Can I transfer a 3D printing question to you?")
    internal_panel.get_by_role("button", name="Send internal message").click()
    expect(internal_panel.get_by_text("Can I transfer a 3D printing question to you?")).to_be_visible()

    # 2. Carmen hears about it: an announcement and an unread count in Internal Chat.
    expect(announcement(carmen_page)).to_have_text("New internal message from Alice")
    internal_list = carmen_page.get_by_role("list", name="Internal Chat")
    expect(internal_list.get_by_role("button", name=re.compile("IDEAS"))).to_contain_text("1 unread")
    shot(carmen_page, "01-carmen-unread")
    internal_list.get_by_role("button", name=re.compile("IDEAS")).click()
    expect(internal_list.get_by_role("button", name=re.compile("IDEAS"))).not_to_contain_text("unread")
    carmen_panel = carmen_page.get_by_role("region", name="IDEAS")
    expect(carmen_panel.get_by_text("Can I transfer a 3D printing question to you?")).to_be_visible()
    carmen_panel.get_by_label("Type an internal message").fill("Sure, send it over.")
    carmen_panel.get_by_label("Type an internal message").press("Enter")
    expect(internal_panel.get_by_text("Sure, send it over.")).to_be_visible()
    # Internal messages never reach the patron.
    expect(widget.get_by_text("Sure, send it over.")).to_have_count(0)

    # 3. Transfer: only those online can be chosen; the others say why.
    alice_page.get_by_role("button", name="Transfer", exact=True).click()
    dialog = alice_page.get_by_role("dialog", name="Transfer chat")
    expect(dialog.get_by_role("radio", name=re.compile("Carmen"))).to_be_enabled()
    expect(dialog.get_by_role("radio", name=re.compile("Access Services"))).to_be_disabled()
    expect(dialog.get_by_role("group", name="Departments")).to_contain_text("Nobody online")
    shot(alice_page, "02-alice-dialog")
    alice_page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(alice_page.get_by_role("button", name="Transfer", exact=True)).to_be_focused()

    alice_page.get_by_role("button", name="Transfer", exact=True).click()
    dialog.get_by_role("radio", name=re.compile("Carmen")).check()
    # Staying in the chat is the default, as in LibChat (tests/test_group_chat_browser.py);
    # here Alice hands it over completely.
    dialog.get_by_role("checkbox", name="Stay in the chat after the transfer").uncheck()
    dialog.get_by_label("Internal note").fill(NOTE)
    dialog.get_by_role("button", name="Transfer chat").click()
    expect(alice_page.get_by_role("status").filter(has_text="Waiting for Carmen to accept…")).to_be_visible()

    # 4. Carmen gets the request with the question and the note, and accepts.
    requests = carmen_page.get_by_role("list", name="Transfer requests")
    card = requests.get_by_role("listitem").filter(has_text="Alice wants to transfer a chat to you")
    expect(card).to_contain_text(QUESTION)
    expect(card).to_contain_text(NOTE)
    expect(announcement(carmen_page)).to_have_text("Alice wants to transfer a chat to you")
    shot(carmen_page, "03-carmen-request")
    card.get_by_role("button", name="Accept").click()

    # The chat is Carmen's, open, with what was said before; it left Alice's list.
    expect(my_chats(carmen_page).get_by_role("button", name=re.compile("Pat"))).to_be_visible()
    expect(carmen_page.get_by_role("heading", name="Pat", exact=True)).to_be_visible()
    expect(carmen_page.get_by_role("log", name="Messages").get_by_text("Alice has joined the chat.")).to_be_visible()
    expect(alice_page.get_by_role("alert").filter(has_text="Carmen accepted — the chat is now theirs.")).to_be_visible()
    expect(my_chats(alice_page).get_by_role("listitem")).to_have_count(0)
    expect(alice_page.get_by_text("That chat was transferred to Carmen.")).to_be_visible()

    # The patron is told, in words, who now answers; and Carmen can answer.
    expect(widget.get_by_text("You are being transferred to Carmen.")).to_be_visible()
    carmen_page.get_by_label("Type your message").fill("Hi Pat, the printers are in the IDEAS lab on floor 2.")
    carmen_page.get_by_role("button", name="Send", exact=True).click()
    expect(widget.get_by_text("Hi Pat, the printers are in the IDEAS lab on floor 2.")).to_be_visible()
    shot(patron, "04-patron-transferred")
    shot(alice_page, "04-alice-after")
    shot(carmen_page, "04-carmen-after")

    chat.refresh_from_db()
    assert chat.operator == carmen and chat.status == Chat.Status.ACTIVE
    accepted = Transfer.objects.get(status=Transfer.Status.ACCEPTED)
    assert (accepted.from_operator, accepted.to_operator, accepted.note) == (alice, carmen, NOTE)
    assert ChatEvent.objects.filter(chat=chat, kind=ChatEvent.Kind.TRANSFERRED).count() == 1
    bodies = list(chat.messages.values_list("body", flat=True))
    assert "Sure, send it over." not in bodies  # internal chat stays out of the patron's transcript

    # 5. Carmen offers it back; Alice declines: the chat stays with Carmen, who is told.
    carmen_page.get_by_role("button", name="Transfer", exact=True).click()
    carmen_dialog = carmen_page.get_by_role("dialog", name="Transfer chat")
    carmen_dialog.get_by_role("radio", name=re.compile("Alice")).check()
    carmen_dialog.get_by_role("button", name="Transfer chat").click()
    alice_card = alice_page.get_by_role("list", name="Transfer requests").get_by_role("listitem")
    expect(alice_card).to_contain_text("Carmen wants to transfer a chat to you")
    alice_card.get_by_role("button", name="Decline").click()
    expect(
        carmen_page.get_by_role("alert").filter(has_text="Alice declined the transfer; the chat stays with you.")
    ).to_be_visible()
    expect(alice_page.get_by_role("list", name="Transfer requests")).to_be_hidden()
    expect(my_chats(carmen_page).get_by_role("button", name=re.compile("Pat"))).to_be_visible()
    expect(my_chats(alice_page).get_by_role("listitem")).to_have_count(0)
    shot(carmen_page, "05-carmen-declined")

    chat.refresh_from_db()
    assert chat.operator == carmen
    assert Transfer.objects.filter(status=Transfer.Status.DECLINED, from_operator=carmen, to_operator=alice).exists()
    said_to_patron = Message.objects.filter(chat=chat, sender=Message.Sender.SYSTEM).values_list("body", flat=True)
    assert list(said_to_patron).count("You are being transferred to Carmen.") == 1
