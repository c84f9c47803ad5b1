"""The one script tag on a library's own site (another origin than the desk): the chat button
wears the words and colour the supervisor set in the admin, the start form their welcome, and the
language the patron chose in the widget follows them to the site's next page."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from deskservice.models import DeskSettings
from tests.desk_steps import shot
from tests.live import free_port

pytestmark = [pytest.mark.browser, pytest.mark.integration]

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Branch Library: {title}</title></head>
<body><h1>{title}</h1><p><a href="/two.html">Opening hours</a></p>
<script src="{desk}/static/widget/embed.js" async></script></body></html>"""


class LibrarySite:
    """A library's web site on its own origin, pasting the desk's script tag on each page."""

    def __init__(self, desk):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        pages = {"/one.html": "Welcome", "/two.html": "Opening hours"}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                title = pages.get(self.path)
                body = PAGE.format(title=title, desk=desk).encode() if title else b"Not found"
                self.send_response(200 if title else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def library_site(live_stack):
    site = LibrarySite(live_stack["url"])
    yield site
    site.stop()


def test_the_launcher_follows_the_admin_and_the_patrons_language(live_stack, browser, library_site, departments):
    settings_row = DeskSettings.current()
    settings_row.embedding_sites = library_site.url
    settings_row.widget_colour = "#7a1f1f"
    settings_row.launcher_label = "Ask Us"
    settings_row.launcher_label_es = "Pregúntenos"
    settings_row.welcome_text = "Open 9 to 5. <b>Ask anything.</b>"
    settings_row.welcome_text_es = "Abierto de 9 a 5."
    settings_row.save()

    page = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US").new_page()
    page.goto(f"{library_site.url}/one.html")
    launcher = page.get_by_role("button", name="Ask Us")
    expect(launcher).to_be_visible()
    expect(launcher).to_have_css("background-color", "rgb(122, 31, 31)")
    launcher.click()
    widget = page.frame_locator("iframe[title='Library chat']")
    expect(widget.get_by_text("Open 9 to 5. <b>Ask anything.</b>")).to_be_visible()
    shot(page, "launcher-01-admin-words")

    # The patron switches the widget to Spanish, then goes on to another page of the site.
    widget.get_by_role("link", name="Español").click()
    expect(widget.get_by_role("heading", name="Pregunte a un bibliotecario")).to_be_visible()
    expect(widget.get_by_text("Abierto de 9 a 5.")).to_be_visible()
    page.wait_for_function("() => localStorage.getItem('desk-service-widget-lang') === 'es'")
    page.get_by_role("link", name="Opening hours").click()
    page.wait_for_url(f"{library_site.url}/two.html")

    # The window comes back open, in Spanish, and the button speaks Spanish too.
    frame = page.locator("[data-desk-service-widget] iframe")
    expect(page.get_by_role("button", name="Pregúntenos")).to_be_visible()
    spanish = page.frame_locator("iframe[title='Chat de la biblioteca']")
    expect(spanish.get_by_role("heading", name="Pregunte a un bibliotecario")).to_be_visible()
    expect(spanish.get_by_role("combobox", name="Departamento")).to_be_visible()
    assert "lang=es" in frame.get_attribute("src")
    shot(page, "launcher-02-next-page-in-spanish")
