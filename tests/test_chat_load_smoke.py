"""bench/chat_load.py for a few seconds with a handful of clients, so that the harness cannot rot.

The harness starts the desk itself as the Procfile does (two uvicorn workers, a Celery
worker) on the test database, and its figures must show every message delivered once.
No speed is asserted here: figures belong in docs/performance.md.
"""

import json
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from tests.live import ARTIFACTS, ROOT

pytestmark = [pytest.mark.integration]


def test_it_delivers_every_message_once_between_patrons_and_operators(transactional_db, tmp_path):
    db = settings.DATABASES["default"]
    database_url = (
        f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{connection.settings_dict['NAME']}"
    )
    out = tmp_path / "figures.json"
    ARTIFACTS.mkdir(exist_ok=True)
    run = subprocess.run(
        [sys.executable, "bench/chat_load.py", "--database-url", database_url, "--redis-url", settings.REDIS_URL]
        # More patrons at once than one address may keep waiting (DESK_MAX_WAITING_CHATS_PER_CLIENT):
        # the harness must lift the queue cap for its own server, or chats are refused on a slow machine.
        + ["--patrons", "24", "--operators", "2", "--departments", "2", "--rate", "6", "--duration", "4"]
        + ["--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    (ARTIFACTS / "chat-load-smoke.log").write_text(run.stdout + run.stderr)
    assert run.returncode == 0, run.stdout + run.stderr

    report = json.loads(out.read_text())["desk"]
    assert report["setup_errors"] == 0, report["setup_error_kinds"]
    assert report["connections_held"] == report["connections_wanted"] == 26
    figures = report["run"]
    assert figures["lost"] == 0 and figures["duplicated"] == 0 and figures["errors"] == 0
    for direction in ("patron->operator", "operator->patron"):
        assert figures[direction]["sent"] > 0
        assert figures[direction]["delivered"] == figures[direction]["sent"]
    assert report["rss_peak_mb"]["web"] > 0
