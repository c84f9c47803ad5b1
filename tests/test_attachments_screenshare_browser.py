"""A patron's file and a screen-sharing request in real browsers, patron and operator sides
(DESIGN.md workflows 5 and 14), against a real uvicorn server and Celery worker."""

import re

import pytest
from playwright.sync_api import expect

from chat.attachments.models import ChatAttachment
from chat.screenshare.models import MeetingRoom, ScreenshareRequest
from tests.a11y import assert_accessible
from tests.desk_steps import off_the_loop
from tests.test_live_chat_browser import shot, sign_in, waiting_list

pytestmark = [pytest.mark.browser, pytest.mark.integration]

TIMEOUT = 30_000
QUESTION = "My reference manager shows an error when I import this file"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000100"
    "05fe02fea70000000049454e44ae426082"
)
NOTES = b"Error 0x80040154: class not registered\n"


def start_chat(browser, url):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, accept_downloads=True)
    patron = context.new_page()
    patron.goto(f"{url}/")
    patron.get_by_role("button", name="Ask a Librarian").click()
    widget = patron.frame_locator("iframe[title='Library chat']")
    widget.get_by_role("combobox", name="Department").select_option(label="Research & Instruction")
    widget.get_by_role("textbox", name="Your question").fill(QUESTION)
    widget.get_by_role("textbox", name="Name (optional)").fill("Pat")
    widget.get_by_role("button", name="Start chat").click()
    return context, patron, widget


def test_a_patron_sends_files_and_accepts_a_screenshare(live_stack, browser, alice):
    url = live_stack["url"]
    expect.set_options(timeout=TIMEOUT)
    # The library's meeting link, set in admin; a page of the desk itself so the new tab loads here.
    MeetingRoom.objects.create(url=f"{url}/?meeting={{chat}}")
    alice_page = sign_in(browser, url, "alice")
    alice_page.context.set_default_timeout(TIMEOUT)
    patron_context, patron, widget = start_chat(browser, url)
    waiting_list(alice_page).get_by_role("listitem").filter(has_text=QUESTION[:30]).get_by_role(
        "button", name="Claim Chat"
    ).click()
    expect(widget.get_by_text(re.compile("chatting with Alice"))).to_be_visible()

    # The patron attaches a text file and a screenshot.
    expect(widget.get_by_role("button", name="Attach a file")).to_be_visible()
    attach = widget.locator("#attach-input")
    attach.set_input_files({"name": "error.txt", "mimeType": "text/plain", "buffer": NOTES})
    expect(widget.get_by_role("button", name=re.compile(r"Download error\.txt"))).to_be_visible()
    attach.set_input_files({"name": "screen.png", "mimeType": "image/png", "buffer": PNG})
    expect(widget.get_by_role("button", name=re.compile(r"Download screen\.png"))).to_be_visible()
    # A script dressed as a picture is refused with a sentence, and nothing appears in the chat.
    attach.set_input_files({"name": "cat.png", "mimeType": "image/png", "buffer": b"<script>alert(1)</script>"})
    expect(widget.get_by_role("alert")).to_contain_text("content is not that kind of file")
    assert ChatAttachment.objects.count() == 2

    # The operator sees name, type, size and the manuals' warning; nothing is opened or previewed.
    pane = alice_page.locator("[data-chat]")
    expect(pane.get_by_text("error.txt", exact=True)).to_be_visible()
    expect(pane.get_by_text("text/plain · 39 bytes")).to_be_visible()
    expect(pane.get_by_text("Make sure the patron is really asking a question").first).to_be_visible()
    expect(pane.locator("img.attachment-preview")).to_have_count(0)
    shot(alice_page, "attachments-dashboard")

    # Download only by an explicit click, as a file.
    with alice_page.expect_download() as download_info:
        pane.get_by_role("link", name="Download error.txt").click()
    download = download_info.value
    assert download.suggested_filename == "error.txt"
    assert open(download.path(), "rb").read() == NOTES
    # The image is previewed only when asked.
    pane.get_by_role("button", name="Show preview of screen.png").click()
    expect(pane.get_by_role("img", name="Preview of screen.png")).to_be_visible()

    # The patron downloads their own file with the chat's token.
    with patron.expect_download() as patron_download:
        widget.get_by_role("button", name=re.compile(r"Download error\.txt")).click()
    assert open(patron_download.value.path(), "rb").read() == NOTES

    # Request Screenshare: the patron is asked first; the link goes out only after Yes.
    alice_page.get_by_role("button", name="Request Screenshare").click()
    expect(widget.get_by_text("Would you like a screen-sharing session?")).to_be_visible()
    request = ScreenshareRequest.objects.get()
    assert request.meeting_url not in "".join(request.chat.messages.values_list("body", flat=True))
    assert_accessible(patron.frame(url=re.compile(r"/widget/")), "the widget asking about screen sharing")
    shot(patron, "screenshare-question")
    with patron_context.expect_page() as new_tab:
        widget.get_by_role("button", name="Yes").click()
    tab = new_tab.value
    tab.wait_for_load_state()
    assert tab.url == request.meeting_url
    link = widget.get_by_role("link", name="Open the screen-sharing session (new tab)")
    expect(link).to_have_attribute("href", request.meeting_url)
    expect(link).to_have_attribute("target", "_blank")
    expect(pane.get_by_text(f"Join the screen-sharing session: {request.meeting_url}")).to_be_visible()
    assert_accessible(alice_page.main_frame, "the dashboard with attachments and screen sharing")
    shot(alice_page, "screenshare-dashboard")


SEGMENT_CASES = [
    "a" * 160,
    "a" * 161,
    "a" * 307,
    "€" * 80,
    "[" * 81,
    "é" * 160,
    "ê" + "a" * 69,
    "ê" + "a" * 70,
    "😀" * 35,
]


def test_an_sms_chat_is_marked_and_the_reply_box_counts_segments(live_stack, browser, alice, settings):
    from chat.models import Chat
    from chat.sms.base import InboundText
    from chat.sms.models import OutgoingSms
    from chat.sms.segments import segment_count, sms_length
    from chat.sms.services import receive_text

    url = live_stack["url"]
    expect.set_options(timeout=TIMEOUT)
    settings.DESK_SMS_DEPARTMENT = "research"
    alice_page = sign_in(browser, url, "alice")
    alice_page.context.set_default_timeout(TIMEOUT)
    # Off Playwright's event loop, so that the new chat's alert reaches the dashboard (tests/desk_steps.py).
    off_the_loop(
        receive_text, provider="twilio", text=InboundText("SM1", "+16175550100", "Do you have a scanner I can use?")
    )

    row = waiting_list(alice_page).get_by_role("listitem").filter(has_text="Do you have a scanner")
    expect(row.get_by_text("Source SMS")).to_be_visible()
    row.get_by_role("button", name="Claim Chat").click()
    pane = alice_page.locator("[data-chat]")
    expect(pane.locator(".chat-meta").get_by_text("Source SMS")).to_be_visible()
    expect(pane.get_by_role("button", name="Request Screenshare")).to_be_hidden()

    box = alice_page.get_by_label("Type your message")
    box.fill("Yes, on floor 2 by the printers.")
    expect(box).to_have_accessible_description("32 / 160 · 1 SMS segment")
    box.fill("a" * 161)
    expect(box).to_have_accessible_description("161 / 160 · 2 SMS segments · Over 160: the patron gets 2 texts")
    shot(alice_page, "sms-chat-counter")
    box.fill("Yes, on floor 2 by the printers.")
    alice_page.get_by_role("button", name="Send", exact=True).click()
    expect(pane.get_by_text("Yes, on floor 2 by the printers.")).to_be_visible()
    # No provider configured in this stack: the worker writes the text to its log and marks it sent.
    chat = Chat.objects.get()
    outgoing = lambda: OutgoingSms.objects.filter(message__chat=chat).first()  # noqa: E731
    expect(box).to_have_accessible_description("0 / 160 · 1 SMS segment")
    for _ in range(100):
        if outgoing() and outgoing().status == "sent":
            break
        alice_page.wait_for_timeout(200)
    assert outgoing().status == "sent"
    assert "+16175550100: Yes, on floor 2 by the printers." in live_stack["worker"].output()

    # The browser's count follows the same GSM-7 / UCS-2 rules as the server's.
    counts = alice_page.evaluate(
        """async (cases) => {
            const { smsLength, segmentCount } = await import('/static/desk/sms-count.js');
            return cases.map((text) => [smsLength(text).encoding, smsLength(text).units, segmentCount(text)]);
        }""",
        SEGMENT_CASES,
    )
    assert counts == [[*sms_length(text), segment_count(text)] for text in SEGMENT_CASES]
