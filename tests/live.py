"""Real processes for integration and browser tests: an ASGI server, a Celery worker, an SMTP server.

The server and worker are started as subprocesses pointed at the test database and the
test Redis, the way production runs them (STACK-NOTES: forking a live server inside the test
process connects to the wrong database and hangs after async tests).
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_environment(**overrides) -> dict:
    """The environment of a server or worker that shares the test database and Redis."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    env.update(
        DATABASE_URL=(
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
            f"/{connection.settings_dict['NAME']}"
        ),
        REDIS_URL=settings.REDIS_URL,
        DJANGO_SETTINGS_MODULE="deskservice.settings",
        PYTHONUNBUFFERED="1",
    )
    env.update({k: str(v) for k, v in overrides.items()})
    return env


class Process:
    def __init__(self, name: str, args: list[str], env: dict):
        ARTIFACTS.mkdir(exist_ok=True)
        self.name = name
        self.log_path = ARTIFACTS / f"{name}.log"
        self.log = open(self.log_path, "wb")
        self.popen = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(5)
        self.log.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


class Server(Process):
    """uvicorn serving deskservice.asgi on a free port."""

    def __init__(self, env: dict, name="server", extra_args=()):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**env, "SITE_URL": self.url, "WIDGET_ALLOWED_ORIGINS": self.url}
        super().__init__(
            name,
            [
                sys.executable,
                "-m",
                "uvicorn",
                "deskservice.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--no-access-log",
                # As the Procfile runs it: chat frames are small, and compressing them cost
                # CPU and about 40 KB a socket (docs/performance.md).
                "--ws-per-message-deflate",
                "false",
                *extra_args,
            ],
            env,
        )
        self.wait_ready()

    def wait_ready(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{self.output()}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(self.url + "/api/widget/v1/status", timeout=2):
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start in {timeout}s:\n{self.output()}")


class Worker(Process):
    def __init__(self, env: dict, name="worker"):
        super().__init__(
            name,
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "deskservice",
                "worker",
                "--pool",
                "solo",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            env,
        )
        deadline = time.monotonic() + 30
        while "ready." not in self.output():
            if self.popen.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"celery worker did not start:\n{self.output()}")
            time.sleep(0.2)


class Mailbox:
    """An aiosmtpd server on a free port that keeps every message it receives."""

    def __init__(self):
        self.messages = []
        self.received = threading.Condition()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        with self.received:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
            self.received.notify_all()
        return "250 Message accepted for delivery"

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        with contextlib.suppress(Exception):
            self.controller.stop()

    def wait_for(self, count=1, timeout=20):
        with self.received:
            self.received.wait_for(lambda: len(self.messages) >= count, timeout)
        return list(self.messages)
