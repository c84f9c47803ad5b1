"""Group chat after a transfer, and each operator's alert settings (issue 12), in real browsers.

The patron in the widget, Alice and Bob on their dashboards, and the All staff room open on
both at once. Alice keeps the sound off and internal-message alerts off; Bob later turns his
pop-ups off. Alice transfers the chat to Bob and stays in it: the three of them chat, Alice
reloads and still has it, then leaves; the chat goes on between the patron and Bob.

Desktop pop-ups and the alert sound are observed through the browser's own APIs: an init script
puts a recording `Notification` and `AudioContext` in the page (the desk's code is untouched).
"""

import re

import pytest
from playwright.sync_api import expect

from chat.models import Chat, ChatParticipant
from tests.a11y import assert_accessible
from tests.desk_steps import sign_in as desk_sign_in
from tests.live import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.integration]

QUESTION = "Which old map shows our county in 1850?"

# Records what the dashboard asks of the browser: every pop-up (title, body, tag) and every tone.
OBSERVE_ALERTS = """
window.__popups = [];
window.__tones = 0;
class RecordingNotification extends EventTarget {
  static permission = "granted";
  static requestPermission() { return Promise.resolve("granted"); }
  constructor(title, options = {}) {
    super();
    window.__popups.push({ title, body: options.body, tag: options.tag });
  }
  close() {}
}
window.Notification = RecordingNotification;
class RecordingAudioContext {
  constructor() { this.state = "running"; this.currentTime = 0; this.destination = {}; }
  resume() { return Promise.resolve(); }
  createOscillator() {
    window.__tones += 1;
    return { type: "", frequency: { value: 0 }, connect: (node) => node, start() {}, stop() {} };
  }
  createGain() {
    return { gain: { setValueAtTime() {}, exponentialRampToValueAtTime() {} }, connect: (node) => node };
  }
}
window.AudioContext = RecordingAudioContext;
"""


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"group-chat-{name}.png"), full_page=True)


def sign_in(browser, url, username):
    return desk_sign_in(browser, url, username, width=1440, height=900, init_script=OBSERVE_ALERTS, unlock_sound=True)


def popups(page, tag=None):
    return [p for p in page.evaluate("window.__popups") if tag is None or p["tag"] == tag]


def wait_for_popup(page, tag):
    page.wait_for_function("tag => window.__popups.some((popup) => popup.tag === tag)", arg=tag)
    return popups(page, tag)


def tones(page):
    return page.evaluate("window.__tones")


def open_all_staff(page):
    page.get_by_role("region", name="Internal Chat").get_by_role("button", name=re.compile("All staff")).click()
    return page.get_by_role("region", name="All staff")


def set_alerts(page, **wanted):
    """Alert settings: {"Play a sound": False, ...}, then Save."""
    page.get_by_role("button", name="Alert settings").click()
    dialog = page.get_by_role("dialog", name="Alert settings")
    for label, on in wanted.items():
        dialog.get_by_role("checkbox", name=label).set_checked(on)
    dialog.get_by_role("button", name="Save alert settings").click()
    expect(page.get_by_role("status").filter(has_text="Alert settings saved.")).to_be_visible()
    expect(dialog).to_be_hidden()


def my_chats(page):
    return page.get_by_role("list", name="My chats")


def messages(page):
    return page.get_by_role("log", name="Messages")


def test_three_way_chat_after_a_transfer_with_alert_settings(live_stack, browser, alice, bob):
    url = live_stack["url"]
    alice_page = sign_in(browser, url, "alice")
    bob_page = sign_in(browser, url, "bob")

    # Alice wants no sound and no alerts for internal messages; she keeps the pop-ups.
    set_alerts(alice_page, **{"Play a sound": False, "Internal messages": False})
    expect(alice_page.get_by_text("Click anywhere to enable sound alerts")).to_be_hidden()

    # Both keep the All staff room open for the whole shift.
    alice_room, bob_room = open_all_staff(alice_page), open_all_staff(bob_page)
    bob_room.get_by_label("Type an internal message").fill("Map questions to me today, please.")
    bob_room.get_by_label("Type an internal message").press("Enter")
    expect(alice_room.get_by_text("Map questions to me today, please.")).to_be_visible()
    alice_room.get_by_label("Type an internal message").fill("Will do.")
    alice_room.get_by_label("Type an internal message").press("Enter")
    expect(bob_room.get_by_text("Will do.")).to_be_visible()
    # Bob, with every alert on, got a pop-up of its own kind; Alice, with internal messages off, none.
    assert [p["title"] for p in wait_for_popup(bob_page, "desk-internal-message")] == [
        "New internal message from Alice"
    ]
    assert popups(alice_page) == []

    # A patron asks Research & Instruction: both are alerted, each as they chose.
    patron = browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
    patron.goto(f"{url}/")
    patron.get_by_role("button", name="Ask a Librarian").click()
    widget = patron.frame_locator("iframe[title='Library chat']")
    widget.get_by_role("combobox", name="Department").select_option(label="Research & Instruction")
    widget.get_by_role("textbox", name="Your question").fill(QUESTION)
    widget.get_by_role("textbox", name="Name (optional)").fill("Pat")
    widget.get_by_role("button", name="Start chat").click()
    for page in (alice_page, bob_page):
        wait_for_popup(page, "desk-new-chat")
    assert popups(alice_page, "desk-new-chat")[0]["title"] == "New chat waiting in Research & Instruction"
    assert tones(bob_page) > 0 and tones(alice_page) == 0  # Alice's sound is off
    # The new chat's pop-up did not replace Bob's internal-message one: each kind has its own tag.
    assert len(popups(bob_page, "desk-internal-message")) == 1

    alice_page.get_by_role("button", name="Claim Chat").click()
    expect(widget.get_by_text(re.compile("chatting with Alice"))).to_be_visible()
    alice_page.get_by_label("Type your message").fill("Hi Pat, let me bring in our map specialist.")
    alice_page.get_by_label("Type your message").press("Enter")
    expect(widget.get_by_text("Hi Pat, let me bring in our map specialist.")).to_be_visible()

    # Bob turns his pop-ups off; the sound stays on.
    set_alerts(bob_page, **{"Show desktop pop-ups": False})
    bob_popups_before, bob_tones_before = len(popups(bob_page)), tones(bob_page)

    # Alice transfers to Bob and stays in the chat (the dialog's default, as in LibChat).
    alice_page.get_by_role("button", name="Transfer", exact=True).click()
    dialog = alice_page.get_by_role("dialog", name="Transfer chat")
    dialog.get_by_role("radio", name=re.compile("Bob")).check()
    expect(dialog.get_by_role("checkbox", name="Stay in the chat after the transfer")).to_be_checked()
    assert_accessible(alice_page.main_frame, "the Transfer dialog with Stay in the chat")
    dialog.get_by_role("button", name="Transfer chat").click()

    card = bob_page.get_by_role("list", name="Transfer requests").get_by_role("listitem")
    expect(card).to_contain_text("Alice will stay in the chat with you and the patron.")
    assert len(popups(bob_page)) == bob_popups_before  # pop-ups off: none for the request
    assert tones(bob_page) > bob_tones_before  # but the sound still plays
    card.get_by_role("button", name="Accept").click()

    # Three of them in one chat.
    expect(bob_page.get_by_role("heading", name="Pat", exact=True)).to_be_visible()
    expect(bob_page.get_by_text("Also in this chat: Alice.")).to_be_visible()
    expect(
        alice_page.get_by_role("alert").filter(has_text="You are still in it until you choose Leave chat.")
    ).to_be_visible()
    expect(alice_page.get_by_text(re.compile("This chat is Bob's now"))).to_be_visible()
    expect(alice_page.get_by_role("button", name="End Chat")).to_be_hidden()
    expect(alice_page.get_by_role("button", name="Transfer", exact=True)).to_be_hidden()
    expect(alice_page.get_by_role("button", name="Leave chat")).to_be_visible()
    expect(widget.get_by_text("You are being transferred to Bob.")).to_be_visible()
    expect(widget.get_by_text("Alice is staying in the chat.")).to_be_visible()

    widget.get_by_role("textbox", name="Type your message").fill("Great, thank you both!")
    widget.get_by_role("textbox", name="Type your message").press("Enter")
    for page in (alice_page, bob_page):
        expect(messages(page).get_by_text("Great, thank you both!")).to_be_visible()
    alice_page.get_by_label("Type your message").fill("Bob knows our historical maps best.")
    alice_page.get_by_label("Type your message").press("Enter")
    bob_page.get_by_label("Type your message").fill("The 1850 county atlas is on floor 3, case M.")
    bob_page.get_by_label("Type your message").press("Enter")
    patron_log = widget.get_by_role("log", name="Messages")
    expect(patron_log.get_by_role("listitem").filter(has_text="Bob knows our historical maps best.")).to_contain_text(
        "Alice"
    )
    expect(
        patron_log.get_by_role("listitem").filter(has_text="The 1850 county atlas is on floor 3, case M.")
    ).to_contain_text("Bob")
    expect(messages(bob_page).get_by_role("listitem").filter(has_text="Bob knows our historical")).to_contain_text(
        "Alice"
    )
    expect(messages(alice_page).get_by_text("The 1850 county atlas is on floor 3, case M.")).to_be_visible()
    # The All staff room is still open beside the chat on both dashboards.
    expect(alice_room.get_by_text("Map questions to me today, please.")).to_be_visible()
    expect(bob_room.get_by_text("Will do.")).to_be_visible()
    shot(alice_page, "01-alice-three-way")
    shot(bob_page, "01-bob-three-way")
    shot(patron, "01-patron-three-way")

    # A reload keeps the chat on Alice's dashboard, marked as Bob's, and her settings.
    alice_page.reload()
    entry = my_chats(alice_page).get_by_role("button", name=re.compile("Pat"))
    expect(entry).to_contain_text("Bob's chat")
    entry.click()
    expect(messages(alice_page).get_by_text("The 1850 county atlas is on floor 3, case M.")).to_be_visible()
    alice_page.get_by_role("button", name="Alert settings").click()
    settings_dialog = alice_page.get_by_role("dialog", name="Alert settings")
    expect(settings_dialog.get_by_role("checkbox", name="Play a sound")).not_to_be_checked()
    expect(settings_dialog.get_by_role("checkbox", name="Internal messages")).not_to_be_checked()
    expect(settings_dialog.get_by_role("checkbox", name="New chats")).to_be_checked()
    assert_accessible(alice_page.main_frame, "the Alert settings dialog")
    alice_page.keyboard.press("Escape")
    expect(alice_page.get_by_role("button", name="Alert settings")).to_be_focused()

    # Alice leaves: the chat goes on between the patron and Bob.
    alice_page.get_by_role("button", name="Leave chat").click()
    expect(alice_page.get_by_text("You left the chat; it goes on with the patron and its operator.")).to_be_visible()
    expect(my_chats(alice_page).get_by_role("listitem")).to_have_count(0)
    expect(widget.get_by_text("Alice has left the chat.")).to_be_visible()
    expect(messages(bob_page).get_by_text("Alice has left the chat.")).to_be_visible()
    expect(bob_page.get_by_text("Also in this chat: Alice.")).to_be_hidden()

    widget.get_by_role("textbox", name="Type your message").fill("Is the atlas on open shelves?")
    widget.get_by_role("textbox", name="Type your message").press("Enter")
    expect(messages(bob_page).get_by_text("Is the atlas on open shelves?")).to_be_visible()
    bob_page.get_by_label("Type your message").fill("Yes, you can browse it.")
    bob_page.get_by_label("Type your message").press("Enter")
    expect(widget.get_by_text("Yes, you can browse it.")).to_be_visible()
    expect(widget.get_by_role("button", name="End chat")).to_be_visible()  # still going
    expect(alice_page.get_by_text("Is the atlas on open shelves?")).to_have_count(0)
    shot(alice_page, "02-alice-left")
    shot(bob_page, "02-bob-after")
    shot(patron, "02-patron-after")

    chat = Chat.objects.get()
    assert (chat.status, chat.operator) == (Chat.Status.ACTIVE, bob)
    assert ChatParticipant.objects.get(chat=chat, operator=alice).left_at is not None
