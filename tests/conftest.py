import contextlib
import os

import pytest

from tests.live import Mailbox, Server, Worker, child_environment


@pytest.fixture
def mailbox():
    box = Mailbox().start()
    yield box
    box.stop()


@contextlib.contextmanager
def desk_processes(mailbox, **settings):
    """A real uvicorn server and Celery worker on the test database, Redis and `mailbox`;
    `settings` are environment variables of both (DESK_* overrides)."""
    env = child_environment(
        EMAIL_HOST="127.0.0.1", EMAIL_PORT=mailbox.port, CELERY_TASK_ALWAYS_EAGER="false", **settings
    )
    worker = Worker(env)
    try:
        server = Server(env)
    except Exception:
        worker.stop()
        raise
    try:
        yield {"server": server, "worker": worker, "mailbox": mailbox, "url": server.url}
    finally:
        server.stop()
        worker.stop()


@pytest.fixture
def live_stack(transactional_db, mailbox):
    with desk_processes(mailbox) as stack:
        yield stack


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--autoplay-policy=no-user-gesture-required",
]


@pytest.fixture
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail("Browser tests need Debian's chromium: run `apt-get install -y chromium` (make test does).")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # between browser steps are synchronous and safe here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        # ORM calls made between browser steps open a connection in this thread; close it so
        # the test database can be dropped at the end of the run.
        from django.db import connections

        connections.close_all()
        chromium.close()


def pytest_terminal_summary(terminalreporter):
    # The figure docs/reliability.md quotes: how many hostile inputs the property tests tried.
    import sys

    module = sys.modules.get("tests.test_hostile_input")
    if module and (module.TRIED["http"] or module.TRIED["websocket"]):
        terminalreporter.write_line(module.report_line())
        from tests.live import ARTIFACTS

        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "hostile-input.txt").write_text(module.report_line() + "\n")
