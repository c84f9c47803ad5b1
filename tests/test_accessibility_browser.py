"""Accessibility in a real browser: the keyboard-only chat loop, axe-core on every patron and
staff page, and screenshots at phone and desktop widths (issue 11).

The patron uses a 360 px wide phone screen; Alice works the desk from a desktop. Neither
touches the mouse: every step is Tab, typing and Enter, and every control they land on must
show where the focus is.
"""

import re

import pytest
from playwright.sync_api import expect

from analytics.models import Location
from chat.models import Chat
from tests.a11y import assert_accessible, tab_to
from tests.live import ARTIFACTS
from tickets.models import Queue, Ticket
from tickets.services import create_ticket

pytestmark = [pytest.mark.browser, pytest.mark.integration]

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 860}
QUESTION = "Where can I find census data for 1850?"


def shot(page, name):
    """Saves what the person sees: the screen on a phone, the whole page on a desktop."""
    ARTIFACTS.mkdir(exist_ok=True)
    phone = page.viewport_size["width"] <= PHONE["width"]
    page.screenshot(path=str(ARTIFACTS / f"a11y-{name}.png"), full_page=not phone)


def widget_frame(page):
    return page.frame_locator("iframe[title='Library chat']")


def frame_of(page):
    """The widget's Frame object (axe runs inside the frame's own document)."""
    return page.locator("iframe[title='Library chat']").element_handle().content_frame()


def keyboard_sign_in(browser, url, username):
    page = browser.new_context(viewport=DESKTOP).new_page()
    page.goto(f"{url}/accounts/login/")
    assert_accessible(page.main_frame, "the sign-in page")
    tab_to(page, page.get_by_label("Username"))
    page.keyboard.type(username)
    tab_to(page, page.get_by_label("Password"))
    page.keyboard.type(f"pw-{username}-2026")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{url}/desk/")
    return page


def test_it_runs_the_chat_loop_with_the_keyboard_alone_and_passes_axe(live_stack, browser, alice, sam):
    url = live_stack["url"]
    Location.objects.create(name="Virtual")

    alice_page = keyboard_sign_in(browser, url, "alice")
    expect(alice_page.get_by_role("heading", name="Patron Chats")).to_be_visible()
    assert_accessible(alice_page.main_frame, "the empty dashboard")

    # The patron, on a phone, opens the widget from the library's page and asks.
    patron = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    patron.goto(f"{url}/")
    tab_to(patron, patron.get_by_role("button", name="Ask a Librarian"))
    patron.keyboard.press("Enter")
    widget = widget_frame(patron)
    department = widget.get_by_role("combobox", name="Department")
    expect(department).to_be_visible()
    # The open widget fits the phone's screen: nothing to scroll sideways.
    frame_box = patron.locator("iframe[title='Library chat']").bounding_box()
    assert frame_box["x"] >= 0 and frame_box["x"] + frame_box["width"] <= PHONE["width"]
    assert_accessible(frame_of(patron), "the widget's start view")
    assert_accessible(patron.main_frame, "the library page with the widget open")
    shot(patron, "phone-widget-start")

    tab_to(patron, department)
    # A closed <select> takes typed letters, as a screen-reader user would choose.
    patron.keyboard.type("Research")
    expect(department).to_have_value(re.compile(r".+"))
    expect(department.locator("option:checked")).to_have_text("Research & Instruction")
    tab_to(patron, widget.get_by_role("textbox", name="Your question"))
    patron.keyboard.type(QUESTION)
    tab_to(patron, widget.get_by_role("button", name="Start chat"))
    patron.keyboard.press("Enter")
    position = widget.get_by_text(re.compile(r"number 1 in line"))
    expect(position).to_be_visible()
    # The queue position is announced: it sits in a live region.
    assert position.evaluate("el => !!el.closest('[aria-live], [role=status], [role=log], [role=alert]')")
    assert_accessible(frame_of(patron), "the widget while waiting")
    shot(patron, "phone-widget-waiting")

    # Alice claims with the keyboard; the alert is announced in a live region too.
    claim = alice_page.get_by_role("button", name="Claim Chat")
    expect(claim).to_be_visible()
    alert = alice_page.get_by_text("New chat waiting in Research & Instruction")
    expect(alert).to_be_attached()
    assert alert.evaluate("el => !!el.closest('[aria-live], [role=status], [role=alert], [role=log]')")
    # The new item's arrival highlight fades within 0.35 s; contrast is judged on the text at rest
    # (scanned during the fade, axe failed this test on a busy machine, before any change).
    alice_page.locator(".waiting-item").first.evaluate("el => Promise.all(el.getAnimations().map((a) => a.finished))")
    assert_accessible(alice_page.main_frame, "the dashboard with a waiting chat")
    tab_to(alice_page, claim)
    alice_page.keyboard.press("Enter")
    expect(widget.get_by_text(re.compile("chatting with Alice"))).to_be_visible()

    reply_box = alice_page.get_by_label("Type your message")
    tab_to(alice_page, reply_box)
    alice_page.keyboard.type("The 1850 census is in our Social Explorer database.")
    alice_page.keyboard.press("Enter")
    answer = widget.get_by_text("The 1850 census is in our Social Explorer database.")
    expect(answer).to_be_visible()
    # New messages reach screen readers: the message list is a live log.
    assert answer.evaluate("el => !!el.closest('[aria-live], [role=log]')")

    patron_box = widget.get_by_label("Type your message")
    tab_to(patron, patron_box)
    patron.keyboard.type("Thank you!")
    patron.keyboard.press("Enter")
    expect(alice_page.get_by_text("Thank you!")).to_be_visible()
    assert_accessible(frame_of(patron), "the widget during a chat")
    assert_accessible(alice_page.main_frame, "the dashboard during a chat")
    shot(patron, "phone-widget-chatting")
    shot(alice_page, "desktop-dashboard-chatting")

    tab_to(alice_page, alice_page.get_by_role("button", name="End Chat"))
    alice_page.keyboard.press("Enter")
    expect(alice_page.get_by_role("heading", name="Reference Analytics")).to_be_visible()
    expect(widget.get_by_text("The chat has ended.")).to_be_visible()
    assert_accessible(alice_page.main_frame, "the dashboard's Reference Analytics form")
    assert_accessible(frame_of(patron), "the widget's ended view")
    shot(patron, "phone-widget-ended")

    chat = Chat.objects.get()
    assert chat.status == Chat.Status.ENDED
    said = chat.messages.exclude(sender="system").order_by("id")
    assert list(said.values_list("body", flat=True)) == [
        "The 1850 census is in our Social Explorer database.",
        "Thank you!",
    ]

    # The staff pages a supervisor and the operators use every day.
    queue = Queue.objects.create(name="Research help", slug="research-help", is_default=True)
    queue.members.add(alice)
    ticket = create_ticket(question="Renewing an interlibrary loan", email="pat@example.org", source="widget")
    sam_page = keyboard_sign_in(browser, url, "sam")
    for path, where in [
        ("/tickets/", "the ticket list"),
        (f"/tickets/{ticket.number}/", "a ticket"),
        ("/tickets/new/", "the new ticket form"),
        ("/analytics/record/", "Record interaction"),
        ("/analytics/reports/", "the reports"),
    ]:
        sam_page.goto(f"{url}{path}")
        expect(sam_page.locator("h1")).to_be_visible()
        assert_accessible(sam_page.main_frame, where)
    shot(sam_page, "desktop-reports")
    assert Ticket.objects.filter(pk=ticket.pk).exists()


def test_the_widget_opens_as_a_full_page_on_a_phone(live_stack, browser, alice):
    url = live_stack["url"]
    page = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    page.goto(f"{url}/widget/?full=1")
    expect(page.get_by_role("combobox", name="Department")).to_be_visible()
    # No sideways scrolling at 360 px: the page is no wider than the screen.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page.main_frame, "the full-page widget")
    shot(page, "phone-widget-full-page")
    desktop = browser.new_context(viewport=DESKTOP).new_page()
    desktop.goto(f"{url}/")
    desktop.get_by_role("button", name="Ask a Librarian").click()
    expect(widget_frame(desktop).get_by_role("combobox", name="Department")).to_be_visible()
    shot(desktop, "desktop-widget-start")
