"""The dashboard at the widths student assistants use, as the Cal State LA manual's loop goes:
Claim Chat, Email Transcript, End Chat, Save, Close Chat, with the internal chat open beside it.

A laptop shows the dashboard at 1280 to 1400 pixels, and with the internal chat panel open the
chat pane is the middle of three columns: its buttons must wrap inside it, never run under the
third column. The alert sound's notice must take its own place at the top of Patron Chats,
covering nothing, and leave once sound is on without spoiling the click that turned it on.
"""

import pytest
from playwright.sync_api import expect

from chat.models import Chat
from tests.desk_steps import in_box, shot, sign_in, start_chat, waiting_list

pytestmark = [pytest.mark.browser, pytest.mark.integration]

QUESTION = "Can I renew a book that someone else has requested?"
ACTIONS = ["Transfer", "Create Ticket", "Email Transcript", "Patron Information", "Ban", "End Chat"]


def assert_in_pane(page, names, width):
    pane = page.locator("[data-chat-pane]").bounding_box()
    for name in names:
        chat = page.locator("[data-chat]")
        button = chat.get_by_role("button", name=name, exact=True).or_(chat.get_by_role("link", name=name, exact=True))
        expect(button).to_be_in_viewport(ratio=1)
        assert in_box(button.bounding_box(), pane), f"{name} runs out of the chat pane at {width} px"


def test_the_chat_buttons_stay_in_the_pane_and_the_sound_notice_covers_nothing(
    live_stack, browser, departments, alice, location
):
    url = live_stack["url"]
    page = sign_in(browser, url, "alice", width=1280)

    # Sound is locked until a click: said at the top of Patron Chats, in the layout, not over it.
    patron_chats = page.get_by_role("region", name="Patron Chats")
    notice = patron_chats.locator("[data-sound-hint]")
    expect(notice).to_contain_text("Sound alerts are off")
    enable = notice.get_by_role("button", name="Enable sound")
    expect(enable).to_be_visible()
    box = notice.bounding_box()
    heading = patron_chats.get_by_role("heading", name="Patron Chats").bounding_box()
    waiting = patron_chats.get_by_role("heading", name="Waiting").bounding_box()
    assert heading["y"] + heading["height"] <= box["y"] and box["y"] + box["height"] <= waiting["y"]
    assert in_box(box, page.get_by_role("complementary", name="Chats and departments").bounding_box())
    shot(page, "layout-01-sound-notice")

    # The first click of the shift is Claim Chat itself: it claims, and then the notice goes.
    start_chat(departments["research"], QUESTION, name="Pat", email="pat@example.org")
    waiting_list(page).get_by_role("button", name="Claim Chat").click()
    expect(page.get_by_role("heading", name="Pat", exact=True)).to_be_visible()
    expect(notice).to_be_hidden()
    chat = Chat.objects.get()
    assert chat.status == Chat.Status.ACTIVE and chat.operator == alice

    # The internal chat opens as a third column; the chat's buttons wrap inside the middle one.
    page.get_by_role("region", name="Departments").get_by_role("button", name="Research & Instruction").click()
    expect(page.get_by_role("region", name="Research & Instruction")).to_be_visible()
    for width in (1400, 1280, 1024):
        page.set_viewport_size({"width": width, "height": 860})
        assert_in_pane(page, ACTIONS, width)
        ban = page.get_by_role("button", name="Ban", exact=True).bounding_box()
        end = page.get_by_role("button", name="End Chat").bounding_box()
        if ban["y"] == end["y"]:
            # Ban is not one slip of the mouse away from End Chat.
            assert end["x"] - (ban["x"] + ban["width"]) >= 16
        shot(page, f"layout-02-actions-{width}")

    # Email Transcript: its notice is about the live chat and goes when the chat ends.
    page.set_viewport_size({"width": 1280, "height": 860})
    page.get_by_role("button", name="Email Transcript").click()
    page.get_by_role("button", name="Send transcript").click()
    expect(page.get_by_text("Transcript queued for pat@example.org.")).to_be_visible()
    page.get_by_role("button", name="End Chat").click()
    form = page.get_by_role("form", name="Reference Analytics")
    expect(form.get_by_role("heading", name="Reference Analytics")).to_be_visible()
    expect(page.get_by_text("Transcript queued for pat@example.org.")).to_have_count(0)
    for width in (1400, 1280, 1024):
        page.set_viewport_size({"width": width, "height": 860})
        assert_in_pane(page, ["Close Chat", "Email Transcript"], width)
        shot(page, f"layout-03-ended-{width}")

    # Save: the form says it saved, its heading stays in view, and Close Chat is next.
    page.set_viewport_size({"width": 1280, "height": 860})
    form.get_by_role("button", name="Save").click()
    expect(form.get_by_role("status")).to_have_text("Saved. You can now close the chat.")
    expect(form.get_by_role("heading", name="Reference Analytics")).to_be_in_viewport()
    close = page.get_by_role("button", name="Close Chat")
    expect(close).to_be_enabled()
    expect(close).to_be_focused()
    assert_in_pane(page, ["Close Chat"], 1280)
    shot(page, "layout-04-saved")
    close.click()
    expect(page.get_by_text("Chat closed.")).to_be_visible()
    assert Chat.objects.get().closed_at is not None


def test_the_sound_notice_goes_with_the_first_key_a_keyboard_user_presses(live_stack, browser, alice):
    page = sign_in(browser, live_stack["url"], "alice", width=1280)
    expect(page.get_by_role("button", name="Enable sound")).to_be_visible()
    # A key press unlocks the browser's audio as a click does: nothing more to do.
    page.keyboard.press("Tab")
    expect(page.locator("[data-sound-hint]")).to_be_hidden()
