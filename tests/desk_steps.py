"""Steps the manual-procedure browser tests share: signing in, a patron's chat, screenshots.

Service calls made from the test body run on a thread of their own: Playwright's sync API keeps
an event loop running in the test's thread, and an event published from there (a new chat's
queue.added) would otherwise not reach the dashboards.
"""

import threading
from urllib.parse import quote

from playwright.sync_api import expect

from tests.live import ARTIFACTS


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(
    browser, url, username, *, width=1280, height=860, next_path="/desk/", init_script=None, unlock_sound=False
):
    context = browser.new_context(viewport={"width": width, "height": height})
    if init_script:
        context.add_init_script(init_script)
    page = context.new_page()
    page.goto(f"{url}/accounts/login/?next={quote(next_path)}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"pw-{username}-2026")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{url}{next_path}")
    if next_path == "/desk/":
        # The snapshot has arrived: the socket is up, so the operator counts as online.
        expect(page.locator("[data-department-list] .is-online").first).to_be_visible()
    if unlock_sound:
        # A first click unlocks the alert sound, as an operator's first click on the page would.
        page.get_by_role("heading", name="Patron Chats").click()
    return page


def off_the_loop(function, *args, **kwargs):
    """Runs `function` on another thread and returns what it returned (or raises what it raised)."""
    outcome = {}

    def run():
        try:
            outcome["value"] = function(*args, **kwargs)
        except BaseException as error:  # handed to the caller below
            outcome["error"] = error
        finally:
            from django.db import connection

            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def start_chat(department, question, **patron):
    """A patron's chat from the widget API's service: waiting in `department`, alerting its operators."""
    from chat import services

    chat, _token = off_the_loop(services.start_chat, department=department, question=question, **patron)
    return chat


def waiting_list(page):
    return page.get_by_role("list", name="Waiting")


def in_box(inner, outer, slack=1):
    """`inner` (a bounding box) lies within `outer`."""
    return (
        inner["x"] >= outer["x"] - slack
        and inner["y"] >= outer["y"] - slack
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + slack
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + slack
    )
