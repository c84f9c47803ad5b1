"""A patron who closes the tab while waiting: the widget's heartbeats stop, and the chat leaves
every operator's queue as left by the patron, a missed chat in the reports (chat/abandoned.py)."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from chat.abandoned import end_abandoned_chats
from chat.models import Chat
from tests.conftest import desk_processes
from tests.desk_steps import off_the_loop, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.integration]


@pytest.fixture
def quick_heartbeats(transactional_db, mailbox):
    """The desk as live_stack starts it, with the widget asked for a heartbeat every second."""
    with desk_processes(mailbox, DESK_PATRON_HEARTBEAT_SECONDS=1) as stack:
        yield stack["url"]


def seen_after(page, chat, earlier, seconds=5):
    """When the desk next hears from the patron after `earlier` (None: at all), within `seconds`."""
    for _ in range(seconds * 10):
        chat.refresh_from_db(fields=["patron_seen_at"])
        if chat.patron_seen_at is not None and (earlier is None or chat.patron_seen_at > earlier):
            return chat.patron_seen_at
        page.wait_for_timeout(100)
    raise AssertionError(f"the desk has not heard from the patron since {earlier}")


def test_a_closed_tab_leaves_the_queue_as_a_missed_chat(quick_heartbeats, browser, alice):
    url = quick_heartbeats
    desk = sign_in(browser, url, "alice")
    patron_context = browser.new_context(viewport={"width": 360, "height": 740})
    patron = patron_context.new_page()
    patron.goto(f"{url}/widget/?full=1&department=research")
    patron.get_by_role("textbox", name="Your question").fill("Do you have the 1987 yearbook?")
    patron.get_by_role("button", name="Start chat").click()
    expect(patron.get_by_text("number 1 in line", exact=False)).to_be_visible(timeout=15_000)
    waiting = desk.get_by_role("region", name="Patron chats")
    expect(waiting.get_by_text("Do you have the 1987 yearbook?")).to_be_visible(timeout=15_000)

    chat = Chat.objects.get()
    # Its socket authenticating while the chat waits says the patron is there...
    first_seen = seen_after(patron, chat, None)
    # ...and the open widget keeps saying so.
    seen_after(patron, chat, first_seen)

    # The patron closes the tab; the sweep runs once the desk has not heard from them for
    # DESK_ABANDONED_WAIT_MINUTES (moved forward here instead of waited for).
    patron_context.close()
    chat.refresh_from_db()
    later = chat.patron_seen_at + timedelta(minutes=16)
    assert off_the_loop(end_abandoned_chats, now=later) == 1
    expect(waiting.get_by_text("Do you have the 1987 yearbook?")).to_be_hidden(timeout=15_000)
    chat.refresh_from_db()
    assert (chat.status, chat.ended_by, chat.claimed_at) == ("ended", "patron", None)
