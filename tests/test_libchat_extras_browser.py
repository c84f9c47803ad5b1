"""What LibChat operators rely on, in one shift (issue 12): the patron, two operators and the
All staff room open at once; Patron Information with Update; a ban on an abusive patron."""

import re

import pytest
from playwright.sync_api import expect

from chat.models import Ban, Chat
from tests.a11y import assert_accessible
from tests.live import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def sign_in(browser, url, username):
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"pw-{username}-2026")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{url}/desk/")
    return page


def test_patron_information_all_staff_and_a_ban(live_stack, browser, alice, carmen):
    url = live_stack["url"]
    alice_page = sign_in(browser, url, "alice")
    carmen_page = sign_in(browser, url, "carmen")

    # Everyone signed in shares the All staff room, across departments.
    carmen_page.get_by_role("region", name="Internal Chat").get_by_role("button", name=re.compile("All staff")).click()
    carmen_page.get_by_label("Type an internal message").fill("Fire drill at 3 pm, everyone.")
    carmen_page.get_by_label("Type an internal message").press("Enter")
    alice_page.get_by_role("region", name="Internal Chat").get_by_role("button", name=re.compile("All staff")).click()
    expect(alice_page.get_by_text("Fire drill at 3 pm, everyone.")).to_be_visible()
    expect(alice_page.get_by_text("Everyone on the desk · staff only")).to_be_visible()
    alice_page.get_by_role("button", name="Close", exact=True).click()

    patron = browser.new_context().new_page()
    patron.goto(f"{url}/")
    patron.get_by_role("button", name="Ask a Librarian").click()
    widget = patron.frame_locator("iframe[title='Library chat']")
    widget.get_by_role("combobox", name="Department").select_option(label="Research & Instruction")
    widget.get_by_role("textbox", name="Your question").fill("BUY CHEAP WATCHES")
    widget.get_by_role("textbox", name="Name (optional)").fill("Spammer")
    widget.get_by_role("textbox", name="Email (optional)").fill("spam@example.org")
    widget.get_by_role("button", name="Start chat").click()
    expect(widget.get_by_text(re.compile(r"number 1 in line"))).to_be_visible()

    alice_page.get_by_role("button", name="Claim Chat").click()
    alice_page.get_by_role("button", name="Patron Information").click()
    panel = alice_page.get_by_role("region", name="Patron Information")
    expect(panel.get_by_label("Email")).to_have_value("spam@example.org")
    expect(panel.get_by_text(re.compile(f"^{re.escape(url)}/$"))).to_be_visible()
    expect(panel.get_by_text("No earlier chats with this contact.")).to_be_visible()
    panel.get_by_label("Name").fill("Sam Spammer")
    panel.get_by_role("button", name="Update").click()
    expect(panel.get_by_text("Updated.")).to_be_visible()
    assert_accessible(alice_page.main_frame, "the dashboard with Patron Information open")
    ARTIFACTS.mkdir(exist_ok=True)
    alice_page.screenshot(path=str(ARTIFACTS / "extras-patron-information.png"), full_page=True)
    chat = Chat.objects.get()
    assert chat.patron_name == "Sam Spammer"

    alice_page.get_by_role("button", name="Ban", exact=True).click()
    alice_page.get_by_label("Ban for").select_option(label="1 week")
    alice_page.get_by_label("Reason").fill("spam")
    alice_page.get_by_role("button", name="Ban patron").click()
    expect(alice_page.get_by_role("button", name="Banned")).to_be_disabled()
    expect(widget.get_by_text("The chat has ended.")).to_be_visible()
    ban = Ban.objects.get()
    assert ban.reason == "spam" and ban.banned_by == alice

    widget.get_by_role("button", name="Start a new chat").click()
    widget.get_by_role("textbox", name="Your question").fill("AGAIN CHEAP WATCHES")
    widget.get_by_role("button", name="Start chat").click()
    expect(widget.get_by_text(re.compile("cannot use the library's chat right now"))).to_be_visible()
    patron.screenshot(path=str(ARTIFACTS / "extras-banned-widget.png"))
    assert Chat.objects.count() == 1
