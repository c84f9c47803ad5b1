"""Server processes for the load benches: started, watched for memory, and stopped by pid.

The desk is started the way the Procfile starts it (uvicorn with two workers sharing one
port, and a Celery worker); the baseline relay as two processes sharing one port. Memory is
the resident set size summed over a process and all its children, read from /proc.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / "test-artifacts"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Process:
    """A subprocess in a session of its own, so that stopping it stops its workers too."""

    def __init__(self, name: str, args: list[str], env: dict):
        LOGS.mkdir(exist_ok=True)
        self.name = name
        self.log_path = LOGS / f"bench-{name}.log"
        self.log = open(self.log_path, "wb")
        self.popen = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def stop(self, timeout=15):
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(5)
        self.log.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


def wait_http(url: str, process: Process, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError(f"{process.name} exited:\n{process.output()[-3000:]}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url, timeout=2):
                return
        time.sleep(0.3)
    raise RuntimeError(f"{process.name} did not answer {url} in {timeout}s:\n{process.output()[-3000:]}")


def start_desk(env: dict, *, port: int, web_workers: int = 2) -> dict[str, Process]:
    """The Procfile's shape: `uvicorn --workers N` and a Celery worker, on `env`'s database and Redis."""
    python = sys.executable
    web = Process(
        "desk-web",
        [python, "-m", "uvicorn", "deskservice.asgi:application", "--host", "127.0.0.1", "--port", str(port)]
        + ["--workers", str(web_workers), "--no-access-log", "--ws-per-message-deflate", "false"],
        env,
    )
    worker = Process(
        "desk-celery",
        [python, "-m", "celery", "-A", "deskservice", "worker", "--loglevel", "WARNING", "--concurrency", "2"],
        env,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/api/widget/v1/status", web)
        # uvicorn's master answers as soon as one worker is up; give the others time to bind.
        wait_children(web, web_workers)
    except Exception:
        web.stop()
        worker.stop()
        raise
    return {"web": web, "celery": worker}


def start_baseline(env: dict, *, port: int, processes: int = 2) -> dict[str, Process]:
    relay = Process(
        "baseline-relay",
        [sys.executable, str(ROOT / "bench" / "baseline_relay.py"), "--port", str(port)]
        + ["--processes", str(processes)],
        env,
    )
    wait_http(f"http://127.0.0.1:{port}/healthz", relay)
    wait_children(relay, processes)
    return {"web": relay}


def wait_children(process: Process, count: int, timeout=60):
    deadline = time.monotonic() + timeout
    while len(descendants(process.pid)) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{process.name} started fewer than {count} worker processes")
        time.sleep(0.3)
    time.sleep(1.5)


def descendants(pid: int) -> list[int]:
    children_of: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                # The command name may contain spaces and parentheses; the fields after the last ")" do not.
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children_of.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children_of.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_rss(pid: int) -> int:
    return sum(rss_bytes(p) for p in [pid, *descendants(pid)])


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used (children that exited are not counted)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # Fields 14 and 15 of proc(5), counted after the command name: utime and stime.
    return (int(fields[11]) + int(fields[12])) / TICKS


def tree_cpu_seconds(pid: int) -> float:
    return sum(cpu_seconds(p) for p in [pid, *descendants(pid)])


def named_cpu_seconds(command: str) -> float:
    """CPU time of every process with this command name (PostgreSQL backends, Redis): machine-wide."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as comm:
                    if comm.read().strip() != command:
                        continue
            except OSError:
                continue
            total += cpu_seconds(int(entry))
    return total


class MemorySampler:
    """Samples the summed RSS of process trees in a thread; keeps the peak of each."""

    def __init__(self, roots: dict[str, int], interval=0.5):
        self.roots = roots
        self.interval = interval
        self.peak = dict.fromkeys(roots, 0)
        self.last = dict.fromkeys(roots, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> dict[str, int]:
        for name, pid in self.roots.items():
            self.last[name] = tree_rss(pid)
            self.peak[name] = max(self.peak[name], self.last[name])
        return dict(self.last)

    def _run(self):
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def cpu(self) -> dict[str, float]:
        """CPU seconds used so far by each server tree, and by PostgreSQL and Redis on this machine."""
        used = {name: tree_cpu_seconds(pid) for name, pid in self.roots.items()}
        used["postgres"] = named_cpu_seconds("postgres")
        used["redis"] = named_cpu_seconds("redis-server")
        return used

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
