"""Transferring a chat to a department, as the Cal State LA manual has it: the chat goes back to
that department's queue, and its operator claims it under Patron Chats with Claim Chat."""

import pytest
from playwright.sync_api import expect

from chat.models import Chat, Message, Transfer
from tests.desk_steps import shot, sign_in, start_chat, waiting_list

pytestmark = [pytest.mark.browser, pytest.mark.integration]

QUESTION = "Can someone help me model a bracket for the 3D printer?"


def test_a_chat_transferred_to_a_department_is_claimed_there(live_stack, browser, departments, alice, carmen):
    url = live_stack["url"]
    alice_page = sign_in(browser, url, "alice")
    carmen_page = sign_in(browser, url, "carmen")
    start_chat(departments["research"], QUESTION, name="Pat")
    waiting_list(alice_page).get_by_role("button", name="Claim Chat").click()
    expect(alice_page.get_by_role("heading", name="Pat", exact=True)).to_be_visible()
    # Research's queue is not Carmen's: she does not see the chat while it is Alice's.
    expect(carmen_page.get_by_text(QUESTION)).to_have_count(0)

    alice_page.get_by_role("button", name="Transfer", exact=True).click()
    dialog = alice_page.get_by_role("dialog", name="Transfer chat")
    expect(dialog).to_contain_text("A department gets the chat back in its waiting queue")
    dialog.get_by_role("group", name="Departments").get_by_role("radio", name="IDEAS").check()
    shot(alice_page, "department-transfer-01-dialog")
    dialog.get_by_role("button", name="Transfer chat").click()
    expect(alice_page.get_by_text("The chat with Pat is now waiting in the IDEAS queue.")).to_be_visible()
    expect(alice_page.get_by_text("That chat was transferred to IDEAS.")).to_be_visible()

    # Carmen hears it and finds it under Patron Chats, waiting; Claim Chat makes it hers.
    row = waiting_list(carmen_page).get_by_role("listitem").filter(has_text=QUESTION)
    expect(row).to_contain_text("IDEAS")
    expect(carmen_page.locator("[data-announcer]")).to_have_text("New chat waiting in IDEAS")
    shot(carmen_page, "department-transfer-02-waiting")
    row.get_by_role("button", name="Claim Chat").click()
    expect(carmen_page.get_by_role("heading", name="Pat", exact=True)).to_be_visible()
    log = carmen_page.get_by_role("log", name="Messages")
    expect(log.get_by_text("You are being transferred to IDEAS.", exact=False)).to_be_visible()
    carmen_page.get_by_label("Type your message").fill("Hi Pat, I'm Carmen from IDEAS. Let's look at it.")
    carmen_page.get_by_role("button", name="Send", exact=True).click()
    expect(log.get_by_text("Hi Pat, I'm Carmen from IDEAS.", exact=False)).to_be_visible()
    shot(carmen_page, "department-transfer-03-claimed")

    chat = Chat.objects.get()
    assert (chat.status, chat.operator, chat.department) == ("active", carmen, departments["ideas"])
    transfer = Transfer.objects.get()
    assert (transfer.from_operator, transfer.to_department) == (alice, departments["ideas"])
    assert transfer.status == "accepted"
    assert Message.objects.filter(chat=chat, sender="operator", operator=carmen).count() == 1
    expect(waiting_list(alice_page).get_by_text(QUESTION)).to_have_count(0)
